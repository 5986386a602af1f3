"""The hand-written real-style programs: well-formed records, and a sample that still crashes."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from finetune.sandbox import Job, run_many

DATA = Path(__file__).resolve().parents[1] / "evaluation" / "data" / "realstyle.jsonl"
FIELDS = {
    "id": str,
    "code": str,
    "stdin": str,
    "fixed_code": str,
    "bug": str,
    "cause_line": int,
    "source": str,
    "licence": str,
    "exception": str,
    "error_line": int,
}
MIN_PROGRAMS = 120
NOT_RUNTIME = {"SyntaxError", "IndentationError", "TabError", "KeyboardInterrupt"}


def load() -> list[dict]:
    with DATA.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


RECORDS = load()


def test_enough_programs_with_unique_ids() -> None:
    ids = [record["id"] for record in RECORDS]
    assert len(ids) >= MIN_PROGRAMS
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: record["id"])
def test_record_fields(record: dict) -> None:
    assert set(record) == set(FIELDS)
    for name, kind in FIELDS.items():
        assert isinstance(record[name], kind), name
    assert record["fixed_code"] != record["code"]
    assert 1 <= record["cause_line"] <= len(record["code"].splitlines())
    assert f"line {record['cause_line']}" in record["bug"]
    assert record["exception"] not in NOT_RUNTIME
    assert record["licence"].startswith("MIT")


def test_a_sample_crashes_and_its_fix_runs() -> None:
    """Five programs by default; REALSTYLE_ALL=1 checks every one (a few seconds)."""
    everything = os.environ.get("REALSTYLE_ALL") == "1"
    sample = RECORDS if everything else random.Random(15).sample(RECORDS, 5)
    broken = run_many([Job(record["code"], record["stdin"]) for record in sample])
    fixed = run_many([Job(record["fixed_code"], record["stdin"]) for record in sample])
    for record, crash, repaired in zip(sample, broken, fixed, strict=True):
        assert not crash.timed_out, record["id"]
        assert 'File "main.py"' in crash.traceback, record["id"]
        assert (crash.exception, crash.line) == (record["exception"], record["error_line"])
        assert repaired.ok, (record["id"], repaired.stderr)
