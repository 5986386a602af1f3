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


# The second set (issue 15's blind held-out set): all of it runs in the sandbox, a few seconds.
SET2 = DATA.with_name("realstyle2.jsonl")
SET2_CASES = DATA.parents[2] / "results" / "hint-labels-v2" / "cases.jsonl"
SET2_SOURCE = "hand-written for llm-prune-gym (2026-12-02, set 2)"
SET2_SIZE = 80
NOT_RUNTIME_AT_MOST = 12  # about 10 of the 80 are syntax or indentation errors
SYNTAX = {"SyntaxError", "IndentationError", "TabError"}


def load_set2() -> list[dict]:
    with SET2.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


SET2_RECORDS = load_set2()


def changed_lines(record: dict) -> list[int]:
    """The 1-based lines where code and fixed_code differ (the fix keeps the line count)."""
    pairs = zip(record["code"].splitlines(), record["fixed_code"].splitlines(), strict=True)
    return [number for number, (broken, fixed) in enumerate(pairs, 1) if broken != fixed]


def test_set2_ids_run_from_r2_001_to_r2_080() -> None:
    ids = [record["id"] for record in SET2_RECORDS]
    assert ids == [f"r2-{number:03d}" for number in range(1, SET2_SIZE + 1)]


@pytest.mark.parametrize("record", SET2_RECORDS, ids=lambda record: record["id"])
def test_set2_record_fields(record: dict) -> None:
    assert set(record) == set(FIELDS)
    for name, kind in FIELDS.items():
        assert isinstance(record[name], kind), name
    assert 8 <= len(record["code"].splitlines()) <= 40
    assert f"line {record['cause_line']}" in record["bug"]
    assert 1 <= record["error_line"] <= len(record["code"].splitlines())
    assert (record["source"], record["licence"]) == (SET2_SOURCE, "MIT (this repository)")
    # the fix keeps the line count (zip's strict) and changes the line named as the cause
    assert record["cause_line"] in changed_lines(record)


def test_set2_mix_of_mistakes() -> None:
    exceptions = [record["exception"] for record in SET2_RECORDS]
    assert sum(name in SYNTAX for name in exceptions) <= NOT_RUNTIME_AT_MOST
    elsewhere = sum(record["cause_line"] != record["error_line"] for record in SET2_RECORDS)
    assert elsewhere >= SET2_SIZE // 2


def test_set2_shares_no_program_with_set1() -> None:
    first = {text for record in RECORDS for text in (record["code"], record["fixed_code"])}
    assert not first & {record["code"] for record in SET2_RECORDS}
    assert not {record["id"] for record in RECORDS} & {record["id"] for record in SET2_RECORDS}


def test_set2_every_program_crashes_where_recorded_and_its_fix_runs() -> None:
    from evaluation.data.check_realstyle2 import sandbox_problems

    assert sandbox_problems(SET2_RECORDS) == {}


def test_set2_cases_are_the_records_with_their_error_output() -> None:
    with SET2_CASES.open(encoding="utf-8") as handle:
        cases = [json.loads(line) for line in handle if line.strip()]
    assert [case["id"] for case in cases] == [record["id"] for record in SET2_RECORDS]
    for case, record in zip(cases, SET2_RECORDS, strict=True):
        assert (case["code"], case["exception"]) == (record["code"], record["exception"])
        assert case["origin"] == "realstyle"
        assert f'File "main.py", line {record["error_line"]}' in case["error_output"]
