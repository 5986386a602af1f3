"""Search baselines with the learned agents' budget: one scored plan per episode.

Each episode proposes a plan at exactly the target sparsity and scores it on the
calibration batch (the env's first ``batch_size`` prompts, the same batch every
time, so scores compare), on the env's reward scale. The plan is the best one
scored. Proposals that wait on no score (random search's, an evolution
generation's children) are scored together by ``Workbench.batch_kls``, which
gives the KLs of one-at-a-time scoring, so a seed gives the same search either way.

- ``random-search``: random allocations (uniform random weights per unit, scaled
  to the target under the ratio cap).
- ``evolution``: EvoPress-style (1 + lambda) search from the uniform plan; a
  mutation moves one unit ``step_levels`` grid levels up and another unit *of the
  same size* as many levels down, so the sparsity never leaves the target.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections import deque

import gymnasium as gym
import numpy as np

from llm_prune_gym import PruningPlan

from .base import (
    Agent,
    Episode,
    EpisodeCallback,
    plan_of,
    register_agent,
    rng_from_state,
    scale_to_budget,
    score_plans,
)
from .settings import EvolutionSettings, RandomSearchSettings


def _array_or_none(value) -> np.ndarray | None:
    return None if value is None else np.array(value, dtype=np.float64)


class SearchAgent(Agent):
    """Propose, score, keep the best; subclasses write `propose` (and `observe`).

    Proposals that wait on no score are drawn and scored together (one
    `batch_kls` call), then observed one per episode, in order. The proposals
    and their order are those of one-at-a-time scoring: a batch never runs past a
    proposal that depends on a score, and while a proposal is observed (and the
    callback runs, which may checkpoint or stop) the RNG is where it was just after
    drawing that proposal.
    """

    metric_names = ("best_return", "best_kl")
    plans_per_call = 16  # proposals scored per `batch_kls` call where none waits on a score

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        self.target = self._target(self.settings.target_sparsity)
        self.cap = float(self.prune_env.ratio_grid.max())
        self.rng = np.random.default_rng(seed)
        self.best: np.ndarray | None = None
        self.best_return, self.best_kl = -np.inf, np.nan
        # scored proposals not yet observed: (ratios, RNG state after drawing it, return,
        # KL, seconds); what a stop leaves here is dropped by the next `train`
        self.scored: deque[tuple] = deque()

    @abstractmethod
    def propose(self) -> np.ndarray:
        """The next candidate ratios (L x K) to score."""

    def observe(self, ratios: np.ndarray, ret: float, kl: float) -> None:
        """Learn from a scored proposal, its return and KL (random search needs nothing)."""

    def proposals_ahead(self) -> int:
        """How many proposals may be drawn before the next one depends on a score."""
        return self.plans_per_call

    def train(self, episodes: int, callback: EpisodeCallback | None = None) -> SearchAgent:
        self.scored.clear()  # drawn for a budget or a stop that no longer holds
        return super().train(episodes, callback)

    def score_next_batch(self) -> None:
        """Draw the proposals that wait on no score (within the budget) and score them."""
        started = time.perf_counter()
        count = min(self.proposals_ahead(), self.episodes_goal - self.episodes_done)
        proposals, rng_after = [], []
        for _ in range(count):
            proposals.append(self.propose())
            rng_after.append(self.rng.bit_generator.state)
        env = self.prune_env
        returns, kls = score_plans(env, proposals, range(env.batch_size))
        seconds = (time.perf_counter() - started) / count
        self.scored.extend(
            (ratios, state, ret, kl, seconds)
            for ratios, state, ret, kl in zip(proposals, rng_after, returns, kls, strict=True)
        )

    def episode(self) -> Episode:
        """Observe the next scored proposal (scoring a batch first when none is left)."""
        if not self.scored:
            self.score_next_batch()
        ratios, rng_state, ret, kl, seconds = self.scored.popleft()
        self.rng.bit_generator.state = rng_state
        self.observe(ratios, ret, kl)
        if ret > self.best_return:
            self.best, self.best_return, self.best_kl = ratios, ret, kl
        return Episode.of_plan(
            self.prune_env,
            ratios,
            ret,
            kl,
            seconds,
            best_return=self.best_return,
            best_kl=self.best_kl,
        )

    def plan(self) -> PruningPlan:
        if self.best is None:
            raise RuntimeError("train the search first: it has scored no plan yet")
        plan = plan_of(self.prune_env, self.best, calibration_kl=self.best_kl)
        return self._stamp(plan, calibration_return=self.best_return)

    def _state(self) -> dict:
        return {
            "rng": self.rng.bit_generator.state,
            "best": self.best,
            "best_return": self.best_return,
            "best_kl": self.best_kl,
        }

    def _restore(self, state: dict) -> None:
        self.rng = rng_from_state(state["rng"])
        self.best = _array_or_none(state["best"])
        self.best_return, self.best_kl = state["best_return"], state["best_kl"]


@register_agent("random-search")
class RandomSearchAgent(SearchAgent):
    """Best of N random allocations at the target sparsity."""

    settings_class = RandomSearchSettings

    def propose(self) -> np.ndarray:
        weights = self.rng.random(self.prune_env.sizes.shape)
        return scale_to_budget(weights, self.prune_env.sizes, self.target, self.cap)


@register_agent("evolution")
class EvolutionAgent(SearchAgent):
    """(1 + lambda) evolution over level-swapping mutations, from the uniform plan.

    Settings (:class:`~agents.settings.EvolutionSettings`): ``offspring`` per
    generation (lambda; the best replaces the parent if it scores higher), ``swaps``
    (mutations per child) and ``step_levels`` (grid levels a mutation moves).
    """

    settings_class = EvolutionSettings

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        offspring, swaps = self.settings.offspring, self.settings.swaps
        step_levels = self.settings.step_levels
        grid = np.sort(self.prune_env.ratio_grid)
        self.step = step_levels * float(np.min(np.diff(grid)))
        self.offspring, self.swaps = offspring, swaps
        self.parent: np.ndarray | None = None
        self.parent_return = -np.inf
        self.child: np.ndarray | None = None  # the generation's best child so far
        self.child_return = -np.inf
        self.children = 0

    def mutate(self, ratios: np.ndarray) -> np.ndarray:
        """Move one unit up a step and another unit of the same size down a step."""
        sizes = self.prune_env.sizes.reshape(-1)
        flat = ratios.reshape(-1).copy()
        for _ in range(100):  # a few draws may hit units with no room; give up quietly after
            up = int(self.rng.integers(flat.size))
            downs = np.flatnonzero((sizes == sizes[up]) & (flat - self.step >= -1e-12))
            downs = downs[downs != up]
            if flat[up] + self.step > self.cap + 1e-12 or downs.size == 0:
                continue
            down = int(self.rng.choice(downs))
            flat[up] += self.step
            flat[down] = max(flat[down] - self.step, 0.0)
            break
        return flat.reshape(ratios.shape)

    def proposals_ahead(self) -> int:
        """The rest of the generation: its children all mutate the same parent."""
        return 1 if self.parent is None else max(1, self.offspring - self.children)

    def propose(self) -> np.ndarray:
        if self.parent is None:
            return np.full_like(self.prune_env.sizes, self.target)
        child = self.parent
        for _ in range(self.swaps):
            child = self.mutate(child)
        return child

    def observe(self, ratios: np.ndarray, ret: float, kl: float) -> None:
        if self.parent is None:
            self.parent, self.parent_return = ratios, ret
            return
        self.children += 1
        if ret > self.child_return:
            self.child, self.child_return = ratios, ret
        if self.children == self.offspring:
            if self.child_return > self.parent_return:
                self.parent, self.parent_return = self.child, self.child_return
            self.child, self.child_return, self.children = None, -np.inf, 0

    def _state(self) -> dict:
        return {
            **super()._state(),
            "parent": self.parent,
            "parent_return": self.parent_return,
            "child": self.child,
            "child_return": self.child_return,
            "children": self.children,
        }

    def _restore(self, state: dict) -> None:
        super()._restore(state)
        self.parent, self.child = _array_or_none(state["parent"]), _array_or_none(state["child"])
        self.parent_return, self.child_return = state["parent_return"], state["child_return"]
        self.children = state["children"]
