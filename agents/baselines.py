"""Non-learning baselines: a random policy, uniform ratios, sensitivity- and OWL-weighted ratios.

They spend no episode budget (``train`` does its fixed work and reports one row,
the plan's calibration score); every plan but ``random``'s lands exactly on the
target sparsity (the env's ``target_sparsity`` or the agent's ``target_sparsity``).
Ratios are continuous in ``[0, max(grid)]``, not snapped to the grid.
"""

from __future__ import annotations

import time
from abc import abstractmethod

import gymnasium as gym
import numpy as np

from llm_prune_gym import PruningPlan
from llm_prune_gym.pruning import input_norms

from .base import (
    Agent,
    Episode,
    Report,
    fit_to_budget,
    plan_of,
    register_agent,
    run_episode,
    scale_to_budget,
    score_plans,
)
from .settings import OWLSettings, RandomSettings, SensitivitySettings, UniformSettings


class FixedPlanAgent(Agent):
    """A baseline whose plan is computed once: its one episode computes and scores it."""

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        self._plan: PruningPlan | None = None

    @abstractmethod
    def compute(self) -> tuple[PruningPlan, float, float]:
        """The plan, its episode return and its calibration KL."""

    def play(self, report: Report) -> None:
        """One episode, whatever the budget: the plan needs no more (none once computed)."""
        if self.episodes_done == 0 or self._plan is None:
            self.episodes_done = 0  # the one episode is the first, even after a lost plan
            report(self.episode())

    def episode(self) -> Episode:
        started = time.perf_counter()
        self._plan, ret, kl = self.compute()
        info = {
            "kl": kl,
            "prunable_sparsity": self._plan.prunable_sparsity,
            "model_sparsity": self._plan.model_sparsity,
        }
        return Episode.from_info(ret, info, time.perf_counter() - started)

    def plan(self) -> PruningPlan:
        if self._plan is None:
            self.train(1)
        return self._plan

    def _state(self) -> dict:
        return {"plan": None if self._plan is None else self._plan.to_dict()}

    def _restore(self, state: dict) -> None:
        self._plan = None if state["plan"] is None else PruningPlan.from_dict(state["plan"])

    def _scored(self, ratios: np.ndarray, **metadata) -> tuple[PruningPlan, float, float]:
        (scored,) = self._scored_together([ratios], [metadata])
        return scored

    def _scored_together(
        self, plans: list[np.ndarray], metadata: list[dict]
    ) -> list[tuple[PruningPlan, float, float]]:
        """(plan, return, KL) of each ratio table, the KLs batched; `metadata` per plan."""
        env = self.prune_env
        returns, kls = score_plans(env, plans, range(env.batch_size))
        return [
            (self._stamp(plan_of(env, ratios, calibration_kl=kl, **extra)), ret, kl)
            for ratios, ret, kl, extra in zip(plans, returns, kls, metadata, strict=True)
        ]


@register_agent("random")
class RandomAgent(FixedPlanAgent):
    """One episode of a uniformly random policy (the env's budget scaling applies)."""

    settings_class = RandomSettings

    def compute(self):
        rng = np.random.default_rng(self.seed)
        space = self.env.action_space
        ret, info = run_episode(self.env, lambda _: rng.integers(0, space.nvec), seed=self.seed)
        plan = self._stamp(PruningPlan.from_dict(info["plan"]), calibration_kl=info["kl"])
        return plan, ret, info["kl"]


@register_agent("uniform")
class UniformAgent(FixedPlanAgent):
    """The same ratio for every unit, equal to the target sparsity."""

    settings_class = UniformSettings

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        self.target = self._target(self.settings.target_sparsity)

    def compute(self):
        return self._scored(np.full_like(self.prune_env.sizes, self.target))


