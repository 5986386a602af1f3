"""`llm-prune` subcommands of the evaluation package.

Agents (:mod:`evaluation.agent_commands`): ``train``, ``bench-agents`` and
``leaderboard`` train agents in-process and judge their plans on held-out prompts.

Pruning evaluation (each writes Markdown + CSV + PNG under ``--out``):

- ``sensitivity``: KL of pruning one module type (all layers) or one layer at a
  time, and magnitude vs Wanda under uniform pruning (the report's Figure 2);
- ``compare``: a plan vs uniform and sensitivity-heuristic plans at the same
  sparsity on held-out prompts, with 95% CIs (Figure 6); prints one JSON line;
- ``scaled``: a plan scaled to several whole-model sparsities vs uniform;
- ``criteria``: uniform pruning with two criteria on held-out prompts;
- ``export``: the pruned model as a plain Hugging Face folder + sparsity report.

`register` adds every command group listed in ``COMMAND_GROUPS``; a new group
(say, hint evaluation) is one more ``add_*_commands(subparsers)`` function there.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from llm_prune_gym import EnvSettings, PruningPlan, Workbench
from llm_prune_gym.cli import add_env_arguments, env_kwargs
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.prompts import load_prompts
from llm_prune_gym.pruning import ALL_LLAMA_MODULES, CRITERIA, DEFAULT_MODULES

from . import plots, report, sensitivity
from .agent_commands import add_agent_commands
from .bench_model import add_bench_model
from .compare import (
    compare_plans,
    criteria_comparison,
    heldout_evaluator,
    plan_settings,
    scaled_comparison,
    sensitivity_baseline,
)
from .export import DTYPES, FORMATS, check_format, export_pruned
from .gguf_export import QUANT_TYPES
from .hints_cli import add_hint_commands

REPORT_MODEL_SPARSITIES = (0.021, 0.062, 0.103)  # the BallPy report's three intensities
BASELINES = ("uniform", "sensitivity")


def float_list(text: str) -> list[float]:
    """Parse ``0.1,0.2,0.3`` (argparse type)."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None
    if not values or any(not 0.0 <= v <= 1.0 for v in values):
        raise argparse.ArgumentTypeError(f"expected numbers in [0, 1], got {text!r}")
    return values


def baseline_list(text: str) -> list[str]:
    """Parse ``uniform,sensitivity`` (argparse type)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(BASELINES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown baselines {unknown}; choose from {BASELINES}")
    return names


# -- shared options -----------------------------------------------------------------------------


def _add_heldout_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of commands that score plans on held-out prompts in many small batches."""
    parser.set_defaults(prompts="builtin:heldout", batch_size=4)
    group = parser.add_argument_group(
        "held-out evaluation",
        "--prompts are the held-out prompts (builtin:heldout or a JSONL file of chat prompts, "
        "see llm_prune_gym/prompts.py); all of them are scored, --batch-size per batch, one KL "
        "per batch (--sampling is not used).",
    )
    group.add_argument(
        "--calibration-prompts",
        default="builtin:train",
        help="prompts Wanda's activations and the sensitivity heuristic are measured on",
    )
    group.add_argument("--calibration-batch", type=int, default=8, help="how many of them")
    group.add_argument("--seed", type=int, default=0, help="seed of the bootstrap CIs")


def _plan_defaults(parser: argparse.ArgumentParser) -> None:
    """Modules and criterion default to the plan's own."""
    parser.set_defaults(modules="", criterion=None, granularity=None)
    parser.add_argument("--plan", required=True, help="a pruning plan JSON (PruningPlan.save)")


def _load_plan(args: argparse.Namespace, **overrides) -> tuple[PruningPlan, EnvSettings]:
    given = tuple(m for m in args.modules.split(",") if m)
    plan = PruningPlan.load(args.plan)
    options = env_kwargs(args, **overrides)
    return plan_settings(plan, options, given, args.criterion, args.granularity)


def _evaluator(args: argparse.Namespace, settings: EnvSettings | None = None) -> HeldOut:
    settings = settings or EnvSettings(**env_kwargs(args))
    return heldout_evaluator(settings, args.calibration_prompts, args.calibration_batch)


def _prompts_fact(source: str, used: int, evaluator: HeldOut | None = None) -> str:
    """Which prompts a result was measured on: source, count, batches and a content hash."""
    digest = report.prompts_digest(load_prompts(source)[:used])
    batches = f", {evaluator.num_batches} batches of {evaluator.batch_size}" if evaluator else ""
    return f"{source} (first {used}{batches}; sha256 {digest})"


