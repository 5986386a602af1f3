"""Held-out evaluation: a workbench on prompts no agent trained on, with the same pruner.

:class:`HeldOut` is the one held-out evaluator: the training loop reports each plan's
held-out KL next to uniform pruning's with it, and ``llm-prune compare`` takes
per-sequence KLs from it (per-batch KLs and confidence intervals are
:mod:`evaluation.stats`'). Sharing the training workbench's pruner keeps the
criterion's data honest (Wanda's activation norms come from the calibration prompts,
never from the prompts a plan is judged on); another criterion is fitted on the
calibration prompts (:meth:`HeldOut.calibration_workbench`), as an env on them would.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .calibration import KLResult, batchwise_mean
from .plan import PruningPlan
from .prompts import Messages
from .workbench import PlanLike, Sparsity, Workbench


class HeldOut:
    """KLs of plans on held-out prompts, measured by `workbench`, a workbench on them.

    Build it with :meth:`beside` from the training workbench (sharing its student
    and pruner), or from any workbench built on the held-out prompts (``sampling=
    "sample"`` keeps every prompt).

    Args:
        workbench: the workbench on the held-out prompts.
        calibration_prompts: where criteria other than the workbench's are fitted
            (Wanda's activations), and where the sensitivity baseline measures.
        calibration_batch: how many calibration prompts they use (an env's default 8).
    """

    def __init__(
        self,
        workbench: Workbench,
        calibration_prompts: str | Sequence[str | Messages] = "builtin:train",
        calibration_batch: int = 8,
    ) -> None:
        self.workbench = workbench
        self.calibration_prompts = calibration_prompts
        self.calibration_batch = calibration_batch
        self._by_pruner: dict[tuple[str, bool], Workbench] = {
            (workbench.criterion, workbench.settings.refit): workbench
        }
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

    def result(self, plan: PlanLike, criterion: str | None = None) -> KLResult:
        """`plan`'s KL on every held-out prompt: each sequence's sum and token count.

        `criterion` (default: the plan's, for an array the workbench's) picks the pruner.
        """
        return self.pruning_by(_criterion(plan, criterion)).kl(plan)

    def pruning_by(self, criterion: str | None = None, refit: bool | None = None) -> Workbench:
        """The held-out workbench pruning by `criterion`, fitted on the calibration prompts.

        `refit` (default: the workbench's setting) re-fits the output projections of
        channel plans, on the calibration prompts too (:attr:`EnvSettings.refit`).
        """
        criterion = criterion or self.workbench.criterion
        refit = self.workbench.settings.refit if refit is None else refit
        if (criterion, refit) not in self._by_pruner:
            fitted = self.calibration_workbench(criterion, refit)
            self._by_pruner[criterion, refit] = self.workbench.with_pruner(fitted.pruner)
        return self._by_pruner[criterion, refit]

    def calibration_workbench(
        self, criterion: str | None = None, refit: bool | None = None
    ) -> Workbench:
        """A workbench on the calibration prompts sharing this student (heuristics, Wanda)."""
        return Workbench(
            self.workbench.settings.replace(
                student=self.workbench.student,
                modules=self.workbench.modules,
                criterion=criterion or self.workbench.criterion,
                prompts=self.calibration_prompts,
                batch_size=self.calibration_batch,
                sampling="fixed",
                refit=self.workbench.settings.refit if refit is None else refit,
            )
        )

    def applied_sparsity(self, plan: PlanLike, criterion: str | None = None) -> Sparsity:
        """(prunable, model) sparsity the pruner for `criterion` really applies for `plan`."""
        return self.pruning_by(_criterion(plan, criterion)).sparsity(plan)

    def tokens_per_batch(self) -> np.ndarray:
        return self.workbench.tokens_per_batch()

    def rebase(self, plan: PruningPlan) -> PruningPlan:
        """`plan` on this student's unit sizes and parameter count (:meth:`Workbench.rebase`)."""
        return self.workbench.rebase(plan)

    def kl(self, plan: PlanLike) -> float:
        return self.kls([plan])[0]

    def kls(self, plans: Sequence[PlanLike]) -> list[float]:
        """Each plan's held-out KL per scored token, the plans batched (`batch_kls`)."""
        results = self.workbench.batch_kls(plans)
        return [batchwise_mean(result, self.batch_size) for result in results]

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


def _criterion(plan: PlanLike, criterion: str | None) -> str | None:
    """The criterion to prune `plan` by: the one given, else a plan's own (None: default)."""
    if criterion is not None:
        return criterion
    return plan.criterion if isinstance(plan, PruningPlan) else None
