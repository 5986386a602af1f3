"""Plans against baselines at equal sparsity, on the same held-out batches.

`compare_plans` scores several named plans on identical batches and reports,
for each, the mean per-batch KL with its 95% bootstrap interval, and for the
first plan against every other one the paired per-batch difference and the
ratio of mean KLs (each with its interval). `scaled_comparison` does the same
for one plan scaled to several whole-model sparsities against uniform pruning.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llm_prune_gym import EnvSettings, LLMPruneEnv, PruningPlan, Workbench
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.prompts import Messages

from .stats import mean_interval, paired_summary, per_batch_kls

SUMMARY_COLUMNS = ("kl_", "diff_", "model_sparsity_")  # what a table row keeps of a summary


@dataclass
class Comparison:
    """Per-batch KL of named plans on the same held-out batches.

    Attributes:
        plans: the plans by name; the first is the one compared with the others.
        kls: per-batch KL of each plan, same order of batches for all.
        criteria: the pruning criterion each plan was applied with.
        tokens: scored tokens per batch.
        sparsity: (prunable, model) sparsity each plan really applied (see
            `HeldOut.applied_sparsity`).
    """

    plans: dict[str, PruningPlan]
    kls: dict[str, np.ndarray]
    criteria: dict[str, str]
    tokens: np.ndarray
    sparsity: dict[str, tuple[float, float]]

    @property
    def reference(self) -> str:
        return next(iter(self.plans))

    def summary(self, seed: int = 0) -> dict:
        """Flat facts: ``kl_NAME`` (+ ``_low``/``_high``), sparsities, and paired ratios."""
        facts: dict = {"batches": len(self.tokens), "tokens": int(self.tokens.sum())}
        for name in self.plans:
            facts |= mean_interval(self.kls[name], seed=seed).to_dict(f"kl_{name}")
            prunable, model = self.sparsity[name]
            facts[f"prunable_sparsity_{name}"] = prunable
            facts[f"model_sparsity_{name}"] = model
        ref = self.reference
        for name in list(self.plans)[1:]:
            paired = paired_summary(self.kls[ref], self.kls[name], seed=seed)
            for bound in ("", "_low", "_high"):
                facts[f"kl_{ref}_over_{name}{bound}"] = paired[f"ratio{bound}"]
                facts[f"diff_{ref}_minus_{name}{bound}"] = paired[f"diff{bound}"]
            facts[f"{ref}_beats_{name}_share"] = paired["wins"]
        return facts

    def batch_rows(self) -> list[dict]:
        """One row per batch: its tokens, every plan's KL, and the paired differences."""
        ref = self.reference
        rows = []
        for batch, tokens in enumerate(self.tokens):
            row = {"batch": batch, "tokens": int(tokens)}
            row |= {f"kl_{name}": float(self.kls[name][batch]) for name in self.plans}
            row |= {
                f"diff_{ref}_minus_{name}": float(self.kls[ref][batch] - self.kls[name][batch])
                for name in list(self.plans)[1:]
            }
            rows.append(row)
        return rows


def plan_settings(
    plan: PruningPlan,
    options: Mapping,
    modules: Sequence[str] = (),
    criterion: str | None = None,
    granularity: str | None = None,
    width_multiple: int | None = None,
) -> tuple[PruningPlan, EnvSettings]:
    """The settings that measure `plan`, and the plan pruned by the chosen criterion.

    The plan's modules, granularity and width multiple are used (given ones must agree
    with them), its criterion unless `criterion` names another; every other setting
    comes from `options`.
    """
    if modules and tuple(modules) != plan.modules:
        raise ValueError(f"--modules {','.join(modules)} differs from the plan's {plan.modules}")
    if granularity and granularity != plan.granularity:
        raise ValueError(f"--granularity {granularity} differs from the plan's")
    if width_multiple is not None and width_multiple != plan.width_multiple:
        raise ValueError(
            f"--width-multiple {width_multiple} differs from the plan's {plan.width_multiple}"
        )
    plan = dataclasses.replace(plan, criterion=criterion or plan.criterion)
    fields = {"modules": plan.modules, "criterion": plan.criterion}
    fields |= {"granularity": plan.granularity, "width_multiple": plan.width_multiple}
    settings = EnvSettings(**{**options, **fields})
    return plan, settings


def heldout_evaluator(
    settings: EnvSettings,
    calibration_prompts: str | Path | Sequence[str | Messages] = "builtin:train",
    calibration_batch: int = 8,
) -> HeldOut:
    """The held-out evaluator on every prompt of `settings.prompts`.

    Its own pruner ranks by magnitude (no data needed); other criteria are fitted on
    the first `calibration_batch` of `calibration_prompts`, never on the held-out ones.
    """
    heldout = settings.replace(sampling="sample", criterion="magnitude")
    return HeldOut(Workbench(heldout), calibration_prompts, calibration_batch)


