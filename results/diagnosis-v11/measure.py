"""The diagnosis widened on set 14's misses (task diag13): fires and right, before and after,
on sets 1-14 (5-14 development sets now) and the injected corpus bugs.

    PYTHONPATH=. python results/diagnosis-v11/measure.py              # sets 1-14, seconds
    PYTHONPATH=. python results/diagnosis-v11/measure.py --injected   # + 1346 injected bugs

This extends ``../diagnosis-v10/measure.py`` the way v10 extends v9 (imported, not copied, so
that v10's ``summary.md`` still reproduces): before = main at ``BASE`` (this task's start), set
14 added as v10 added set 13. Right, before: every text judged earlier keeps its judgement
(v10's, then ``../diagnosis-v10/judgement.csv`` by id, and the blind readers' labels of set 14
in ``../hint-labels-v15/``). Right, after: a text unchanged keeps that judgement; a new or
changed one must be read in ``judgement.csv`` here (against the case's ``bug`` and
``cause_line``; one reader who wrote the rules, not blind), else the script stops. Writes
``summary.md``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE.parent
_SPEC = importlib.util.spec_from_file_location("measure_v10", RESULTS / "diagnosis-v10/measure.py")
v10 = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(v10)  # type: ignore[union-attr]
v5, v4, v3 = v10.v5, v10.v4, v10.v3
v4.BASE = "02ef8c5"  # main before this task (v4's functions read it at call time)
BLIND = {"set 14, hand-written (50, dev now)": RESULTS / "hint-labels-v15"}


def old_judgements() -> tuple[dict[str, dict[str, bool]], dict[str, bool]]:
    """(id -> {hint text: right}, id -> right) for every diagnosis judged before this task."""
    judged, by_id = v10_old()
    for folder in BLIND.values():
        labels = {r["key"]: r["identifies"] == "yes" for r in v3.read_csv(folder / "labels.csv")}
        for row in map(json.loads, (folder / "hints.jsonl").open()):
            if row["system"] == "hint" and row["source"] == "diagnosis":
                judged.setdefault(row["id"], {})[row["hint"]] = labels[row["key"]]
    by_id.update(
        {r["id"]: r["right"] == "yes" for r in v3.read_csv(RESULTS / "diagnosis-v10/judgement.csv")}
    )
    return judged, by_id


v10_old = v10.old_judgements
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
        HERE, "The diagnosis widened on set 14 (task diag13)", table, rows, changed, "1-14"
    )


if __name__ == "__main__":
    main()
