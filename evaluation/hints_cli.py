"""``llm-prune eval-hints`` and ``llm-prune experiment``: hint quality of (pruned) students.

- ``eval-hints``: one student writes a hint for every program of a test set; the hints
  are graded offline (ground truth) and, with ``--judge openai``, by an LLM judge.
  Writes ``hints.csv``, ``summary.csv`` and ``summary.md`` under ``--out``.
- ``experiment``: a base and a DPO student, each pruned by a plan scaled to several
  shares of all parameters (the report's Figure 7). Writes ``experiment.csv``,
  ``experiment.md``, ``experiment.png``, ``hints.csv`` and ``plans/`` under ``--out``.
- ``grade``: grades hints that any system wrote (``{"id", "hint"}`` lines matched to the
  test set's cases by id) and writes the same files as ``eval-hints``.
- ``hint`` (:mod:`evaluation.hint_command`): one program, its real error and one hint.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from llm_prune_gym import PruningPlan
from llm_prune_gym.cli import positive_int
from llm_prune_gym.prompts import PROMPT_STYLES
from llm_prune_gym.pruning import CRITERIA

from . import report
from .experiment import DEFAULT_LEVELS, ExperimentConfig, run_experiment, write_experiment
from .hint_command import add_hint_command
from .hints import (
    generate_hints,
    grade_rows,
    match_hints,
    read_cases,
    read_hints,
    select_cases,
    write_outputs,
)


def percent_list(text: str) -> list[float]:
    """Parse ``0,2.1,6.2,10.3`` (percentages of all parameters; argparse type)."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None
    if not values or any(not 0.0 <= v < 100.0 for v in values):
        raise argparse.ArgumentTypeError(f"expected percentages in [0, 100), got {text!r}")
    return values


def _add_data(parser: argparse.ArgumentParser) -> None:
    """Where the test set comes from and where the results go."""
    parser.add_argument("--data", required=True, help="test set JSONL (data build or user code)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument(
        "--sandbox-timeout",
        type=float,
        default=2.0,
        help="seconds a user program may run before its Ctrl-C",
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    """Options both generating commands share: data, prompts, generation, device, judge."""
    _add_data(parser)
    parser.add_argument("--limit", type=int, default=None, help="at most N programs (by kind)")
    parser.add_argument("--seed", type=int, default=0, help="which programs --limit keeps")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="hint length cap")
    parser.add_argument("--batch-size", type=int, default=16, help="prompts per generate call")
    parser.add_argument(
        "--prompt-style",
        choices=PROMPT_STYLES,
        default=None,
        help="build every prompt in this style: grounded (plus facts read from the program "
        "and its traceback) or plain (default: a data build's stored prompts as they are, "
        "users' programs grounded)",
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"))
    parser.add_argument("--threads", type=positive_int, default=None, help="torch CPU threads")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    _add_judge(parser)


def _add_judge(parser: argparse.ArgumentParser) -> None:
    """The optional LLM judge's options."""
    judge = parser.add_argument_group(
        "judge",
        "offline: rules on the ground truth only (evaluation/grader.py). openai: also an LLM "
        "judge with the report's rubric through any OpenAI-compatible server; the key is "
        "read from the environment only.",
    )
    judge.add_argument("--judge", choices=("offline", "openai"), default="offline")
    judge.add_argument(
        "--judge-model", default=None, help="default: $LLM_PRUNE_JUDGE_MODEL, else gpt-4o"
    )
    judge.add_argument("--judge-base-url", default=None, help="default: $OPENAI_BASE_URL")
    judge.add_argument(
        "--judge-api-key-env",
        default="OPENAI_API_KEY",
        help="name of the environment variable that holds the key",
    )
    judge.add_argument("--judge-concurrency", type=int, default=8, help="parallel requests")
    judge.add_argument("--judge-retries", type=int, default=4, help="retries of failed requests")
    judge.add_argument(
        "--judge-cache",
        default=None,
        help="verdict cache folder (default: the llm_prune_gym cache/judge)",
    )
    judge.add_argument(
        "--judge-json-mode",
        action="store_true",
        help="ask for response_format=json_object (if the server supports it)",
    )


def _judge(args: argparse.Namespace):
    """The judge callable for `grade_rows`, or None for offline grading only."""
    if args.judge == "offline":
        return None
    from .judge import JudgeConfig, OpenAIJudge

    config = JudgeConfig.from_env(
        model=args.judge_model,
        base_url=args.judge_base_url,
        api_key_env=args.judge_api_key_env,
        concurrency=args.judge_concurrency,
        retries=args.judge_retries,
        json_mode=args.judge_json_mode,
        cache=Path(args.judge_cache) if args.judge_cache else None,
        journal=Path(args.out) / "judge_verdicts.jsonl",  # kept even if the run stops
    )
    return OpenAIJudge(config, progress=not args.no_progress)


def _facts(args: argparse.Namespace, started: float, judge, cases) -> dict:
    facts = _grading_facts(args, started, judge, cases)
    facts["generation"] = (
        f"greedy, max {args.max_new_tokens} new tokens, batches of {args.batch_size}, {args.dtype}"
    )
    facts["prompts"] = (
        f"all {args.prompt_style}"
        if args.prompt_style
        else "data build lines as stored, user programs grounded"
    )
    return facts


def _grading_facts(args: argparse.Namespace, started: float, judge, cases) -> dict:
    facts = report.run_facts(getattr(args, "device", "cpu"), time.perf_counter() - started)
    facts |= {
        "data": f"{args.data} ({len(cases)} programs)",
        "grading": "offline" if judge is None else f"offline + judge {judge.config.describe()}",
    }
    if judge is not None:
        facts["judge requests"] = judge.requests
    return facts


def _cases(args: argparse.Namespace):
    if args.threads:
        torch.set_num_threads(args.threads)
    cases = read_cases(
        args.data, sandbox_timeout=args.sandbox_timeout, prompt_style=args.prompt_style
    )
    return select_cases(cases, args.limit, args.seed)


def _print_summary(out: str, summary: dict) -> None:
    """One JSON line: where the results are and the headline rates."""
    keys = ("n", "identifies_error", "gives_away", "judge_identifies_error", "judge_helpfulness")
    line = {"out": out, **{k: summary[k] for k in keys if k in summary}}
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in line.items()}))


