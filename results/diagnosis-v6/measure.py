"""The diagnosis widened on sets 5-7's misses (task diag8): fires and right, before and
after, on sets 1-7 (5-7 development sets now) and the injected corpus bugs.

    PYTHONPATH=. python results/diagnosis-v6/measure.py              # sets 1-7, seconds
    PYTHONPATH=. python results/diagnosis-v6/measure.py --injected   # + 1346 injected bugs

This extends ``../diagnosis-v5/measure.py`` the way it extends v4 (imported, not copied):
before = main at ``BASE`` (this task's start), sets 6 and 7 added. Right, before: every text
judged earlier keeps its judgement (v5's, then ``../diagnosis-v5/judgement.csv`` by id, the
blind readers' labels of sets 6 and 7 in ``../hint-labels-v7/`` and ``../hint-labels-v8/``,
and diag7's readings of the three set-6 texts it changed, ``DIAG7``). Right, after: a text
unchanged keeps that judgement; a new or changed one must be read in ``judgement.csv`` here
(against the case's ``bug`` and ``cause_line``; one reader who wrote the rules, not blind),
else the script stops. Writes ``summary.md``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE.parent
_SPEC = importlib.util.spec_from_file_location("measure_v5", RESULTS / "diagnosis-v5/measure.py")
v5 = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(v5)  # type: ignore[union-attr]
v4, v3 = v5.v4, v5.v3
v4.BASE = "1b2b669"  # main before this task (v4's functions read it at call time)
BLIND = {
    "set 6, hand-written (60, dev now)": RESULTS / "hint-labels-v7",
    "set 7, hand-written (40, dev now)": RESULTS / "hint-labels-v8",
}
DIAG7 = {"r6-024": True, "r6-033": True, "r6-044": False}  # ../diagnosis-v5/README.md


def old_judgements() -> tuple[dict[str, dict[str, bool]], dict[str, bool]]:
    """(id -> {hint text: right}, id -> right) for every diagnosis judged before this task."""
    judged, by_id = v5_old()
    for folder in BLIND.values():
        labels = {r["key"]: r["identifies"] == "yes" for r in v3.read_csv(folder / "labels.csv")}
        for row in map(json.loads, (folder / "hints.jsonl").open()):
            if row["system"] == "hint" and row["source"] == "diagnosis":
                judged.setdefault(row["id"], {})[row["hint"]] = labels[row["key"]]
    by_id.update(
        {r["id"]: r["right"] == "yes" for r in v3.read_csv(RESULTS / "diagnosis-v5/judgement.csv")}
    )
    by_id.update(DIAG7)
    for key in DIAG7:  # diag7 changed these texts: its reading, not the blind label
        judged.pop(key, None)
    return judged, by_id


v5_old = v5.old_judgements
v5.old_judgements = old_judgements  # v5.hand_written reads it at call time
v5.HERE = HERE  # its `mine` = this folder's judgement.csv
v5.SETS = {**v5.SETS, **{name: (folder, "realstyle") for name, folder in BLIND.items()}}


def main() -> None:
    table, rows = v5.hand_written()
    changed: list[str] = []
    if "--injected" in sys.argv:
        row, changed = v4.injected()
        table.append(row)
    v4.write_summary(
        HERE, "The diagnosis widened on sets 5-7 (task diag8)", table, rows, changed, "1-7"
    )


if __name__ == "__main__":
    main()
