"""Grader v6 (before) against grader v7 (now) on every hand-labelled set, per set and source.

Sets 1-8 are gathered as ``results/grader-v6/measure.py`` gathers them (through grader v5's
measure); sets 9, 10 and 11 (``hint-labels-v10/``, ``-v11/``, ``-v12/``) the same way as sets
3-8 (each distinct text of a program once, as ``evaluation.blindread.agreement_rows`` counts
it). The *before* grader is ``evaluation/grader.py`` as committed at `--before` (grader v6),
loaded from git.

    PYTHONPATH=. python results/grader-v7/measure.py [--before 3209972] [--by-source]
    PYTHONPATH=. python results/grader-v7/measure.py --show 11 --item misleading  # disagreements
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from evaluation import grader
from evaluation.blindread import markdown
from evaluation.grader import grade

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path) -> ModuleType:
    """A measure script loaded by path: every version's script is named ``measure``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


v6 = _load("grader_v6_measure", ROOT / "results" / "grader-v6" / "measure.py")
v5 = v6.v5  # the gathering, grading and tables
v5.BLIND.update({"9": "hint-labels-v10", "10": "hint-labels-v11", "11": "hint-labels-v12"})
BEFORE = "3209972"  # grader v6 (grader.py's last commit before v7)

# Grader v7's rules, each a function of `evaluation.grader` that `--without` turns off.
RULES = {
    "misquote form": "forgiven_misquotes",
    "suggested spelling": "suggested_spelling",
    "altered traceback": "altered_traceback",
    "misplaced code": "misplaced_code",
    "comment line": "name_on_comment_line",
    "function as value": "function_called_value",
    "missing key present": "missing_key_present",
    "space count": "wrong_indentation",
}


def table(rows: list[dict], by_source: bool) -> list[dict]:
    """Grader v5's table with three decimals, the sets in numeric order."""
    out = []
    groups = sorted(
        {(r["set"], r["source"] if by_source else "all") for r in rows},
        key=lambda g: (int(g[0]), g[1]),
    )
    for number, source in groups:
        members = [r for r in rows if r["set"] == number and source in ("all", r["source"])]
        for item in v5.ITEMS:
            labels = [r[f"label_{item}"] for r in members]
            cells = {"set": number, "hints": source, "item": item, "n": len(members)}
            for name in ("before", "after"):
                result = v5.agreement([r[f"{name}_{item}"] for r in members], labels)
                kappa = "-" if result.kappa is None else f"{result.kappa:.3f}"
                cells[f"{name} (v6/v7)"] = f"{result.agreement:.3f} / {kappa}"
            yes = [sum(labels)]
            yes += [sum(r[f"{name}_{item}"] for r in members) for name in ("before", "after")]
            cells["label yes / before yes / after yes"] = " / ".join(map(str, yes))
            out.append(cells)
    return out


def show(rows: list[dict], number: str, item: str, name: str) -> None:
    """Grader v5's listing of one set's disagreements, each with its reader's note."""
    from evaluation.blindread import unique_labels

    labels = unique_labels(ROOT / "results" / v5.BLIND[number] / "packets")
    for row in rows:
        if row["set"] != number or row[f"label_{item}"] == row[f"{name}_{item}"]:
            continue
        truth = v5.case_truth(row["case"])
        print(f"=== {row['key']} [{row['source']}] label={row[f'label_{item}']}")
        print("bug:", row["case"].get("bug"), "| fix lines", truth.lines)
        print("error:", row["case"]["error_output"].strip().splitlines()[-1])
        print("hint:", row["hint"].strip()[:900])
        print("note:", labels[row["key"]]["note"])
        print("evidence:", row[f"{name}_evidence"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the before grader")
    parser.add_argument("--by-source", action="store_true", help="also per source of the hint")
    parser.add_argument("--show", choices=tuple(v5.BLIND), help="print a set's disagreements")
    parser.add_argument("--item", choices=v5.ITEMS, default="identifies")
    parser.add_argument("--grader", choices=("before", "after"), default="after")
    parser.add_argument("--without", choices=tuple(RULES), help="grader v7 without one rule")
    args = parser.parse_args()
    if args.without:
        off = {
            "forgiven_misquotes": lambda evidence, *_: evidence,
            "suggested_spelling": lambda *_: False,
        }
        setattr(grader, RULES[args.without], off.get(RULES[args.without], lambda *_: []))
    graders = {"before": v6.old_grade(args.before), "after": grade}
    rows = v5.graded(v5.early_sets() + v5.blind_sets(), graders)
    if args.show:
        show(rows, args.show, args.item, args.grader)
        return
    print(markdown(table(rows, by_source=False)))
    if args.by_source:
        print(markdown(table(rows, by_source=True)))


if __name__ == "__main__":
    main()
