"""Runs the hand-written programs in the sandbox once and keeps what Python printed.

    python results/hint-labels/build_realstyle_part.py

Writes `cases-realstyle.jsonl`: `evaluation/data/realstyle.jsonl` plus `error_output` and
`exception`, so generating hints elsewhere (the GPU machine) needs no sandbox.
"""

import json
from pathlib import Path

from evaluation.labelset import read_jsonl, realstyle_case, write_jsonl
from finetune.sandbox import Job, Limits, error_output, run_many

records = read_jsonl(Path("evaluation/data/realstyle.jsonl"))
results = run_many([Job(r["code"], r.get("stdin", ""), Limits(timeout=2.0)) for r in records])
cases = []
for record, result in zip(records, results, strict=True):
    assert result.exception == record["exception"], (record["id"], result.exception)
    cases.append(realstyle_case(record, error_output(result), result.exception))
write_jsonl(Path("results/hint-labels/cases-realstyle.jsonl"), cases)
print(json.dumps({"cases": len(cases)}))
