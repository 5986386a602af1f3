"""`llm-prune hint` itself on every program of a read set, against the replay of `systems.py`.

    python results/hint-labels-v4/command.py --out command-hints.jsonl
    python results/hint-labels-v4/command.py --folder results/hint-labels-v5 \
        --student runs/sft-v4 --replay hint-sft --out results/hint-labels-v5/command-sft.jsonl

`evaluation.blindread.command_rows`: the command's hint on each program of `cases.jsonl`
(who wrote it, the seconds it took), compared with the `hint` row of `hints.jsonl`, which
`systems.py` replayed offline from stored greedy hints. A differing text that no reader
labelled is reported, not rated.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from evaluation.blindread import command_rows
from evaluation.labelset import write_jsonl

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--folder", type=Path, default=HERE, help="a read set's folder")
    parser.add_argument("--student", default="smollm2")
    parser.add_argument("--replay", default="hint", help="the system the command replays")
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists: choose another --out (committed results stay)")
    rows = command_rows(args.folder, args.student, args.replay)
    write_jsonl(args.out, rows)
    differ = [r for r in rows if not r["same_as_replay"]]
    print(f"{len(rows)} programs; {len(differ)} differ from the replay:")
    for row in differ:
        print(f"  {row['id']}: command {row['source']}, labelled {row['labelled']}")
    by_model = [r["seconds"] for r in rows if r["source"] != "diagnosis"]
    print(f"median seconds where the model ran: {statistics.median(by_model):.1f}")


if __name__ == "__main__":
    main()
