"""K episodes of `LLMPrune-v0` on one student, their finished plans scored in one pass.

``gym.make_vec("llm_prune_gym:LLMPrune-v0", num_envs=K)`` builds an
:class:`LLMPruneVectorEnv` (the env's ``vector_entry_point``; ``vectorization_mode="sync"``
still gives Gymnasium's ``SyncVectorEnv`` of K full copies). One model and one workbench
serve all K episodes: a step only records the ratios each episode's pruner would
apply, and the episodes that end at a step are scored together by
:meth:`Workbench.count_kls` (K plans per forward, :mod:`llm_prune_gym.batched`), so the
model's weights are never written. K episodes cost one model's memory plus the
batched forward's activations, instead of K models.

For the same seeds it plays the same episodes as K single envs (``SyncVectorEnv``):
same observations, rewards, terminations and infos, the KLs bit for bit where the
batched path is (CPU; see :mod:`llm_prune_gym.batched` for CUDA). Autoreset is
Gymnasium's default, the step after an episode ends resets it (reward 0).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from .batched import DEFAULT_MAX_BATCH_PLANS
from .env import LLMPruneEnv
from .rewards import reward
from .settings import EnvSettings
from .workbench import Workbench


class LLMPruneVectorEnv(VectorEnv):
    """`num_envs` episodes of :class:`LLMPruneEnv` sharing one student and workbench.

    Args:
        num_envs: episodes played side by side (K).
        settings, workbench, **options: as for :class:`LLMPruneEnv` (every episode gets
            the same settings; with ``sampling="sample"`` each draws its own batch).
        max_batch_plans: finished plans per forward pass.
        matmul: how the pruned units multiply in the batched forward (``loop``, ``bmm``,
            ``loop-tf32``, ``bmm-tf32``; default: the settings' ``batch_matmul``).

    Attributes:
        episodes: the K sub-envs (read their state, don't step them yourself).
        workbench: the shared workbench.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 8,
        settings: EnvSettings | None = None,
        *,
        workbench: Workbench | None = None,
        max_batch_plans: int = DEFAULT_MAX_BATCH_PLANS,
        matmul: str | None = None,
        **options,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        first = LLMPruneEnv(settings, workbench=workbench, **options)
        self.episodes = [first] + [_sibling(first) for _ in range(num_envs - 1)]
        self.workbench = first.workbench
        self.max_batch_plans, self.matmul = max_batch_plans, matmul
        self.num_envs = num_envs
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(first.observation_space, num_envs)
        self.action_space = batch_space(first.action_space, num_envs)
        self._autoreset = np.zeros(num_envs, dtype=np.bool_)

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every episode; an int seed gives episode ``i`` seed ``seed + i`` (as Sync)."""
        super().reset(seed=seed if isinstance(seed, int) else None)  # its own generator
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
        if len(seeds) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} seeds, got {len(seeds)}")
        infos: dict[str, Any] = {}
        observations = []
        for index, (episode, single_seed) in enumerate(zip(self.episodes, seeds, strict=True)):
            observation, info = episode.reset(seed=single_seed, options=options)
            observations.append(observation)
            infos = self._add_info(infos, info, index)
        self._autoreset[:] = False
        return np.stack(observations), infos

    def step(self, actions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """One step of every episode; the episodes that end are scored in one batched pass."""
        actions = np.asarray(actions)
        if len(actions) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} actions, got {len(actions)}")
        observations: list[np.ndarray | None] = [None] * self.num_envs
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=np.bool_)
        infos_of: list[dict] = [{}] * self.num_envs
        finishing: dict[int, tuple[np.ndarray, dict]] = {}
        for index, (episode, action) in enumerate(zip(self.episodes, actions, strict=True)):
            if self._autoreset[index]:
                observations[index], infos_of[index] = episode.reset()
                continue
            ratios, info, done = episode._advance(action, in_place=False)
            if done:
                finishing[index] = (ratios, info)
            else:
                observations[index] = episode._observation()
                rewards[index] = reward(episode.settings, ratios)
                infos_of[index] = info
        for index, kl in self._finished_kls(list(finishing)).items():
            ratios, info = finishing[index]
            finished = self.episodes[index]._finish(ratios, info, kl)
            observations[index], rewards[index], *_, infos_of[index] = finished
            terminated[index] = True
        self._autoreset = terminated.copy()
        infos: dict[str, Any] = {}
        for index, info in enumerate(infos_of):
            infos = self._add_info(infos, info, index)
        truncated = np.zeros(self.num_envs, dtype=np.bool_)
        return np.stack(observations), rewards, terminated, truncated, infos

    def close_extras(self, **kwargs: Any) -> None:
        self.workbench.restore()

    def _finished_kls(self, indices: list[int]) -> dict[int, float]:
        """KL of each finished episode's plan on its batch: one batched call per batch."""
        by_batch: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for index in indices:
            by_batch[tuple(self.episodes[index].batch)].append(index)
        sizes = self.workbench.sizes
        kls = {}
        for batch, members in by_batch.items():
            counts = np.stack([np.rint(self.episodes[i]._ratios * sizes) for i in members])
            results = self.workbench.count_kls(counts, batch, self.max_batch_plans, self.matmul)
            kls.update({i: r.mean for i, r in zip(members, results, strict=True)})
        return kls


def _sibling(first: LLMPruneEnv) -> LLMPruneEnv:
    """Another episode on `first`'s workbench, spaces and features, with its own state."""
    episode = copy.copy(first)
    episode._np_random = None  # its own generator, made by its first reset
    episode._np_random_seed = None
    episode._ratios = np.zeros_like(first.sizes)
    episode._batch = list(first.batch)
    return episode
