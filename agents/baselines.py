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
    EpisodeCallback,
    episode_record,
    fit_to_budget,
    plan_of,
    register_agent,
    run_episode,
    scale_to_budget,
    score_plans,
)


class FixedPlanAgent(Agent):
    """A baseline whose plan is computed once: `train` computes and scores it."""

    def __init__(self, env: gym.Env, seed: int = 0, **hyperparameters) -> None:
        super().__init__(env, seed, **hyperparameters)
        self._plan: PruningPlan | None = None

    @abstractmethod
    def compute(self) -> tuple[PruningPlan, float, float]:
        """The plan, its episode return and its calibration KL."""

    def train(self, episodes: int, callback: EpisodeCallback | None = None) -> FixedPlanAgent:
        if self.episodes_done > 0 and self._plan is not None:
            return self
        started = time.perf_counter()
        self._plan, ret, kl = self.compute()
        self.episodes_done = 1
        info = {
            "kl": kl,
            "prunable_sparsity": self._plan.prunable_sparsity,
            "model_sparsity": self._plan.model_sparsity,
        }
        if callback is not None:
            callback(episode_record(1, ret, info, time.perf_counter() - started))
        return self

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

    def __init__(self, env: gym.Env, seed: int = 0) -> None:
        super().__init__(env, seed)

    def compute(self):
        rng = np.random.default_rng(self.seed)
        space = self.env.action_space
        ret, info = run_episode(self.env, lambda _: rng.integers(0, space.nvec), seed=self.seed)
        plan = self._stamp(PruningPlan.from_dict(info["plan"]), calibration_kl=info["kl"])
        return plan, ret, info["kl"]


@register_agent("uniform")
class UniformAgent(FixedPlanAgent):
    """The same ratio for every unit, equal to the target sparsity."""

    def __init__(self, env: gym.Env, seed: int = 0, target_sparsity: float | None = None):
        super().__init__(env, seed, target_sparsity=target_sparsity)
        self.target = self._target(target_sparsity)

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

    def __init__(
        self,
        env: gym.Env,
        seed: int = 0,
        target_sparsity: float | None = None,
        probe_ratio: float | None = None,
        powers: tuple[float, ...] = (0.5, 1.0, 2.0),
    ) -> None:
        super().__init__(
            env, seed, target_sparsity=target_sparsity, probe_ratio=probe_ratio, powers=powers
        )
        self.target = self._target(target_sparsity)
        self.probe_ratio = float(probe_ratio or self.prune_env.ratio_grid.max())
        self.powers = tuple(powers)
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

    def __init__(
        self,
        env: gym.Env,
        seed: int = 0,
        target_sparsity: float | None = None,
        outlier_multiple: float = 5.0,
        spread: float = 0.08,
    ) -> None:
        super().__init__(
            env,
            seed,
            target_sparsity=target_sparsity,
            outlier_multiple=outlier_multiple,
            spread=spread,
        )
        self.target = self._target(target_sparsity)
        self.outlier_multiple, self.spread = outlier_multiple, spread

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
