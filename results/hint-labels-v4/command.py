"""`llm-prune hint` itself on every program of set 3, against the offline replay of `systems.py`.

    python results/hint-labels-v4/command.py --out command-hints.jsonl

Runs `evaluation.hint_command.write_hint` (the sandbox run, the diagnosis, SmolLM2's greedy
hint with the verifier, the facts hint: what the command prints) on each program of
`cases.jsonl` and writes one row per program with the hint, who wrote it and the seconds it
took. Then compares each with the `hint` row of `hints.jsonl`, which `systems.py` replayed
offline from stored greedy hints: the replay does not know whether the 96-token cap cut a
hint (the command does, and rejects such hints), so the two can differ there. A differing
text that no reader labelled is reported, not rated.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from tqdm import tqdm

from evaluation.hint_command import write_hint
from evaluation.labelset import read_jsonl, write_jsonl

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--student", default="smollm2")
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists: choose another --out (committed results stay)")
    replay = {r["id"]: r for r in read_jsonl(HERE / "hints.jsonl") if r["system"] == "hint"}
    labelled = {(r["id"], r["hint"]) for r in read_jsonl(HERE / "unique.jsonl")}
    rows = []
    for case in tqdm(read_jsonl(HERE / "cases.jsonl"), desc="hint"):
        report = write_hint(case["code"], case.get("stdin") or "", student=args.student)
        rows.append(
            {
                "id": case["id"],
                "source": report.source,
                "rule": report.rule,
                "seconds": round(report.seconds, 2),
                "hint": report.hint,
                "same_as_replay": report.hint == replay[case["id"]]["hint"],
                "labelled": (case["id"], report.hint) in labelled,
            }
        )
    write_jsonl(args.out, rows)
    differ = [r for r in rows if not r["same_as_replay"]]
    print(f"{len(rows)} programs; {len(differ)} differ from the replay:")
    for row in differ:
        was = replay[row["id"]]["source"]
        print(f"  {row['id']}: replay {was}, command {row['source']}, labelled {row['labelled']}")
    by_model = [r["seconds"] for r in rows if r["source"] != "diagnosis"]
    print(f"median seconds where the model ran: {statistics.median(by_model):.1f}")


if __name__ == "__main__":
    main()
