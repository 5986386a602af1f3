"""``llm-prune`` commands that evaluate pruning (see :mod:`evaluation.cli`).

- ``sensitivity``: KL of pruning one module type (all layers) or one layer at a
  time, and magnitude vs Wanda under uniform pruning (the report's Figure 2);
- ``compare``: a plan vs uniform and sensitivity-heuristic plans at the same
  sparsity on held-out prompts, with 95% CIs (Figure 6);
- ``scaled``: a plan scaled to several whole-model sparsities vs uniform;
- ``criteria``: uniform pruning with two criteria on held-out prompts;
- ``export``: the pruned model as a plain Hugging Face folder + sparsity report.

Each writes Markdown + CSV + PNG under ``--out`` and prints one JSON line. Nothing
heavy is imported until a command runs, so ``--help`` stays fast.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from cyclopts import Parameter, validators

from llm_prune_gym.cli import (
    ENV_CLI_TYPES,
    PRUNER_FIELDS,
    RUN_FIELDS,
    Names,
    Threads,
    comma_floats,
    env_options,
    env_settings,
    print_json,
    resolve_device,
    rounded,
    set_threads,
)
from llm_prune_gym.settings import DEFAULT_MODULES

from .settings import HeldOutSettings

if TYPE_CHECKING:
    from llm_prune_gym import EnvSettings, PruningPlan
    from llm_prune_gym.heldout import HeldOut

REPORT_MODEL_SPARSITIES = (0.021, 0.062, 0.103)  # the BallPy report's three intensities
BASELINES = ("uniform", "sensitivity")
# llm_prune_gym.pruning.ALL_LLAMA_MODULES, spelled out so that --help needs no torch
# (tests/test_cli.py checks that the two agree)
SENSITIVITY_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

Ratios = comma_floats(validators.Number(gte=0, lte=1))
Criterion = ENV_CLI_TYPES["criterion"]
HeldOut = Annotated[HeldOutSettings, Parameter(name="*", group="held-out evaluation")]
PlanFile = Annotated[Path, Parameter(help="a pruning plan JSON (PruningPlan.save)")]
SeedOfCIs = Annotated[int, Parameter(help="seed of the bootstrap CIs")]
Progress = Annotated[bool, Parameter(help="show progress bars on stderr")]
SensitivityEnv = env_options(
    "SensitivityEnv",
    (*RUN_FIELDS, *PRUNER_FIELDS, "prompts", "batch_size", "answer_tokens"),
    defaults={"modules": SENSITIVITY_MODULES},
)
# modules, granularity, criterion and width multiple default to the plan's own
PLAN_DEFAULTS = {"modules": None, "criterion": None, "granularity": None, "width_multiple": None}
PlanEnv = env_options(
    "PlanEnv",
    (*RUN_FIELDS, *PRUNER_FIELDS, "answer_tokens"),
    defaults=PLAN_DEFAULTS,
)
CriteriaEnv = env_options(
    "CriteriaEnv",
    (*RUN_FIELDS, *PRUNER_FIELDS, "answer_tokens"),
    defaults={"criterion": "wanda"},
)
ExportEnv = env_options(
    "ExportEnv",
    ("student", "device", *PRUNER_FIELDS, "prompts", "batch_size", "answer_tokens"),
    defaults=PLAN_DEFAULTS,
)
# frozen defaults of the signatures below (one shared instance each is safe)
_HELDOUT, _SENSITIVITY_ENV, _PLAN_ENV, _CRITERIA_ENV, _EXPORT_ENV = (
    HeldOutSettings(),
    SensitivityEnv(),
    PlanEnv(),
    CriteriaEnv(),
    ExportEnv(),
)


def _plan_settings(
    path: Path, env: Any, heldout: HeldOutSettings | None, **overrides: Any
) -> tuple[PruningPlan, EnvSettings]:
    """The plan and the settings that measure it: its modules, criterion and granularity
    unless the options name others (which must agree), every other setting the options'."""
    from llm_prune_gym import PruningPlan

    from .compare import plan_settings

    fixed = ("modules", "criterion", "granularity", "width_multiple")
    options = {f: getattr(env, f) for f in env.__dataclass_fields__ if f not in fixed}
    options["device"] = resolve_device(options["device"])
    if heldout is not None:  # the held-out prompts are what these settings score
        options |= {"prompts": heldout.heldout_prompts, "batch_size": heldout.heldout_batch_size}
    plan = PruningPlan.load(path)
    return plan_settings(
        plan,
        options | overrides,
        env.modules or (),
        env.criterion,
        env.granularity,
        getattr(env, "width_multiple", None),
    )


