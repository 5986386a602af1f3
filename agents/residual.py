"""Residual actions around a prior plan, a log-KL reward, the best episode: learned agents' options.

All three are the agent's own view of ``LLMPrune-v0`` (:class:`AgentView`), a wrapper
between the agent and the env; the env, its action space and its reward stay as they are.

- **Residual actions** (``prior``): the agent's action is an *offset* of ``-m .. m``
  grid levels around a prior plan's level for the unit (``m = offsets``), instead of
  an absolute grid level. A policy that starts at offset 0 starts at the prior plan
  and learns corrections to it (residual policy learning, Silver et al. 2018;
  Johannink et al. 2019). Priors: ``uniform`` (the target ratio everywhere; free) and
  ``sensitivity`` (the ``sensitivity`` baseline's plan, :class:`agents.baselines.
  SensitivityAgent`; it scores ``L * K`` single-unit plans and one plan per candidate
  power, 123 forward passes on SmolLM2, and the agent counts them as that many
  episodes of its budget, :func:`prior_plan`).
- **Log-KL reward** (``reward="log_kl"``): the last step earns ``log(KL_uniform / KL)``
  in place of the env's budget reward ``(KL_uniform - KL) / KL_uniform``. The KL of
  the plans an agent tries spans orders of magnitude (a random plan: about 4x
  uniform's); the env's reward is unbounded below and flat near the optimum, its log
  is symmetric in ratios of KL. The greedy plan is judged on the KL either way.
- **Best episode** (``plan_from="best"``): the agent's plan is the best episode it
  played (the prior's plan included), as AMC reports (He et al. 2018), instead of its
  greedy rollout. The env scores every episode on the same calibration batch
  (``sampling="fixed"``), so this is the best plan the policy found, with no extra
  forward pass; the greedy rollout is the default.
"""

from __future__ import annotations

import math
import time

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from llm_prune_gym import LLMPruneEnv, PruningPlan

from .settings import AGENT_REWARDS, PRIORS


def grid_levels(grid: np.ndarray, ratios: np.ndarray) -> np.ndarray:
    """The index of the grid ratio nearest each ratio."""
    return np.abs(np.asarray(ratios)[..., None] - np.asarray(grid)).argmin(axis=-1)


def agent_view(env: gym.Env, settings) -> AgentView | None:
    """The view `settings` (an A2C or SB3 agent's, checked there) ask for; None: the env."""
    if settings.prior == "none" and settings.reward == "env" and settings.plan_from == "greedy":
        return None
    return AgentView(env, settings.prior, settings.reward, settings.offsets)


def best_plan(view: AgentView | None, plan_from: str) -> PruningPlan | None:
    """With ``plan_from="best"``, the best episode's plan (None before any, or otherwise)."""
    if plan_from != "best" or view is None or view.best is None:
        return None
    return PruningPlan.from_dict(view.best["plan"])


def check_options(env: LLMPruneEnv, prior: str, reward: str) -> None:
    """One-line errors for a prior or reward this env cannot serve."""
    if prior not in PRIORS or reward not in AGENT_REWARDS:
        raise ValueError(f"prior must be one of {PRIORS} and reward one of {AGENT_REWARDS}")
    if prior != "none" and env.target_sparsity is None:
        raise ValueError(f"prior={prior!r} needs an env with a target_sparsity")
    if reward == "log_kl" and env.settings.reward != "budget":
        raise ValueError("reward='log_kl' needs the env's budget reward (reward='budget')")


