"""The diagnosis widened on set 5 (task diag6): fires and right, before and after, on sets
1-4, set 5 (a development set now) and the injected corpus bugs.

    PYTHONPATH=. python results/diagnosis-v5/measure.py              # sets 1-5, seconds
    PYTHONPATH=. python results/diagnosis-v5/measure.py --injected   # + 1346 injected bugs

This extends ``../diagnosis-v4/measure.py`` (imported, not copied): the same before/after
columns, with before = main at ``BASE`` (its package from ``git archive``, run in a
subprocess). Right, before: a diagnosis text judged earlier keeps that judgement (sets 1-4
as ``../diagnosis-v4/measure.py`` takes them, then ``../diagnosis-v4/judgement.csv`` for
the texts diag5 changed), set 5 as the blind readers labelled `hint`'s diagnosis in
``../hint-labels-v6/labels.csv`` (identifies; r5-010 stays the "no" they gave it). Right,
after: a text unchanged from before keeps that judgement; every new or changed one must be
read in ``judgement.csv`` here (against the case's ``bug`` and ``cause_line``; one reader
who wrote the rules, not blind), else the script stops. Injected bugs: as in v4 (right =
names the injected line). Writes ``summary.md``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from llm_prune_gym.diagnosis import diagnose

HERE = Path(__file__).parent
RESULTS = HERE.parent
_SPEC = importlib.util.spec_from_file_location("measure_v4", RESULTS / "diagnosis-v4/measure.py")
v4 = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(v4)  # type: ignore[union-attr]
v3 = v4.v3
v4.BASE = "ca6e103"  # main before this task (v4's functions read it at call time)
SETS = {**v4.SETS, "set 5, hand-written (60, dev now)": (RESULTS / "hint-labels-v6", "realstyle")}


def old_judgements() -> tuple[dict[str, dict[str, bool]], dict[str, bool]]:
    """(id -> {hint text: right}, id -> right) for every diagnosis judged before this task:
    by text where the text was kept, by id for diag5's and diag4's readings."""
    judged = v4.old_judgements()
    folder = RESULTS / "hint-labels-v6"
    labels = {r["key"]: r["identifies"] == "yes" for r in v3.read_csv(folder / "labels.csv")}
    for row in map(json.loads, (folder / "hints.jsonl").open()):
        if row["system"] == "hint" and row["source"] == "diagnosis":
            judged.setdefault(row["id"], {})[row["hint"]] = labels[row["key"]]
    by_id = {}
    for csv in (RESULTS / "diagnosis-v3/judgement.csv", RESULTS / "diagnosis-v4/judgement.csv"):
        by_id.update({r["id"]: r["right"] == "yes" for r in v3.read_csv(csv)})
    return judged, by_id


def hand_written() -> tuple[list[str], list[dict]]:
    judged, by_id = old_judgements()
    mine = {r["id"]: r["right"] == "yes" for r in v3.read_csv(HERE / "judgement.csv")}
    lines, rows = [], []
    for name, (folder, origin) in SETS.items():
        cases = [json.loads(line) for line in (folder / "cases.jsonl").open()]
        cases = [c for c in cases if c.get("origin", "injector") == origin]
        olds = v4.base_diagnoses([(c["code"], c["error_output"]) for c in cases])
        counts = [0, 0, 0, 0]  # fired and right, before and after
        for case, old in zip(cases, olds, strict=True):
            was = None
            if old is not None:
                was = judged.get(case["id"], {}).get(old[2], by_id.get(case["id"]))
                if was is None:
                    raise SystemExit(f"{case['id']}: main's diagnosis has no judgement")
                counts[0] += 1
                counts[1] += was
            found = diagnose(case["code"], case["error_output"])
            if found is None:
                if old is not None:
                    rows.append({"id": case["id"], "rule": "- (no longer fires)", "line": "-",
                                 "cause_line": case.get("cause_line") or case["line"],
                                 "before": old[0], "right": "-"})  # fmt: skip
                continue
            counts[2] += 1
            if old is not None and old[2] == found.hint:
                counts[3] += was  # type: ignore[operator]
                continue
            if case["id"] not in mine:
                raise SystemExit(f"{case['id']}: a new diagnosis, not judged: read it first")
            counts[3] += mine[case["id"]]
            rows.append({"id": case["id"], "rule": found.rule, "line": found.line,
                         "cause_line": case.get("cause_line") or case["line"],
                         "before": old[0] if old else "-",
                         "right": "yes" if mine[case["id"]] else "no"})  # fmt: skip
        lines.append(
            f"| {name} | {counts[0]} / {counts[1]} | {counts[2]} / {counts[3]} | "
            f"{v3.percent(counts[3], counts[2])} |"
        )
    return lines, rows


def main() -> None:
    table, rows = hand_written()
    changed: list[str] = []
    if "--injected" in sys.argv:
        row, changed = v4.injected()
        table.append(row)
    v4.write_summary(
        HERE, "The diagnosis widened on set 5 (task diag6)", table, rows, changed, "1-5"
    )


if __name__ == "__main__":
    main()
