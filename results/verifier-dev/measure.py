"""The verifier (`evaluation/rerank.py`) against the hand labels of sets 1 and 2 (issue 15).

Development data: every labelled student hint of set 1 (`results/hint-labels/`) and set 2
(`results/hint-labels-v2/`, `results/hint-labels-v3/`; the `+fallback` rows are derived from
other rows and left out). Set 2's 80 programs are split in two halves by program id (seeded):
the verifier is tuned on set 1 and set 2's tune half; the check half is read only for the
final figures.

For each part: how many hints the verifier passes (``looks_wrong`` False) and, among them,
P(misleading) and P(identifies) by the labels. Then the pipeline `hint` runs
(`evaluation.hints.final_hint`: diagnosis, else the student's hint if it passes, else the
facts hint) over the greedy hints of the sft-v4 students, each shown hint's label looked up
where it was labelled (student hints: `labels.csv`; facts hints: round 6 and
`diagnosis/packets-facts`; diagnoses: `diagnosis/packets-a`); a shown hint whose text no
reader saw counts as unlabelled.

    python results/verifier-dev/measure.py [--part tune|check|all] [--show-passed-misleading N]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

from evaluation.hints import final_hint, wilson_interval
from evaluation.rerank import verify_hint

ROOT = Path(__file__).resolve().parents[2] / "results"
SET1 = ROOT / "hint-labels"
SET2 = (ROOT / "hint-labels-v2", ROOT / "hint-labels-v3")
SPLIT_SEED = 15
PIPELINE_STUDENTS = ("sft-v4", "sft-v4-run2", "sft-v4-pruned-10.3")


def set2_halves(seed: int = SPLIT_SEED) -> tuple[set[str], set[str]]:
    """Set 2's program ids split in two seeded halves: (tune, check)."""
    ids = sorted(json.loads(line)["id"] for line in open(SET2[0] / "cases.jsonl"))
    random.Random(seed).shuffle(ids)
    return set(ids[: len(ids) // 2]), set(ids[len(ids) // 2 :])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path)]


def labelled_hints(folder: Path) -> list[dict]:
    """The folder's student hints joined with their case and label (no derived rows)."""
    cases = {case["id"]: case for case in read_jsonl(folder / "cases.jsonl")}
    labels = {row["key"]: row for row in csv.DictReader(open(folder / "labels.csv"))}
    rows = []
    for hint in read_jsonl(folder / "hints.jsonl"):
        if hint["student"].endswith("+fallback") or hint["key"] not in labels:
            continue
        rows.append({**hint, "case": cases[hint["id"]], "label": labels[hint["key"]]})
    return rows


def development_rows(part: str) -> list[dict]:
    """Labelled student hints of one part: tune (set 1 + set 2's tune half), check, all."""
    tune_ids, check_ids = set2_halves()
    set2 = [row for folder in SET2 for row in labelled_hints(folder)]
    if part == "check":
        return [row for row in set2 if row["id"] in check_ids]
    rows = labelled_hints(SET1)
    if part == "tune":
        return rows + [row for row in set2 if row["id"] in tune_ids]
    return rows + set2


def rate(k: int, n: int) -> str:
    value, low, high = wilson_interval(k, n) if n else (0.0, 0.0, 0.0)
    return f"{k}/{n} = {100 * value:.0f}% [{100 * low:.0f}, {100 * high:.0f}]"


def passed_rates(rows: list[dict], show: int = 0) -> None:
    """Among the hints the verifier passes: P(misleading), P(identifies)."""
    passed, rejected = [], []
    for row in rows:
        case = row["case"]
        verdict = verify_hint(row["hint"], case["code"], case["error_output"])
        (rejected if verdict.looks_wrong else passed).append((row, verdict))
    for name, group in (("passed", passed), ("rejected", rejected)):
        labels = [row["label"] for row, _ in group]
        mis = sum(label["misleading"] == "yes" for label in labels)
        ident = sum(label["identifies"] == "yes" for label in labels)
        print(f"  {name:8s} {len(group):4d}  misleading {rate(mis, len(group))}", end="")
        print(f"  identifies {rate(ident, len(group))}")
    identifying = [row for row in rows if row["label"]["identifies"] == "yes"]
    kept = sum(row["label"]["identifies"] == "yes" for row, _ in passed)
    print(f"  identifying hints kept: {rate(kept, len(identifying))}")
    bad = [(r, v) for r, v in passed if r["label"]["misleading"] == "yes"]
    for row, verdict in random.Random(0).sample(bad, min(show, len(bad))):
        case = row["case"]
        print("=" * 100)
        print(f"{row['key']}  identifies={row['label']['identifies']}  {verdict.reasons}")
        numbered = "\n".join(f"{i:3d} {t}" for i, t in enumerate(case["code"].splitlines(), 1))
        print(numbered)
        print(case["error_output"].strip().splitlines()[-1])
        print("BUG:", case.get("bug", ""))
        print("HINT:", row["hint"])
        print("NOTE:", row["label"]["note"])


def blind_labels(folder: Path) -> dict[str, dict]:
    """{key: label row} of one blind packet folder (labels-*.csv + blind.json)."""
    blind = json.loads((folder / "blind.json").read_text())
    rows = {}
    for path in sorted(folder.glob("labels-*.csv")):
        rows |= {blind[row["blind"]]: row for row in csv.DictReader(open(path))}
    return rows


def labelled_texts(folder: Path) -> dict[str, str]:
    """{key: hint text} that the readers of a facts packet saw."""
    return {row["key"]: row["hint"] for row in read_jsonl(folder / "facts-hints.jsonl")}


def pipeline_rates(ids: set[str]) -> None:
    """`final_hint` over the sft-v4 students' greedy hints for the programs in `ids`."""
    v3 = SET2[1]
    labels = {row["key"]: row for row in csv.DictReader(open(v3 / "labels.csv"))}
    facts_folders = (v3 / "packets-round6", v3 / "diagnosis" / "packets-facts")
    texts: dict[str, str] = {}
    for folder in facts_folders:
        labels |= blind_labels(folder)
        texts |= labelled_texts(folder)
    labels |= blind_labels(v3 / "diagnosis" / "packets-a")
    cases = {case["id"]: case for case in read_jsonl(v3 / "cases.jsonl")}
    for student in PIPELINE_STUDENTS:
        shown, sources, unlabelled = [], [], 0
        for hint in read_jsonl(v3 / "hints.jsonl"):
            if hint["student"] != student or hint["id"] not in ids:
                continue
            case = cases[hint["id"]]
            choice = final_hint(case["code"], case["error_output"], hint["hint"])
            key = {"diagnosis": f"{hint['id']}|diagnosis", "facts": f"{hint['id']}|facts"}.get(
                choice.source, hint["key"]
            )
            sources.append(choice.source)
            if key not in labels or (choice.source == "facts" and texts[key] != choice.hint):
                unlabelled += 1
                continue
            shown.append(labels[key])
        counts = " / ".join(str(sources.count(s)) for s in ("diagnosis", "student", "facts"))
        mis = sum(label["misleading"] == "yes" for label in shown)
        ident = sum(label["identifies"] == "yes" for label in shown)
        print(f"  {student:20s} diag/student/facts {counts}  unlabelled {unlabelled}")
        print(f"    misleading {rate(mis, len(shown))}  identifies {rate(ident, len(shown))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("tune", "check", "all"), default="tune")
    parser.add_argument("--show-passed-misleading", type=int, default=0)
    parser.add_argument("--no-pipeline", action="store_true")
    parser.add_argument("--students", help="comma-separated systems to keep (default: all)")
    args = parser.parse_args()
    print(f"verifier on the {args.part} part's labelled student hints")
    rows = development_rows(args.part)
    if args.students:
        rows = [row for row in rows if row["student"] in args.students.split(",")]
    passed_rates(rows, args.show_passed_misleading)
    if args.no_pipeline or args.part == "all":
        return
    tune_ids, check_ids = set2_halves()
    print(f"pipeline on set 2's {args.part} half")
    pipeline_rates(tune_ids if args.part == "tune" else check_ids)


if __name__ == "__main__":
    main()