def run_eval_hints(args: argparse.Namespace) -> int:
    from llm_prune_gym.students import load_student, torch_dtype

    started = time.perf_counter()
    cases = _cases(args)
    judge = _judge(args)
    student = load_student(args.student, device=args.device, dtype=torch_dtype(args.dtype))
    hints = generate_hints(
        student,
        cases,
        max_new_tokens=args.max_new_tokens,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=not args.no_progress,
    )
    rows = grade_rows(cases, hints, judge, student=student.name)
    facts = _facts(args, started, judge, cases) | {"student": f"{args.student}"}
    summaries = write_outputs(Path(args.out), rows, ["student"], facts, seed=args.seed)
    _print_summary(args.out, summaries[0])
    return 0


def run_grade(args: argparse.Namespace) -> int:
    """Grade hints written elsewhere against a test set's cases, matched by id."""
    started = time.perf_counter()
    hints = read_hints(args.hints)
    cases = read_cases(args.data, sandbox_timeout=args.sandbox_timeout, dedupe=False)
    cases, texts = match_hints(cases, hints, partial=args.partial)
    judge = _judge(args)
    system = args.system or Path(args.hints).stem
    rows = grade_rows(cases, texts, judge, student=system)
    facts = _grading_facts(args, started, judge, cases) | {
        "hints": f"{args.hints} ({len(hints)} hints, system {system})"
    }
    summaries = write_outputs(Path(args.out), rows, ["student"], facts, seed=args.seed)
    _print_summary(args.out, summaries[0])
    return 0