def compare_plans(
    evaluator: HeldOut,
    plans: Mapping[str, PruningPlan],
    criterion: str | Mapping[str, str] | None = None,
) -> Comparison:
    """Score every plan on the evaluator's held-out batches.

    `criterion` overrides the plans' own criterion: one for all, or one per plan name.
    """
    criteria = {}
    for name, plan in plans.items():
        chosen = criterion.get(name) if isinstance(criterion, Mapping) else criterion
        criteria[name] = chosen or plan.criterion
    kls = {
        name: per_batch_kls(evaluator.result(plan, criteria[name]), evaluator.batch_size)
        for name, plan in plans.items()
    }
    sparsity = {
        name: evaluator.applied_sparsity(plan, criteria[name]) for name, plan in plans.items()
    }
    return Comparison(dict(plans), kls, criteria, evaluator.tokens_per_batch(), sparsity)


def sensitivity_baseline(
    evaluator: HeldOut, plan: PruningPlan, seed: int = 0
) -> PruningPlan | None:
    """The ``sensitivity`` agent's plan at `plan`'s prunable sparsity (None without `agents`).

    The heuristic measures each unit's KL on the *calibration* prompts (``L * K``
    forward passes) with `plan`'s criterion, so it never sees the held-out prompts.
    The agent lives in the `agents` package; it is imported lazily so `evaluation`
    works without it.
    """
    try:
        from agents import make_agent
    except ImportError:
        warnings.warn("the agents package is not importable: no sensitivity baseline", stacklevel=2)
        return None
    env = LLMPruneEnv(workbench=evaluator.calibration_workbench(plan.criterion))
    try:
        agent = make_agent("sensitivity", env, seed=seed, target_sparsity=plan.prunable_sparsity)
    except ValueError as error:  # say how to go on without it
        raise ValueError(
            f"no sensitivity baseline ({error}); pass --baselines uniform to skip it"
        ) from None
    baseline = evaluator.rebase(agent.train(1).plan())
    baseline.metadata["baseline"] = "sensitivity"
    return baseline


def scaled_comparison(
    evaluator: HeldOut,
    plan: PruningPlan,
    model_sparsities: Sequence[float],
    criterion: str | None = None,
    seed: int = 0,
) -> tuple[list[dict], dict[float, PruningPlan]]:
    """`plan` scaled to each whole-model sparsity vs uniform pruning at the same sparsity.

    Returns one summary row per sparsity and the scaled plans (to save or export).
    """
    if any(target <= 0 for target in model_sparsities):
        raise ValueError("model sparsities must be above 0 (at 0 both KLs are 0)")
    plan = evaluator.rebase(plan)
    rows, scaled_plans = [], {}
    for target in model_sparsities:
        scaled = plan.scaled(model_sparsity=target)
        scaled.metadata |= {"scaled_from_plan": plan.metadata, "model_sparsity": target}
        comparison = compare_plans(
            evaluator, {"plan": scaled, "uniform": scaled.uniform_like()}, criterion
        )
        summary = comparison.summary(seed=seed)
        rows.append(
            {
                "model_sparsity": target,
                "prunable_sparsity": scaled.prunable_sparsity,
                "max_ratio": float(scaled.ratios.max()),
                **{k: v for k, v in summary.items() if k.startswith(SUMMARY_COLUMNS)},
            }
        )
        scaled_plans[target] = scaled
    return rows, scaled_plans


def criteria_comparison(
    evaluator: HeldOut,
    ratios: Sequence[float],
    criterion: str = "wanda",
    baseline: str = "magnitude",
    seed: int = 0,
) -> list[dict]:
    """Uniform pruning at each ratio with `criterion` vs `baseline`, on the same batches."""
    if criterion == baseline:
        raise ValueError(f"compare {criterion!r} with a different criterion")
    rows = []
    for ratio in ratios:
        workbench = evaluator.workbench
        uniform = workbench.plan(np.full_like(workbench.sizes, ratio))
        comparison = compare_plans(
            evaluator,
            {criterion: uniform, baseline: uniform},
            {criterion: criterion, baseline: baseline},
        )
        summary = comparison.summary(seed=seed)
        rows.append(
            {
                "ratio": ratio,
                **{k: v for k, v in summary.items() if k.startswith(SUMMARY_COLUMNS)},
            }
        )
    return rows
