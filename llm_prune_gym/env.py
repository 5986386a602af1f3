"""`LLMPrune-v0`: prune a language model layer by layer, rewarded for size, penalised by KL."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from .batched import DEFAULT_MAX_BATCH_PLANS, evaluate_plans
from .calibration import CalibrationSet, KLResult
from .plan import PruningPlan, count_parameters
from .prompts import Messages, load_prompts
from .structured import build_pruner, check_granularity, default_modules
from .students import DEFAULT_STUDENT, Student, load_student

DEFAULT_GRID = tuple(round(0.01 * i, 2) for i in range(31))
REWARD_MODES = ("paper", "budget")
SAMPLING_MODES = ("fixed", "sample")
OBSERVATION_MODES = ("paper", "layer", "sensitivity")


def _dtype(value: str | torch.dtype) -> torch.dtype:
    if isinstance(value, torch.dtype):
        return value
    try:
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[
            value
        ]
    except KeyError:
        raise ValueError(f"unknown dtype {value!r}; use float32, bfloat16 or float16") from None


def checked_device(device: str | torch.device) -> torch.device:
    """`device` as a torch device, or ValueError if torch does not know it or it is absent."""
    try:
        checked = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; use cpu, cuda, cuda:N or mps") from None
    available = {
        "cpu": lambda: True,
        "cuda": lambda: (
            torch.cuda.is_available() and (checked.index or 0) < torch.cuda.device_count()
        ),
        "mps": lambda: torch.backends.mps.is_available(),
    }
    if not available.get(checked.type, lambda: False)():
        raise ValueError(f"device {device!r} is not available on this machine")
    return checked


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
    at construction (``L * K`` forward passes, :meth:`unit_sensitivities`), as
    ``log`` rises min-max scaled to ``[0, 1]`` over all units. A policy can then
    learn one mapping from sensitivity to ratio and use it in every layer.

    ## Rewards
    ``reward="paper"`` (default): every step earns ``c1 * sum(ratios of that layer)``;
    the last step also earns ``c2 * s + c3 * KL``, where ``s`` is the share of prunable
    weights removed and ``KL`` is KL(p_teacher || p_pruned) per scored token over the
    episode's calibration batch (``c3 < 0`` makes it a penalty). The teacher is the
    unpruned student; its distributions are computed once and cached. The scored
    tokens are the teacher's own greedy answer to each calibration prompt (up to
    ``answer_tokens`` tokens), not the prompt or padding.

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
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        student: str | Path | tuple | Student = DEFAULT_STUDENT,
        modules: Sequence[str] | None = None,
        ratio_grid: Sequence[float] = DEFAULT_GRID,
        c1: float = 0.001,
        c2: float = 1.0,
        c3: float = -1.0,
        criterion: str = "magnitude",
        prompts: str | Path | Sequence[str | Messages] = "builtin:train",
        batch_size: int = 8,
        sampling: str = "fixed",
        answer_tokens: int = 32,
        target_sparsity: float | None = None,
        reward: str = "paper",
        observation: str = "paper",
        device: str | torch.device = "cpu",
        dtype: str | torch.dtype = "float32",
        render_mode: str | None = None,
        progress: bool = False,
        granularity: str = "weights",
    ) -> None:
        check_granularity(granularity)
        grid = np.asarray(ratio_grid, dtype=np.float64)
        if grid.ndim != 1 or len(grid) < 2 or not np.all((grid >= 0) & (grid <= 1)):
            raise ValueError("ratio_grid must be at least two ratios in [0, 1] (no NaN)")
        modules = tuple(default_modules(granularity) if modules is None else modules)
        if not modules or len(set(modules)) != len(modules):
            raise ValueError(f"modules must name distinct modules, got {list(modules)}")
        for name, value in (("c1", c1), ("c2", c2), ("c3", c3)):
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value}")
        if answer_tokens < 0:
            raise ValueError(
                f"answer_tokens must be 0 (score the prompts) or more, got {answer_tokens}"
            )
        if sampling not in SAMPLING_MODES:
            raise ValueError(f"unknown sampling {sampling!r}; choose one of {SAMPLING_MODES}")
        if reward not in REWARD_MODES:
            raise ValueError(f"unknown reward {reward!r}; choose one of {REWARD_MODES}")
        if observation not in OBSERVATION_MODES:
            raise ValueError(
                f"unknown observation {observation!r}; choose one of {OBSERVATION_MODES}"
            )
        if reward == "budget" and target_sparsity is None:
            raise ValueError('reward="budget" needs a target_sparsity')
        if target_sparsity is not None and not 0 < target_sparsity < grid.max():
            raise ValueError(
                f"target_sparsity must lie in (0, {grid.max():g}), below the largest ratio of "
                f"ratio_grid (at it only uniform pruning fits); got {target_sparsity}"
            )
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"unknown render_mode {render_mode!r}")
        self.ratio_grid = grid
        self.c1, self.c2, self.c3 = float(c1), float(c2), float(c3)
        self.batch_size = batch_size
        self.sampling = sampling
        self.target_sparsity = target_sparsity
        self.reward_mode = reward
        self.observation_mode = observation
        self.render_mode = render_mode

        pool = load_prompts(prompts)
        if sampling == "fixed":
            pool = pool[:batch_size]
        self.batch_size = min(batch_size, len(pool))
        self.student = load_student(student, device=checked_device(device), dtype=_dtype(dtype))
        self.model = self.student.model
        self.calibration = CalibrationSet(
            self.student, pool, answer_tokens, self.batch_size, progress=progress
        )
        batches = (  # consumed only by criteria that need activations (Wanda)
            self.calibration.inputs(range(i, min(i + self.batch_size, len(pool))))
            for i in range(0, len(pool), self.batch_size)
        )
        self.pruner = build_pruner(self.model, modules, criterion, granularity, batches)
        self.granularity = granularity
        self.total_params = count_parameters(self.model)
        self.sizes = np.array(self.pruner.sizes, dtype=np.float64)
        self.num_layers, self.num_modules = self.sizes.shape

        self.action_space = spaces.MultiDiscrete([len(grid)] * self.num_modules)
        self.observation_space = self._observation_space()
        self._uniform_kl: KLResult | None = None
        if reward == "budget":
            self._uniform_kl = self.evaluate_plan(np.full_like(self.sizes, target_sparsity))
        self._sensitivity_features = None
        if observation == "sensitivity":
            rises = self.unit_sensitivities(grid.max(), target_sparsity or 0.0)
            self._sensitivity_features = scaled_log(rises)
        self._layer = 0
        self._ratios = np.zeros_like(self.sizes)
        self._batch: list[int] = list(range(self.batch_size))
        self._needs_reset = True

    # -- episode ---------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.pruner.restore()
        self._layer = 0
        self._ratios = np.zeros_like(self.sizes)
        if self.sampling == "sample":
            chosen = self.np_random.choice(len(self.calibration), self.batch_size, replace=False)
            self._batch = sorted(int(i) for i in chosen)
        self._needs_reset = False
        return self._observation(), self._info()

    def step(self, action):
        if self._needs_reset:
            raise RuntimeError("the episode has ended (or never started): call reset() first")
        action = self._checked_action(action)
        ratios = self.ratio_grid[action]
        if self.target_sparsity is not None:
            ratios = self._within_budget(ratios)
        self.pruner.prune_layer(self._layer, ratios.tolist())
        self._ratios[self._layer] = (
            np.array(self.pruner.pruned[self._layer]) / self.sizes[self._layer]
        )
        self._layer += 1
        terminated = self._layer == self.num_layers
        reward = self.c1 * float(ratios.sum()) if self.reward_mode == "paper" else 0.0
        info = self._info()
        if terminated:
            self._needs_reset = True
            kl = self.calibration.kl(self._batch)
            info["kl"] = kl.mean
            info["plan"] = self.current_plan().to_dict()
            if self.reward_mode == "paper":
                reward += self.c2 * info["prunable_sparsity"] + self.c3 * kl.mean
            else:
                info["kl_uniform"] = self.uniform_kl(self._batch)
                reward = (info["kl_uniform"] - kl.mean) / info["kl_uniform"]
        return self._observation(), float(reward), bool(terminated), False, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        header = "layer  " + "  ".join(f"{m:>9}" for m in self.pruner.modules)
        rows = [
            f"{layer:>5}  " + "  ".join(f"{r:>9.3f}" for r in self._ratios[layer])
            for layer in range(self._layer)
        ]
        return "\n".join([header, *rows])

    def close(self) -> None:
        self.pruner.restore()

    # -- helpers that agents and evaluation use ---------------------------------

    def current_plan(self) -> PruningPlan:
        """The ratios applied so far (zeros for layers not yet visited) as a plan."""
        return PruningPlan.for_pruner(
            self.pruner, self._ratios.copy(), self.total_params, model=self.student.name
        )

    def evaluate_plan(self, plan: PruningPlan | np.ndarray, indices: Sequence[int] | None = None):
        """KL of the model pruned by `plan` on calibration prompts `indices` (default: all).

        Leaves the model unpruned and ends any episode in progress.
        """
        ratios = plan.ratios if isinstance(plan, PruningPlan) else np.asarray(plan)
        indices = list(range(len(self.calibration))) if indices is None else list(indices)
        self._needs_reset = True
        self.pruner.apply(ratios.tolist())
        try:
            sums, counts = [], []
            for start in range(0, len(indices), self.batch_size):
                result = self.calibration.kl(indices[start : start + self.batch_size])
                sums += result.sums
                counts += result.counts
        finally:
            self.pruner.restore()
        return KLResult(sum(sums) / sum(counts), sums, counts)

    def evaluate_plans(
        self,
        plans: Sequence[PruningPlan | np.ndarray] | np.ndarray,
        indices: Sequence[int] | None = None,
        max_batch_plans: int = DEFAULT_MAX_BATCH_PLANS,
    ) -> np.ndarray:
        """The KLs of many plans, batched: ``evaluate_plan(plan, indices).mean`` for each.

        Up to `max_batch_plans` plans share a forward pass (:mod:`llm_prune_gym.batched`).
        The model's weights are not touched, so an episode in progress goes on unchanged.
        """
        indices = range(len(self.calibration)) if indices is None else indices
        results = evaluate_plans(
            self.calibration, self.pruner, plans, indices, self.batch_size, max_batch_plans
        )
        return np.array([result.mean for result in results])

    def unit_sensitivities(self, probe: float, base: float = 0.0) -> np.ndarray:
        """L x K: the calibration-batch KL rise when each unit alone is pruned at `probe`.

        Every other unit is pruned at `base` (0: the unit alone; the target: the unit
        at the operating point, where pruning interacts). One plan per unit (plus the
        base plan when ``base > 0``), scored in batches by :meth:`evaluate_plans`.
        """
        plans = [np.full_like(self.sizes, base)] if base else []
        for layer, unit in np.ndindex(self.sizes.shape):
            plans.append(np.full_like(self.sizes, base))
            plans[-1][layer, unit] = probe
        kls = self.evaluate_plans(plans, range(self.batch_size))
        floor = kls[0] if base else 0.0
        return (kls[1:] if base else kls).reshape(self.sizes.shape) - floor

    def uniform_kl(self, indices: Sequence[int]) -> float:
        """KL of uniform pruning at the target sparsity on `indices` (computed at init)."""
        if self._uniform_kl is None:
            raise RuntimeError("uniform KL is computed only with reward='budget'")
        sums = sum(self._uniform_kl.sums[i] for i in indices)
        return sums / sum(self._uniform_kl.counts[i] for i in indices)

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
            self.observation_mode
        ]
        return spaces.Box(0.0, 1.0, (size,), np.float32)

    def _observation(self) -> np.ndarray:
        remaining = 1.0 - self._ratios.reshape(-1)
        parts = [remaining, [self._layer / self.num_layers]]
        if self.observation_mode == "layer":
            parts.append(np.arange(self.num_layers) == self._layer)
        elif self.observation_mode == "sensitivity":
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
