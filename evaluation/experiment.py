"""The report's Figure 7: does DPO help, and what does pruning cost the hints?

Two students (the base model and its DPO fine-tune) are pruned by the same plan,
scaled to several shares of ALL their parameters (the report's 0, 2.1, 6.2 and
10.3%); at each level each student writes a hint for every test program, greedily,
and the hints are graded (offline grader, optionally the LLM judge). The KL of each
pruned student against its own unpruned self on held-out prompts (``builtin:heldout``)
says how far the pruning moved the model's distribution.

Pruning uses a :class:`~llm_prune_gym.workbench.Workbench` on the held-out prompts; it
prunes in place and restores the weights after every level. A Wanda plan is applied with
input norms measured on the calibration prompts (``builtin:train``), never on the
held-out prompts it is scored on.

Generated hints are saved under ``OUT/hints/`` as each (student, level) finishes, keyed
by everything that decides them; a rerun of the same command reuses them, so a long run
cut off by a time limit continues where it stopped.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from llm_prune_gym import EnvSettings, PruningPlan, Workbench
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.students import load_student, torch_dtype

from . import report
from .hints import (
    SOURCES_HEADER,
    Choice,
    HintCase,
    generate_choices,
    grade_rows,
    percent_cell,
    score_cell,
    shows_sources,
    sources_cell,
    summarise,
    with_sources,
)

DEFAULT_LEVELS = (0.0, 2.1, 6.2, 10.3)  # % of all parameters, as in the report
COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52")


@dataclass(frozen=True)
class ExperimentConfig:
    """Settings of one experiment run (see ``llm-prune experiment --help``)."""

    levels: tuple[float, ...] = DEFAULT_LEVELS
    max_new_tokens: int = 128
    batch_size: int = 16
    heldout_prompts: str = "builtin:heldout"
    calibration_prompts: str = "builtin:train"
    calibration_batch: int = 8
    answer_tokens: int = 32
    kl_batch_size: int = 8
    device: str = "cpu"
    dtype: str = "float32"
    seed: int = 0
    progress: bool = True
    resume: bool = True
    candidates: int = 1  # best of N hints (evaluation.hints.best_of_n); 1: greedy
    diagnosis: bool = False  # a certain diagnosis is the hint where one fires (`llm-prune hint`)


def heldout_workbench(student, plan: PruningPlan, config: ExperimentConfig) -> Workbench:
    """A workbench on every held-out prompt whose pruner applies `plan`'s criterion.

    A data-dependent criterion (Wanda) is fitted on the calibration prompts.
    """
    settings = EnvSettings(
        student=student,
        modules=plan.modules,
        granularity=plan.granularity,
        prompts=config.heldout_prompts,
        batch_size=config.kl_batch_size,
        sampling="sample",  # keeps every held-out prompt; "fixed" would keep one batch
        answer_tokens=config.answer_tokens,
        device=config.device,
        dtype=config.dtype,
        progress=config.progress,
    )
    heldout = HeldOut(Workbench(settings), config.calibration_prompts, config.calibration_batch)
    return heldout.pruning_by(plan.criterion)


def level_plan(plan: PruningPlan, level: float) -> PruningPlan:
    """The plan scaled to remove `level` percent of ALL parameters (0: nothing pruned)."""
    if level == 0:
        return plan.with_ratios(np.zeros_like(plan.ratios), model_sparsity_target=0.0)
    return plan.scaled(model_sparsity=level / 100.0)


def _hints_key(spec: str, plan: PruningPlan, cases: Sequence[HintCase], config) -> str:
    text = json.dumps(
        [
            spec,
            plan.ratios.round(8).tolist(),
            plan.criterion,
            [case.id for case in cases],
            [case.messages for case in cases],
            config.max_new_tokens,
            config.dtype,
        ]
        # best of N only: greedy hints saved before the option existed keep their key
        + ([config.candidates, config.seed] if config.candidates > 1 else [])
        + (["diagnosis"] if config.diagnosis else [])
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pruned_hints(
    workbench: Workbench,
    plan: PruningPlan,
    cases: Sequence[HintCase],
    config: ExperimentConfig,
    saved: Path,
    spec: str,
) -> list[Choice]:
    """Hints of the student pruned by `plan` (restored afterwards), reused from `saved`."""
    key = _hints_key(spec, plan, cases, config)
    if config.resume and saved.is_file():
        stored = json.loads(saved.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return _stored_choices(stored)
    workbench.apply(plan)
    try:
        choices = generate_choices(
            workbench.student,
            cases,
            max_new_tokens=config.max_new_tokens,
            batch_size=config.batch_size,
            seed=config.seed,
            progress=config.progress,
            candidates=config.candidates,
            diagnosis=config.diagnosis,
        )
    finally:
        workbench.restore()
    stored = {
        "key": key,
        "spec": spec,
        "hints": [c.hint for c in choices],
        "sources": [c.source for c in choices],
        "rules": [c.rule for c in choices],
        "chosen": [c.index for c in choices],
    }
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(stored), encoding="utf-8")
    return choices


def _stored_choices(stored: dict) -> list[Choice]:
    """The saved hints as Choices; files saved before sources were kept say "" (unknown)."""
    hints = stored["hints"]
    sources = stored.get("sources", [""] * len(hints))
    rules = stored.get("rules", [""] * len(hints))
    chosen = stored.get("chosen", [None] * len(hints))
    return [
        Choice(hint, index, (), (), source, rule)
        for hint, source, rule, index in zip(hints, sources, rules, chosen, strict=True)
    ]


def run_experiment(
    students: dict[str, str],
    plan: PruningPlan,
    cases: Sequence[HintCase],
    out: Path,
    config: ExperimentConfig,
    judge: Callable | None = None,
) -> tuple[list[dict], list[dict]]:
    """Every (student, level): hints, grades and held-out KL.

    `students` maps a label (``base``, ``dpo``) to a student spec. Returns the summary
    rows (one per student and level) and the per-hint rows.
    """
    summaries: list[dict] = []
    hint_rows: list[dict] = []
    for label, spec in students.items():
        student = load_student(spec, device=config.device, dtype=torch_dtype(config.dtype))
        workbench = heldout_workbench(student, plan, config)
        own = workbench.rebase(plan)
        for level in config.levels:
            scaled = level_plan(own, level)
            if label == next(iter(students)):
                scaled.save(out / "plans" / f"level_{level:g}.json")
            saved = out / "hints" / f"{label}_level_{level:g}.json"
            choices = pruned_hints(workbench, scaled, cases, config, saved, str(spec))
            kl = workbench.kl(scaled).mean if level > 0 else 0.0
            hints = [choice.hint for choice in choices]
            graded = grade_rows(cases, hints, judge, student=label, level=level)
            rows = with_sources(graded, choices)
            hint_rows += rows
            summaries.append(
                {
                    "student": label,
                    "level": level,
                    "model_sparsity": scaled.model_sparsity,
                    "prunable_sparsity": scaled.prunable_sparsity,
                    "kl_heldout": kl,
                }
                | summarise(rows, seed=config.seed)
            )
        del workbench, student, own
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return summaries, hint_rows


# -- outputs ------------------------------------------------------------------------------------


def experiment_table(summaries: Sequence[dict]) -> str:
    """The Markdown table: one row per student and pruning level."""
    judged = any("judge_identifies_error" in s for s in summaries)
    headers = [
        "student",
        "pruned (% of all)",
        "prunable sparsity",
        "KL held-out",
        "hints",
        "identifies error",
        "names the line",
        "misleading",
        "gives away code",
    ]
    if judged:
        headers += ["identifies (judge)", "gives away (judge)", "helpfulness", "clarity"]
    sources = shows_sources(summaries)
    headers += [SOURCES_HEADER] if sources else []
    rows = []
    for s in summaries:
        row = [
            s["student"],
            f"{100 * s['model_sparsity']:.1f}%",
            f"{100 * s['prunable_sparsity']:.1f}%",
            f"{s['kl_heldout']:.4f}",
            s["n"],
            percent_cell(s, "identifies_error"),
            percent_cell(s, "names_line"),
            percent_cell(s, "misleading"),
            percent_cell(s, "gives_away"),
        ]
        if judged:
            row += [
                percent_cell(s, "judge_identifies_error"),
                percent_cell(s, "judge_gives_away_code"),
                score_cell(s, "judge_helpfulness"),
                score_cell(s, "judge_clarity"),
            ]
        row += [sources_cell(s)] if sources else []
        rows.append(row)
    return report.markdown_table(headers, rows)


def plot_experiment(summaries: Sequence[dict], path: Path, title: str = "") -> Path:
    """Figure 7: identified % and gave-away % per student (bars) per pruning level (groups).

    Error bars are the 95% Wilson intervals.
    """
    students = list(dict.fromkeys(s["student"] for s in summaries))
    levels = list(dict.fromkeys(s["level"] for s in summaries))
    metrics = (
        ("identifies_error", "identifies the error"),
        ("misleading", "misleading"),
        ("gives_away", "gives away code"),
    )
    figure = Figure(figsize=(14, 4), layout="constrained")
    axes = figure.subplots(1, len(metrics), sharey=True)
    width = 0.8 / len(students)
    x = np.arange(len(levels))
    for ax, (key, name) in zip(axes, metrics, strict=True):
        for index, student in enumerate(students):
            rows = {s["level"]: s for s in summaries if s["student"] == student}
            values = np.array([100 * _nan0(rows[lv][key]) for lv in levels])
            low = np.array([100 * _nan0(rows[lv][f"{key}_low"]) for lv in levels])
            high = np.array([100 * _nan0(rows[lv][f"{key}_high"]) for lv in levels])
            ax.bar(
                x + (index - (len(students) - 1) / 2) * width,
                values,
                width,
                yerr=np.clip(np.vstack([values - low, high - values]), 0, None),
                capsize=3,
                label=student,
                color=COLORS[index % len(COLORS)],
            )
        ax.set_xticks(x, [f"{lv:g}%" for lv in levels])
        ax.set_xlabel("parameters pruned (% of all)")
        ax.set_title(f"hint {name}")
        ax.set_ylim(0, 100)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("% of hints (95% Wilson CI)")
    axes[0].legend(title="student")
    if title:
        figure.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130)
    return path


def _nan0(value: float) -> float:
    return 0.0 if value is None or np.isnan(value) else float(value)


def write_experiment(
    out: Path, summaries: Sequence[dict], hint_rows: Sequence[dict], facts: dict
) -> dict[str, Path]:
    """``experiment.csv``, ``experiment.md``, ``experiment.png`` and ``hints.csv`` under `out`."""
    paths = {
        "csv": report.write_csv(out / "experiment.csv", summaries),
        "hints": report.write_csv(out / "hints.csv", hint_rows),
        "png": plot_experiment(summaries, out / "experiment.png", title=facts.get("title", "")),
    }
    sections = [
        "# Hint quality of pruned students (Figure 7)",
        "![experiment](experiment.png)",
        "Each student pruned by the plan scaled to a share of all its parameters; one greedy "
        "hint per test program. Rates with 95% Wilson intervals; offline grading rules in "
        "`evaluation/grader.py`. KL: per token against the same student unpruned, on the "
        "held-out prompts. Every hint: `hints.csv`; scaled plans: `plans/`.",
        experiment_table(summaries),
        "## Run",
        report.facts_markdown({k: v for k, v in facts.items() if k != "title"}),
    ]
    paths["md"] = out / "experiment.md"
    paths["md"].write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return paths
