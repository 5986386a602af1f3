"""Runs the second set of hand-written programs in the sandbox once and keeps what Python printed.

    python results/hint-labels-v2/build_cases.py

Writes `cases.jsonl` next to this script: every record of `evaluation/data/realstyle2.jsonl`
as a labelled-set case (`evaluation.labelset.realstyle_case`) with the `error_output` the
sandbox recorded, so generating hints elsewhere (the GPU machine) needs no sandbox. Stops
with the record's id if a program no longer ends where its record says.
"""

import json
from pathlib import Path

from evaluation.labelset import read_jsonl, realstyle_case, write_jsonl
from finetune.sandbox import Job, Limits, error_output, run_many

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "evaluation" / "data" / "realstyle2.jsonl"

records = read_jsonl(DATA)
results = run_many([Job(r["code"], r["stdin"], Limits(timeout=5.0)) for r in records])
cases = []
for record, result in zip(records, results, strict=True):
    seen = (result.exception, result.line)
    if seen != (record["exception"], record["error_line"]) or result.timed_out:
        raise SystemExit(f"{record['id']}: the sandbox saw {seen}, the record says otherwise")
    cases.append(realstyle_case(record, error_output(result), result.exception))
write_jsonl(HERE / "cases.jsonl", cases)
print(json.dumps({"cases": len(cases)}))
