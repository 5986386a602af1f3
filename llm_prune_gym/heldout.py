"""Held-out evaluation: a workbench on prompts no agent trained on, with the same pruner.

:class:`HeldOut` is the one held-out evaluator: the training loop reports each plan's
held-out KL next to uniform pruning's with it, and ``llm-prune compare`` takes
per-batch KLs from it for confidence intervals. Sharing the training workbench's
pruner keeps the criterion's data honest (Wanda's activation norms come from the
calibration prompts, never from the prompts a plan is judged on);
:meth:`HeldOut.for_criterion` fits another criterion on calibration prompts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .calibration import KLResult
from .plan import PruningPlan
from .prompts import Messages
from .workbench import PlanLike, Workbench


class HeldOut:
    """KLs of plans on held-out prompts, measured by `workbench`, a workbench on them.

    Build it with :meth:`beside` from the training workbench (sharing its student
    and pruner), or from any workbench built on the held-out prompts.
    """

    def __init__(self, workbench: Workbench) -> None:
        self.workbench = workbench
        self._uniform: dict[float, float] = {}

    @classmethod
    def beside(
        cls,
        training: Workbench,
        prompts: str | Sequence[str | Messages] = "builtin:heldout",
        batch_size: int | None = None,
        answer_tokens: int = 32,
        progress: bool = False,
    ) -> HeldOut:
        """An evaluator on `prompts` that shares `training`'s student and pruner.

        Build it before training or between episodes: the teacher is the model as it
        is now, so `training`'s pruning is undone first. `batch_size` (default: the
        training workbench's) is the prompts per forward pass and per batch KL.
        """
        return cls(training.with_prompts(prompts, batch_size, answer_tokens, progress))

    @property
    def batch_size(self) -> int:
        return self.workbench.batch_size

    @property
    def num_prompts(self) -> int:
        return self.workbench.num_prompts

    @property
    def num_batches(self) -> int:
        return -(-self.num_prompts // self.batch_size)

    def result(self, plan: PlanLike) -> KLResult:
        """`plan`'s KL on every held-out prompt, each sequence's sum and token count."""
        return self.workbench.kl(plan)

    def kl(self, plan: PlanLike) -> float:
        return self.kls([plan])[0]

    def kls(self, plans: Sequence[PlanLike]) -> list[float]:
        """Each plan's held-out KL per scored token, the plans batched (`batch_kls`)."""
        size = self.batch_size
        kls = []
        for result in self.workbench.batch_kls(plans):  # summed batch by batch, as
            sums, counts = 0.0, 0  # one plan at a time was
            for start in range(0, len(result.sums), size):
                sums += sum(result.sums[start : start + size])
                counts += sum(result.counts[start : start + size])
            kls.append(sums / counts)
        return kls

    def compare(self, plan: PruningPlan) -> dict:
        """The plan's held-out KL next to uniform pruning's at the same prunable sparsity."""
        sparsity = round(plan.prunable_sparsity, 6)
        if sparsity in self._uniform:
            kl = self.kl(plan)
        else:
            kl, self._uniform[sparsity] = self.kls([plan, plan.uniform_like()])
        uniform = self._uniform[sparsity]
        return {
            "prunable_sparsity": sparsity,
            "model_sparsity": round(plan.model_sparsity, 6),
            "heldout_kl": kl,
            "uniform_heldout_kl": uniform,
            "kl_ratio": kl / uniform if uniform > 0 else math.nan,
            "heldout_prompts": self.num_prompts,
        }

    def for_criterion(
        self, criterion: str, prompts: str | Sequence[str | Messages], batch_size: int
    ) -> HeldOut:
        """This evaluator pruning by `criterion`, fitted (if it needs data) on `prompts`."""
        return HeldOut(self.workbench.for_criterion(criterion, prompts, batch_size))
