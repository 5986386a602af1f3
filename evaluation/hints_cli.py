"""``llm-prune eval-hints``, ``grade``, ``experiment`` and ``check-grader``: hint quality.

- ``eval-hints``: one student writes a hint for every program of a test set; the hints
  are graded offline (ground truth) and, with ``--judge openai``, by an LLM judge.
  Writes ``hints.csv``, ``summary.csv`` and ``summary.md`` under ``--out``.
- ``experiment``: a base and a DPO student, each pruned by a plan scaled to several
  shares of all parameters (the report's Figure 7). Writes ``experiment.csv``,
  ``experiment.md``, ``experiment.png``, ``hints.csv`` and ``plans/`` under ``--out``.
- ``grade``: grades hints that any system wrote (``{"id", "hint"}`` lines matched to the
  test set's cases by id) and writes the same files as ``eval-hints``.
- ``check-grader``: the offline grader against hand-labelled hints.
- ``hint`` (:mod:`evaluation.hint_command`): one program, its real error and one hint.

Each prints one JSON line on stdout. The options come from the dataclasses in
:mod:`evaluation.settings`; nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

from cyclopts import Parameter, validators

from llm_prune_gym.cli import (
    ENV_CLI_TYPES,
    Device,
    Threads,
    comma_floats,
    print_json,
    resolve_device,
    rounded,
    set_threads,
)

from .settings import CaseSettings, GenerationSettings, HeldOutSettings, JudgeSettings

DEFAULT_LEVELS = (0.0, 2.1, 6.2, 10.3)  # evaluation.experiment.DEFAULT_LEVELS (no torch here)

Criterion = ENV_CLI_TYPES["criterion"]
Cases = Annotated[CaseSettings, Parameter(name="*", group="test set")]
Judge = Annotated[JudgeSettings, Parameter(name="*", group="judge")]
Generation = Annotated[GenerationSettings, Parameter(name="*", group="generation")]
HeldOut = Annotated[HeldOutSettings, Parameter(name="*", group="held-out KL")]
Progress = Annotated[bool, Parameter(help="show progress bars on stderr")]
Percents = comma_floats(validators.Number(gte=0, lt=100))


def _judge(judge: JudgeSettings, out: Path, progress: bool):
    """The judge callable for `grade_rows`, or None for offline grading only."""
    if judge.judge == "offline":
        return None
    from .judge import JudgeConfig, OpenAIJudge

    config = JudgeConfig.from_env(
        model=judge.judge_model,
        base_url=judge.judge_base_url,
        api_key_env=judge.judge_api_key_env,
        concurrency=judge.judge_concurrency,
        retries=judge.judge_retries,
        json_mode=judge.judge_json_mode,
        cache=judge.judge_cache,
        journal=Path(out) / "judge_verdicts.jsonl",  # kept even if the run stops
    )
    return OpenAIJudge(config, progress=progress)


def _grading_facts(device: str, started: float, judge, data: Path, count: int) -> dict:
    from . import report

    facts = report.run_facts(device, time.perf_counter() - started)
    facts |= {
        "data": f"{data} ({count} programs)",
        "grading": "offline" if judge is None else f"offline + judge {judge.config.describe()}",
    }
    if judge is not None:
        facts["judge requests"] = judge.requests
    return facts


def _decoding(candidates: int) -> str:
    if candidates == 1:
        return "greedy"
    return f"best of {candidates} (greedy + {candidates - 1} seeded samples, evaluation.rerank)"


def _generation_facts(generation: GenerationSettings, cases: CaseSettings) -> dict:
    return {
        "generation": f"{_decoding(generation.candidates)}, max {generation.max_new_tokens} "
        f"new tokens, batches of {generation.generation_batch_size}, {generation.dtype}",
        "prompts": f"all {cases.prompt_style}"
        if cases.prompt_style
        else "data build lines as stored, user programs grounded",
        "diagnosis": "on: a certain diagnosis (llm_prune_gym.diagnosis) is the hint where one "
        "fires; the student's hints are checked (evaluation.rerank)"
        if generation.diagnosis
        else "off: every hint is the student's",
    }


def _sources_fact(rows: list[dict]) -> dict:
    """How many hints the diagnosis, the student and the facts wrote (run facts)."""
    from .hints import source_counts

    counts = source_counts(rows)
    return {"hints written by": ", ".join(f"{s} {n}" for s, n in counts.items())}


def _read_cases(cases: CaseSettings, seed: int):
    from .hints import read_cases, select_cases

    read = read_cases(
        cases.data, sandbox_timeout=cases.sandbox_timeout, prompt_style=cases.prompt_style
    )
    return select_cases(read, cases.limit, seed)


def _summary_line(out: Path, summary: dict) -> int:
    """One JSON line: where the results are and the headline rates."""
    keys = ("n", "identifies_error", "gives_away", "judge_identifies_error", "judge_helpfulness")
    keys += tuple(k for k in summary if k.startswith("hints_by_"))
    line = {"out": str(out), **{k: summary[k] for k in keys if k in summary}}
    return print_json(rounded(line, 4))


def eval_hints(
    *,
    out: Path,
    cases: Cases,
    student: str = "smollm2",
    generation: Generation = GenerationSettings(),  # noqa: B008 (frozen)
    judge: Judge = JudgeSettings(),  # noqa: B008 (frozen)
    seed: int = 0,
    device: Device = "auto",
    threads: Threads = None,
    progress: Progress = True,
) -> int:
    """The student writes a greedy hint for every program of --data; the hints are graded
    and summarised with 95% Wilson intervals. With --diagnosis a certain diagnosis is the
    hint where one fires (hints.csv's hint_source says who wrote each hint: diagnosis,
    student or facts).

    --data is a data build's test.jsonl, or a user's JSONL of {code, stdin, fixed_code?},
    run in the sandbox for its real traceback.

    Parameters
    ----------
    out
        output folder
    student
        smollm2, stub, a .gguf or a Hugging Face folder
    seed
        which programs --limit keeps; seed of the intervals
    """
    from llm_prune_gym.students import load_student, torch_dtype

    from .hints import generate_choices, grade_rows, with_sources, write_outputs

    set_threads(threads)
    started = time.perf_counter()
    device = resolve_device(device)
    chosen = _read_cases(cases, seed)
    grader = _judge(judge, out, progress)
    loaded = load_student(student, device=device, dtype=torch_dtype(generation.dtype))
    choices = generate_choices(
        loaded,
        chosen,
        max_new_tokens=generation.max_new_tokens,
        batch_size=generation.generation_batch_size,
        seed=seed,
        progress=progress,
        candidates=generation.candidates,
        diagnosis=generation.diagnosis,
    )
    hints = [choice.hint for choice in choices]
    rows = with_sources(grade_rows(chosen, hints, grader, student=loaded.name), choices)
    facts = _grading_facts(device, started, grader, cases.data, len(chosen))
    facts |= _generation_facts(generation, cases) | {"student": student} | _sources_fact(rows)
    summaries = write_outputs(Path(out), rows, ["student"], facts, seed=seed)
    return _summary_line(out, summaries[0])


def grade(
    *,
    out: Path,
    hints: Path,
    data: Path,
    sandbox_timeout: float = 2.0,
    system: str | None = None,
    partial: bool = False,
    judge: Judge = JudgeSettings(),  # noqa: B008 (frozen)
    seed: int = 0,
    progress: Progress = True,
) -> int:
    """Grade hints any system wrote against a test set, like eval-hints does.

    Matches each {"id", "hint"} line of --hints to the case of --data with that id (a data
    build line, or a user program {id, code, stdin, fixed_code}, run in the sandbox) and
    writes the same hints.csv, summary.csv and summary.md. An id that is no case's, or a
    case without a hint (unless --partial), is an error.

    Parameters
    ----------
    out
        output folder
    hints
        JSONL of {"id": ..., "hint": ...}
    data
        test set JSONL (data build or user code)
    sandbox_timeout
        seconds a user program may run before its Ctrl-C
    system
        name in the tables (default: the hints file's name)
    partial
        grade only the cases that have a hint
    seed
        seed of the bootstrap intervals
    """
    from .hints import grade_rows, match_hints, read_cases, read_hints, write_outputs

    started = time.perf_counter()
    written = read_hints(hints)
    read = read_cases(data, sandbox_timeout=sandbox_timeout, dedupe=False)
    matched, texts = match_hints(read, written, partial=partial)
    grader = _judge(judge, out, progress)
    name = system or Path(hints).stem
    rows = grade_rows(matched, texts, grader, student=name)
    facts = _grading_facts("cpu", started, grader, data, len(matched))
    facts["hints"] = f"{hints} ({len(written)} hints, system {name})"
    summaries = write_outputs(Path(out), rows, ["student"], facts, seed=seed)
    return _summary_line(out, summaries[0])


def experiment(
    *,
    base: str,
    dpo: str,
    plan: Path,
    out: Path,
    cases: Cases,
    criterion: Annotated[Criterion | None, Parameter(help="override the plan's criterion")] = None,
    levels: Percents = DEFAULT_LEVELS,
    answer_tokens: int = 32,
    heldout: HeldOut = HeldOutSettings(heldout_batch_size=8),  # noqa: B008 (frozen)
    generation: Generation = GenerationSettings(),  # noqa: B008 (frozen)
    judge: Judge = JudgeSettings(),  # noqa: B008 (frozen)
    fresh: bool = False,
    seed: int = 0,
    device: Device = "auto",
    threads: Threads = None,
    progress: Progress = True,
) -> int:
    """Base vs DPO student under increasing pruning: hint quality and KL (Figure 7).

    Prunes each student by --plan scaled to each of --levels (% of ALL parameters),
    generates and grades a hint for every test program, measures the KL on held-out
    prompts; one table, one bar chart. Hints are saved as they are made and a rerun
    reuses them (--fresh to regenerate). Prints one JSON line with every row.

    Parameters
    ----------
    base
        the base student spec
    dpo
        the fine-tuned student spec
    plan
        a pruning plan JSON
    out
        output folder
    levels
        comma-separated percent of ALL parameters to prune
    answer_tokens
        teacher answer tokens scored by the KL
    fresh
        regenerate saved hints
    seed
        which programs --limit keeps; seed of the intervals
    """
    from llm_prune_gym import PruningPlan

    from .experiment import ExperimentConfig, run_experiment, write_experiment

    set_threads(threads)
    started = time.perf_counter()
    device = resolve_device(device)
    chosen = _read_cases(cases, seed)
    grader = _judge(judge, out, progress)
    loaded = PruningPlan.load(plan)
    if criterion:
        loaded.criterion = criterion
    config = ExperimentConfig(
        levels=tuple(levels),
        max_new_tokens=generation.max_new_tokens,
        batch_size=generation.generation_batch_size,
        heldout_prompts=heldout.heldout_prompts,
        calibration_prompts=heldout.calibration_prompts,
        calibration_batch=heldout.calibration_batch,
        answer_tokens=answer_tokens,
        kl_batch_size=heldout.heldout_batch_size,
        device=device,
        dtype=generation.dtype,
        seed=seed,
        progress=progress,
        resume=not fresh,
        candidates=generation.candidates,
        diagnosis=generation.diagnosis,
    )
    summaries, rows = run_experiment(
        {"base": base, "dpo": dpo}, loaded, chosen, out, config, grader
    )
    facts = _grading_facts(device, started, grader, cases.data, len(chosen))
    facts |= _generation_facts(generation, cases) | {
        "students": f"base = {base}, dpo = {dpo}",
        "plan": f"{plan} ({loaded.criterion}, {','.join(loaded.modules)})",
        "KL prompts": f"{heldout.heldout_prompts}, {answer_tokens} answer tokens",
        "title": f"base vs DPO student, {len(chosen)} test programs",
    }
    facts |= _sources_fact(rows)
    write_experiment(out, summaries, rows, facts)
    keys = ("student", "level", "kl_heldout", "identifies_error", "gives_away")
    keys += tuple(k for k in summaries[0] if k.startswith("hints_by_")) if summaries else ()
    return print_json(
        {"out": str(out), "rows": [rounded({k: s[k] for k in keys}, 4) for s in summaries]}
    )


def check_grader(
    *, labels: Path = Path("results/hint-labels"), out: Path = Path("runs/check-grader")
) -> int:
    """The offline grader against hand-labelled hints: agreement, kappa, rates.

    Grades every labelled hint of a labelled-set folder (cases.jsonl, hints.jsonl,
    labels.csv; see docs/hint-rubric.md) and compares the verdicts with the hand labels per
    half (tune/check): agreement, precision, recall, Cohen's kappa; also hand and grader
    rates per student.

    Parameters
    ----------
    labels
        labelled-set folder
    out
        output folder
    """
    from .labelset import check_grader as check

    return print_json(check(Path(labels), Path(out)))
