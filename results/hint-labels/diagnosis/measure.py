"""How often `diagnosis.diagnose` fires on set 1, whether it names the labelled cause, and
what the hint pipeline would have given on set 1's hand-labelled hints.

    PYTHONPATH=. python results/hint-labels/diagnosis/measure.py

Reads ``results/hint-labels/cases.jsonl`` (190 programs with the real error output and the
cause in words: ``bug``, and ``cause_line`` or the injected ``line``), ``hints.jsonl`` and
``labels.csv`` (hand labels), and ``judgement.csv`` (one row per program where a diagnosis
fires: was it the labelled cause, read against ``bug``). Writes ``diagnoses.jsonl`` and
``summary.md`` here. Set 1 is not blind: the rules were written looking at it.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

from evaluation.hints import final_hint
from llm_prune_gym.diagnosis import diagnose

HERE = Path(__file__).parent
LABELS = HERE.parent
STUDENT = "sft-grounded"  # the best student labelled on all 130 hand-written programs


def cause_line(case: dict) -> int:
    return case.get("cause_line") or case["line"]


def named_lines(text: str) -> set[int]:
    """Line numbers a hint names ("line 4", "lines 3 and 5")."""
    found = set()
    for match in re.finditer(r"\blines? (\d+(?:(?:, | and )\d+)*)", text):
        found |= {int(n) for n in re.findall(r"\d+", match.group(1))}
    return found


def diagnoses(cases: list[dict]) -> list[dict]:
    rows = []
    for case in cases:
        found = diagnose(case["code"], case["error_output"])
        if found is None:
            continue
        truth = cause_line(case)
        rows.append(
            {
                "id": case["id"],
                "origin": case.get("origin", "injector"),
                "rule": found.rule,
                "line": found.line,
                "cause_line": truth,
                "names_cause_line": found.line == truth or truth in named_lines(found.hint),
                "hint": found.hint,
                "bug": case.get("bug", ""),
            }
        )
    return rows


def pipeline_rates(cases: list[dict], judged: dict[str, str]) -> list[tuple[str, int, int, int]]:
    """(pipeline, programs, identifies, misleading) for STUDENT's labelled greedy hints."""
    hints = {}
    for line in (LABELS / "hints.jsonl").open():
        row = json.loads(line)
        if row["student"] == STUDENT:
            hints[row["id"]] = row["hint"]
    labels = {}
    with (LABELS / "labels.csv").open() as file:
        for row in csv.DictReader(file):
            case_id, student = row["key"].split("|")
            if student == STUDENT:
                labels[case_id] = (row["identifies"] == "yes", row["misleading"] == "yes")
    counts = {name: [0, 0, 0] for name in ("greedy", "greedy + check", "diagnosis + check")}
    for case in cases:
        if case["id"] not in hints:
            continue
        code, output, hint = case["code"], case["error_output"], hints[case["id"]]
        identifies, misleading = labels[case["id"]]
        checked = final_hint(code, output, hint, diagnosis=False)
        full = final_hint(code, output, hint)
        # a facts hint is counted as neither identifying nor misleading (it is not labelled)
        outcomes = {
            "greedy": (identifies, misleading),
            "greedy + check": (identifies, misleading) if checked.source == "student" else (0, 0),
            "diagnosis + check": (
                (judged[case["id"]] == "yes", judged[case["id"]] != "yes")
                if full.source == "diagnosis"
                else (identifies, misleading)
                if full.source == "student"
                else (0, 0)
            ),
        }
        for name, (ident, misled) in outcomes.items():
            counts[name][0] += 1
            counts[name][1] += int(ident)
            counts[name][2] += int(misled)
    return [(name, *values) for name, values in counts.items()]


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "-"


def main() -> None:
    cases = [json.loads(line) for line in (LABELS / "cases.jsonl").open()]
    rows = diagnoses(cases)
    with (HERE / "diagnoses.jsonl").open("w") as file:
        for row in rows:
            file.write(json.dumps(row) + "\n")
    with (HERE / "judgement.csv").open() as file:
        judged = {row["id"]: row["right"] for row in csv.DictReader(file)}
    missing = {row["id"] for row in rows} - set(judged)
    if missing:
        raise SystemExit(f"judgement.csv lacks {sorted(missing)[:5]} ...: read them first")
    origins = Counter(case.get("origin", "injector") for case in cases)
    fired = Counter(row["origin"] for row in rows)
    right = Counter(row["origin"] for row in rows if judged[row["id"]] == "yes")
    named = Counter(row["origin"] for row in rows if row["names_cause_line"])
    lines = [
        "# The diagnosis on set 1 (results/hint-labels)",
        "",
        "`PYTHONPATH=. python results/hint-labels/diagnosis/measure.py`. Set 1 is **not blind**:",
        "the rules were written and adjusted looking at these programs.",
        "",
        "| programs | fires | right (read against `bug`) | names the labelled cause line |",
        "|---|---|---|---|",
    ]
    for origin in ("realstyle", "injector"):
        lines.append(
            f"| {origin} ({origins[origin]}) | {percent(fired[origin], origins[origin])} | "
            f"{percent(right[origin], fired[origin])} | {percent(named[origin], fired[origin])} |"
        )
    total = len(cases)
    lines.append(
        f"| all ({total}) | {percent(len(rows), total)} | "
        f"{percent(sum(right.values()), len(rows))} | {percent(sum(named.values()), len(rows))} |"
    )
    lines += ["", "| rule | fires |", "|---|---|"]
    lines += [f"| {rule} | {n} |" for rule, n in Counter(r["rule"] for r in rows).most_common()]
    lines += [
        "",
        f"## Pipeline on {STUDENT}'s labelled greedy hints (hand-written programs)",
        "",
        "A facts-only hint is counted as neither identifying nor misleading (not labelled);",
        "a diagnosis as judged in `judgement.csv`.",
        "",
        "| pipeline | programs | identifies | misleading |",
        "|---|---|---|---|",
    ]
    for name, n, ident, misled in pipeline_rates(cases, judged):
        lines.append(f"| {name} | {n} | {percent(ident, n)} | {percent(misled, n)} |")
    (HERE / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