def _evaluator(settings: EnvSettings, heldout: HeldOutSettings) -> HeldOut:
    from .compare import heldout_evaluator

    return heldout_evaluator(settings, heldout.calibration_prompts, heldout.calibration_batch)


def _prompts_fact(source: str, used: int, evaluator: HeldOut | None = None) -> str:
    """Which prompts a result was measured on: source, count, batches and a content hash."""
    from llm_prune_gym.prompts import load_prompts

    from . import report

    digest = report.prompts_digest(load_prompts(source)[:used])
    batches = f", {evaluator.num_batches} batches of {evaluator.batch_size}" if evaluator else ""
    return f"{source} (first {used}{batches}; sha256 {digest})"


def _write_markdown(out: Path, name: str, title: str, sections: list[str], facts: dict) -> Path:
    from . import report

    path = out / f"{name}.md"
    path.write_text(
        "\n\n".join([f"# {title}", *sections, "## Run", report.facts_markdown(facts)]) + "\n"
    )
    return path


def _facts(device: str, started: float) -> dict:
    from . import report

    return report.run_facts(resolve_device(device), time.perf_counter() - started)


def _heldout_facts(device: str, started: float, evaluator: HeldOut, prompts: str) -> dict:
    """The run facts plus the student and the held-out prompts a comparison used."""
    return _facts(device, started) | {
        "student": evaluator.workbench.student.name,
        "prompts": _prompts_fact(prompts, evaluator.num_prompts, evaluator),
    }


def _criteria_settings(env: Any, heldout: HeldOutSettings, progress: bool) -> EnvSettings:
    """The held-out settings of a uniform comparison (no plan: the options decide)."""
    held = {"prompts": heldout.heldout_prompts, "batch_size": heldout.heldout_batch_size}
    return env_settings(env, progress=progress, **held)


# -- sensitivity --------------------------------------------------------------------------------


def sensitivity(
    *,
    env: SensitivityEnv = _SENSITIVITY_ENV,
    ratios: Ratios = (0.1, 0.2, 0.3),
    layer_ratio: float = 0.3,
    criteria: bool = True,
    criteria_modules: Names = DEFAULT_MODULES,
    out: Path = Path("runs/sensitivity"),
    threads: Threads = None,
    progress: Progress = True,
) -> int:
    """KL of pruning one module type in all layers at each ratio, then each layer alone.

    Also compares magnitude with Wanda under uniform pruning; one KL evaluation (a
    forward pass over the calibration batch) per cell.

    Parameters
    ----------
    ratios
        comma-separated ratios of the module sweep
    layer_ratio
        ratio of the per-layer sweep (0: skip)
    criteria
        also compare the pruning criteria under uniform pruning at --ratios
    criteria_modules
        modules pruned uniformly in the criteria comparison
    out
        output folder
    threads
        torch CPU threads
    """
    from llm_prune_gym import Workbench
    from llm_prune_gym.settings import CRITERIA

    from . import plots, report
    from . import sensitivity as sweeps

    set_threads(threads)
    started = time.perf_counter()
    workbench = Workbench(env_settings(env, progress=progress))
    tables = sweeps.module_tables(workbench, list(ratios))
    if layer_ratio > 0:
        tables += sweeps.layer_tables(workbench, layer_ratio)
    if criteria:
        tables += sweeps.uniform_tables(workbench, list(ratios), tuple(criteria_modules))
    rows = sweeps.run_sweeps(workbench, tables)
    if criteria:
        for criterion in (c for c in CRITERIA if c != workbench.criterion):
            other = Workbench(workbench.settings, student=workbench.student, criterion=criterion)
            uniform = sweeps.uniform_tables(other, list(ratios), tuple(criteria_modules))
            rows += sweeps.run_sweeps(other, uniform, criterion)
    report.write_csv(out / "sensitivity.csv", rows)
    title = f"{workbench.student.name}, {workbench.num_prompts} calibration prompts"
    plots.plot_sensitivity(rows, out / "sensitivity.png", title=title)
    facts = _facts(env.device, started)
    facts |= {
        "student": workbench.student.name,
        "prompts": _prompts_fact(env.prompts, workbench.num_prompts),
    }
    _write_markdown(out, "sensitivity", "Sensitivity analysis", _sensitivity_sections(rows), facts)
    return print_json({"out": str(out), "evaluations": len(rows), "seconds": facts["seconds"]})


