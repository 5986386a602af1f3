"""The verifier (`evaluation/rerank.py`) against every labelled student hint of sets 2, 3, 4
(issue 15), and `hint`'s pipeline on those sets.

Sets: 1-injected (set 1's 60 programs from the bug injectors on the test split,
`results/hint-labels/`), 2 (`results/hint-labels-v2/` + `-v3/`), 3 (`-v4/`), 4 (`-v5/`).
Set 4 is the tuning set of this round; sets 2, 3 and 1-injected are the check.

Per set: how many labelled student hints the verifier passes, how many of those are labelled
misleading / identifying, and how many identifying-and-not-misleading hints it rejects. Then
`evaluation.hints.final_hint` (diagnosis, else the student's hint if it passes, else facts)
over each student's greedy hints, the shown text's label looked up by program and text among
every labelled hint of the set (set 2: `results/verifier-dev/measure.py`'s own lookup).

    python results/verifier-v4/measure.py [--sets 4,3,2,1i] [--show-passed-misleading N]
        [--by-check] [--no-pipeline]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
from collections import Counter
from pathlib import Path

from evaluation import claims
from evaluation.hints import final_hint
from evaluation.labelset import read_jsonl
from evaluation.rerank import verify_hint
from llm_prune_gym.hintfacts import Program, hint_facts

ROOT = Path(__file__).resolve().parents[2] / "results"


def _verifier_dev():
    """`results/verifier-dev/measure.py` (a script, not a package), imported by path."""
    spec = importlib.util.spec_from_file_location(
        "verifier_dev", ROOT / "verifier-dev" / "measure.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEV = _verifier_dev()


def raw_labelled(folder: Path) -> list[dict]:
    """A set's raw student hints (`raw-hints.jsonl`) joined with their case and label."""
    cases = {case["id"]: case for case in read_jsonl(folder / "cases.jsonl")}
    labels = {row["key"]: row for row in csv.DictReader(open(folder / "labels.csv"))}
    return [
        {**hint, "case": cases[hint["id"]], "label": labels[hint["key"]]}
        for hint in read_jsonl(folder / "raw-hints.jsonl")
        if hint["key"] in labels
    ]


def set_rows(name: str) -> list[dict]:
    """Every labelled student hint of one set."""
    if name == "1i":
        return [r for r in DEV.labelled_hints(DEV.SET1) if r["case"].get("origin") == "injector"]
    if name == "2":
        return [row for folder in DEV.SET2 for row in DEV.labelled_hints(folder)]
    return raw_labelled(ROOT / {"3": "hint-labels-v4", "4": "hint-labels-v5"}[name])


def is_yes(row: dict, item: str) -> bool:
    return row["label"][item] == "yes"


def verdicts(rows: list[dict]) -> list[tuple[dict, object]]:
    return [
        (row, verify_hint(row["hint"], row["case"]["code"], row["case"]["error_output"]))
        for row in rows
    ]


def summary(judged: list[tuple[dict, object]]) -> dict[str, int]:
    """Counts among the labelled hints: passed, passed-misleading, passed-identifying, and
    the true identifying hints (identifies, not misleading) rejected."""
    passed = [row for row, verdict in judged if not verdict.looks_wrong]
    rejected = [row for row, verdict in judged if verdict.looks_wrong]
    return {
        "hints": len(judged),
        "passed": len(passed),
        "passed_misleading": sum(is_yes(r, "misleading") for r in passed),
        "passed_identifying": sum(is_yes(r, "identifies") for r in passed),
        "true_identifying": sum(
            is_yes(r, "identifies") and not is_yes(r, "misleading") for r, _ in judged
        ),
        "true_identifying_rejected": sum(
            is_yes(r, "identifies") and not is_yes(r, "misleading") for r in rejected
        ),
    }


def print_summary(name: str, judged: list[tuple[dict, object]]) -> None:
    s = summary(judged)
    print(
        f"{name:26s} hints {s['hints']:4d}  passed {s['passed']:4d}  "
        f"misleading {DEV.rate(s['passed_misleading'], s['passed'])}  "
        f"identifying {DEV.rate(s['passed_identifying'], s['passed'])}  "
        f"true-identifying rejected {s['true_identifying_rejected']}/{s['true_identifying']}"
    )


def by_check(rows: list[dict]) -> None:
    """Per claim check: fired / labelled misleading / labelled identifying (not misleading)."""
    counts: Counter = Counter()
    for row in rows:
        case = row["case"]
        facts = hint_facts(case["code"], case["error_output"])
        program = Program(case["code"])
        for check in getattr(claims, "CHECKS", ()):
            if check(row["hint"], program, facts):
                counts[check.__name__, "fired"] += 1
                counts[check.__name__, "mis"] += is_yes(row, "misleading")
                counts[check.__name__, "true"] += is_yes(row, "identifies") and not is_yes(
                    row, "misleading"
                )
        reasons = claims.refuted_claims(row["hint"], case["code"], case["error_output"], facts)
        if any(reason.startswith("says the cause is on line") for reason in reasons):
            counts["cause_line_claims", "fired"] += 1
            counts["cause_line_claims", "mis"] += is_yes(row, "misleading")
            counts["cause_line_claims", "true"] += is_yes(row, "identifies") and not is_yes(
                row, "misleading"
            )
    for check in ["cause_line_claims", *(c.__name__ for c in getattr(claims, "CHECKS", ()))]:
        fired = counts[check, "fired"]
        if fired:
            print(
                f"    {check:28s} {fired:3d} / {counts[check, 'mis']:3d} / {counts[check, 'true']}"
            )