def run_hint_experiment(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    cases = _cases(args)
    judge = _judge(args)
    plan = PruningPlan.load(args.plan)
    if args.criterion:
        plan.criterion = args.criterion
    config = ExperimentConfig(
        levels=tuple(args.levels),
        max_new_tokens=args.max_new_tokens,
        batch_size=args.batch_size,
        heldout_prompts=args.heldout_prompts,
        calibration_prompts=args.calibration_prompts,
        calibration_batch=args.calibration_batch,
        answer_tokens=args.answer_tokens,
        kl_batch_size=args.kl_batch_size,
        device=args.device,
        dtype=args.dtype,
        seed=args.seed,
        progress=not args.no_progress,
        resume=not args.fresh,
    )
    out = Path(args.out)
    students = {"base": args.base, "dpo": args.dpo}
    summaries, rows = run_experiment(students, plan, cases, out, config, judge)
    facts = _facts(args, started, judge, cases) | {
        "students": f"base = {args.base}, dpo = {args.dpo}",
        "plan": f"{args.plan} ({plan.criterion}, {','.join(plan.modules)})",
        "KL prompts": f"{args.heldout_prompts}, {args.answer_tokens} answer tokens",
        "title": f"base vs DPO student, {len(cases)} test programs",
    }
    write_experiment(out, summaries, rows, facts)
    for s in summaries:
        keys = ("student", "level", "kl_heldout", "identifies_error", "gives_away")
        print(json.dumps({k: round(s[k], 4) if isinstance(s[k], float) else s[k] for k in keys}))
    return 0


def run_check_grader(args: argparse.Namespace) -> int:
    from .labelset import check_grader

    print(json.dumps(check_grader(Path(args.labels), Path(args.out))))
    return 0


def add_hint_commands(subparsers) -> None:
    """Add ``eval-hints``, ``check-grader``, ``experiment``, ``grade`` and ``hint`` to the
    ``llm-prune`` parser."""
    evaluate = subparsers.add_parser(
        "eval-hints",
        help="grade one student's hints on a test set (offline rules, optional LLM judge)",
        description="The student writes a greedy hint for every program of --data (a data "
        "build test.jsonl, or a user's JSONL of {code, stdin, fixed_code?}, run in the "
        "sandbox for its real traceback); the hints are graded and summarised with 95%% "
        "Wilson intervals.",
    )
    evaluate.add_argument(
        "--student", default="smollm2", help="smollm2, stub, a .gguf or HF folder"
    )
    _add_common(evaluate)
    evaluate.set_defaults(func=run_eval_hints)

    check = subparsers.add_parser(
        "check-grader",
        help="the offline grader against hand-labelled hints: agreement, kappa, rates",
        description="Grades every labelled hint of a labelled-set folder (cases.jsonl, "
        "hints.jsonl, labels.csv; see docs/hint-rubric.md) and compares the verdicts with "
        "the hand labels per half (tune/check): agreement, precision, recall, Cohen's kappa; "
        "also hand and grader rates per student.",
    )
    check.add_argument("--labels", default="results/hint-labels", help="labelled-set folder")
    check.add_argument("--out", default="runs/check-grader", help="output folder")
    check.set_defaults(func=run_check_grader)

    experiment = subparsers.add_parser(
        "experiment",
        help="base vs DPO student under increasing pruning: hint quality and KL (Figure 7)",
        description="Prune each student by --plan scaled to each of --levels (%% of ALL "
        "parameters), generate and grade a hint for every test program, measure the KL on "
        "held-out prompts; one table, one bar chart. Hints are saved as they are made and a "
        "rerun reuses them (--fresh to regenerate).",
    )
    experiment.add_argument("--base", required=True, help="the base student spec")
    experiment.add_argument("--dpo", required=True, help="the fine-tuned student spec")
    experiment.add_argument("--plan", required=True, help="a pruning plan JSON")
    experiment.add_argument(
        "--criterion",
        default=None,
        choices=CRITERIA,
        help="override the plan's pruning criterion",
    )
    experiment.add_argument(
        "--levels",
        type=percent_list,
        default=list(DEFAULT_LEVELS),
        help="percent of ALL parameters to prune (default 0,2.1,6.2,10.3)",
    )
    experiment.add_argument(
        "--heldout-prompts", default="builtin:heldout", help="prompts the KL is measured on"
    )
    experiment.add_argument(
        "--calibration-prompts",
        default="builtin:train",
        help="prompts Wanda's input norms come from",
    )
    experiment.add_argument("--calibration-batch", type=int, default=8)
    experiment.add_argument(
        "--answer-tokens", type=int, default=32, help="teacher answer tokens scored by the KL"
    )
    experiment.add_argument("--kl-batch-size", type=int, default=8)
    experiment.add_argument("--fresh", action="store_true", help="regenerate saved hints")
    _add_common(experiment)
    experiment.set_defaults(func=run_hint_experiment)
    _add_grade(subparsers)
    add_hint_command(subparsers)


def _add_grade(subparsers) -> None:
    grade = subparsers.add_parser(
        "grade",
        help="grade hints any system wrote ({id, hint} lines) against a test set",
        description='Match each {"id", "hint"} line of --hints to the case of --data with '
        "that id (a data build line, or a user program {id, code, stdin, fixed_code}, run in "
        "the sandbox), grade the hints like eval-hints does and write the same hints.csv, "
        "summary.csv and summary.md. An id that is no case's, or a case without a hint "
        "(unless --partial), is an error.",
    )
    _add_data(grade)
    grade.add_argument("--hints", required=True, help='JSONL of {"id": ..., "hint": ...}')
    grade.add_argument(
        "--system", default=None, help="name in the tables (default: the hints file's name)"
    )
    grade.add_argument(
        "--partial", action="store_true", help="grade only the cases that have a hint"
    )
    grade.add_argument("--seed", type=int, default=0, help="seed of the bootstrap intervals")
    grade.add_argument("--no-progress", action="store_true", help="hide progress bars")
    _add_judge(grade)
    grade.set_defaults(func=run_grade)


def main(argv: list[str] | None = None) -> int:
    """Both commands without the ``llm-prune`` entry point (a GPU machine that has the
    code on PYTHONPATH but no installed package): ``python -m evaluation.hints_cli ...``."""
    from llm_prune_gym.cli import run_parsed

    parser = argparse.ArgumentParser(prog="python -m evaluation.hints_cli")
    add_hint_commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return run_parsed(parser, argv)


if __name__ == "__main__":
    raise SystemExit(main())