class AgentView(gym.Wrapper):
    """The env as a learned agent with a prior and/or the log-KL reward sees it.

    With a prior, actions are ``MultiDiscrete([2 * offsets + 1] * K)``: component ``k``
    moves module ``k`` of the current layer ``action_k - offsets`` grid levels from the
    prior's level (clipped to the grid). Without one (``prior="none"``) actions pass
    through. :meth:`set_prior` gives the prior's ratios before the first step.
    """

    def __init__(self, env: gym.Env, prior: str, reward: str, offsets: int) -> None:
        super().__init__(env)
        check_options(env.unwrapped, prior, reward)
        if offsets < 1:
            raise ValueError(f"offsets must be at least 1, got {offsets}")
        self.prior, self.reward_mode, self.offsets = prior, reward, offsets
        self.best: dict | None = None  # the best finished episode: return, KL, plan dict
        self._return = 0.0
        prune_env: LLMPruneEnv = env.unwrapped
        self.grid_size = len(prune_env.ratio_grid)
        self.levels: np.ndarray | None = None  # L x K grid levels of the prior
        if prior != "none":
            self.action_space = spaces.MultiDiscrete([2 * offsets + 1] * prune_env.num_modules)
        if prior == "uniform":
            self.set_prior(np.full_like(prune_env.sizes, prune_env.target_sparsity))
        self._layer = 0

    def set_prior(self, ratios: np.ndarray) -> None:
        """The prior plan (L x K ratios), snapped to the grid."""
        self.levels = grid_levels(self.env.unwrapped.ratio_grid, ratios)

    def absolute(self, action) -> np.ndarray:
        """The env's action (grid levels) for this agent's action on the current layer."""
        if self.prior == "none":
            return np.asarray(action)
        if self.levels is None:
            raise RuntimeError("the prior plan is not set: call set_prior() first")
        shifted = self.levels[self._layer] + np.asarray(action, dtype=np.int64) - self.offsets
        return np.clip(shifted, 0, self.grid_size - 1)

    def reset(self, **kwargs):
        self._layer, self._return = 0, 0.0
        return self.env.reset(**kwargs)

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(self.absolute(action))
        self._layer += 1
        if terminated and self.reward_mode == "log_kl":
            reward = math.log(info["kl_uniform"] / max(info["kl"], 1e-12))
        self._return += reward
        if terminated:
            self.offer(self._return, info["kl"], info["plan"])
        return obs, float(reward), terminated, truncated, info

    def offer(self, ret: float, kl: float, plan: dict) -> None:
        """Keep `plan` (a plan dict) if its return is the best so far."""
        if self.best is None or ret > self.best["return"]:
            self.best = {"return": float(ret), "kl": float(kl), "plan": plan}


def prior_plan(env: gym.Env, prior: str, seed: int) -> tuple[np.ndarray, int, float]:
    """The prior's ratios (L x K), the episodes it cost and its calibration KL.

    ``sensitivity``: the sensitivity baseline's plan (its defaults: probe at the grid's
    top ratio, the best of its candidate powers); it costs one episode per plan it
    scores, ``L * K + len(powers)``.
    """
    from .base import make_agent

    prune_env: LLMPruneEnv = env.unwrapped
    if prior == "uniform":
        ratios = np.full_like(prune_env.sizes, prune_env.target_sparsity)
        return ratios, 0, math.nan
    baseline = make_agent("sensitivity", prune_env, seed=seed)
    plan = baseline.plan()
    cost = prune_env.sizes.size + len(baseline.settings.powers)
    return plan.ratios, cost, float(plan.metadata["calibration_kl"])


def pay_for_prior(agent, view: AgentView | None, report) -> bool:
    """Compute `view`'s sensitivity prior once and report its cost as episodes.

    Each of the prior's ``cost`` episodes is reported as a row of the prior plan (its
    KL and return), all of them even past a smaller goal, so ``episodes`` always
    counts them. Returns whether training goes on. Nothing to do for other priors or
    once the prior is set (a checkpoint keeps it).
    """
    from .base import Episode, return_of

    if view is None or view.prior != "sensitivity" or view.levels is not None:
        return True
    started = time.perf_counter()
    ratios, cost, kl = prior_plan(view, view.prior, agent.seed)
    view.set_prior(ratios)
    env: LLMPruneEnv = view.unwrapped
    batch = range(env.batch_size)
    if view.reward_mode == "log_kl":
        ret = math.log(env.workbench.uniform_kl(env.target_sparsity, batch) / max(kl, 1e-12))
    else:
        ret = return_of(env, ratios, kl, batch)
    view.offer(ret, kl, env.workbench.plan(ratios).to_dict())
    seconds = (time.perf_counter() - started) / cost
    go_on = True
    for _ in range(cost):
        go_on = report(Episode.of_plan(env, ratios, ret, kl, seconds)) and go_on
    return go_on


def view_state(view: AgentView | None) -> dict:
    """The prior's grid levels and the best episode, for a checkpoint."""
    if view is None:
        return {}
    levels = None if view.levels is None else view.levels.tolist()
    return {"prior_levels": levels, "best_episode": view.best}


def restore_view(view: AgentView | None, state: dict) -> None:
    """Put back what :func:`view_state` saved."""
    if view is None:
        return
    if state.get("prior_levels") is not None:
        view.levels = np.asarray(state["prior_levels"], dtype=np.int64)
    view.best = state.get("best_episode")
