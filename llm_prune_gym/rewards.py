"""The one reward of ``LLMPrune-v0``: the env pays it per step, agents score plans with it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .settings import EnvSettings


def reward(
    settings: EnvSettings,
    ratios: np.ndarray | Sequence[float],
    sparsity: float | None = None,
    kl: float | None = None,
    kl_uniform: float | None = None,
) -> float:
    """What pruning `ratios` earns under `settings`' reward; with `kl`, the episode's end too.

    ``reward="paper"``: ``c1 * sum(ratios)``, plus ``c2 * sparsity + c3 * kl`` at the end
    (`sparsity`: the prunable sparsity reached). Give one layer's ratios for a step's
    reward, a whole plan's for the return of an episode that ends at that plan.
    ``reward="budget"``: 0 on the way, ``(kl_uniform - kl) / kl_uniform`` at the end.
    """
    if settings.reward == "budget":
        if kl is None:
            return 0.0
        return (kl_uniform - kl) / kl_uniform
    earned = settings.c1 * float(np.sum(ratios))
    if kl is not None:
        earned += settings.c2 * sparsity + settings.c3 * kl
    return earned
