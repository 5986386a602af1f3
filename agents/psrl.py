"""Posterior sampling (PSRL) on a decomposed return, readable top to bottom.

LLMPrune-v0 pays one reward, at the end, for 30 x 4 choices. A policy gradient
credits every choice with the whole return, so each one's signal drowns in the
noise of the other 119: our A2C and SB3's agents end with layer-blind plans. This
agent learns where the return comes from instead (return decomposition, as in
RUDDER, Arjona-Medina et al. 2019) and explores by posterior sampling (PSRL,
Osband et al. 2013).

- Reward model: a score of the episode is a sum of one share per step and
  module, each a polynomial in the ratio the env applied there, ``x = r / r_max``::

      y = b + sum_t sum_k sum_{j=1..degree} theta_tkj * x_tk ** j + noise

  With a budget the score is ``y = -log KL`` (``fit="log_kl"``, the default): at a
  fixed sparsity the return only falls with the KL, the log turns the KL's
  compounding over units into a sum, and a catastrophic plan (10x uniform's KL)
  costs a few units, not hundreds, so the fit stays good where the good plans
  are. ``fit="return"`` models the return itself (also without a budget). It is a
  Bayesian linear regression with Gaussian noise (sd ``noise_sd``), so the
  posterior is exact and updated once per episode.
- Prior: every unit's share is ``-prior_curvature * (w_tk / mean w) * x ** degree``
  give or take ``prior_sd`` per coefficient: pruning costs, more the more is
  pruned, and uniform pruning is the best plan. Its first samples are
  therefore moderate departures from uniform, not the all-or-nothing plans of
  a flat prior, whose extreme KLs an additive model cannot fit (on a stand-in
  whose KL compounds over units, a flat prior ended above uniform's KL).
- Acting: each episode draws coefficients from the posterior and plays the plan
  that is best for them within the budget: per unit, the grid ratio that
  maximises ``q_tk(r) + lambda * w_tk * r``, where ``w_tk`` is the unit's share of
  the prunable weights and ``lambda`` (the score a unit of sparsity is worth) is
  bisected so the plan meets the target. Where the posterior is unsure it is
  wide, so sampled plans try what is not known yet; as data comes in they settle.
- The first episode plays uniform pruning (the grid ratio nearest the target).
- ``plan()``: the best plan for the posterior mean, played by the env.

The policy depends on the step alone (which layer it is pruning), as the optimal
policy of this model does; the env's budget constraint keeps every plan exactly
on target. Without a target sparsity (``fit="return"`` only) ``lambda`` is 0 and
the reward's own sparsity terms set the plan.
"""

from __future__ import annotations

import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

from llm_prune_gym import PruningPlan
from llm_prune_gym.plan import bisect_knob

from .base import Agent, Episode, register_agent, rng_from_state, run_episode
from .settings import PSRLSettings


