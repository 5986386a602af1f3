"""The diagnosis widened on sets 8-9's misses (task diag9): fires and right, before and
after, on sets 1-9 (5-9 development sets now) and the injected corpus bugs.

    PYTHONPATH=. python results/diagnosis-v7/measure.py              # sets 1-9, seconds
    PYTHONPATH=. python results/diagnosis-v7/measure.py --injected   # + 1346 injected bugs

This extends ``../diagnosis-v6/measure.py`` the way it extends v5 (imported, not copied, so
that v6's ``summary.md`` still reproduces): before = main at ``BASE`` (this task's start), sets
8 and 9 added as v6 added set 7. Right, before: every text judged earlier keeps its judgement
(v6's, then ``../diagnosis-v6/judgement.csv`` by id, the blind readers' labels of sets 8 and 9
in ``../hint-labels-v9/`` and ``../hint-labels-v10/``, and ``REWORDED``: texts main reworded
after the blind reading, judged here by id). Right, after: a text unchanged keeps that
judgement; a new or changed one must be read in ``judgement.csv`` here (against the case's
``bug`` and ``cause_line``; one reader who wrote the rules, not blind), else the script stops.
Writes ``summary.md``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE.parent
_SPEC = importlib.util.spec_from_file_location("measure_v6", RESULTS / "diagnosis-v6/measure.py")
v6 = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(v6)  # type: ignore[union-attr]
v5, v4, v3 = v6.v5, v6.v4, v6.v3
v4.BASE = "db137e6"  # main before this task (v4's functions read it at call time)
BLIND = {
    "set 8, hand-written (60, dev now)": RESULTS / "hint-labels-v9",
    "set 9, hand-written (50, dev now)": RESULTS / "hint-labels-v10",
}
# id -> right, for texts main changed after the blind reading: r8-043 (69ae6f7) still names
# the labelled cause and line (`'Tue'` on line 8), now said to be only the key's start
REWORDED: dict[str, bool] = {"r8-043": True}


def old_judgements() -> tuple[dict[str, dict[str, bool]], dict[str, bool]]:
    """(id -> {hint text: right}, id -> right) for every diagnosis judged before this task."""
    judged, by_id = v6.old_judgements()
    for folder in BLIND.values():
        labels = {r["key"]: r["identifies"] == "yes" for r in v3.read_csv(folder / "labels.csv")}
        for row in map(json.loads, (folder / "hints.jsonl").open()):
            if row["system"] == "hint" and row["source"] == "diagnosis":
                judged.setdefault(row["id"], {})[row["hint"]] = labels[row["key"]]
    by_id.update(
        {r["id"]: r["right"] == "yes" for r in v3.read_csv(RESULTS / "diagnosis-v6/judgement.csv")}
    )
    by_id.update(REWORDED)
    return judged, by_id


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
        HERE, "The diagnosis widened on sets 8-9 (task diag9)", table, rows, changed, "1-9"
    )


if __name__ == "__main__":
    main()
