"""Grader v4 (before) against grader v5 (now) on every hand-labelled set, per set and source.

Sets: 1 (``hint-labels/`` with its diagnosis judgement), 2 (``hint-labels-v2/``, ``-v3/``
with its facts and diagnosis packets), both gathered by ``results/grader-v4/agreement.py``;
3, 4 and 5 (``hint-labels-v4/``, ``-v5/``, ``-v6/``), each distinct text of a program once,
as ``evaluation.blindread.agreement_rows`` counts it. The *before* grader is
``evaluation/grader.py`` as committed at `--before` (grader v4), loaded from git.

    PYTHONPATH=. python results/grader-v5/measure.py [--before ca6e103] [--by-source]
    PYTHONPATH=. python results/grader-v5/measure.py --show 5 --item identifies  # disagreements
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from evaluation.agreement import agreement
from evaluation.blindread import markdown
from evaluation.grader import grade
from evaluation.labelset import case_truth, read_jsonl

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"
sys.path.insert(0, str(RESULTS / "grader-v4"))
from agreement import labelled_hints  # noqa: E402  (grader v4's gathering of sets 1 and 2)

BEFORE = "ca6e103"  # main when grader v5 began: grader v4
ITEMS = ("identifies", "misleading")
BLIND = {"3": "hint-labels-v4", "4": "hint-labels-v5", "5": "hint-labels-v6"}
FIELDS = {"identifies": "identifies_error", "misleading": "misleading"}


def old_grade(revision: str) -> Callable:
    """`grade` of ``evaluation/grader.py`` at `revision` (it imports nothing relative)."""
    source = subprocess.run(
        ["git", "show", f"{revision}:evaluation/grader.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    spec = importlib.util.spec_from_loader("grader_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules["grader_before"] = module
    exec(compile(source, "grader_before.py", "exec"), module.__dict__)  # noqa: S102
    return module.grade


def _source_v3(set_name: str) -> str:
    return "diagnosis" if "diagnosis/packets-a" in set_name else (
        "facts" if "facts" in set_name or "round6" in set_name else "student"
    )  # fmt: skip


def early_sets() -> list[dict]:
    """Sets 1 and 2 (``{set, source, id, hint, label_ITEM}``), as grader v4 gathered them."""
    cases, rows = labelled_hints()
    out = []
    for row in rows:
        number = (
            "1" if row["set"].startswith("hint-labels/") or row["set"] == "hint-labels" else "2"
        )
        source = "diagnosis" if row["set"].endswith("diagnosis") else _source_v3(row["set"])
        out.append(row | {"set": number, "source": source, "case": cases[row["id"]]})
    return out


def blind_sets() -> list[dict]:
    """Sets 3-5: each distinct text of a program once, with its label and source."""
    from evaluation.blindread import unique_labels

    out = []
    for number, name in BLIND.items():
        folder = RESULTS / name
        cases = {c["id"]: c for c in read_jsonl(folder / "cases.jsonl")}
        labels = unique_labels(folder / "packets")
        sources = {(h["id"], h["hint"]): h["source"] for h in read_jsonl(folder / "hints.jsonl")}
        for text in read_jsonl(folder / "unique.jsonl"):
            label = labels[text["key"]]
            out.append(
                {"set": number, "key": text["key"], "id": text["id"], "hint": text["hint"]}
                | {"source": sources.get((text["id"], text["hint"]), "student")}
                | {"case": cases[text["id"]]}
                | {f"label_{i}": label[i] for i in ITEMS}
            )
    return out


def graded(rows: list[dict], graders: dict[str, Callable]) -> list[dict]:
    for row in rows:
        truth = case_truth(row["case"])
        for name, function in graders.items():
            verdict = function(row["hint"], truth)
            for item, field in FIELDS.items():
                row[f"{name}_{item}"] = bool(getattr(verdict, field))
            row[f"{name}_evidence"] = "; ".join(verdict.evidence)
    return rows


def table(rows: list[dict], by_source: bool) -> list[dict]:
    out = []
    groups = sorted({(r["set"], r["source"] if by_source else "all") for r in rows})
    for number, source in groups:
        members = [r for r in rows if r["set"] == number and source in ("all", r["source"])]
        for item in ITEMS:
            labels = [r[f"label_{item}"] for r in members]
            cells = {"set": number, "hints": source, "item": item, "n": len(members)}
            for name in ("before", "after"):
                result = agreement([r[f"{name}_{item}"] for r in members], labels)
                kappa = "-" if result.kappa is None else f"{result.kappa:.2f}"
                cells[f"{name} agreement / kappa"] = f"{result.agreement:.2f} / {kappa}"
            cells["label yes / before yes / after yes"] = (
                f"{sum(labels)} / {sum(r[f'before_{item}'] for r in members)}"
                f" / {sum(r[f'after_{item}'] for r in members)}"
            )
            out.append(cells)
    return out


def show(rows: list[dict], number: str, item: str, name: str) -> None:
    """Print one set's disagreements on one item for grader `name`, with the case's facts."""
    for row in rows:
        if row["set"] != number or row[f"label_{item}"] == row[f"{name}_{item}"]:
            continue
        case = row["case"]
        print(f"=== {row['id']} [{row['source']}] label={row[f'label_{item}']}")
        print("bug:", case.get("bug"), "| fix lines", case_truth(case).lines)
        print("error:", case["error_output"].strip().splitlines()[-1])
        print("hint:", row["hint"].strip()[:600])
        print("evidence:", row[f"{name}_evidence"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the before grader")
    parser.add_argument("--by-source", action="store_true", help="also per source of the hint")
    parser.add_argument("--show", choices=("1", "2", *BLIND), help="print a set's disagreements")
    parser.add_argument("--item", choices=ITEMS, default="identifies")
    parser.add_argument("--grader", choices=("before", "after"), default="after")
    args = parser.parse_args()
    rows = graded(early_sets() + blind_sets(), {"before": old_grade(args.before), "after": grade})
    if args.show:
        show(rows, args.show, args.item, args.grader)
        return
    print(markdown(table(rows, by_source=False)))
    if args.by_source:
        print(markdown(table(rows, by_source=True)))


if __name__ == "__main__":
    main()
