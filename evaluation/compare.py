"""Plans against baselines at equal sparsity, on the same held-out batches.

`compare_plans` scores several named plans on identical batches and reports,
for each, the mean per-batch KL with its 95% bootstrap interval, and for the
first plan against every other one the paired per-batch difference and the
ratio of mean KLs (each with its interval). `scaled_comparison` does the same
for one plan scaled to several whole-model sparsities against uniform pruning.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from llm_prune_gym import PruningPlan

from .heldout import HeldOutEvaluator
from .stats import mean_interval, paired_summary

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
            `HeldOutEvaluator.applied_sparsity`).
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


def compare_plans(
    evaluator: HeldOutEvaluator,
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
    kls = {name: evaluator.batch_kls(plan, criteria[name]) for name, plan in plans.items()}
    sparsity = {
        name: evaluator.applied_sparsity(plan, criteria[name]) for name, plan in plans.items()
    }
    return Comparison(dict(plans), kls, criteria, evaluator.tokens_per_batch(), sparsity)


def sensitivity_baseline(
    evaluator: HeldOutEvaluator, plan: PruningPlan, seed: int = 0
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
    env = evaluator.calibration_env(plan.criterion)
    try:
        agent = make_agent("sensitivity", env, seed=seed, target_sparsity=plan.prunable_sparsity)
    except ValueError as error:  # say how to go on without it
        raise ValueError(
            f"no sensitivity baseline ({error}); pass --baselines uniform to skip it"
        ) from None
    baseline = evaluator.adopt(agent.train(1).plan())
    baseline.metadata["baseline"] = "sensitivity"
    return baseline


def scaled_comparison(
    evaluator: HeldOutEvaluator,
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
    plan = evaluator.adopt(plan)
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
    evaluator: HeldOutEvaluator,
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
        uniform = PruningPlan(
            ratios=np.full_like(evaluator.env.sizes, ratio),
            unit_sizes=evaluator.env.sizes.astype(np.int64),
            total_params=evaluator.env.total_params,
            modules=evaluator.modules,
        )
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
