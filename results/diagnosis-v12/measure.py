"""One wording fix in ``unterminated_string`` (task diag14): fires and right, before and after,
on sets 1-14 and the injected corpus bugs; fires must not change.

    PYTHONPATH=. python results/diagnosis-v12/measure.py              # sets 1-14, seconds
    PYTHONPATH=. python results/diagnosis-v12/measure.py --injected   # + 1346 injected bugs

This extends ``../diagnosis-v11/measure.py`` the way v11 extends v10 (imported, not copied, so
that v11's ``summary.md`` still reproduces): before = main at ``BASE`` (this task's start); no
set is added. Right, before: every text judged earlier keeps its judgement (v11's, then
``../diagnosis-v11/judgement.csv`` by id). Right, after: a text unchanged keeps that judgement;
a changed one must be read in ``judgement.csv`` here (against the case's ``bug`` and
``cause_line``; one reader who wrote the wording, not blind), else the script stops. Writes
``summary.md``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE.parent
_SPEC = importlib.util.spec_from_file_location("measure_v11", RESULTS / "diagnosis-v11/measure.py")
v11 = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(v11)  # type: ignore[union-attr]
v5, v4, v3 = v11.v5, v11.v4, v11.v3
v4.BASE = "6ff8e09"  # main before this task (v4's functions read it at call time)


def old_judgements() -> tuple[dict[str, dict[str, bool]], dict[str, bool]]:
    """(id -> {hint text: right}, id -> right) for every diagnosis judged before this task."""
    judged, by_id = v11_old()
    by_id.update(
        {r["id"]: r["right"] == "yes" for r in v3.read_csv(RESULTS / "diagnosis-v11/judgement.csv")}
    )
    return judged, by_id


v11_old = v11.old_judgements
v5.old_judgements = old_judgements  # v5.hand_written reads it at call time
v5.HERE = HERE  # its `mine` = this folder's judgement.csv


def main() -> None:
    table, rows = v5.hand_written()
    changed: list[str] = []
    if "--injected" in sys.argv:
        row, changed = v4.injected()
        table.append(row)
    v4.write_summary(
        HERE,
        "unterminated_string asks which quote has no partner (task diag14)",
        table,
        rows,
        changed,
        "1-14",
    )


if __name__ == "__main__":
    main()
