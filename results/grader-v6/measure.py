"""Grader v5 (before) against grader v6 (now) on every hand-labelled set, per set and source.

Sets 1-5 are gathered as ``results/grader-v5/measure.py`` gathers them; sets 6, 7 and 8
(``hint-labels-v7/``, ``-v8/``, ``-v9/``) the same way as sets 3-5 (each distinct text of a
program once, as ``evaluation.blindread.agreement_rows`` counts it). The *before* grader is
``evaluation/grader.py`` as committed at `--before` (grader v5), loaded from git.

    PYTHONPATH=. python results/grader-v6/measure.py [--before ad62cc9] [--by-source]
    PYTHONPATH=. python results/grader-v6/measure.py --show 8 --item identifies  # disagreements
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from evaluation import grader
from evaluation.blindread import markdown
from evaluation.grader import grade

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "results" / "grader-v4"))  # v5's measure imports from there


def _load_v5() -> ModuleType:
    """Grader v5's measure (its gathering, grading and tables), loaded by path: both
    scripts are named ``measure``."""
    spec = importlib.util.spec_from_file_location(
        "grader_v5_measure", ROOT / "results" / "grader-v5" / "measure.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["grader_v5_measure"] = module
    spec.loader.exec_module(module)
    return module


v5 = _load_v5()

# Grader v6's rules, each a function of `evaluation.grader` that `--without` turns off.
RULES = {
    "placed lines": "self_contradicting_lines",
    "false failing line": "wrong_failing_line",
    "wrong reader": "misread_source",
    "denied failure": "denied_failure",
    "account at the fix": "anchored_at_fix",
}
IMPLIED = "implied words"  # `_implied_by_exception`, a predicate: off means never implied
BEFORE = "ad62cc9"  # main when grader v6 began: grader v5
v5.BLIND.update({"6": "hint-labels-v7", "7": "hint-labels-v8", "8": "hint-labels-v9"})


def old_grade(revision: str) -> Callable:
    """`grade` of ``evaluation/grader.py`` at `revision`, loaded as a module of the
    ``evaluation`` package (grader v5 imports ``.claims`` relatively)."""
    source = subprocess.run(
        ["git", "show", f"{revision}:evaluation/grader.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    spec = importlib.util.spec_from_loader("evaluation.grader_before", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "evaluation"
    sys.modules["evaluation.grader_before"] = module
    exec(compile(source, "grader_before.py", "exec"), module.__dict__)  # noqa: S102
    return module.grade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the before grader")
    parser.add_argument("--by-source", action="store_true", help="also per source of the hint")
    parser.add_argument("--show", choices=("1", "2", *v5.BLIND), help="print a set's disagreements")
    parser.add_argument("--item", choices=v5.ITEMS, default="identifies")
    parser.add_argument("--grader", choices=("before", "after"), default="after")
    parser.add_argument(
        "--without", choices=(*RULES, "comments", IMPLIED), help="grader v6 without one rule"
    )
    args = parser.parse_args()
    if args.without == "comments":
        grader._uncommented = lambda line: line  # a comment's words count as names again
    elif args.without == IMPLIED:
        grader._implied_by_exception = lambda *_: False
    elif args.without:
        setattr(grader, RULES[args.without], lambda *_: [])
    graders = {"before": old_grade(args.before), "after": grade}
    rows = v5.graded(v5.early_sets() + v5.blind_sets(), graders)
    if args.show:
        v5.show(rows, args.show, args.item, args.grader)
        return
    print(markdown(v5.table(rows, by_source=False)))
    if args.by_source:
        print(markdown(v5.table(rows, by_source=True)))


if __name__ == "__main__":
    main()
