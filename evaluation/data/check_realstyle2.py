"""Checks a set of hand-written beginner programs (`realstyle*.jsonl`) against the sandbox.

    python evaluation/data/check_realstyle2.py [FILE ...] [--similarity]

FILE defaults to `realstyle2.jsonl`; `evaluation/data/realstyle3.jsonl` checks the third set,
`evaluation/data/realstyle4.jsonl` the fourth, `evaluation/data/realstyle5.jsonl` the fifth,
`evaluation/data/realstyle6.jsonl` the sixth, `evaluation/data/realstyle7.jsonl` the seventh,
`evaluation/data/realstyle8.jsonl` the eighth,
`evaluation/data/realstyle9.jsonl` the ninth, `evaluation/data/realstyle10.jsonl` the tenth,
`evaluation/data/realstyle11.jsonl` the eleventh, `evaluation/data/realstyle12.jsonl` the twelfth,
`evaluation/data/realstyle13.jsonl` the thirteenth,
`evaluation/data/realstyle14.jsonl` the fourteenth,
`evaluation/data/realstyle15.jsonl` the fifteenth.
For every record of each file: the broken program, run in `finetune.sandbox` with its
stdin, must end in the recorded exception at the recorded line of `main.py` (no
time-out), and its `fixed_code` must run cleanly on the same stdin. With `--similarity`
it also finds, for each program, the highest `difflib.SequenceMatcher` ratio of its
`code` or `fixed_code` against every program of the other `realstyle*.jsonl` sets (every
set in this folder but the one checked: set 15 against sets 1 to 14, so also sets 10 to 14;
`code` and `fixed_code`) and of `finetune/data/corpus.txt` (the hand-written corpus),
and fails above `MAX_RATIO`. Prints one JSON summary line per file and names each
failing record on stderr; exits 1 if any record fails.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from finetune.corpus import load_handwritten
from finetune.sandbox import Job, Limits, RunResult, run_many

DATA = Path(__file__).resolve().parent
SET2 = DATA / "realstyle2.jsonl"
MAX_RATIO = 0.6  # above this a program counts as a near-copy and is rewritten
LIMITS = Limits(timeout=5.0)


def read_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def crash_problem(record: dict, crash: RunResult, repaired: RunResult) -> str | None:
    """Why a record disagrees with what the sandbox saw, or None when it agrees."""
    if crash.timed_out:
        return "the broken program timed out"
    if 'File "main.py"' not in crash.traceback:
        return "the broken program printed no traceback through main.py"
    seen, stated = (crash.exception, crash.line), (record["exception"], record["error_line"])
    if seen != stated:
        return f"the broken program ends in {seen}, the record says {stated}"
    if not repaired.ok:
        last = repaired.stderr.strip().splitlines()[-1:] or [f"exit {repaired.exit_code}"]
        return f"the fixed program fails: {last[0]}"
    return None


def sandbox_problems(records: Sequence[dict]) -> dict[str, str]:
    """Each record that the sandbox contradicts, with the reason."""
    broken = run_many([Job(r["code"], r["stdin"], LIMITS) for r in records])
    fixed = run_many([Job(r["fixed_code"], r["stdin"], LIMITS) for r in records])
    problems = {}
    for record, crash, repaired in zip(records, broken, fixed, strict=True):
        problem = crash_problem(record, crash, repaired)
        if problem:
            problems[record["id"]] = problem
    return problems


def closest(text: str, others: Iterable[tuple[str, str]]) -> tuple[float, str]:
    """The highest SequenceMatcher ratio of `text` against (name, program) pairs, and its name."""
    best = (0.0, "")
    for name, other in others:
        matcher = difflib.SequenceMatcher(None, text, other, autojunk=False)
        if matcher.real_quick_ratio() > best[0] and matcher.quick_ratio() > best[0]:
            best = max(best, (matcher.ratio(), name))
    return best


def other_sets(checked: Path) -> list[Path]:
    """The hand-written sets in this folder other than `checked`."""
    return [path for path in sorted(DATA.glob("realstyle*.jsonl")) if path != checked.resolve()]


def reference_programs(checked: Path) -> list[tuple[str, str]]:
    """Every program of the other hand-written sets and of the hand-written corpus."""
    sets = [
        (record["id"], text)
        for path in other_sets(checked)
        for record in read_records(path)
        for text in (record["code"], record["fixed_code"])
    ]
    return sets + [(f"corpus:{p.id}", p.code) for p in load_handwritten()]


def similarity(records: Sequence[dict], checked: Path) -> dict[str, tuple[float, str]]:
    """For each record, its closest reference program by the higher of code and fixed_code."""
    references = reference_programs(checked)
    return {
        r["id"]: max(closest(r["code"], references), closest(r["fixed_code"], references))
        for r in records
    }


def check_file(path: Path, near_copies: bool) -> tuple[dict[str, object], dict[str, str]]:
    """The summary of one set and each of its records that fails, with the reason."""
    records = read_records(path)
    problems = sandbox_problems(records)
    summary: dict[str, object] = {
        "records": len(records),
        "exceptions": dict(Counter(r["exception"] for r in records).most_common()),
        "cause_line_differs": sum(r["cause_line"] != r["error_line"] for r in records),
    }
    if near_copies:
        scores = similarity(records, path)
        for record_id, (ratio, name) in sorted(scores.items(), key=lambda item: -item[1][0]):
            if ratio > MAX_RATIO:
                problems[record_id] = f"near-copy of {name} (ratio {ratio:.2f})"
        top = max(scores.items(), key=lambda item: item[1][0])
        summary["highest_ratio"] = {"id": top[0], "ratio": round(top[1][0], 3), "of": top[1][1]}
    return summary, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[SET2], metavar="FILE")
    parser.add_argument("--similarity", action="store_true", help="also check for near-copies")
    args = parser.parse_args(argv)
    failed = False
    for path in args.files:
        if not path.is_file():
            parser.error(f"{path}: no such file")
        summary, problems = check_file(path, args.similarity)
        for record_id, problem in sorted(problems.items()):
            print(f"{path.name} {record_id}: {problem}", file=sys.stderr)
        print(json.dumps({"file": path.name} | summary | {"problems": len(problems)}))
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
