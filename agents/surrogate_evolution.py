"""Model-assisted evolution: evolution's search, with a surrogate model choosing the children.

Evolution (``agents/search.py``) scores every child it draws, and most mutations of a
good plan are worse. This agent keeps evolution's parent, operators, generations and
selection, but draws ``candidates`` mutants of the parent (some of them bigger jumps)
for every child it scores, and scores the one a model of the KL ranks first. One
generation (``offspring`` children) is still one ``Workbench.batch_kls`` call, and one
scored plan one episode, so at equal episodes it spends what evolution spends, plus the
model's own time.

- Model: the surrogate agent's ``PowerSumModel`` (``agents/surrogate.py``), with
  ``x_u = r_u / r_max``::

      KL(x) = KL_0 * S(x) ** beta,
      S(x) = b + sum_u c_u(x_u) + sum_l q_l * load_l(x) ** 2,
      c_u(x) = sum_{j=1..degree} (delta_uj + alpha_{l(u)j} + gamma_{m(u)j}) x ** j,
      load_l(x) = sum_{u in l} w_u x_u / sum_{u in l} w_u,

  ``w_u`` a unit's share of the prunable weights. The ``q_l`` terms (``interaction``)
  are what the surrogate agent's additive ``S`` lacks: the units of one layer compound,
  so the cost of pruning a unit more depends on how pruned its layer already is. For
  each ``beta`` of a grid (``betas``, the learned compounding factor), the model is a
  Bayesian linear regression of ``z = (KL / KL_0) ** (1 / beta)`` on those features,
  with the noise of ``log KL`` (sd ``noise_sd``) carried to ``z``; ``beta``'s posterior
  is each regression's exact evidence. It is fitted on every plan scored, a generation
  at a time (the children of a generation are all chosen from one posterior).
- Acting: a child is chosen by Thompson sampling: draw ``(beta, theta)`` from the
  posterior, draw ``candidates`` mutants ``m_j`` of the parent, and score the one with
  the least ``S_theta(m_j)`` not scored before (``KL`` rises with ``S`` for every
  ``beta > 0``, so ``beta`` only moves the fit). Each child has its own draw, so a
  generation explores the posterior's uncertainty and the model cannot lock in on its
  mean. Mutant ``j`` is the parent after ``swaps * 2 ** (j mod doublings)`` of
  evolution's mutations (a level up in one unit, down in another of its size): a random
  big jump is mostly worse than a small one, which is why evolution makes ``swaps``, but
  a model that ranks the jumps can take the big ones that look good, and move further
  per generation. With an uninformed posterior the pick is a random mutant; with
  ``candidates=1`` the agent is plain evolution, RNG draws included.
- Selection: evolution's (1 + lambda): after ``offspring`` children the best replaces
  the parent if it scores higher. ``plan()`` is the best plan scored.

The first plan is uniform pruning (``S = 1`` by the prior's scale). A checkpoint holds
evolution's state and every scored plan with its KL; the model is refitted from
those on load, so a resumed run proposes what an unbroken one would.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np

from .base import register_agent
from .search import EvolutionAgent
from .settings import SurrogateEvolutionSettings
from .surrogate import Posterior, PowerSumModel


def plan_key(ratios: np.ndarray) -> bytes:
    """A plan's identity (ratios rounded to 1e-6): one episode is never spent twice on it."""
    return np.round(ratios, 6).tobytes()


@register_agent("surrogate-evo")
class SurrogateEvolutionAgent(EvolutionAgent):
    """Evolution whose children are Thompson-sampled picks of a surrogate (module docstring).

    Settings (:class:`~agents.settings.SurrogateEvolutionSettings`): evolution's
    ``offspring``, ``swaps`` and ``step_levels``; the model's ``degree``, ``betas``,
    ``noise_sd``, prior standard deviations and ``interaction``; ``candidates``, the
    mutants ranked per child scored, and ``doublings``, how far their jumps range. The
    seed seeds the mutations and the draws.
    """

    settings_class = SurrogateEvolutionSettings

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        shares = self.prune_env.sizes / self.prune_env.sizes.sum()
        self.model = PowerSumModel(
            shares, self.target / self.cap, self.settings, self.settings.interaction
        )
        self.history: list[tuple[np.ndarray, float]] = []  # every plan observed, its KL
        self.unfitted = 0  # the last of them, of the generation under way: not in the model
        self.seen: set[bytes] = set()  # plans observed
        self.drafted: set[bytes] = set()  # plans proposed, not yet observed
        self.posterior_cache: tuple[int, Posterior] | None = None

    def train(self, episodes: int, callback=None) -> SurrogateEvolutionAgent:
        self.drafted.clear()  # the proposals `SearchAgent.train` drops
        return super().train(episodes, callback)

    def posterior(self) -> Posterior:
        """The model's posterior (computed once per generation: it changes only between)."""
        if self.posterior_cache is None or self.posterior_cache[0] != self.model.observations:
            self.posterior_cache = (self.model.observations, self.model.posterior())
        return self.posterior_cache[1]

    def propose(self) -> np.ndarray:
        """Uniform pruning first; then the unseen mutation a posterior draw ranks first."""
        if self.parent is None:
            return super().propose()
        pool = [
            self.mutant(self.settings.swaps << (j % self.settings.doublings))
            for j in range(self.settings.candidates)
        ]
        child = pool[0]
        if self.settings.candidates > 1:
            _, theta = self.posterior().sample(self.rng)
            totals = self.model.totals(np.array(pool) / self.cap, theta)
            order = np.argsort(totals, kind="stable")
            known = self.seen | self.drafted
            fresh = [i for i in order if plan_key(pool[i]) not in known]
            child = pool[fresh[0] if fresh else order[0]]
        self.drafted.add(plan_key(child))
        return child

    def mutant(self, swaps: int) -> np.ndarray:
        """The parent after `swaps` of evolution's mutations."""
        child = self.parent
        for _ in range(swaps):
            child = self.mutate(child)
        return child

    def observe(self, ratios: np.ndarray, ret: float, kl: float) -> None:
        """Evolution's bookkeeping; the model learns the generation once it is complete."""
        key = plan_key(ratios)
        self.drafted.discard(key)
        self.seen.add(key)
        self.history.append((ratios, kl))
        self.unfitted += 1
        super().observe(ratios, ret, kl)
        if self.children == 0:  # the first plan, or a generation's last child
            self.fit_unfitted()

    def fit_unfitted(self) -> None:
        """Feed the model the plans observed since its last fit."""
        for ratios, kl in self.history[len(self.history) - self.unfitted :]:
            self.model.observe(ratios / self.cap, kl)
        self.unfitted = 0

    # -- checkpoints: evolution's state (RNG, parent, ...) plus the data the model refits on --

    def _save_files(self, directory: Path) -> None:
        plans = np.array([plan for plan, _ in self.history]).reshape(-1, *self.model.shares.shape)
        kls = np.array([kl for _, kl in self.history], dtype=np.float64)
        np.savez(directory / "surrogate_evo.npz", plans=plans, kls=kls, unfitted=self.unfitted)

    def _load_files(self, directory: Path) -> None:
        saved = np.load(directory / "surrogate_evo.npz")
        pairs = zip(saved["plans"], saved["kls"], strict=True)
        self.history = [(plan, float(kl)) for plan, kl in pairs]
        self.seen = {plan_key(plan) for plan, _ in self.history}
        self.unfitted = int(saved["unfitted"])  # the generation under way: not in the model
        for ratios, kl in self.history[: len(self.history) - self.unfitted]:
            self.model.observe(ratios / self.cap, kl)
