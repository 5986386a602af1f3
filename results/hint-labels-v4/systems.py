"""The hints each system shows on blind set 3, from the students' raw greedy hints.

    python results/hint-labels-v4/systems.py RAW.jsonl --out results/hint-labels-v4/hints.jsonl

`RAW.jsonl` is `results/hint-labels-v2/generate.py`'s output on `cases.jsonl` (students
`base` and `base-pruned-10.3`). Systems (`evaluation.blindread.system_rows`):

- ``base``, ``base-pruned-10.3``: the student's greedy hint as it wrote it;
- ``hint``, ``hint-pruned-10.3``: what `llm-prune hint` shows on a fresh install, whose
  student is SmolLM2 (`evaluation.hints.final_hint`: a certain diagnosis, else the
  student's hint if the verifier passes it, else the facts hint);
- ``no-student-hint``: `llm-prune hint --no-student-hint` (the diagnosis, else the facts).

Each row also says who wrote the shown hint (``source``: student, diagnosis or facts) and
the diagnosis rule. Nothing here runs a program or a model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evaluation.blindread import system_rows
from evaluation.labelset import read_jsonl, write_jsonl

HERE = Path(__file__).resolve().parent
PIPELINES = {"hint": "base", "hint-pruned-10.3": "base-pruned-10.3"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("--cases", type=Path, default=HERE / "cases.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists: choose another --out (committed results stay)")
    cases = {case["id"]: case for case in read_jsonl(args.cases)}
    rows = system_rows(cases, read_jsonl(args.raw), PIPELINES)
    write_jsonl(args.out, rows)
    print(f"{len(rows)} hints of {len({r['system'] for r in rows})} systems -> {args.out}")


if __name__ == "__main__":
    main()
