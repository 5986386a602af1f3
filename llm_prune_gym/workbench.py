"""The workbench: a student, its pruner and a calibration set, which measure pruning plans.

Everything that scores a plan goes through a :class:`Workbench`: the env's reward
(``LLMPrune-v0`` is the decision process on top of one), the search agents,
held-out evaluation, sensitivity sweeps, scaled plans and export. Held-out prompts
are another workbench on the same student and pruner (:meth:`Workbench.with_prompts`),
so a data-dependent criterion keeps the activations of the prompts it was fitted on.

    bench = Workbench(student="stub", batch_size=4)
    plan = bench.plan(np.full(bench.sizes.shape, 0.2))
    bench.kl(plan).mean                      # pruned, scored, restored
    [r.mean for r in bench.batch_kls([plan, plan.scaled(0.1)])]  # one forward for both
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .batched import DEFAULT_MAX_BATCH_PLANS, evaluate_counts, evaluate_plans
from .calibration import CalibrationSet, KLResult
from .plan import PruningPlan, count_parameters
from .prompts import Messages, load_prompts
from .pruning import Pruner
from .settings import EnvSettings
from .structured import build_pruner
from .students import checked_device, load_student, torch_dtype

PlanLike = PruningPlan | np.ndarray


class Sparsity(NamedTuple):
    """Share of the prunable units' weights and of all the model's parameters removed."""

    prunable: float
    model: float


def ratios_of(plan: PlanLike) -> np.ndarray:
    """A plan's ``L x K`` ratio table (a :class:`PruningPlan` or an array)."""
    return plan.ratios if isinstance(plan, PruningPlan) else np.asarray(plan)


