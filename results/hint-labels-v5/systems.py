"""The hints each system shows on blind set 4, from the students' raw greedy hints.

    python results/hint-labels-v5/systems.py RAW.jsonl --out results/hint-labels-v5/hints.jsonl
    python results/hint-labels-v5/systems.py --packets   # unique.jsonl and the blind packets

`--folder` runs the same on another set's folder (set 5: `results/hint-labels-v6`).

`RAW.jsonl` is `results/hint-labels-v2/generate.py`'s output on `cases.jsonl` (students
`sft-v4`, `base` and their copies pruned by 10.3% of all parameters). Systems
(`evaluation.blindread.system_rows`):

- ``sft-v4``, ``base`` (SmolLM2) and their ``-pruned-10.3`` copies: the student's greedy
  hint as it wrote it;
- ``hint-sft``, ``hint`` and their ``-pruned-10.3`` copies: what `llm-prune hint` shows with
  that student (a certain diagnosis, else the student's hint if the verifier passes it,
  else the facts hint);
- ``no-student-hint``: `llm-prune hint --no-student-hint` (the diagnosis, else the facts).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evaluation.blindread import system_rows, write_blind_packets
from evaluation.labelset import read_jsonl, write_jsonl

HERE = Path(__file__).resolve().parent
PIPELINES = {
    "hint-sft": "sft-v4",
    "hint-sft-pruned-10.3": "sft-v4-pruned-10.3",
    "hint": "base",
    "hint-pruned-10.3": "base-pruned-10.3",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, nargs="?")
    parser.add_argument("--folder", type=Path, default=HERE, help="the set's folder")
    parser.add_argument("--out", type=Path, help="default: FOLDER/hints.jsonl")
    parser.add_argument("--packets", action="store_true", help="write the blind packets")
    parser.add_argument("--per-packet", type=int, default=60)
    parser.add_argument("--second-programs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--pipeline",
        action="append",
        metavar="SYSTEM=STUDENT",
        help="a pipeline and the raw student it shows (repeat; default: the four above)",
    )
    args = parser.parse_args()
    if args.packets:
        print(write_blind_packets(args.folder, args.per_packet, args.seed, args.second_programs))
        return
    if args.raw is None:
        parser.error("give RAW.jsonl, or --packets")
    out = args.out or args.folder / "hints.jsonl"
    if out.exists():
        raise SystemExit(f"{out} exists: choose another --out (committed results stay)")
    cases = {case["id"]: case for case in read_jsonl(args.folder / "cases.jsonl")}
    pipelines = dict(p.split("=", 1) for p in args.pipeline) if args.pipeline else PIPELINES
    rows = system_rows(cases, read_jsonl(args.raw), pipelines)
    write_jsonl(out, rows)
    print(f"{len(rows)} hints of {len({r['system'] for r in rows})} systems -> {out}")


if __name__ == "__main__":
    main()