def _write_markdown(out: Path, name: str, title: str, sections: list[str], facts: dict) -> Path:
    path = out / f"{name}.md"
    path.write_text(
        "\n\n".join([f"# {title}", *sections, "## Run", report.facts_markdown(facts)]) + "\n"
    )
    return path


# -- sensitivity --------------------------------------------------------------------------------


def run_sensitivity(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = Path(args.out)
    workbench = Workbench(**env_kwargs(args))
    tables = sensitivity.module_tables(workbench, args.ratios)
    if args.layer_ratio > 0:
        tables += sensitivity.layer_tables(workbench, args.layer_ratio)
    criteria_modules = tuple(m for m in args.criteria_modules.split(",") if m)
    if args.criteria:
        tables += sensitivity.uniform_tables(workbench, args.ratios, criteria_modules)
    rows = sensitivity.run_sweeps(workbench, tables)
    if args.criteria:
        for criterion in (c for c in CRITERIA if c != workbench.criterion):
            other = Workbench(**env_kwargs(args, student=workbench.student, criterion=criterion))
            rows += sensitivity.run_sweeps(
                other, sensitivity.uniform_tables(other, args.ratios, criteria_modules), criterion
            )
    report.write_csv(out / "sensitivity.csv", rows)
    title = f"{workbench.student.name}, {workbench.num_prompts} calibration prompts"
    plots.plot_sensitivity(rows, out / "sensitivity.png", title=title)
    facts = report.run_facts(args.device, time.perf_counter() - started)
    facts |= {
        "student": workbench.student.name,
        "prompts": _prompts_fact(args.prompts, workbench.num_prompts),
    }
    _write_markdown(out, "sensitivity", "Sensitivity analysis", _sensitivity_sections(rows), facts)
    print(json.dumps({"out": str(out), "evaluations": len(rows), "seconds": facts["seconds"]}))
    return 0


def _sensitivity_sections(rows: list[dict]) -> list[str]:
    modules, ratios, matrix = sensitivity.module_matrix(rows)
    criterion = next(r["criterion"] for r in rows if r["analysis"] == "module")
    top = max(ratios)
    removed = {
        r["module"]: r["model_sparsity"]
        for r in rows
        if r["analysis"] == "module" and r["ratio"] == top
    }
    sections = [
        "![sensitivity](sensitivity.png)",
        f"## One module type pruned in every layer ({criterion}): KL per token",
        "Module types differ in size, so the last column says what share of all the "
        f"model's parameters ratio {top:g} removes.",
        report.markdown_table(
            ["module", *(f"{r:g}" for r in ratios), f"model sparsity at {top:g}"],
            [
                (m, *row, f"{removed[m]:.2%}")
                for m, row in zip(modules, matrix.tolist(), strict=True)
            ],
        ),
    ]
    layer_rows = [r for r in rows if r["analysis"] == "layer"]
    if layer_rows:
        sections += [
            f"## One layer pruned alone (all modules at {layer_rows[0]['ratio']:g}): KL per token",
            report.markdown_table(
                ["layer", "KL", "model sparsity"],
                [(r["layer"], r["kl"], f"{r['model_sparsity']:.3%}") for r in layer_rows],
            ),
        ]
    uniform_rows = [r for r in rows if r["analysis"] == "uniform"]
    if uniform_rows:
        criteria = list(dict.fromkeys(r["criterion"] for r in uniform_rows))
        cell = {(r["criterion"], r["ratio"]): r for r in uniform_rows}
        uniform_ratios = sorted({r["ratio"] for r in uniform_rows})
        sections += [
            f"## Pruning criteria: uniform pruning of {uniform_rows[0]['module']}, KL per token",
            "On the calibration prompts Wanda's activations come from; `llm-prune criteria` "
            "compares them on held-out prompts. Model sparsity as each criterion applies it "
            "(Wanda rounds every unit to whole steps of its per-row ranking).",
            report.markdown_table(
                ["ratio", *(f"model sparsity ({c})" for c in criteria), *criteria],
                [
                    (
                        f"{r:g}",
                        *(f"{cell[(c, r)]['model_sparsity']:.2%}" for c in criteria),
                        *(cell[(c, r)]["kl"] for c in criteria),
                    )
                    for r in uniform_ratios
                ],
            ),
        ]
    return sections


def _add_sensitivity(commands) -> None:
    parser = commands.add_parser(
        "sensitivity",
        help="KL of pruning each module type / each layer alone (Figure 2)",
        description="Prune one module type in all layers at each ratio, then each layer alone, "
        "and compare magnitude with Wanda under uniform pruning; one KL evaluation (a "
        "forward pass over the calibration batch) per cell.",
    )
    add_env_arguments(parser)
    parser.set_defaults(modules=",".join(ALL_LLAMA_MODULES))
    parser.add_argument("--ratios", type=float_list, default=[0.1, 0.2, 0.3])
    parser.add_argument(
        "--layer-ratio", type=float, default=0.3, help="ratio of the per-layer sweep (0: skip)"
    )
    parser.add_argument(
        "--criteria",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also compare the pruning criteria under uniform pruning at --ratios",
    )
    parser.add_argument(
        "--criteria-modules",
        default=",".join(DEFAULT_MODULES),
        help="modules pruned uniformly in the criteria comparison",
    )
    parser.add_argument("--out", default="runs/sensitivity")
    parser.set_defaults(func=run_sensitivity)


# -- compare -------------------------------------------------------------------------------------


def run_compare(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = Path(args.out)
    plan, settings = _load_plan(args)
    evaluator = _evaluator(args, settings)
    plan = evaluator.rebase(plan)
    plans = {"plan": plan, "uniform": plan.uniform_like()}
    if "sensitivity" in args.baselines:
        heuristic = sensitivity_baseline(evaluator, plan, seed=args.seed)
        if heuristic is not None:
            plans["sensitivity"] = heuristic
    comparison = compare_plans(evaluator, plans)
    summary = comparison.summary(seed=args.seed)
    for name, other in plans.items():
        other.save(out / f"{name}_plan.json")
    report.write_csv(out / "compare_batches.csv", comparison.batch_rows())
    report.write_csv(out / "compare_summary.csv", [summary])
    plots.plot_comparison(comparison, out / "compare.png", seed=args.seed)
    plots.plot_plan(plan, out / "plan.png", title=f"plan {Path(args.plan).name}")
    facts = report.run_facts(args.device, time.perf_counter() - started)
    facts |= {
        "student": evaluator.workbench.student.name,
        "plan": args.plan,
        "criterion": plan.criterion,
        "prompts": _prompts_fact(args.prompts, evaluator.num_prompts, evaluator),
    }
    _write_markdown(
        out, "compare", "Plan vs baselines", _compare_sections(comparison, summary), facts
    )
    student = evaluator.workbench.student.name
    line = {"student": student, "prompts": evaluator.num_prompts, **summary}
    if "sensitivity" not in plans:  # keep the line's keys stable when the heuristic is skipped
        line |= dict.fromkeys(["kl_sensitivity", "kl_plan_over_sensitivity"])
    print(json.dumps({k: round(v, 6) if isinstance(v, float) else v for k, v in line.items()}))
    return 0


def _compare_sections(comparison, summary: dict) -> list[str]:
    ref = comparison.reference
    kl_rows = [
        (
            name,
            f"{summary[f'prunable_sparsity_{name}']:.2%}",
            f"{summary[f'model_sparsity_{name}']:.2%}",
            summary[f"kl_{name}"],
            f"[{summary[f'kl_{name}_low']:.4g}, {summary[f'kl_{name}_high']:.4g}]",
        )
        for name in comparison.plans
    ]
    paired_rows = [
        (
            f"{ref} vs {name}",
            summary[f"kl_{ref}_over_{name}"],
            f"[{summary[f'kl_{ref}_over_{name}_low']:.3g}, "
            f"{summary[f'kl_{ref}_over_{name}_high']:.3g}]",
            summary[f"diff_{ref}_minus_{name}"],
            f"[{summary[f'diff_{ref}_minus_{name}_low']:.3g}, "
            f"{summary[f'diff_{ref}_minus_{name}_high']:.3g}]",
            f"{summary[f'{ref}_beats_{name}_share']:.0%}",
        )
        for name in list(comparison.plans)[1:]
    ]
    return [
        "![comparison](compare.png)",
        "![plan](plan.png)",
        "Mean of per-batch KL per token; 95% percentile-bootstrap intervals over batches "
        "(10,000 resamples, paired for ratios and differences). Per-batch values: "
        "`compare_batches.csv`.",
        report.markdown_table(
            ["plan", "prunable sparsity", "model sparsity", "KL", "95% CI"], kl_rows
        ),
        report.markdown_table(
            ["pair", "KL ratio", "95% CI", "mean diff", "95% CI", "batches won"], paired_rows
        ),
    ]


def _add_compare(commands) -> None:
    parser = commands.add_parser(
        "compare",
        help="a plan vs uniform and sensitivity plans at equal sparsity, held-out KL (Figure 6)",
        description="Score a plan, the uniform plan and the sensitivity-heuristic plan of the "
        "same prunable sparsity on the same held-out batches; print one JSON line.",
    )
    add_env_arguments(parser)
    _plan_defaults(parser)
    _add_heldout_arguments(parser)
    parser.add_argument(
        "--baselines",
        type=baseline_list,
        default=list(BASELINES),
        help="comma-separated, from uniform,sensitivity (uniform is always scored)",
    )
    parser.add_argument("--out", default="runs/compare")
    parser.set_defaults(func=run_compare)


# -- scaled ------------------------------------------------------------------------------------


def run_scaled(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = Path(args.out)
    plan, settings = _load_plan(args)
    evaluator = _evaluator(args, settings)
    rows, scaled_plans = scaled_comparison(evaluator, plan, args.model_sparsities, seed=args.seed)
    for target, scaled in scaled_plans.items():
        scaled.save(out / f"plan_model_sparsity_{target:g}.json")
    report.write_csv(out / "scaled.csv", rows)
    plots.plot_scaled(rows, out / "scaled.png", title=f"{evaluator.workbench.student.name}")
    facts = report.run_facts(args.device, time.perf_counter() - started)
    facts |= {
        "student": evaluator.workbench.student.name,
        "plan": args.plan,
        "criterion": plan.criterion,
        "prompts": _prompts_fact(args.prompts, evaluator.num_prompts, evaluator),
    }
    table = report.markdown_table(
        ["model sparsity", "prunable sparsity", "KL plan", "KL uniform", "plan/uniform", "95% CI"],
        [
            (
                f"{r['model_sparsity']:.1%}",
                f"{r['prunable_sparsity']:.1%}",
                r["kl_plan"],
                r["kl_uniform"],
                r["kl_plan_over_uniform"],
                f"[{r['kl_plan_over_uniform_low']:.3g}, {r['kl_plan_over_uniform_high']:.3g}]",
            )
            for r in rows
        ],
    )
    _write_markdown(
        out, "scaled", "Scaled plan vs uniform", ["![scaled](scaled.png)", table], facts
    )
    print(json.dumps({"out": str(out), "rows": len(rows), "seconds": facts["seconds"]}))
    return 0


def _add_scaled(commands) -> None:
    parser = commands.add_parser(
        "scaled",
        help="a plan scaled to several whole-model sparsities vs uniform, on any student",
        description="Scale a plan's allocation to each whole-model sparsity on --student and "
        "score it against uniform pruning at the same sparsity on held-out prompts.",
    )
    add_env_arguments(parser)
    _plan_defaults(parser)
    _add_heldout_arguments(parser)
    parser.add_argument(
        "--model-sparsities",
        type=float_list,
        default=list(REPORT_MODEL_SPARSITIES),
        help="shares of ALL parameters to remove (default: the report's 2.1%%, 6.2%%, 10.3%%)",
    )
    parser.add_argument("--out", default="runs/scaled")
    parser.set_defaults(func=run_scaled)


# -- criteria ------------------------------------------------------------------------------------


def run_criteria(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = Path(args.out)
    evaluator = _evaluator(args)
    rows = criteria_comparison(
        evaluator, args.ratios, criterion=args.criterion, baseline=args.baseline, seed=args.seed
    )
    names = [args.criterion, args.baseline]
    report.write_csv(out / "criteria.csv", rows)
    plots.plot_criteria(rows, names, out / "criteria.png", title=evaluator.workbench.student.name)
    facts = report.run_facts(args.device, time.perf_counter() - started)
    facts |= {
        "student": evaluator.workbench.student.name,
        "modules": ",".join(evaluator.workbench.modules),
        "prompts": _prompts_fact(args.prompts, evaluator.num_prompts, evaluator),
        "wanda activations": f"{args.calibration_prompts} (first {args.calibration_batch})",
    }
    sections = _criteria_sections(rows, names, evaluator.workbench.modules)
    _write_markdown(out, "criteria", "Pruning criteria on held-out prompts", sections, facts)
    rounded = [{k: round(v, 6) if isinstance(v, float) else v for k, v in r.items()} for r in rows]
    print(json.dumps({"out": str(out), "rows": rounded}))
    return 0


def _criteria_sections(rows: list[dict], names: list[str], modules: tuple[str, ...]) -> list[str]:
    first, base = names
    table = report.markdown_table(
        [
            "ratio",
            f"model sparsity ({first})",
            f"model sparsity ({base})",
            f"KL {first}",
            "95% CI",
            f"KL {base}",
            "95% CI",
            f"{first}/{base}",
            "95% CI",
        ],
        [
            (
                f"{r['ratio']:g}",
                f"{r[f'model_sparsity_{first}']:.2%}",
                f"{r[f'model_sparsity_{base}']:.2%}",
                r[f"kl_{first}"],
                f"[{r[f'kl_{first}_low']:.4g}, {r[f'kl_{first}_high']:.4g}]",
                r[f"kl_{base}"],
                f"[{r[f'kl_{base}_low']:.4g}, {r[f'kl_{base}_high']:.4g}]",
                r[f"kl_{first}_over_{base}"],
                f"[{r[f'kl_{first}_over_{base}_low']:.3g}, "
                f"{r[f'kl_{first}_over_{base}_high']:.3g}]",
            )
            for r in rows
        ],
    )
    return [
        "![criteria](criteria.png)",
        f"Uniform pruning of {', '.join(modules)} in every layer at each ratio; mean of "
        "per-batch held-out KL per token with 95% percentile-bootstrap intervals over batches "
        "(paired for the ratio).",
        table,
    ]


def _add_criteria(commands) -> None:
    parser = commands.add_parser(
        "criteria",
        help="uniform pruning with two criteria (Wanda vs magnitude) on held-out prompts",
    )
    add_env_arguments(parser)
    _add_heldout_arguments(parser)
    parser.set_defaults(criterion="wanda")
    parser.add_argument("--baseline", default="magnitude", choices=CRITERIA)
    parser.add_argument("--ratios", type=float_list, default=[0.2])
    parser.add_argument("--out", default="runs/criteria")
    parser.set_defaults(func=run_criteria)


# -- export --------------------------------------------------------------------------------------


def run_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    plan, settings = _load_plan(args, dtype="float32")  # the export casts, not the workbench
    check_format(args.format, args.dtype, args.quant)
    workbench = Workbench(settings)
    plan = workbench.rebase(plan)
    if args.model_sparsity is not None:
        plan = plan.scaled(model_sparsity=args.model_sparsity)
    result = export_pruned(workbench, plan, out, args.format, args.dtype, args.quant)
    keys = ("applied_model_sparsity", "planned_prunable_sparsity", "kl_in_env", "kl_reloaded")
    printed = {k: round(result[k], 6) for k in keys}
    if "pruned_model_sparsity" in result:
        printed["pruned_model_sparsity"] = round(result["pruned_model_sparsity"], 6)
    sizes = {k: result[k] for k in ("saved_params", "weight_bytes")}
    print(json.dumps({"out": str(out), **printed, **sizes}))
    return 0


def _add_export(commands) -> None:
    parser = commands.add_parser(
        "export",
        help="write the pruned model (Hugging Face folder or GGUF) + report + model card",
        description="Prune --student by --plan and save it: structured plans physically lose "
        "their channels and heads. Checks the reloaded KL and writes a model card (README.md).",
        conflict_handler="resolve",  # --dtype here is the saved precision, not the env's
    )
    add_env_arguments(parser)
    _plan_defaults(parser)
    parser.add_argument("--out", required=True, help="the model folder to write")
    parser.add_argument(
        "--model-sparsity", type=float, default=None, help="scale the plan to this share first"
    )
    parser.add_argument(
        "--format",
        default="hf",
        choices=FORMATS,
        help="hf: safetensors folder (per-layer widths ship modelling code); gguf: model.gguf",
    )
    parser.add_argument(
        "--dtype",
        default="f32",
        choices=tuple(DTYPES),
        help="precision of the saved weights (the env computes in float32)",
    )
    parser.add_argument(
        "--quant",
        default=None,
        choices=tuple(QUANT_TYPES),
        help="GGUF block quantization of the matrices (needs --format gguf)",
    )
    parser.set_defaults(func=run_export)


# -- registration ---------------------------------------------------------------------------------


def add_pruning_commands(commands) -> None:
    """The pruning-evaluation commands."""
    adders = (_add_sensitivity, _add_compare, _add_scaled, _add_criteria, _add_export)
    for add in (*adders, add_bench_model):
        add(commands)


COMMAND_GROUPS: tuple[Callable, ...] = (
    add_agent_commands,
    add_pruning_commands,
    add_hint_commands,
)


def register(subparsers) -> None:
    """Add this package's subcommands to the `llm-prune` parser."""
    for add_commands in COMMAND_GROUPS:
        add_commands(subparsers)
