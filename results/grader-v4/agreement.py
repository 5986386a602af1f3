"""The offline grader against every hand label of sets 1 and 2, on a seeded split by program.

Labelled hints come from (all read blind by AI reader agents with ``docs/hint-rubric.md``):

- set 1: ``results/hint-labels/`` (cases, hints, labels) and the 95 diagnosis hints of
  ``results/hint-labels/diagnosis/`` (``judgement.csv``: read against the actual cause;
  ``right`` = yes is taken as identifies yes, misleading no; gives away was not labelled);
- set 2: ``results/hint-labels-v2/``, ``results/hint-labels-v3/`` (its ``reuse:`` rows are
  the same text as a labelled one and are dropped with every other repeat), the round-6
  and round-8 facts hints and the diagnosis hints (reader a, ``packets-a/``).

A hint text is counted once per program (the first label read wins). Programs (an
injector's corpus program, else the case) are split with a seeded hash: ``tune`` (60%) is
what the rules may be read and tuned on, ``check`` the rest. Writes ``agreement.csv``
(agreement, precision, recall and Cohen's kappa per half and item) and ``graded.csv``
(every hint with both verdicts and the grader's evidence)::

    PYTHONPATH=. python results/grader-v4/agreement.py [--show tune --item misleading]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from pathlib import Path

from evaluation.agreement import ITEMS, agreement
from evaluation.grader import grade
from evaluation.labelset import case_truth, read_jsonl, read_labels
from evaluation.report import write_csv

ROOT = Path(__file__).resolve().parents[2] / "results"
HERE = Path(__file__).parent
SEED = 4
TUNE_SHARE = 0.6


def half_of(program: str, seed: int = SEED) -> str:
    """``tune`` for about `TUNE_SHARE` of programs, else ``check`` (seeded, order-free)."""
    digest = hashlib.sha256(f"grader-v4:{seed}:{program}".encode()).digest()
    return "tune" if int.from_bytes(digest[:4], "big") / 2**32 < TUNE_SHARE else "check"


def _yes(value: str) -> bool:
    return value.strip().lower() in ("yes", "y", "1", "true")


def _blind(folder: Path) -> dict[str, dict]:
    """{key: {item: bool}} of a blind packet folder (``labels-*.csv`` + ``blind.json``)."""
    blind = json.loads((folder / "blind.json").read_text())
    labels = {}
    for path in sorted(folder.glob("labels-*.csv")):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            labels[blind[row["blind"]]] = {item: _yes(row[item]) for item in ITEMS}
    return labels


def _texts(path: Path) -> dict[str, str]:
    return {row["key"]: row["hint"] for row in read_jsonl(path)}


def labelled_hints() -> tuple[dict[str, dict], list[dict]]:
    """(cases by id, labelled hints ``{key, id, set, hint, label_ITEM}``), repeats dropped."""
    cases: dict[str, dict] = {}
    rows: list[dict] = []
    for name in ("hint-labels", "hint-labels-v2", "hint-labels-v3"):
        folder = ROOT / name
        cases |= {c["id"]: c for c in read_jsonl(folder / "cases.jsonl")}
        labels = read_labels(folder / "labels.csv")
        for hint in read_jsonl(folder / "hints.jsonl"):
            if hint["key"] in labels:
                rows.append(
                    {"key": hint["key"], "id": hint["id"], "set": name, "hint": hint["hint"]}
                    | {f"label_{i}": labels[hint["key"]][i] for i in ITEMS}
                )
    v3 = ROOT / "hint-labels-v3"
    texts = (
        _texts(v3 / "hints.jsonl")
        | _texts(v3 / "packets-round6" / "facts-hints.jsonl")
        | _texts(v3 / "diagnosis" / "packets-facts" / "facts-hints.jsonl")
        | _texts(v3 / "diagnosis" / "diagnosis-hints.jsonl")
    )
    for folder in ("packets-round6", "diagnosis/packets-facts", "diagnosis/packets-a"):
        for key, label in _blind(v3 / folder).items():
            rows.append(
                {
                    "key": key,
                    "id": key.split("|")[0],
                    "set": f"hint-labels-v3/{folder}",
                    "hint": texts[key],
                }
                | {f"label_{i}": label[i] for i in ITEMS}
            )
    diagnosis = ROOT / "hint-labels" / "diagnosis"
    hints = {row["id"]: row["hint"] for row in read_jsonl(diagnosis / "diagnoses.jsonl")}
    for row in csv.DictReader((diagnosis / "judgement.csv").open(encoding="utf-8")):
        right = _yes(row["right"])
        rows.append(
            {
                "key": f"{row['id']}|diagnosis",
                "id": row["id"],
                "set": "hint-labels/diagnosis",
                "hint": hints[row["id"]],
                "label_identifies": right,
                "label_misleading": not right,
                "label_gives_away": None,
            }
        )
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in rows:
        if (row["id"], row["hint"].strip()) not in seen:
            seen.add((row["id"], row["hint"].strip()))
            unique.append(row)
    return cases, unique


def program_of(case: dict) -> str:
    return case.get("program_id") or case["id"]


def graded_rows() -> list[dict]:
    cases, rows = labelled_hints()
    out = []
    for row in rows:
        case = cases[row["id"]]
        verdict = grade(row["hint"], case_truth(case))
        out.append(
            row
            | {
                "half": half_of(program_of(case)),
                "grader_identifies": verdict.identifies_error,
                "grader_misleading": verdict.misleading,
                "grader_gives_away": verdict.gives_away,
                "evidence": "; ".join(verdict.evidence),
            }
        )
    return out


def agreement_table(rows: list[dict]) -> list[dict]:
    table = []
    for half in ("tune", "check", "all"):
        members = [r for r in rows if half in (r["half"], "all")]
        for item in ITEMS:
            pairs = [
                (r[f"grader_{item}"], r[f"label_{item}"])
                for r in members
                if r[f"label_{item}"] is not None
            ]
            result = agreement([g for g, _ in pairs], [h for _, h in pairs])
            table.append(
                {"half": half, "item": item, "programs": len({r["id"] for r in members})}
                | {k: round(v, 3) if isinstance(v, float) else v for k, v in result.row().items()}
            )
    return table


def show(rows: list[dict], half: str, item: str) -> None:
    """Print the disagreements of one item on one half, with the case's facts."""
    cases, _ = labelled_hints()
    for row in rows:
        if row["half"] != half or row[f"label_{item}"] in (None, row[f"grader_{item}"]):
            continue
        case = cases[row["id"]]
        print(f"=== {row['key']} label={row[f'label_{item}']} grader={row[f'grader_{item}']}")
        print("bug:", case["bug"])
        print(
            "error:",
            case["error_output"].strip().splitlines()[-1],
            "| reported line",
            case["error_output"].split("line ")[-1].split(",")[0],
        )
        print("hint:", row["hint"].strip()[:700])
        print("evidence:", row["evidence"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", choices=("tune", "check"), help="print disagreements")
    parser.add_argument("--item", choices=ITEMS, default="misleading")
    args = parser.parse_args()
    rows = graded_rows()
    if args.show:
        show(rows, args.show, args.item)
        return
    table = agreement_table(rows)
    write_csv(HERE / "agreement.csv", table)
    write_csv(HERE / "graded.csv", rows)
    for r in table:
        print(
            r["half"],
            r["item"],
            r["n"],
            r["agreement"],
            r["kappa"],
            r["precision"],
            r["recall"],
            r["grader_yes"],
            r["label_yes"],
        )


if __name__ == "__main__":
    main()
