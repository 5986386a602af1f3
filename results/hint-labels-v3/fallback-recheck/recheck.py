"""Recompute the `+fallback` rates with the verifier as it is now, from the committed labels.

The fallback is offline: wherever `evaluation.rerank.verify_hint` calls a greedy hint wrong,
the facts hint (labelled in round 6) takes its place. A hint the verifier now keeps or
replaces differently takes the label of the text that is shown. Writes `rates.csv` and
`changed.csv` (the programs whose outcome differs from the committed `+fallback` rows).

    python results/hint-labels-v3/fallback-recheck/recheck.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from evaluation.hints import wilson_interval
from evaluation.rerank import verify_hint
from llm_prune_gym.hintfacts import facts_hint, hint_facts

HERE = Path(__file__).parent
LABELS = HERE.parent
SYSTEMS = ("sft-v4", "sft-v4-run2", "sft-v4-pruned-10.3")


def wilson(k: int, n: int) -> str:
    rate, low, high = wilson_interval(k, n)
    return f"{100 * rate:.0f}% [{100 * low:.0f}, {100 * high:.0f}]"


def main() -> None:
    cases = {case["id"]: case for case in map(json.loads, open(LABELS / "cases.jsonl"))}
    hints = [json.loads(line) for line in open(LABELS / "hints.jsonl")]
    labels = {row["key"]: row for row in csv.DictReader(open(LABELS / "labels.csv"))}
    facts_texts = {
        row["id"]: row["hint"]
        for row in map(json.loads, open(LABELS / "packets-round6/facts-hints.jsonl"))
    }
    blind = json.loads((LABELS / "packets-round6/blind.json").read_text())
    for row in csv.DictReader(open(LABELS / "packets-round6/labels-01.csv")):
        labels[blind[row["blind"]]] = row  # the facts hints: key `ID|facts`
    rates, changed = [], []
    for system in SYSTEMS:
        shown, replaced = [], 0
        for hint in (h for h in hints if h["student"] == system):
            case = cases[hint["id"]]
            verdict = verify_hint(hint["hint"], case["code"], case["error_output"])
            if verdict.looks_wrong:
                facts = facts_hint(hint_facts(case["code"], case["error_output"]))
                if facts != facts_texts[hint["id"]]:  # the label is of the text a reader saw
                    raise SystemExit(f"the facts hint of {hint['id']} changed since round 6")
                key, replaced = f"{hint['id']}|facts", replaced + 1
            else:
                key = hint["key"]
            label, before = labels[key], labels[f"{hint['key']}+fallback"]
            shown.append(label)
            if any(label[item] != before[item] for item in ("identifies", "misleading")):
                changed.append(
                    {"key": hint["key"], "now": key, "reasons": " ".join(verdict.reasons)}
                )
        n = len(shown)
        identifies = sum(row["identifies"] == "yes" for row in shown)
        misleading = sum(row["misleading"] == "yes" for row in shown)
        rates.append(
            {
                "system": f"{system}+fallback",
                "hints": n,
                "replaced": replaced,
                "identifies": wilson(identifies, n),
                "misleading": wilson(misleading, n),
                "helpful": f"{sum(float(row['helpful']) for row in shown) / n:.2f}",
                "clear": f"{sum(float(row['clear']) for row in shown) / n:.2f}",
            }
        )
    for name, rows in (("rates.csv", rates), ("changed.csv", changed)):
        with open(HERE / name, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]) if rows else ["key"])
            writer.writeheader()
            writer.writerows(rows)
    print(open(HERE / "rates.csv").read(), open(HERE / "changed.csv").read(), sep="\n")


if __name__ == "__main__":
    main()
