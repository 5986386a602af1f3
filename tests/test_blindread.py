"""The blind read of several systems' hints: replay, distinct texts, packets, rates."""

import csv
import json

import pytest

from evaluation.blindread import system_rows, unique_texts, write_rates
from evaluation.labelset import write_jsonl, write_packets

MISSPELT = {
    "id": "c1",
    "code": "total = 3\nprint(totl)\n",
    "fixed_code": "total = 3\nprint(total)\n",
    "bug": "Line 2 misspells `total` as `totl`.",
    "cause_line": 2,
    "origin": "realstyle",
    "exception": "NameError",
    "error_output": (
        'Traceback (most recent call last):\n  File "main.py", line 2, in <module>\n'
        "    print(totl)\nNameError: name 'totl' is not defined\n"
    ),
}
RAW = [
    {"id": "c1", "student": "base", "hint": "Line 2 uses `totl`; is that the name you set?"},
    {"id": "c1", "student": "tuned", "hint": "Line 2 uses `totl`; is that the name you set?"},
]
PIPELINES = {"hint": "base", "hint-tuned": "tuned"}


def test_system_rows_replay_every_system_and_dedupe_texts():
    rows = system_rows({"c1": MISSPELT}, RAW, PIPELINES)
    systems = [r["system"] for r in rows]
    assert systems == ["base", "tuned", "hint", "hint-tuned", "no-student-hint"]
    by_system = {r["system"]: r for r in rows}
    assert by_system["base"]["source"] == "student"
    # the diagnosis settles a misspelt name, so the pipelines show it, not the student
    assert by_system["hint"]["source"] == "diagnosis" == by_system["no-student-hint"]["source"]
    assert by_system["hint"]["hint"] == by_system["no-student-hint"]["hint"]
    unique = unique_texts(rows)
    assert [u["key"] for u in unique] == ["c1|u1", "c1|u2"]  # two distinct texts
    assert {u["hint"] for u in unique} == {r["hint"] for r in rows}


def test_write_rates_labels_each_system_by_its_text(tmp_path):
    rows = system_rows({"c1": MISSPELT}, RAW, PIPELINES)
    write_jsonl(tmp_path / "cases.jsonl", [MISSPELT])
    write_jsonl(tmp_path / "hints.jsonl", rows)
    unique = unique_texts(rows)
    write_jsonl(tmp_path / "unique.jsonl", unique)
    blind = write_packets({"c1": MISSPELT}, unique, tmp_path / "packets", per_packet=10)
    (tmp_path / "packets" / "blind.json").write_text(json.dumps(blind))
    diagnosis_key = next(u["key"] for u in unique if "totl" in u["hint"] and "`total`" in u["hint"])
    with (tmp_path / "packets" / "labels-01.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["blind", "identifies", "misleading", "gives_away", "helpful", "clear"])
        for name, key in blind.items():
            good = key == diagnosis_key
            writer.writerow([name, "yes" if good else "no", "no", "no", 4 if good else 2, 4])
    text = write_rates(tmp_path, ("hint", "base"), {}, ("hint",))
    rates = {r["system"]: r for r in csv.DictReader((tmp_path / "rates.csv").open())}
    assert rates["hint"]["identifies"].startswith("100%")
    assert rates["base"]["identifies"].startswith("0%")
    assert "| hint | diagnosis | 1 |" in text
    assert (tmp_path / "labels.csv").read_text().count("\n") == 1 + len(rows)


def test_write_rates_refuses_unlabelled_hints(tmp_path):
    rows = system_rows({"c1": MISSPELT}, RAW, PIPELINES)
    write_jsonl(tmp_path / "cases.jsonl", [MISSPELT])
    write_jsonl(tmp_path / "hints.jsonl", rows)
    write_jsonl(tmp_path / "unique.jsonl", unique_texts(rows))
    blind = write_packets({"c1": MISSPELT}, unique_texts(rows), tmp_path / "packets", 10)
    (tmp_path / "packets" / "blind.json").write_text(json.dumps(blind))
    with pytest.raises(ValueError, match="without a label"):
        write_rates(tmp_path, ("hint",), {}, ())
