"""Builds the injector half of the hand-labelled set (provenance; run from the repo root).

    python results/hint-labels/build_injector_part.py runs/data-old/test.jsonl

`runs/data-old` is `llm-prune data build --out runs/data-old --seed 0` on main 8420d32
(953 test programs, the split Figure 7 used); the hints are Figure 7's
(`results/figure7/hints.csv.gz`): base and DPO students, plain prompt, greedy, 128 tokens.
60 programs, spread over the 19 error kinds with seed 0, at most one bug per corpus program
where the kinds allow; three hints each: base, dpo, dpo pruned by 10.3% of all parameters.
"""

import random
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd

from evaluation.labelset import hint_key, injector_case, read_jsonl, write_jsonl

OUT = Path("results/hint-labels")
STUDENTS = {("base", 0.0): "base", ("dpo", 0.0): "dpo", ("dpo", 10.3): "dpo-pruned-10.3"}

records = read_jsonl(Path(sys.argv[1]))
by_kind: dict[str, list[dict]] = defaultdict(list)
for record in records:
    by_kind[record["error_kind"]].append(record)
rng = random.Random(0)
for members in by_kind.values():
    rng.shuffle(members)
chosen, programs = [], set()
while len(chosen) < 60:
    for kind in sorted(by_kind):
        members = by_kind[kind]
        pick = next((r for r in members if r["program_id"] not in programs), None)
        pick = pick or (members[0] if members else None)
        if pick is None or len(chosen) >= 60:
            continue
        members.remove(pick)
        programs.add(pick["program_id"])
        chosen.append(pick)
hints = pd.read_csv("results/figure7/hints.csv.gz", keep_default_na=False)
cases, rows = [], []
for record in sorted(chosen, key=lambda r: r["id"]):
    cases.append(injector_case(record))
    for (student, level), name in STUDENTS.items():
        match = hints[(hints.id == record["id"]) & (hints.student == student)]
        match = match[match.level == level]
        assert len(match) == 1, (record["id"], student, level)
        hint = match.iloc[0].hint
        rows.append(
            {"key": hint_key(record["id"], name), "id": record["id"], "student": name, "hint": hint}
        )
write_jsonl(OUT / "cases-injector.jsonl", cases)
write_jsonl(OUT / "hints-injector.jsonl", rows)
print(len(cases), "cases", len(rows), "hints", len({c["program_id"] for c in cases}), "programs")