def _sensitivity_sections(rows: list[dict]) -> list[str]:
    from . import report, sensitivity

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


# -- compare -------------------------------------------------------------------------------------


def compare(
    *,
    plan: PlanFile,
    env: PlanEnv = _PLAN_ENV,
    heldout: HeldOut = _HELDOUT,
    baselines: Annotated[Names, Parameter(help="comma-separated, from uniform,sensitivity")] = (
        BASELINES
    ),
    seed: SeedOfCIs = 0,
    out: Path = Path("runs/compare"),
    threads: Threads = None,
    progress: Progress = True,
) -> int:
    """Score a plan, the uniform plan and the sensitivity-heuristic plan of the same
    prunable sparsity on the same held-out batches (Figure 6).

    Uniform is always scored. Modules, criterion and granularity default to the plan's.

    Parameters
    ----------
    out
        output folder
    """
    from . import plots, report
    from .compare import compare_plans, sensitivity_baseline

    unknown = sorted(set(baselines) - set(BASELINES))
    if unknown:
        raise ValueError(f"--baselines: unknown {unknown}; choose from {BASELINES}")
    set_threads(threads)
    started = time.perf_counter()
    loaded, settings = _plan_settings(plan, env, heldout, progress=progress)
    evaluator = _evaluator(settings, heldout)
    loaded = evaluator.rebase(loaded)
    plans = {"plan": loaded, "uniform": loaded.uniform_like()}
    if "sensitivity" in baselines:
        heuristic = sensitivity_baseline(evaluator, loaded, seed=seed)
        if heuristic is not None:
            plans["sensitivity"] = heuristic
    comparison = compare_plans(evaluator, plans)
    summary = comparison.summary(seed=seed)
    for name, other in plans.items():
        other.save(out / f"{name}_plan.json")
    report.write_csv(out / "compare_batches.csv", comparison.batch_rows())
    report.write_csv(out / "compare_summary.csv", [summary])
    plots.plot_comparison(comparison, out / "compare.png", seed=seed)
    plots.plot_plan(loaded, out / "plan.png", title=f"plan {Path(plan).name}")
    facts = _heldout_facts(env.device, started, evaluator, heldout.heldout_prompts)
    facts |= {"plan": str(plan), "criterion": loaded.criterion}
    _write_markdown(
        out, "compare", "Plan vs baselines", _compare_sections(comparison, summary), facts
    )
    student = evaluator.workbench.student.name
    line = {"student": student, "prompts": evaluator.num_prompts, **summary}
    if "sensitivity" not in plans:  # keep the line's keys stable when the heuristic is skipped
        line |= dict.fromkeys(["kl_sensitivity", "kl_plan_over_sensitivity"])
    return print_json(rounded(line))


def _compare_sections(comparison, summary: dict) -> list[str]:
    from . import report

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


# -- scaled ------------------------------------------------------------------------------------


def scaled(
    *,
    plan: PlanFile,
    env: PlanEnv = _PLAN_ENV,
    heldout: HeldOut = _HELDOUT,
    model_sparsities: Ratios = REPORT_MODEL_SPARSITIES,
    seed: SeedOfCIs = 0,
    out: Path = Path("runs/scaled"),
    threads: Threads = None,
    progress: Progress = True,
) -> int:
    """Scale a plan's allocation to each whole-model sparsity on --student and score it
    against uniform pruning at the same sparsity on held-out prompts.

    Parameters
    ----------
    model_sparsities
        comma-separated shares of ALL parameters to remove (default: the report's 2.1%,
        6.2%, 10.3%)
    out
        output folder
    """
    from . import plots, report
    from .compare import scaled_comparison

    set_threads(threads)
    started = time.perf_counter()
    loaded, settings = _plan_settings(plan, env, heldout, progress=progress)
    evaluator = _evaluator(settings, heldout)
    rows, scaled_plans = scaled_comparison(evaluator, loaded, list(model_sparsities), seed=seed)
    for target, scaled_plan in scaled_plans.items():
        scaled_plan.save(out / f"plan_model_sparsity_{target:g}.json")
    report.write_csv(out / "scaled.csv", rows)
    plots.plot_scaled(rows, out / "scaled.png", title=f"{evaluator.workbench.student.name}")
    facts = _heldout_facts(env.device, started, evaluator, heldout.heldout_prompts)
    facts |= {"plan": str(plan), "criterion": loaded.criterion}
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
    return print_json({"out": str(out), "rows": len(rows), "seconds": facts["seconds"]})


