"""`llm-prune data ...` (preference data, calibration prompts) and the training commands.

The main `llm-prune` CLI (in llm_prune_gym, which never imports this package) finds
`register` through the `llm_prune_gym.commands` entry point and calls it with its
sub-parsers object. Every sub-command sets `func(args) -> int`, the exit code.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from llm_prune_gym.prompts import DEFAULT_PROMPT_STYLE, PROMPT_STYLES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `data build`, `data calibration`, and train_cli's `finetune` commands."""
    data = subparsers.add_parser(
        "data",
        help="build fine-tuning data and calibration prompts from buggy programs",
        description="Preference pairs of hints for real beginner bugs with real tracebacks.",
    )
    data.set_defaults(func=lambda args: (data.print_help(), 2)[1])
    commands = data.add_subparsers(dest="data_command", metavar="{build,calibration}")
    _add_build(commands)
    _add_calibration(commands)

    from finetune.train_cli import add_finetune_command  # `finetune`, `finetune-merge`

    add_finetune_command(subparsers)


def _add_build(commands: argparse._SubParsersAction) -> None:
    build = commands.add_parser(
        "build",
        help="write train.jsonl / test.jsonl / stats.md (resumable)",
        description="Inject bugs into the corpus, run them in the sandbox, keep those "
        "that fail as claimed, and pair a teacher's hint with a rejected one. Re-running "
        "with the same options continues an interrupted build.",
    )
    build.add_argument("--out", type=Path, required=True, help="output folder")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument(
        "--teacher",
        choices=("oracle", "openai"),
        default="oracle",
        help="oracle: offline, from the ground truth; openai: any "
        "OpenAI-compatible server (key from OPENAI_API_KEY)",
    )
    build.add_argument(
        "--teacher-model", default=None, help="default: $LLM_PRUNE_TEACHER_MODEL or gpt-4o"
    )
    build.add_argument("--teacher-base-url", default=None, help="default: $OPENAI_BASE_URL")
    build.add_argument(
        "--student",
        default=None,
        metavar="SPEC",
        help="also use this student's own answers as rejected hints "
        "(DPO-KD, offline): 'smollm2', 'stub', or a model path",
    )
    build.add_argument(
        "--student-max-new-tokens",
        type=int,
        default=160,
        metavar="N",
        help="length limit of the student's answers",
    )
    build.add_argument(
        "--max-programs",
        type=int,
        default=None,
        metavar="N",
        help="use only the first N corpus programs (quick runs)",
    )
    build.add_argument(
        "--programs",
        type=int,
        default=None,
        metavar="N",
        help="a seeded sample of N corpus programs (default: all)",
    )
    build.add_argument(
        "--sources",
        type=_origins,
        default=None,
        metavar="A,B",
        help="program origins, comma-separated: handwritten, public, generated (default: all)",
    )
    build.add_argument(
        "--per-kind", type=int, default=8, help="at most this many bugs of one kind per program"
    )
    build.add_argument(
        "--timeout",
        type=float,
        default=1.0,
        help="seconds before a run gets its Ctrl-C (endless loops)",
    )
    build.add_argument(
        "--max-lines",
        type=int,
        default=100_000,
        metavar="N",
        help="an endless loop is re-run and interrupted after N lines, so "
        "its Ctrl-C traceback is the same on every build",
    )
    build.add_argument("--workers", type=int, default=None, help="parallel runs")
    build.add_argument(
        "--prompt-style",
        choices=PROMPT_STYLES,
        default=DEFAULT_PROMPT_STYLE,
        help="grounded: the prompt adds facts read from the program and its traceback; "
        "plain: program and error only (builds made before this option)",
    )
    build.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    build.set_defaults(func=_build)


def _add_calibration(commands: argparse._SubParsersAction) -> None:
    calibration = commands.add_parser(
        "calibration",
        help="rebuild llm_prune_gym/data/calibration.jsonl",
        description="Rebuild the environment's built-in calibration prompts (64 train, "
        "32 heldout) from short buggy programs, split by program like the data set.",
    )
    calibration.add_argument("--seed", type=int, default=0)
    calibration.add_argument(
        "--out", type=Path, default=None, help="write here instead of the package's data file"
    )
    calibration.add_argument(
        "--prompt-style",
        choices=PROMPT_STYLES,
        default="plain",
        help="plain (the shipped prompts, which the measured KLs use) or grounded",
    )
    calibration.set_defaults(func=_calibration)


def _origins(text: str) -> tuple[str, ...]:
    """Parse --sources: known origins, comma-separated."""
    from finetune.corpus import ORIGINS

    origins = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [o for o in origins if o not in ORIGINS]
    if unknown or not origins:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(ORIGINS)}, not {text!r}")
    return origins


def _build(args: argparse.Namespace) -> int:
    from finetune.build import BuildOptions, build
    from finetune.sandbox import SandboxUnavailable

    options = BuildOptions(
        out=args.out,
        seed=args.seed,
        teacher=args.teacher,
        teacher_model=args.teacher_model,
        teacher_base_url=args.teacher_base_url,
        student=args.student,
        student_tokens=args.student_max_new_tokens,
        max_programs=args.max_programs,
        programs=args.programs,
        sources=args.sources,
        per_kind=args.per_kind,
        timeout=args.timeout,
        max_lines=args.max_lines,
        workers=args.workers,
        progress=not args.no_progress,
        prompt_style=args.prompt_style,
    )
    started = time.monotonic()
    try:
        pairs = build(options)
    except (ValueError, SandboxUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    print(
        f"{pairs['train']} train and {pairs['test']} test pairs in {args.out} "
        f"({seconds:.0f} s); see {args.out / 'stats.md'}"
    )
    return 0


def _calibration(args: argparse.Namespace) -> int:
    from collections import Counter

    from finetune.calibration_prompts import DEFAULT_PATH, build_calibration, write_calibration

    records = build_calibration(args.seed, prompt_style=args.prompt_style)
    path = write_calibration(records, args.out or DEFAULT_PATH)
    splits = Counter(r["split"] for r in records)
    kinds = len({r["error_kind"] for r in records})
    print(
        f"wrote {splits['train']} train and {splits['heldout']} heldout prompts "
        f"({kinds} error kinds, {args.prompt_style} prompts) to {path}"
    )
    return 0