@register_agent("sensitivity")
class SensitivityAgent(FixedPlanAgent):
    """Prune units that hurt less more: ``ratio_u ~ (1 / KL_u) ** p``, capped, on target.

    ``KL_u`` is the calibration KL with only unit ``u`` pruned at `probe_ratio`
    (``L * K`` plans, scored in batches by ``Workbench.batch_kls``). Each power in
    `powers` gives a candidate allocation (``p = 0`` is uniform); the one with the
    lowest calibration KL wins (the candidates scored in one batch), and its ``p``
    goes into the plan's metadata. A higher ``p`` follows the measured sensitivities
    more boldly; since KL grows convexly with the ratio, the best ``p`` depends on
    the model, so it is chosen, not fixed.
    """

    settings_class = SensitivitySettings

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        config: SensitivitySettings = self.settings
        self.target = self._target(config.target_sparsity)
        self.probe_ratio = float(config.probe_ratio or self.prune_env.ratio_grid.max())
        self.powers = tuple(config.powers)
        self.sensitivities: np.ndarray | None = None

    def measure(self) -> np.ndarray:
        """KL of the calibration batch with each unit alone pruned at the probe ratio."""
        return self.prune_env.workbench.unit_sensitivities(self.probe_ratio)

    def allocation(self, power: float) -> np.ndarray:
        env = self.prune_env
        weights = 1.0 / np.maximum(self.sensitivities, 1e-9) ** power
        return scale_to_budget(weights, env.sizes, self.target, float(env.ratio_grid.max()))

    def compute(self):
        self.sensitivities = self.measure()
        allocations = [self.allocation(p) for p in self.powers]
        candidates = self._scored_together(allocations, [{"power": p} for p in self.powers])
        return max(candidates, key=lambda candidate: candidate[1])


@register_agent("owl")
class OWLAgent(FixedPlanAgent):
    """Outlier-weighted layerwise sparsity (OWL, Yin et al. 2024), on our units.

    Per layer, the outlier share ``D_l`` is the fraction of Wanda scores
    ``|W_ij| * ||X_j||`` of the layer's pruned units above ``M`` times their mean
    (activations from the calibration batch). Layers with more outliers are pruned
    less: ``ratio_l = target + lambda * (1 - 2 * (D_l - min D) / (max D - min D))``,
    shifted so the sparsity is exactly the target, clipped to ``[0, max(grid)]``.
    All units of a layer share its ratio, as in OWL.
    """

    settings_class = OWLSettings

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        config: OWLSettings = self.settings
        self.target = self._target(config.target_sparsity)
        self.outlier_multiple, self.spread = config.outlier_multiple, config.spread

    def outlier_shares(self) -> np.ndarray:
        env = self.prune_env
        linears = [linear for layer in env.workbench.pruner.layers for linear in layer]
        batch = env.workbench.calibration.inputs(range(env.batch_size))
        norms = input_norms(env.workbench.model, linears, [batch])
        shares = []
        for layer in range(env.num_layers):
            units = range(layer * env.num_modules, (layer + 1) * env.num_modules)
            scores = np.concatenate(
                [
                    (linears[i].weight.detach().abs().float().cpu() * norms[i][None, :])
                    .flatten()
                    .numpy()
                    for i in units
                ]
            )
            shares.append(float((scores > self.outlier_multiple * scores.mean()).mean()))
        return np.array(shares)

    def compute(self):
        env = self.prune_env
        shares = self.outlier_shares()
        spread = shares.max() - shares.min()
        position = (shares - shares.min()) / spread if spread > 0 else np.full_like(shares, 0.5)
        base = self.target + self.spread * (1.0 - 2.0 * position)
        layer_ratios = np.repeat(base[:, None], env.num_modules, axis=1)
        cap = float(env.ratio_grid.max())
        ratios = fit_to_budget(
            lambda shift: np.clip(layer_ratios + shift, 0.0, cap),
            env.sizes,
            self.target,
            -cap - self.spread,
            cap + self.spread,
        )
        return self._scored(ratios, outlier_shares=shares.round(6).tolist())
