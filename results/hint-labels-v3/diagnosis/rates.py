"""Rates of `hint`'s pipeline on the 80 blind programs, from hand labels only.

The pipeline (`evaluation.hints.final_hint`): a diagnosis where the program and its traceback
settle the cause, else the student's greedy hint if the verifier passes it, else the facts
hint. Labels: the diagnosis hints from two blind readers (`packets-a/`, `packets-b/`, reader
a's label counts; `agreement` in the output), the student's hints and the round-6 facts hints
as committed in `../labels.csv` and `../packets-round6/`, the other facts hints from round 8
(`packets-facts/`, for the diagnosis-or-facts variant that never shows a student hint).
Writes `rates.csv`.

    python results/hint-labels-v3/diagnosis/rates.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from evaluation.hints import final_hint, wilson_interval
from llm_prune_gym.hintfacts import facts_hint, hint_facts

HERE = Path(__file__).parent
LABELS = HERE.parent
STUDENTS = ("sft-v4", "sft-v4-run2", "sft-v4-pruned-10.3")


def wilson(k: int, n: int) -> str:
    rate, low, high = wilson_interval(k, n)
    return f"{100 * rate:.0f}% [{100 * low:.0f}, {100 * high:.0f}]"


def blind_labels(folder: Path) -> dict[str, dict]:
    """{key: label row} of one blind packet folder (labels-*.csv + blind.json)."""
    blind = json.loads((folder / "blind.json").read_text())
    rows = {}
    for path in sorted(folder.glob("labels-*.csv")):
        rows |= {blind[row["blind"]]: row for row in csv.DictReader(open(path))}
    return rows


def all_labels() -> dict[str, dict]:
    labels = {row["key"]: row for row in csv.DictReader(open(LABELS / "labels.csv"))}
    labels |= blind_labels(LABELS / "packets-round6")  # facts hints: `ID|facts`
    if (HERE / "packets-facts").is_dir():
        labels |= blind_labels(HERE / "packets-facts")
    labels |= blind_labels(HERE / "packets-a")  # diagnosis hints: `ID|diagnosis`
    return labels


def shown_key(hint: dict, case: dict, use_student: bool) -> tuple[str, str]:
    """The label key of the hint the pipeline shows, and its source."""
    code, error = case["code"], case["error_output"]
    choice = final_hint(code, error, hint["hint"] if use_student else "")
    if choice.source == "diagnosis":
        return f"{hint['id']}|diagnosis", "diagnosis"
    if use_student and choice.source == "student":
        return hint["key"], "student"
    facts = facts_hint(hint_facts(code, error))
    assert choice.hint == facts, hint["id"]  # the text the facts label was given for
    return f"{hint['id']}|facts", "facts"


def main() -> None:
    cases = {case["id"]: case for case in map(json.loads, open(LABELS / "cases.jsonl"))}
    hints = [json.loads(line) for line in open(LABELS / "hints.jsonl")]
    labels = all_labels()
    variants = [(f"{s} + diagnosis + check (hint's default)", s, True) for s in STUDENTS]
    variants.append(("diagnosis, else facts (no student hint)", "sft-v4", False))
    rows = []
    for name, student, use_student in variants:
        shown = [
            shown_key(h, cases[h["id"]], use_student) for h in hints if h["student"] == student
        ]
        missing = [key for key, _ in shown if key not in labels]
        if missing:
            print(f"{name}: {len(missing)} hints not labelled yet, skipped")
            continue
        picked = [labels[key] for key, _ in shown]
        count = {
            item: sum(row[item] == "yes" for row in picked)
            for item in ("identifies", "misleading", "gives_away")
        }
        rows.append(
            {
                "system": name,
                "programs": len(picked),
                "diagnosis / student / facts": " / ".join(
                    str(sum(source == s for _, source in shown))
                    for s in ("diagnosis", "student", "facts")
                ),
                **{item: wilson(k, len(picked)) for item, k in count.items()},
                "helpful": f"{sum(float(r['helpful']) for r in picked) / len(picked):.2f}",
                "clear": f"{sum(float(r['clear']) for r in picked) / len(picked):.2f}",
            }
        )
    if not rows:
        raise SystemExit(
            "no pipeline has every shown hint labelled: diagnoses the rules gave after round 8 "
            "are not labelled blind yet (results/diagnosis-v2/ has them, read by one reader)"
        )
    second = blind_labels(HERE / "packets-b")
    first = blind_labels(HERE / "packets-a")
    for item in ("identifies", "misleading"):
        same = sum(first[key][item] == second[key][item] for key in first)
        print(f"readers a and b agree on {item}: {same}/{len(first)}")
    with open(HERE / "rates.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(open(HERE / "rates.csv").read())


if __name__ == "__main__":
    main()