@register_agent("psrl")
class PosteriorSamplingAgent(Agent):
    """Posterior sampling on a per-unit polynomial model of the episode (module docstring).

    Settings (:class:`~agents.settings.PSRLSettings`): the polynomials' ``degree``,
    ``prior_sd``, ``noise_sd``, the score it models (``fit``: ``"log_kl"``, which needs a
    target sparsity, or ``"return"``) and ``prior_curvature``. The seed seeds the
    posterior draws and the env's first reset.
    """

    settings_class = PSRLSettings
    metric_names = ("predicted_score", "budget_lambda")

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        config: PSRLSettings = self.settings
        degree, prior_sd, noise_sd = config.degree, config.prior_sd, config.noise_sd
        fit, prior_curvature = config.fit, config.prior_curvature
        if degree < 1 or prior_sd <= 0 or noise_sd <= 0 or prior_curvature < 0:
            raise ValueError(
                "degree must be at least 1, both standard deviations positive and "
                "prior_curvature at least 0"
            )
        if fit not in ("log_kl", "return"):
            raise ValueError(f"unknown fit {fit!r}; choose log_kl or return")
        env_ = self.prune_env
        if fit == "log_kl":
            self._target(None)  # at a fixed sparsity only; raises without a target
        self.fit = fit
        self.degree, self.noise_sd = degree, noise_sd
        self.grid, self.target = env_.ratio_grid, env_.target_sparsity
        self.shares = env_.sizes / env_.sizes.sum()  # [L, K]
        self.powers = self.features(self.grid)  # [C, degree]
        size = env_.sizes.size * degree + 1  # + the intercept b
        self.precision = np.eye(size) / prior_sd**2
        self.precision[-1, -1] = 1e-6  # a flat prior for the intercept
        # prior mean: every unit costs -curvature * (its weight share / the mean) * x^degree,
        # for which uniform pruning is the best plan
        prior_mean = np.zeros((*self.shares.shape, degree))
        prior_mean[..., -1] = -prior_curvature * self.shares / self.shares.mean()
        self.weighted_scores = self.precision @ np.append(prior_mean.ravel(), 0.0)
        self.budget_lambda = 0.0
        self.rng = np.random.default_rng(seed)

    # -- the model --------------------------------------------------------------

    def features(self, ratios: np.ndarray) -> np.ndarray:
        """``[..., degree]``: the powers ``x ** 1 .. x ** degree`` of ``x = ratio / r_max``."""
        x = np.asarray(ratios, dtype=np.float64)[..., None] / self.grid.max()
        return x ** np.arange(1, self.degree + 1)

    def episode_features(self, ratios: np.ndarray) -> np.ndarray:
        """One regression row: every unit's powers (layer-major), then 1 for the intercept."""
        return np.append(self.features(ratios).ravel(), 1.0)

    def posterior(self) -> tuple[np.ndarray, torch.Tensor]:
        """The posterior mean and the Cholesky factor ``L`` of its precision ``L L^T``."""
        lower = torch.linalg.cholesky(torch.from_numpy(self.precision))
        scores = torch.from_numpy(self.weighted_scores)[:, None]
        return torch.cholesky_solve(scores, lower)[:, 0].numpy(), lower

    def posterior_sample(self, posterior: tuple[np.ndarray, torch.Tensor] | None = None):
        """theta ~ N(mean, precision^-1): ``mean + L^-T z`` (of `posterior` if given)."""
        mean, lower = posterior or self.posterior()
        z = torch.from_numpy(self.rng.standard_normal(len(mean)))[:, None]
        return mean + torch.linalg.solve_triangular(lower.T, z, upper=True)[:, 0].numpy()

    def best_actions(self, theta: np.ndarray) -> np.ndarray:
        """``[L, K]`` grid indices that maximise the model's score within the budget."""
        shares = theta[:-1].reshape(*self.shares.shape, self.degree) @ self.powers.T  # [L, K, C]
        prices = self.shares[..., None] * self.grid  # sparsity each choice adds, [L, K, C]

        def plan_at(lam: float) -> tuple[np.ndarray, float]:
            actions = np.argmax(shares + lam * prices, axis=-1)
            return actions, float((self.shares * self.grid[actions]).sum())

        if self.target is None:
            self.budget_lambda = 0.0
            return plan_at(0.0)[0]

        # lambda may be negative (a model that rewards pruning): grow the bracket both ways
        def sparsity_at(lam: float) -> float:
            return plan_at(lam)[1]

        self.budget_lambda = bisect_knob(sparsity_at, self.target, -1.0, 1.0, 60, grow=True)
        return plan_at(self.budget_lambda)[0]

    def score(self, ret: float, info: dict) -> float:
        """What the model predicts for an episode: ``-log KL`` or the return."""
        return -float(np.log(max(info["kl"], 1e-12))) if self.fit == "log_kl" else ret

    def observe(self, applied: np.ndarray, score: float) -> None:
        """The exact Bayesian update with one episode: its applied ratios and score."""
        row = self.episode_features(applied) / self.noise_sd
        self.precision += np.outer(row, row)
        self.weighted_scores += row * score / self.noise_sd

    # -- acting and learning ------------------------------------------------------

    def play_plan(self, actions: np.ndarray) -> tuple[float, dict]:
        """Play one episode with the planned grid indices ``[L, K]``, one row per step."""
        rows = iter(actions)
        seed = self.seed if self.episodes_done == 0 else None  # as `Agent._reset`
        return run_episode(self.env, lambda _: next(rows), seed=seed)

    def episode(self) -> Episode:
        """Play the best plan of one posterior draw (uniform first), then update on it."""
        started = time.perf_counter()
        posterior = self.posterior()  # one factorisation serves the draw and the log
        if self.episodes_done == 0:  # uniform pruning: the model knows nothing yet
            nearest = int(np.argmin(np.abs(self.grid - (self.target or 0.0))))
            actions = np.full(self.shares.shape, nearest)
        else:
            actions = self.best_actions(self.posterior_sample(posterior))
        total, info = self.play_plan(actions)
        predicted = float(self.episode_features(info["ratios"]) @ posterior[0])
        self.observe(info["ratios"], self.score(total, info))
        return Episode.from_info(
            total,
            info,
            time.perf_counter() - started,
            predicted_score=predicted,
            budget_lambda=self.budget_lambda,
        )

    def plan(self) -> PruningPlan:
        """The posterior mean's best plan, as the env applied it."""
        _, info = self.play_plan(self.best_actions(self.posterior()[0]))
        return self._stamp(PruningPlan.from_dict(info["plan"]), calibration_kl=info["kl"])

    # -- checkpoints ------------------------------------------------------------

    def _state(self) -> dict:
        return {"rng": self.rng.bit_generator.state, "budget_lambda": self.budget_lambda}

    def _restore(self, state: dict) -> None:
        self.rng = rng_from_state(state["rng"])
        self.budget_lambda = state["budget_lambda"]

    def _save_files(self, directory: Path) -> None:
        np.savez(
            directory / "psrl.npz",
            precision=self.precision,
            weighted_scores=self.weighted_scores,
        )

    def _load_files(self, directory: Path) -> None:
        saved = np.load(directory / "psrl.npz")
        self.precision, self.weighted_scores = saved["precision"], saved["weighted_scores"]
