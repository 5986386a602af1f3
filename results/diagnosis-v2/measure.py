"""The widened diagnosis (issue 15, task diag3) on sets 1 and 2: how often it fires, whether
each diagnosis states the labelled cause, and what `hint`'s pipeline would give on set 2.

    PYTHONPATH=. python results/diagnosis-v2/measure.py

Before = the programs the first version (32 rules, main 775395c) diagnosed, as committed
there in ``results/hint-labels/diagnosis/diagnoses.jsonl`` (set 1) and
``results/hint-labels-v3/diagnosis/diagnosis-hints.jsonl`` (set 2), listed in
``before.json``; every one of them still fires with the same text. Right or wrong: set
1's old diagnoses as judged in ``results/hint-labels/diagnosis/judgement.csv``, set 2's old
ones as the blind reader a labelled them (``packets-a``), every new one as read in
``judgement.csv`` here (against the case's ``bug`` and ``cause_line``; one reader, not
blind). Both sets are development sets:
the new rules were written looking at them. Writes ``diagnoses.jsonl`` and ``summary.md``.
"""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import Counter
from pathlib import Path

from evaluation.hints import wilson_interval
from llm_prune_gym.diagnosis import diagnose

HERE = Path(__file__).parent
RESULTS = HERE.parent
SET1 = RESULTS / "hint-labels"
SET2 = RESULTS / "hint-labels-v3"


def _rates_module():
    """results/hint-labels-v3/diagnosis/rates.py: its label readers and pipeline keys."""
    spec = importlib.util.spec_from_file_location("rates", SET2 / "diagnosis" / "rates.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def read_csv(path: Path) -> list[dict]:
    with path.open() as file:
        return list(csv.DictReader(file))


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "-"


def wilson(part: int, whole: int) -> str:
    rate, low, high = wilson_interval(part, whole)
    return f"{100 * rate:.0f}% [{100 * low:.0f}, {100 * high:.0f}]"


def firing(rates) -> tuple[list[str], list[dict]]:
    """The firing table (markdown lines) and one row per diagnosis."""
    judged = {row["id"]: row["right"] for row in read_csv(HERE / "judgement.csv")}
    judged |= {row["id"]: row["right"] for row in read_csv(SET1 / "diagnosis" / "judgement.csv")}
    reader_a = rates.blind_labels(SET2 / "diagnosis" / "packets-a")
    judged |= {
        key.split("|")[0]: row["identifies"]
        for key, row in reader_a.items()
        if key.endswith("|diagnosis")  # the packets mix them with the student's hints
    }
    first = json.loads((HERE / "before.json").read_text())
    sets = {
        "set 1, hand-written (130)": (SET1, "realstyle", first["set 1"]),
        "set 1, injected (60)": (SET1, "injector", first["set 1"]),
        "set 2, hand-written (80)": (SET2, "realstyle", first["set 2"]),
    }
    lines = [
        "| programs | fires before | fires after | right (after) | names the cause line |",
        "|---|---|---|---|---|",
    ]
    rows = []
    for name, (folder, origin, before) in sets.items():
        cases = [json.loads(line) for line in (folder / "cases.jsonl").open()]
        cases = [c for c in cases if c.get("origin", "injector") == origin]
        fired = right = named = was = 0
        for case in cases:
            found = diagnose(case["code"], case["error_output"])
            was += case["id"] in before
            if found is None:
                continue
            if case["id"] not in judged:
                raise SystemExit(f"{case['id']} fires but is not judged: read it first")
            truth = case.get("cause_line") or case["line"]
            fired += 1
            right += judged[case["id"]] == "yes"
            named += found.line == truth or f"line {truth}" in found.hint
            new = case["id"] not in before
            rows.append({"id": case["id"], "set": name, "rule": found.rule, "new": new,
                         "line": found.line, "cause_line": truth, "hint": found.hint})  # fmt: skip
        lines.append(
            f"| {name} | {percent(was, len(cases))} | {percent(fired, len(cases))} | "
            f"{percent(right, fired)} | {percent(named, fired)} |"
        )
    return lines, rows


def pipeline(rates) -> list[str]:
    """Set 2's pipelines with the widened diagnosis: hand labels where the hint shown was
    labelled, this folder's reading for the new diagnoses (identifies = right, misleading =
    not right, gives away = no: no rule writes code)."""
    cases = {c["id"]: c for c in map(json.loads, (SET2 / "cases.jsonl").open())}
    hints = [json.loads(line) for line in (SET2 / "hints.jsonl").open()]
    labels = rates.all_labels()
    judged = {row["id"]: row["right"] for row in read_csv(HERE / "judgement.csv")}
    variants = [(f"{s} + diagnosis + check", s, True) for s in rates.STUDENTS]
    variants.append(("diagnosis, else facts (no student hint)", "sft-v4", False))
    lines = [
        "| pipeline (set 2, 80 programs) | diagnosis / student / facts | identifies | misleading |",
        "|---|---|---|---|",
    ]
    for name, student, use_student in variants:
        shown = [
            rates.shown_key(h, cases[h["id"]], use_student)
            for h in hints
            if h["student"] == student
        ]
        identifies = misleading = 0
        for key, _ in shown:
            if key in labels:
                identifies += labels[key]["identifies"] == "yes"
                misleading += labels[key]["misleading"] == "yes"
            else:  # a new diagnosis: not labelled blind yet
                right = judged[key.split("|")[0]] == "yes"
                identifies, misleading = identifies + right, misleading + (not right)
        sources = Counter(source for _, source in shown)
        split = " / ".join(str(sources[s]) for s in ("diagnosis", "student", "facts"))
        lines.append(
            f"| {name} | {split} | {wilson(identifies, len(shown))} | "
            f"{wilson(misleading, len(shown))} |"
        )
    return lines


def main() -> None:
    rates = _rates_module()
    table, rows = firing(rates)
    with (HERE / "diagnoses.jsonl").open("w") as file:
        for row in rows:
            file.write(json.dumps(row) + "\n")
    new = Counter(row["rule"] for row in rows if row["new"])
    every = Counter(row["rule"] for row in rows)
    lines = [
        "# The widened diagnosis on sets 1 and 2 (both development sets)",
        "",
        "`PYTHONPATH=. python results/diagnosis-v2/measure.py`; see the docstring for sources.",
        "",
        *table,
        "",
        *pipeline(rates),
        "",
        "| rule | fires (sets 1 and 2) | of them newly covered |",
        "|---|---|---|",
        *[f"| {rule} | {n} | {new[rule]} |" for rule, n in every.most_common()],
    ]
    (HERE / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
