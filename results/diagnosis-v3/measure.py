"""The diagnosis widened on set 3 (task diag4): fires and right, before and after, on sets 1
and 2, set 3 (a development set now) and the injected corpus bugs.

    PYTHONPATH=. python results/diagnosis-v3/measure.py              # sets 1-3, seconds
    PYTHONPATH=. python results/diagnosis-v3/measure.py --injected   # + 1346 injected bugs

Before = main at 0d4eeed: sets 1 and 2 as committed in ``../diagnosis-v2/diagnoses.jsonl``
(every one judged right there), set 3 as shown by ``hint`` in ``../hint-labels-v4/`` and
labelled blind there (``labels.csv``, identifies = right), the injected bugs as in
``../diagnosis-v2/injected.md``. After = this checkout. A diagnosis whose text is unchanged
keeps its old judgement; every new or changed one must be read in ``judgement.csv`` here
(against the case's ``bug`` and ``cause_line``; one reader who wrote the rules, not blind).
An injected bug's diagnosis is right if it names the injected line. Writes ``summary.md``.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

from llm_prune_gym.diagnosis import diagnose

HERE = Path(__file__).parent
RESULTS = HERE.parent
V2 = RESULTS / "diagnosis-v2"
SETS = {
    "set 1, hand-written (130)": (RESULTS / "hint-labels", "realstyle"),
    "set 1, injected (60)": (RESULTS / "hint-labels", "injector"),
    "set 2, hand-written (80)": (RESULTS / "hint-labels-v3", "realstyle"),
    "set 3, hand-written (80, dev now)": (RESULTS / "hint-labels-v4", "realstyle"),
}


def read_csv(path: Path) -> list[dict]:
    with path.open() as file:
        return list(csv.DictReader(file))


def before() -> dict[str, tuple[str, bool]]:
    """id -> (hint, right) of main's diagnosis where it fired."""
    old = {r["id"]: (r["hint"], True) for r in map(json.loads, (V2 / "diagnoses.jsonl").open())}
    folder = RESULTS / "hint-labels-v4"
    labels = {r["key"]: r["identifies"] == "yes" for r in read_csv(folder / "labels.csv")}
    for row in map(json.loads, (folder / "hints.jsonl").open()):
        if row["system"] == "hint" and row["source"] == "diagnosis":
            old[row["id"]] = (row["hint"], labels[row["key"]])
    return old


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "-"


def hand_written() -> tuple[list[str], list[dict]]:
    old = before()
    judged = {r["id"]: r["right"] == "yes" for r in read_csv(HERE / "judgement.csv")}
    lines, rows = [], []
    for name, (folder, origin) in SETS.items():
        cases = [json.loads(line) for line in (folder / "cases.jsonl").open()]
        cases = [c for c in cases if c.get("origin", "injector") == origin]
        was = [c["id"] for c in cases if c["id"] in old]
        fired = right = 0
        for case in cases:
            found = diagnose(case["code"], case["error_output"])
            if found is None:
                continue
            fired += 1
            same = case["id"] in old and old[case["id"]][0] == found.hint
            if not same and case["id"] not in judged:
                raise SystemExit(f"{case['id']}: a new diagnosis, not judged: read it first")
            good = old[case["id"]][1] if same else judged[case["id"]]
            right += good
            if not same:
                rows.append({"id": case["id"], "rule": found.rule, "line": found.line,
                             "cause_line": case.get("cause_line") or case["line"],
                             "right": good, "hint": found.hint})  # fmt: skip
        was_right = sum(old[i][1] for i in was)
        lines.append(
            f"| {name} | {len(was)} / {was_right} | {fired} / {right} | {percent(right, fired)} |"
        )
    return lines, rows


def injected() -> str:
    """The injected corpus bugs of ../diagnosis-v2/injected.py, diagnosed by this checkout."""
    sys.path.insert(0, str(V2))
    from injected import diagnosed_bugs, names_line  # noqa: E402

    cases = fired = named = 0
    for bug, found in diagnosed_bugs():
        cases += 1
        fired += found is not None
        named += found is not None and names_line(bug, found)
    text = (V2 / "injected.md").read_text()
    was = re.search(r"fires on (\d+), names the injected line in (\d+)", text)
    return (
        f"| injected corpus bugs ({cases}; right = names the injected line) | "
        f"{was.group(1)} / {was.group(2)} | {fired} / {named} | {percent(named, fired)} |"  # type: ignore[union-attr]
    )


def main() -> None:
    table, rows = hand_written()
    if "--injected" in sys.argv:
        table.append(injected())
    lines = [
        "# The diagnosis widened on set 3 (task diag4)",
        "",
        "`PYTHONPATH=. python results/diagnosis-v3/measure.py --injected`; see its docstring.",
        "",
        "| programs | before: fires / right | after: fires / right | right of fired (after) |",
        "|---|---|---|---|",
        *table,
        "",
        "New or changed diagnoses (judged in `judgement.csv`):",
        "",
        "| id | rule | line | cause line | right |",
        "|---|---|---|---|---|",
        *[
            f"| {r['id']} | {r['rule']} | {r['line']} | {r['cause_line']} | "
            f"{'yes' if r['right'] else 'no'} |"
            for r in rows
        ],
    ]
    (HERE / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
