"""`LLMPrune-v0`: prune a language model layer by layer, rewarded for size, penalised by KL."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from .plan import PruningPlan
from .rewards import reward
from .settings import EnvSettings
from .students import Student
from .workbench import Workbench


def scaled_log(values: np.ndarray) -> np.ndarray:
    """``log(values)`` min-max scaled to [0, 1]; values below 1% of the median count as that."""
    floor = max(0.01 * float(np.median(values)), 1e-12)
    logs = np.log(np.maximum(values, floor))
    spread = logs.max() - logs.min()
    return (logs - logs.min()) / spread if spread > 0 else np.full_like(logs, 0.5)


class LLMPruneEnv(gym.Env):
    """Prune a causal language model one decoder layer per step.

    The agent visits the model's ``L`` decoder layers in order. At each layer it
    picks a pruning ratio for each of the ``K`` prunable linear modules (default
    ``q_proj``, ``o_proj``, ``gate_proj``, ``up_proj``); the ratio removes that
    share of the module's weights by the pruning criterion, in place.

    ## Action Space
    ``MultiDiscrete([G] * K)``: component ``k`` picks ``ratio_grid[a_k]`` for module
    ``k`` of the current layer. Default grid: 0.00, 0.01, ..., 0.30 (``G = 31``).
    With ``target_sparsity`` set, the chosen ratios of a layer are scaled (AMC's
    budget constraint) so the episode always ends at exactly that prunable sparsity:
    never above it, and never so low that the remaining layers cannot reach it.
    ``info["ratios"]`` holds the ratios actually applied.

    ## Observation Space
    ``observation="paper"`` (default): ``Box(0, 1, (K * L + 1,), float32)``, the
    remaining fraction of the weights of every prunable unit (layer-major), then the
    current layer index divided by ``L``. ``observation="layer"`` appends a one-hot of
    the current layer (``K * L + 1 + L`` entries; all zero once the episode ends), so
    that a policy can tell layers apart without learning it from one scalar.
    ``observation="sensitivity"`` appends the current layer's ``K`` unit
    sensitivities (``K * L + 1 + K`` entries; zero once the episode ends): how much
    the calibration KL rises when that unit alone is pruned at the grid's top ratio
    on top of uniform pruning at the target (at 0 without a target), measured once
    at construction (``L * K`` forward passes, :meth:`Workbench.unit_sensitivities`), as
    ``log`` rises min-max scaled to ``[0, 1]`` over all units. A policy can then
    learn one mapping from sensitivity to ratio and use it in every layer.

    ## Rewards
    ``reward="paper"`` (default): every step earns ``c1 * sum(ratios of that layer)``;
    the last step also earns ``c2 * s + c3 * KL``, where ``s`` is the share of prunable
    weights removed and ``KL`` is KL(p_teacher || p_pruned) per scored token over the
    episode's calibration batch (``c3 < 0`` makes it a penalty). The teacher is the
    unpruned student; its distributions are computed once and cached. The scored
    tokens are the teacher's own greedy answer to each calibration prompt (up to
    ``answer_tokens`` tokens), not the prompt or padding. Both rewards are
    :func:`llm_prune_gym.reward`, which the agents that score plans use too.

    ``reward="budget"`` (needs ``target_sparsity``): steps earn 0; the last step
    earns ``(KL_uniform - KL) / KL_uniform``, where ``KL_uniform`` is the KL of
    uniform pruning at the target sparsity on the same batch (computed once). A
    positive return beats uniform pruning.

    ## Starting State
    The unpruned model: all fractions 1, layer index 0. ``reset`` restores every
    pruned weight bit-exactly. With ``sampling="sample"`` each episode draws
    ``batch_size`` calibration prompts with the env's RNG; ``"fixed"`` uses the
    first ``batch_size`` every episode.

    ## Episode End
    ``terminated=True`` after the step on the last layer (``L`` steps). Never truncated.

    ## Info
    ``layer`` (the layer just pruned), ``ratios`` (L x K applied so far),
    ``prunable_sparsity``, ``model_sparsity``; at the end also ``kl``, ``plan``
    (a :class:`PruningPlan` as a dict) and, with ``reward="budget"``, ``kl_uniform``.

    ## Arguments
    Every option is a field of :class:`~llm_prune_gym.settings.EnvSettings`: pass
    ``settings=EnvSettings(...)``, keywords, or both (keywords override). The model
    side (student, pruner, calibration prompts, KL) is a
    :class:`~llm_prune_gym.workbench.Workbench`, built from the settings or given as
    ``workbench=`` (its settings are then the defaults the keywords change; its
    student and prompts are its own); ``env.unwrapped.workbench`` is public.

    - ``student``: ``"smollm2"`` (default), ``"stub"``, a ``.gguf`` path, a Hugging
      Face folder, a ``(model, tokenizer)`` pair or a :class:`Student`.
    - ``modules``: short names of the linear modules pruned in every layer (default
      ``q_proj, o_proj, gate_proj, up_proj``; with channels ``q_proj, gate_proj``).
    - ``ratio_grid``: the ratios an action index maps to.
    - ``c1``, ``c2``, ``c3``: reward coefficients of the paper's reward.
    - ``criterion``: ``"magnitude"`` (L1 unstructured) or ``"wanda"``.
    - ``prompts``: ``"builtin:train"`` (default), ``"builtin:heldout"``, a JSONL path,
      or a list of strings / chat message lists.
    - ``batch_size``: calibration prompts per episode; ``sampling``: ``fixed`` or ``sample``.
    - ``answer_tokens``: length cap of the teacher's answers that are scored.
    - ``target_sparsity``: prunable sparsity every episode must end at (optional).
    - ``reward``: ``"paper"`` or ``"budget"``.
    - ``observation``: ``"paper"``, ``"layer"`` or ``"sensitivity"`` (see Observation Space).
    - ``device``, ``dtype``: where and in which precision the student runs.
    - ``granularity``: ``"weights"`` (default, the paper's unstructured pruning) or
      ``"channels"``: a unit's ratio removes that share of whole MLP channels
      (``gate_proj``) or query heads (``q_proj``), with the ``down_proj``/``o_proj``
      columns that die with them, counted in every sparsity
      (:mod:`llm_prune_gym.structured` has the rules and the ranking).
    - ``width_multiple``: with channels, every kept MLP width is a multiple of it
      (default 1: any width; :mod:`llm_prune_gym.structured`).
    - ``teacher_topk``: keep the teacher's top k log-probs plus a remainder per scored
      token (default None: the full distribution; ``results/speed/teacher-topk``).
    - ``batch_matmul``: the matmul of ``workbench.batch_kls`` (search agents' scoring):
      ``"loop"`` (default), ``"bmm"``, ``"loop-tf32"`` or ``"bmm-tf32"`` (TF32 on CUDA).
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        settings: EnvSettings | None = None,
        *,
        workbench: Workbench | None = None,
        render_mode: str | None = None,
        **options,
    ) -> None:
        if settings is None:  # a given workbench's own settings, else the defaults
            settings = EnvSettings() if workbench is None else workbench.settings
        self.settings = settings.replace(**options) if options else settings
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"unknown render_mode {render_mode!r}")
        self.render_mode = render_mode
        self.ratio_grid = np.asarray(self.settings.ratio_grid, dtype=np.float64)
        self.target_sparsity = self.settings.target_sparsity
        self.workbench = Workbench(self.settings) if workbench is None else workbench
        self.batch_size = self.workbench.batch_size
        self.sizes = self.workbench.sizes
        self.num_layers, self.num_modules = self.sizes.shape

        self.action_space = spaces.MultiDiscrete([len(self.ratio_grid)] * self.num_modules)
        self.observation_space = self._observation_space()
        if self.settings.reward == "budget":  # scored once here, not in the first episode
            self.workbench.uniform_kl(self.target_sparsity)
        self._sensitivity_features = None
        if self.settings.observation == "sensitivity":
            rises = self.workbench.unit_sensitivities(
                self.ratio_grid.max(), self.target_sparsity or 0.0
            )
            self._sensitivity_features = scaled_log(rises)
        self._layer = 0
        self._ratios = np.zeros_like(self.sizes)
        self._batch: list[int] = list(range(self.batch_size))
        self._needs_reset = True

    @property
    def student(self) -> Student:
        """The workbench's student (model, tokenizer, name)."""
        return self.workbench.student

    @property
    def total_params(self) -> int:
        return self.workbench.total_params

    @property
    def batch(self) -> list[int]:
        """The calibration prompts (indices) this episode is scored on."""
        return list(self._batch)

    # -- episode ---------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.workbench.restore()
        self._layer = 0
        self._ratios = np.zeros_like(self.sizes)
        if self.settings.sampling == "sample":
            chosen = self.np_random.choice(
                self.workbench.num_prompts, self.batch_size, replace=False
            )
            self._batch = sorted(int(i) for i in chosen)
        self._needs_reset = False
        return self._observation(), self._info()

    def step(self, action):
        ratios, info, terminated = self._advance(action, in_place=True)
        if not terminated:
            return self._observation(), reward(self.settings, ratios), False, False, info
        return self._finish(ratios, info, self.workbench.kl(None, self._batch).mean)

    def _advance(self, action, in_place: bool) -> tuple[np.ndarray, dict, bool]:
        """Take `action` on the current layer: (ratios chosen, info, terminated).

        `in_place`: prune the model's weights (this env); else only record the ratios
        the pruner would apply (:class:`~llm_prune_gym.vector.LLMPruneVectorEnv`, which
        scores its finished plans together).
        """
        if self._needs_reset:
            raise RuntimeError("the episode has ended (or never started): call reset() first")
        action = self._checked_action(action)
        ratios = self.ratio_grid[action]
        if self.target_sparsity is not None:
            ratios = self._within_budget(ratios)
        prune = self.workbench.prune_layer if in_place else self.workbench.layer_ratios
        self._ratios[self._layer] = prune(self._layer, ratios)
        self._layer += 1
        terminated = self._layer == self.num_layers
        if terminated:
            self._needs_reset = True
        return ratios, self._info(), terminated

    def _finish(self, ratios: np.ndarray, info: dict, kl: float):
        """The last step's result, given the KL of the finished plan on the episode's batch."""
        info["kl"] = kl
        info["plan"] = self.current_plan().to_dict()
        if self.settings.reward == "budget":
            info["kl_uniform"] = self.workbench.uniform_kl(self.target_sparsity, self._batch)
        earned = reward(
            self.settings, ratios, info["prunable_sparsity"], info["kl"], info.get("kl_uniform")
        )
        return self._observation(), float(earned), True, False, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        header = "layer  " + "  ".join(f"{m:>9}" for m in self.workbench.modules)
        rows = [
            f"{layer:>5}  " + "  ".join(f"{r:>9.3f}" for r in self._ratios[layer])
            for layer in range(self._layer)
        ]
        return "\n".join([header, *rows])

    def close(self) -> None:
        self.workbench.restore()

    # -- the episode as a plan --------------------------------------------------

    def current_plan(self) -> PruningPlan:
        """The ratios applied so far (zeros for layers not yet visited) as a plan."""
        return self.workbench.plan(self._ratios.copy())

    # -- internals ------------------------------------------------------------

    def _checked_action(self, action) -> np.ndarray:
        array = np.asarray(action)
        if array.shape != (self.num_modules,):
            raise ValueError(f"action must have shape ({self.num_modules},), got {array.shape}")
        if not np.issubdtype(array.dtype, np.integer):
            if not np.all(np.mod(array, 1) == 0):
                raise ValueError(f"action must hold integers, got {array.tolist()}")
            array = array.astype(np.int64)
        if array.min() < 0 or array.max() >= len(self.ratio_grid):
            raise ValueError(
                f"action values must lie in [0, {len(self.ratio_grid) - 1}], got {array.tolist()}"
            )
        return array.astype(np.int64)

    def _within_budget(self, ratios: np.ndarray) -> np.ndarray:
        """Scale this layer's ratios so the target sparsity stays exactly reachable."""
        sizes = self.sizes[self._layer]
        target = self.target_sparsity * self.sizes.sum()
        done = (self._ratios[: self._layer] * self.sizes[: self._layer]).sum()
        capacity_after = self.ratio_grid.max() * self.sizes[self._layer + 1 :].sum()
        low, high = max(target - done - capacity_after, 0.0), max(target - done, 0.0)
        chosen = float((ratios * sizes).sum())
        if chosen > high:
            ratios = ratios * (high / chosen)
        elif chosen < low:  # move every ratio toward the cap until the layer prunes `low`
            room = float(((self.ratio_grid.max() - ratios) * sizes).sum())
            if room > 0:  # none when every ratio is at the cap already (rounding)
                ratios = ratios + (self.ratio_grid.max() - ratios) * ((low - chosen) / room)
        return np.clip(ratios, 0.0, 1.0)

    def _observation_space(self) -> spaces.Box:
        size = self.num_layers * self.num_modules + 1
        size += {"paper": 0, "layer": self.num_layers, "sensitivity": self.num_modules}[
            self.settings.observation
        ]
        return spaces.Box(0.0, 1.0, (size,), np.float32)

    def _observation(self) -> np.ndarray:
        remaining = 1.0 - self._ratios.reshape(-1)
        parts = [remaining, [self._layer / self.num_layers]]
        if self.settings.observation == "layer":
            parts.append(np.arange(self.num_layers) == self._layer)
        elif self.settings.observation == "sensitivity":
            done = self._layer == self.num_layers
            parts.append(
                np.zeros(self.num_modules) if done else self._sensitivity_features[self._layer]
            )
        return np.concatenate(parts).astype(np.float32)

    def _info(self) -> dict:
        pruned = float((self._ratios * self.sizes).sum())
        return {
            "layer": self._layer - 1,
            "ratios": self._ratios.copy(),
            "prunable_sparsity": pruned / float(self.sizes.sum()),
            "model_sparsity": pruned / float(self.total_params),
        }