# -- criteria ------------------------------------------------------------------------------------


def criteria(
    *,
    env: CriteriaEnv = _CRITERIA_ENV,
    heldout: HeldOut = _HELDOUT,
    baseline: Criterion = "magnitude",
    ratios: Ratios = (0.2,),
    seed: SeedOfCIs = 0,
    out: Path = Path("runs/criteria"),
    threads: Threads = None,
    progress: Progress = True,
) -> int:
    """Uniform pruning with two criteria (--criterion vs --baseline) on held-out prompts.

    Parameters
    ----------
    baseline
        the criterion --criterion is compared with
    ratios
        comma-separated ratios of uniform pruning
    out
        output folder
    """
    from . import plots, report
    from .compare import criteria_comparison

    set_threads(threads)
    started = time.perf_counter()
    evaluator = _evaluator(_criteria_settings(env, heldout, progress), heldout)
    rows = criteria_comparison(
        evaluator, list(ratios), criterion=env.criterion, baseline=baseline, seed=seed
    )
    names = [env.criterion, baseline]
    report.write_csv(out / "criteria.csv", rows)
    plots.plot_criteria(rows, names, out / "criteria.png", title=evaluator.workbench.student.name)
    facts = _heldout_facts(env.device, started, evaluator, heldout.heldout_prompts)
    facts |= {
        "modules": ",".join(evaluator.workbench.modules),
        "wanda activations": f"{heldout.calibration_prompts} (first {heldout.calibration_batch})",
    }
    sections = _criteria_sections(rows, names, evaluator.workbench.modules)
    _write_markdown(out, "criteria", "Pruning criteria on held-out prompts", sections, facts)
    return print_json({"out": str(out), "rows": [rounded(r) for r in rows]})


def _criteria_sections(rows: list[dict], names: list[str], modules: tuple[str, ...]) -> list[str]:
    from . import report

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


# -- export --------------------------------------------------------------------------------------


def export(
    *,
    plan: PlanFile,
    out: Path,
    env: ExportEnv = _EXPORT_ENV,
    model_sparsity: float | None = None,
    format: Literal["hf", "gguf"] = "hf",  # noqa: A002 (the option's name)
    weights_dtype: Literal["f32", "bf16", "f16"] = "f32",
    quant: str | None = None,
    threads: Threads = None,
    progress: Progress = True,
) -> int:
    """Prune --student by --plan and save it: structured plans physically lose their
    channels and heads. Checks the reloaded KL and writes a model card (README.md).

    Parameters
    ----------
    out
        the model folder to write
    model_sparsity
        scale the plan to this share of all parameters first
    format
        hf: safetensors folder (per-layer widths ship modelling code); gguf: model.gguf
    weights_dtype
        precision of the saved weights (the env computes in float32)
    quant
        GGUF block quantization of the matrices: q8_0 or q4_0 (needs --format gguf)
    """
    from llm_prune_gym import Workbench

    from .export import check_format, export_pruned

    set_threads(threads)
    # float32: the export casts
    loaded, settings = _plan_settings(plan, env, None, progress=progress)
    check_format(format, weights_dtype, quant)
    workbench = Workbench(settings)
    loaded = workbench.rebase(loaded)
    if model_sparsity is not None:
        loaded = loaded.scaled(model_sparsity=model_sparsity)
    result = export_pruned(workbench, loaded, out, format, weights_dtype, quant)
    keys = ("applied_model_sparsity", "planned_prunable_sparsity", "kl_in_env", "kl_reloaded")
    printed = {k: round(result[k], 6) for k in keys}
    if "pruned_model_sparsity" in result:
        printed["pruned_model_sparsity"] = round(result["pruned_model_sparsity"], 6)
    sizes = {k: result[k] for k in ("saved_params", "weight_bytes")}
    return print_json({"out": str(out), **printed, **sizes})
