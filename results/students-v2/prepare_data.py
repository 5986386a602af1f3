"""Caps each bug kind's training pairs and packs the data for the GPU machine.

    python results/students-v2/prepare_data.py runs/data-v3 .device/data/grounded

Every kind keeps at most `--cap` training pairs (a seeded sample), so the five syntax
kinds that most programs admit do not drown the runtime kinds; the test split keeps
its first `--test` pairs. Writes train.jsonl.gz and test.jsonl.gz.
"""

import argparse
import collections
import gzip
import json
import random
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("build", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--cap", type=int, default=450)
    parser.add_argument("--test", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.build / "train.jsonl").open()]
    by_kind = collections.defaultdict(list)
    for row in rows:
        by_kind[row["error_kind"]].append(row)
    rng = random.Random(args.seed)
    kept = []
    for kind in sorted(by_kind):
        group = by_kind[kind]
        kept += group if len(group) <= args.cap else rng.sample(group, args.cap)
    rng.shuffle(kept)
    test = [json.loads(line) for line in (args.build / "test.jsonl").open()][: args.test]
    args.out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train", kept), ("test", test)):
        with gzip.open(args.out / f"{name}.jsonl.gz", "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in part)
    counts = collections.Counter(row["error_kind"] for row in kept)
    print(json.dumps({"train": len(kept), "test": len(test), "kinds": dict(counts)}))


if __name__ == "__main__":
    main()
