"""KL of pruning plans on held-out prompts, batch by batch.

`HeldOutEvaluator` scores a plan on prompts no agent saw (``builtin:heldout``
by default, or a user's JSONL file) in many small batches, so the spread
between batches gives a confidence interval (see :mod:`evaluation.stats`).

Pruning criteria that need data stay honest: Wanda's activation norms come
from the *calibration* prompts (``builtin:train``, the first ``batch_size`` of
them as in the env), never from the held-out prompts it is judged on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from llm_prune_gym import KLResult, LLMPruneEnv, Pruner, PruningPlan
from llm_prune_gym.prompts import Messages
from llm_prune_gym.students import Student

from .stats import batch_kls


class HeldOutEvaluator:
    """Per-batch KL of plans over a held-out prompt set, for one student and module set.

    Args:
        student: a student spec or a loaded :class:`Student` (shared, not copied).
        modules: the prunable modules; plans must have one column per module.
        prompts: the held-out prompts: ``builtin:heldout``, a JSONL path or a list.
        batch_size: prompts per batch; each batch gives one KL value.
        calibration_prompts: where data-dependent criteria (Wanda) take their activations.
        calibration_batch: how many calibration prompts they use (the env's default 8).
        answer_tokens: length cap of the teacher answers that are scored.
        device, dtype: where the student runs.
        progress: show progress bars.
        granularity: ``"weights"`` or ``"channels"`` (see :class:`LLMPruneEnv`).
    """

    def __init__(
        self,
        student: str | Path | Student,
        modules: Sequence[str],
        prompts: str | Path | Sequence[str | Messages] = "builtin:heldout",
        batch_size: int = 4,
        calibration_prompts: str | Path | Sequence[str | Messages] = "builtin:train",
        calibration_batch: int = 8,
        answer_tokens: int = 32,
        device: str | torch.device = "cpu",
        dtype: str | torch.dtype = "float32",
        progress: bool = True,
        granularity: str = "weights",
    ) -> None:
        self.granularity = granularity
        self.env = LLMPruneEnv(
            student=student,
            modules=modules,
            prompts=prompts,
            batch_size=batch_size,
            sampling="sample",  # keeps the whole prompt set; "fixed" would keep one batch
            answer_tokens=answer_tokens,
            device=device,
            dtype=dtype,
            progress=progress,
            granularity=granularity,
        )
        self.student = self.env.student
        self.batch_size = self.env.batch_size
        self.calibration_prompts = calibration_prompts
        self.calibration_batch = calibration_batch
        self.answer_tokens = answer_tokens
        self.progress = progress
        self._pruners: dict[str, Pruner] = {"magnitude": self.env.pruner}

    @property
    def modules(self) -> tuple[str, ...]:
        return self.env.pruner.modules

    @property
    def num_prompts(self) -> int:
        return len(self.env.calibration)

    @property
    def num_batches(self) -> int:
        return -(-self.num_prompts // self.batch_size)

    def calibration_env(self, criterion: str = "magnitude") -> LLMPruneEnv:
        """An env on the calibration prompts sharing this student (for heuristics and Wanda)."""
        return LLMPruneEnv(
            student=self.student,
            modules=self.modules,
            criterion=criterion,
            prompts=self.calibration_prompts,
            batch_size=self.calibration_batch,
            answer_tokens=self.answer_tokens,
            progress=self.progress,
            granularity=self.granularity,
        )

    def pruner(self, criterion: str) -> Pruner:
        """The pruner for `criterion`; data-dependent ones are fitted on the calibration prompts."""
        if criterion not in self._pruners:
            self._pruners[criterion] = self.calibration_env(criterion).pruner
        return self._pruners[criterion]

    def adopt(self, plan: PruningPlan) -> PruningPlan:
        """`plan` re-based on this student (see :func:`rebase`)."""
        return rebase(plan, self.env)

    def batch_kls(self, plan: PruningPlan | np.ndarray, criterion: str | None = None) -> np.ndarray:
        """KL of each held-out batch with the model pruned by `plan` (restored afterwards)."""
        ratios = plan.ratios if isinstance(plan, PruningPlan) else np.asarray(plan)
        if criterion is None:
            criterion = plan.criterion if isinstance(plan, PruningPlan) else "magnitude"
        pruner = self.pruner(criterion)
        indices = list(range(self.num_prompts))
        sums, counts = [], []
        pruner.apply(ratios.tolist())
        try:
            starts = range(0, len(indices), self.batch_size)
            for start in tqdm(starts, desc="held-out KL", unit="batch", disable=not self.progress):
                result = self.env.calibration.kl(indices[start : start + self.batch_size])
                sums += result.sums
                counts += result.counts
        finally:
            pruner.restore()
        return batch_kls(KLResult(sum(sums) / sum(counts), sums, counts), self.batch_size)

    def applied_sparsity(
        self, plan: PruningPlan, criterion: str | None = None
    ) -> tuple[float, float]:
        """(prunable, model) sparsity the pruner really applies for `plan`.

        Each unit's count is rounded to a whole weight, or for Wanda to a whole step of
        its per-row ranking, so this can differ slightly from the plan's nominal sparsity.
        """
        pruner = self.pruner(criterion or plan.criterion)
        pruned = sum(
            pruner.count_for(layer, unit, float(ratio))
            for (layer, unit), ratio in np.ndenumerate(plan.ratios)
        )
        return pruned / float(self.env.sizes.sum()), pruned / float(self.env.total_params)

    def tokens_per_batch(self) -> np.ndarray:
        """Scored tokens in each batch (the weights inside each batch's KL)."""
        scored = np.asarray(self.env.calibration.scored)
        return np.array(
            [scored[i : i + self.batch_size].sum() for i in range(0, len(scored), self.batch_size)]
        )


def rebase(plan: PruningPlan, env: LLMPruneEnv) -> PruningPlan:
    """`plan`'s ratios on `env`'s student: its unit sizes and parameter count.

    A plan made on one student can then be scaled to whole-model sparsities of
    another of the same shape (say, the DPO-tuned one). Criterion and metadata are kept.
    """
    if plan.granularity != env.pruner.granularity:
        raise ValueError(
            f"the plan prunes {plan.granularity}; the env prunes {env.pruner.granularity} "
            f"(--granularity {plan.granularity})"
        )
    if plan.modules != env.pruner.modules or plan.ratios.shape != env.sizes.shape:
        raise ValueError(
            f"the plan is for {plan.num_layers} layers x {plan.modules}; {env.student.name} "
            f"has {env.num_layers} layers x {env.pruner.modules}"
        )
    return PruningPlan(
        ratios=plan.ratios,
        unit_sizes=env.sizes.astype(np.int64),
        total_params=env.total_params,
        modules=plan.modules,
        criterion=plan.criterion,
        model=plan.model,
        metadata=dict(plan.metadata),
        granularity=plan.granularity,
    )