def show_passed_misleading(judged: list[tuple[dict, object]], count: int) -> None:
    bad = [(r, v) for r, v in judged if not v.looks_wrong and is_yes(r, "misleading")]
    for row, verdict in random.Random(0).sample(bad, min(count, len(bad))):
        case = row["case"]
        print("=" * 100)
        print(f"{row['key']}  identifies={row['label']['identifies']}  {verdict.reasons}")
        print("\n".join(f"{i:3d} {t}" for i, t in enumerate(case["code"].splitlines(), 1)))
        print(case["error_output"].strip().splitlines()[-1])
        print("HINT:", row["hint"])
        print("NOTE:", row["label"]["note"])


def student_shown(rows: list[dict]) -> None:
    """Per student: what `final_hint` shows (diagnosis / student / facts), and among the
    student hints it shows, how many are labelled misleading and identifying."""
    for student in sorted({row["student"] for row in rows}):
        sources, shown = Counter(), []
        for row in (r for r in rows if r["student"] == student):
            case = row["case"]
            choice = final_hint(case["code"], case["error_output"], row["hint"])
            sources[choice.source] += 1
            shown += [row] if choice.source == "student" else []
        counts = "/".join(str(sources[s]) for s in ("diagnosis", "student", "facts"))
        mis = sum(is_yes(row, "misleading") for row in shown)
        ident = sum(is_yes(row, "identifies") for row in shown)
        print(
            f"  {student:24s} diag/student/facts {counts}  student hints shown: "
            f"misleading {mis}/{len(shown)}, identifying {ident}/{len(shown)}"
        )


def text_labels(folder: Path) -> dict[tuple[str, str], dict]:
    """{(program id, shown text): label} over every labelled system hint of a set."""
    labels = {row["key"]: row for row in csv.DictReader(open(folder / "labels.csv"))}
    found = {}
    for hint in read_jsonl(folder / "hints.jsonl") + read_jsonl(folder / "raw-hints.jsonl"):
        if hint["key"] in labels:
            found[hint["id"], hint["hint"].strip()] = labels[hint["key"]]
    return found


def pipeline(name: str) -> None:
    """`final_hint` over each student's greedy hints of set 3 or 4."""
    folder = ROOT / {"3": "hint-labels-v4", "4": "hint-labels-v5"}[name]
    labels = text_labels(folder)
    cases = {case["id"]: case for case in read_jsonl(folder / "cases.jsonl")}
    raw = read_jsonl(folder / "raw-hints.jsonl")
    for student in sorted({hint["student"] for hint in raw}):
        sources, shown, unlabelled = Counter(), [], 0
        for hint in (h for h in raw if h["student"] == student):
            case = cases[hint["id"]]
            choice = final_hint(case["code"], case["error_output"], hint["hint"])
            sources[choice.source] += 1
            label = labels.get((hint["id"], choice.hint.strip()))
            if label is None:
                unlabelled += 1
            else:
                shown.append(label)
        mis = sum(label["misleading"] == "yes" for label in shown)
        ident = sum(label["identifies"] == "yes" for label in shown)
        counts = "/".join(str(sources[s]) for s in ("diagnosis", "student", "facts"))
        print(
            f"  {student:20s} diag/student/facts {counts}  unlabelled {unlabelled}  "
            f"misleading {DEV.rate(mis, len(shown))}  identifies {DEV.rate(ident, len(shown))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="4,3,2,1i")
    parser.add_argument("--show-passed-misleading", type=int, default=0)
    parser.add_argument("--by-check", action="store_true")
    parser.add_argument("--no-pipeline", action="store_true")
    args = parser.parse_args()
    for name in args.sets.split(","):
        rows = set_rows(name)
        judged = verdicts(rows)
        print_summary(f"set {name}", judged)
        for student in sorted({row["student"] for row in rows}):
            print_summary(f"  {student}", [(r, v) for r, v in judged if r["student"] == student])
        if args.by_check:
            by_check(rows)
        show_passed_misleading(judged, args.show_passed_misleading)
        if args.no_pipeline:
            continue
        student_shown(rows)
        if name == "1i":
            continue
        if name == "2":
            DEV.pipeline_rates({row["id"] for row in rows})
        else:
            pipeline(name)


if __name__ == "__main__":
    main()