class Workbench:
    """A student, its pruner and a calibration set: prunes, scores and restores plans.

    Args:
        settings: the env's settings; the workbench uses ``student``, ``modules``,
            ``criterion``, ``granularity``, ``prompts``, ``batch_size``, ``sampling``
            (``fixed`` keeps only the first ``batch_size`` prompts), ``answer_tokens``,
            ``device``, ``dtype``, ``progress`` and ``teacher_topk``.
        pruner: share this pruner (built on the same student's model) instead of
            building one; data-dependent criteria then keep the data they were fitted on.
        **options: fields of :class:`EnvSettings` that override `settings`.

    Attributes:
        settings, student, pruner, calibration: what it was built from.
        batch_size: prompts per forward pass (at most the number of prompts).
        sizes: ``L x K`` weights of every prunable unit (float64).
        total_params: parameters of the whole model (tied weights once).
    """

    def __init__(
        self, settings: EnvSettings | None = None, *, pruner: Pruner | None = None, **options
    ) -> None:
        settings = settings or EnvSettings()
        self.settings = settings.replace(**options) if options else settings
        pool = load_prompts(self.settings.prompts)
        if self.settings.sampling == "fixed":
            pool = pool[: self.settings.batch_size]
        self.batch_size = min(self.settings.batch_size, len(pool))
        self.student = load_student(
            self.settings.student,
            device=checked_device(self.settings.device),
            dtype=torch_dtype(self.settings.dtype),
        )
        self.calibration = CalibrationSet(
            self.student,
            pool,
            self.settings.answer_tokens,
            self.batch_size,
            self.settings.progress,
            self.settings.teacher_topk,
        )
        self.pruner = self._own_pruner() if pruner is None else self._checked(pruner)
        self.total_params = count_parameters(self.model)
        self.sizes = np.array(self.pruner.sizes, dtype=np.float64)
        self._uniform: dict[float, KLResult] = {}

    def _own_pruner(self) -> Pruner:
        batches = (  # consumed only by criteria that need activations (Wanda)
            self.calibration.inputs(range(i, min(i + self.batch_size, self.num_prompts)))
            for i in range(0, self.num_prompts, self.batch_size)
        )
        settings = self.settings
        return build_pruner(
            self.model,
            settings.unit_modules,
            settings.criterion,
            settings.granularity,
            batches,
            settings.width_multiple,
            settings.refit,
        )

    def _checked(self, pruner: Pruner) -> Pruner:
        if not any(module is pruner.layers[0][0] for module in self.model.modules()):
            raise ValueError("the shared pruner prunes another model than this workbench's")
        return pruner

    # -- what it holds --------------------------------------------------------------

    @property
    def model(self) -> nn.Module:
        return self.student.model

    @property
    def tokenizer(self):
        return self.student.tokenizer

    @property
    def modules(self) -> tuple[str, ...]:
        return self.pruner.modules

    @property
    def criterion(self) -> str:
        return self.pruner.criterion

    @property
    def granularity(self) -> str:
        return self.pruner.granularity

    @property
    def num_layers(self) -> int:
        return self.sizes.shape[0]

    @property
    def num_modules(self) -> int:
        return self.sizes.shape[1]

    @property
    def num_prompts(self) -> int:
        return len(self.calibration)

    def tokens_per_batch(self) -> np.ndarray:
        """Scored tokens in each batch of ``batch_size`` prompts (the weights of batch KLs)."""
        scored = np.asarray(self.calibration.scored)
        return np.array(
            [scored[i : i + self.batch_size].sum() for i in range(0, len(scored), self.batch_size)]
        )

    # -- plans ----------------------------------------------------------------------

    @property
    def width_multiple(self) -> int:
        """What the kept MLP widths are multiples of (1: any width)."""
        return getattr(self.pruner, "width_multiple", 1)

    def applied_ratios(self, plan: PlanLike) -> np.ndarray:
        """The ratios the pruner really applies for `plan` (whole structures, aligned)."""
        return np.array(self.pruner.plan_counts(ratios_of(plan).tolist())) / self.sizes

    def plan(self, ratios: np.ndarray, **metadata) -> PruningPlan:
        """`ratios` (``L x K``) as a plan for this student and pruner.

        With a width multiple the plan holds the applied ratios (aligned widths), so its
        JSON gives the same widths under any pruner; the multiple is recorded in it.
        """
        if self.width_multiple > 1:
            ratios = self.applied_ratios(ratios)
        plan = PruningPlan.for_pruner(
            self.pruner, ratios, self.total_params, model=self.student.name
        )
        plan.metadata.update(metadata)
        return plan

    def rebase(self, plan: PruningPlan) -> PruningPlan:
        """`plan`'s ratios on this student: its unit sizes and parameter count.

        A plan made on one student can then be scaled to whole-model sparsities of
        another of the same shape (say, the DPO-tuned one). Criterion, model name and
        metadata are kept.
        """
        if plan.granularity != self.granularity:
            raise ValueError(
                f"the plan prunes {plan.granularity}; the workbench prunes {self.granularity} "
                f"(--granularity {plan.granularity})"
            )
        if plan.modules != self.modules or plan.ratios.shape != self.sizes.shape:
            raise ValueError(
                f"the plan is for {plan.num_layers} layers x {plan.modules}; "
                f"{self.student.name} has {self.num_layers} layers x {self.modules}"
            )
        return PruningPlan(
            ratios=plan.ratios,
            unit_sizes=self.sizes.astype(np.int64),
            total_params=self.total_params,
            modules=plan.modules,
            criterion=plan.criterion,
            model=plan.model,
            metadata=dict(plan.metadata),
            granularity=plan.granularity,
            width_multiple=plan.width_multiple,
        )

    def removed_params(self, plan: PlanLike | None = None) -> int:
        """Weights the pruner removes for `plan` (rounded as it rounds), or now (None)."""
        if plan is None:
            return self.pruner.pruned_params
        return sum(map(sum, self.pruner.plan_counts(ratios_of(plan).tolist())))

    def sparsity(self, plan: PlanLike | None = None) -> Sparsity:
        """(prunable, model) sparsity the pruner applies for `plan`, or has applied (None).

        Each unit's count is rounded to a whole weight (for Wanda a whole step of its
        per-row ranking, for channels a whole structure), so this can differ slightly
        from a plan's nominal sparsity.
        """
        removed = self.removed_params(plan)
        return Sparsity(removed / float(self.sizes.sum()), removed / float(self.total_params))

    # -- pruning --------------------------------------------------------------------

    def apply(self, plan: PlanLike) -> None:
        """Prune the model to `plan` (from the originals; checked when it is a PruningPlan)."""
        if isinstance(plan, PruningPlan):
            plan.apply(self.pruner)
        else:
            self.pruner.apply(np.asarray(plan).tolist())

    def prune_layer(self, layer: int, ratios: np.ndarray) -> np.ndarray:
        """Prune `layer`'s units to `ratios`; the ratios applied (whole weights) back."""
        self.pruner.prune_layer(layer, ratios.tolist())
        return np.array(self.pruner.pruned[layer]) / self.sizes[layer]

    def layer_ratios(self, layer: int, ratios: np.ndarray) -> np.ndarray:
        """The ratios :meth:`prune_layer` would apply to `layer` (whole weights); none pruned."""
        return np.array(self.pruner._counts(layer, ratios.tolist())) / self.sizes[layer]

    def restore(self) -> None:
        """Put back every pruned weight, bit-exactly."""
        self.pruner.restore()

    # -- measuring ------------------------------------------------------------------

    def kl(self, plan: PlanLike | None = None, indices: Sequence[int] | None = None) -> KLResult:
        """KL(teacher || model) per scored token on prompts `indices` (default: all).

        With a `plan`, the model is pruned to it, scored, and put back as it was (so an
        episode in progress goes on); without, the model is scored as it is now.
        Prompts go in batches of ``batch_size``.
        """
        indices = list(range(self.num_prompts)) if indices is None else list(indices)
        if plan is None:
            return self._kl_in_batches(indices)
        before = [list(row) for row in self.pruner.pruned]
        self.apply(ratios_of(plan))
        try:
            return self._kl_in_batches(indices)
        finally:
            self.pruner.pruned = before
            self.pruner.commit()  # rewrites only the units the plan changed, bit-exactly

    def _kl_in_batches(self, indices: list[int]) -> KLResult:
        sums, counts = [], []
        for start in range(0, len(indices), self.batch_size):
            result = self.calibration.kl(indices[start : start + self.batch_size])
            sums += result.sums
            counts += result.counts
        return KLResult(sum(sums) / sum(counts), sums, counts)

    def kl_of_model(self, model: nn.Module, indices: Sequence[int] | None = None) -> KLResult:
        """KL(teacher || `model`) on prompts `indices`: another model (an exported and
        reloaded copy, say) scored against this workbench's cached teacher.

        CUDA graphs are off meanwhile: one captured for the workbench's own model would
        replay that model, not `model`.
        """
        calibration = self.calibration
        original, graphs = calibration.model, calibration.cuda_graphs
        calibration.model, calibration.cuda_graphs = model, False
        try:
            return self.kl(None, indices)
        finally:
            calibration.model, calibration.cuda_graphs = original, graphs

    def batch_kls(
        self,
        plans: Sequence[PlanLike] | np.ndarray,
        indices: Sequence[int] | None = None,
        max_batch_plans: int = DEFAULT_MAX_BATCH_PLANS,
        matmul: str | None = None,
    ) -> list[KLResult]:
        """``kl(plan, indices)`` of many plans, batched: up to `max_batch_plans` per forward.

        The model's weights are not touched (:mod:`llm_prune_gym.batched`), so pruning
        in progress stays as it is. Channel pruning has no batched path: its plans are
        scored one at a time. `matmul` (default: the settings' ``batch_matmul``) is one of
        :data:`~llm_prune_gym.settings.BATCH_MATMULS`.
        """
        indices = range(self.num_prompts) if indices is None else indices
        if self.granularity == "channels":
            return [self.kl(plan, indices) for plan in plans]
        matmul = matmul or self.settings.batch_matmul
        return evaluate_plans(
            self.calibration, self.pruner, plans, indices, self.batch_size, max_batch_plans, matmul
        )

    def count_kls(
        self,
        counts: np.ndarray,
        indices: Sequence[int],
        max_batch_plans: int = DEFAULT_MAX_BATCH_PLANS,
        matmul: str | None = None,
        fixed_shape: bool = False,
    ) -> list[KLResult]:
        """:meth:`batch_kls` of plans given as ``[plans, L, K]`` counts of pruned weights.

        Counts are what the pruner applies (no ratio rounding in between), so a plan
        recorded step by step scores exactly as the weights pruned step by step would.
        `fixed_shape`: every forward has `max_batch_plans` plans
        (:func:`~llm_prune_gym.batched.evaluate_counts`).
        """
        counts = np.asarray(counts, dtype=np.int64)
        if counts.ndim != 3 or counts.shape[1:] != self.sizes.shape:
            raise ValueError(f"counts must be [plans, {self.num_layers}, {self.num_modules}]")
        if self.granularity == "channels":  # no batched path: prune, score, put back
            return [self.kl_of_counts(plan.tolist(), indices) for plan in counts]
        device = self.pruner.originals[0].device
        flat = torch.as_tensor(counts.reshape(len(counts), -1), dtype=torch.int32, device=device)
        return evaluate_counts(
            self.calibration,
            self.pruner,
            flat,
            indices,
            self.batch_size,
            max_batch_plans,
            matmul or self.settings.batch_matmul,
            fixed_shape,
        )

    def kl_of_counts(self, counts: list[list[int]], indices: Sequence[int]) -> KLResult:
        """``kl`` of the plan given as ``L x K`` pruned-weight counts, pruned in place."""
        before = [list(row) for row in self.pruner.pruned]
        self.pruner.pruned = counts
        self.pruner.commit()
        try:
            return self._kl_in_batches(list(indices))
        finally:
            self.pruner.pruned = before
            self.pruner.commit()

    def unit_sensitivities(
        self, probe: float, base: float = 0.0, indices: Sequence[int] | None = None
    ) -> np.ndarray:
        """L x K: the KL rise when each unit alone is pruned at `probe`.

        Every other unit is pruned at `base` (0: the unit alone; the target: the unit
        at the operating point, where pruning interacts). One plan per unit (plus the
        base plan when ``base > 0``), scored in batches on `indices` (default: the
        first batch).
        """
        indices = range(self.batch_size) if indices is None else indices
        plans = [np.full_like(self.sizes, base)] if base else []
        for layer, unit in np.ndindex(self.sizes.shape):
            plans.append(np.full_like(self.sizes, base))
            plans[-1][layer, unit] = probe
        kls = np.array([result.mean for result in self.batch_kls(plans, indices)])
        floor = kls[0] if base else 0.0
        return (kls[1:] if base else kls).reshape(self.sizes.shape) - floor

    def uniform_kl(self, sparsity: float, indices: Sequence[int] | None = None) -> float:
        """KL of uniform pruning at `sparsity` on `indices` (all prompts scored once, cached)."""
        if sparsity not in self._uniform:
            self._uniform[sparsity] = self.kl(np.full_like(self.sizes, sparsity))
        result = self._uniform[sparsity]
        indices = range(self.num_prompts) if indices is None else indices
        return sum(result.sums[i] for i in indices) / sum(result.counts[i] for i in indices)

    # -- related workbenches --------------------------------------------------------

    def with_prompts(
        self,
        prompts: str | Sequence[str | Messages],
        batch_size: int | None = None,
        answer_tokens: int | None = None,
        progress: bool | None = None,
    ) -> Workbench:
        """A workbench on the same student and pruner that scores every prompt of `prompts`.

        The teacher is the model as it is now, so any pruning is undone first. Options
        left None keep this workbench's (`batch_size`: its actual batch size).
        """
        self.restore()
        changes = {"prompts": prompts, "sampling": "sample", "student": self.student}
        changes["batch_size"] = self.batch_size if batch_size is None else batch_size
        for name, value in (("answer_tokens", answer_tokens), ("progress", progress)):
            if value is not None:
                changes[name] = value
        return Workbench(self.settings.replace(**changes), pruner=self.pruner)

    def with_pruner(self, pruner: Pruner) -> Workbench:
        """This workbench (same student and calibration set) pruning with `pruner`."""
        if np.array(pruner.sizes).shape != self.sizes.shape:
            raise ValueError(f"the pruner's units {np.array(pruner.sizes).shape} do not match")
        self.restore()
        other = copy.copy(self)
        refit = getattr(pruner, "grams", None) is not None
        other.settings = self.settings.replace(criterion=pruner.criterion, refit=refit)
        other.pruner = self._checked(pruner)
        other.sizes = np.array(pruner.sizes, dtype=np.float64)
        other._uniform = {}
        return other
