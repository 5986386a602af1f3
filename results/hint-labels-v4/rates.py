"""Hand-label rates and the grader's agreement on blind set 3 (issue 15's headline test).

Readers labelled each distinct hint text of a program once (`packets/`: the blind packets,
``blind.json`` mapping their ``H001`` ids to ``unique.jsonl`` keys, and each reader's
``labels-NN.csv``). Every system's hint (`hints.jsonl`, from `systems.py`) takes the label
of its text. Writes:

- ``hint-command``: the rows of ``command-hints.jsonl`` (`command.py`: the `hint` command
  itself, run on every program), labelled by their texts;
- ``labels.csv``: one row per system hint, with the reader's note (``labeller`` = packet);
- ``rates.md`` / ``rates.csv``: per system, identifies / misleading / gives away with 95%
  Wilson intervals, mean helpful and clear, the grader's identifies / misleading on the
  same hints, and who wrote the shown hints (diagnosis, student, facts);
- ``agreement.md`` / ``agreement.csv``: the grader (`evaluation/grader.py`) against the
  labels on every distinct text, overall and by who wrote it, and a second reader
  (`packets-agreement/`: every hint of 22 seeded programs, read again blind) against the
  first (``hints`` = ``second reader``).

    PYTHONPATH=. python results/hint-labels-v4/rates.py
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from evaluation.agreement import ITEMS, agreement
from evaluation.grader import grade
from evaluation.hints import wilson_interval
from evaluation.labelset import case_truth, read_jsonl
from evaluation.report import write_csv

HERE = Path(__file__).resolve().parent
SYSTEMS = (
    "hint",
    "hint-command",
    "hint-pruned-10.3",
    "no-student-hint",
    "base",
    "base-pruned-10.3",
)
GRADER_FIELDS = {
    "identifies": "identifies_error",
    "misleading": "misleading",
    "gives_away": "gives_away",
}


def _yes(value: str) -> bool:
    value = value.strip().lower()
    if value not in ("yes", "no"):
        raise ValueError(f"not yes/no: {value!r}")
    return value == "yes"


def unique_labels(packets: Path) -> dict[str, dict]:
    """``{unique key: label}`` from the readers' CSVs; every blind id labelled once."""
    blind = json.loads((packets / "blind.json").read_text())
    labels: dict[str, dict] = {}
    for path in sorted(packets.glob("labels-*.csv")):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            key = blind[row["blind"].strip()]
            if key in labels:
                raise ValueError(f"{path}: {row['blind']} labelled twice")
            labels[key] = {item: _yes(row[item]) for item in ITEMS} | {
                "helpful": int(row["helpful"]),
                "clear": int(row["clear"]),
                "note": row.get("note", ""),
                "labeller": path.stem.replace("labels-", "packet-"),
            }
    missing = set(blind.values()) - set(labels)
    if missing:
        raise ValueError(f"{len(missing)} hints without a label, e.g. {sorted(missing)[:3]}")
    return labels


def labelled_rows() -> list[dict]:
    """Every system hint with its label and the grader's verdicts."""
    cases = {case["id"]: case for case in read_jsonl(HERE / "cases.jsonl")}
    text_key = {(u["id"], u["hint"]): u["key"] for u in read_jsonl(HERE / "unique.jsonl")}
    labels = unique_labels(HERE / "packets")
    command = [  # the command's own run (`command.py`): every text was labelled
        r | {"key": f"{r['id']}|hint-command", "system": "hint-command"}
        for r in read_jsonl(HERE / "command-hints.jsonl")
    ]
    rows = []
    for hint in read_jsonl(HERE / "hints.jsonl") + command:
        unique = text_key[hint["id"], hint["hint"]]
        verdict = grade(hint["hint"], case_truth(cases[hint["id"]]))
        rows.append(
            hint
            | {"unique": unique}
            | {f"label_{k}": v for k, v in labels[unique].items()}
            | {f"grader_{item}": getattr(verdict, f) for item, f in GRADER_FIELDS.items()}
        )
    return rows


def percent(hits: int, n: int) -> str:
    rate, low, high = wilson_interval(hits, n)
    return f"{rate:.0%} [{low:.0%}, {high:.0%}]"


def rates(rows: list[dict]) -> list[dict]:
    table = []
    for system in SYSTEMS:
        members = [r for r in rows if r["system"] == system]
        n = len(members)
        sources = Counter(r["source"] for r in members)
        table.append(
            {"system": system, "n": n}
            | {item: percent(sum(r[f"label_{item}"] for r in members), n) for item in ITEMS}
            | {
                "helpful": round(sum(r["label_helpful"] for r in members) / n, 2),
                "clear": round(sum(r["label_clear"] for r in members) / n, 2),
                "grader_identifies": f"{sum(r['grader_identifies'] for r in members) / n:.0%}",
                "grader_misleading": f"{sum(r['grader_misleading'] for r in members) / n:.0%}",
                "written_by": ", ".join(f"{k} {v}" for k, v in sorted(sources.items())),
            }
        )
    return table


def by_source(rows: list[dict]) -> list[dict]:
    """Per source of the shown hint (diagnosis, facts, student) in the `hint` system."""
    table = []
    for source in ("diagnosis", "student", "facts"):
        members = [r for r in rows if r["system"] == "hint" and r["source"] == source]
        if members:
            n = len(members)
            table.append(
                {"source": source, "n": n}
                | {i: percent(sum(r[f"label_{i}"] for r in members), n) for i in ITEMS}
            )
    return table


def agreement_rows(rows: list[dict]) -> list[dict]:
    """The grader against the labels, each distinct text once, overall and by source."""
    distinct = {r["unique"]: r for r in rows}.values()
    groups = {"all": list(distinct)}
    for source in ("diagnosis", "facts", "student"):
        groups[source] = [r for r in distinct if r["source"] == source]
    table = []
    for group, members in groups.items():
        for item in ITEMS:
            result = agreement(
                [bool(r[f"grader_{item}"]) for r in members],
                [r[f"label_{item}"] for r in members],
            )
            table.append(
                {"hints": group, "item": item}
                | {k: round(v, 3) if isinstance(v, float) else v for k, v in result.row().items()}
            )
    return table


def reader_agreement(first: dict[str, dict]) -> list[dict]:
    """The second reader's labels (`packets-agreement/`) against the first readers'."""
    second = unique_labels(HERE / "packets-agreement")
    keys = sorted(second)
    table = []
    for item in ITEMS:
        result = agreement([second[k][item] for k in keys], [first[k][item] for k in keys])
        table.append(
            {"hints": "second reader", "item": item}
            | {k: round(v, 3) if isinstance(v, float) else v for k, v in result.row().items()}
        )
    return table


def markdown(table: list[dict]) -> str:
    header = list(table[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[k]) for k in header) + " |" for row in table]
    return "\n".join(lines) + "\n"


def main() -> None:
    rows = labelled_rows()
    label_rows = [
        {"key": r["key"], "system": r["system"]}
        | {i: "yes" if r[f"label_{i}"] else "no" for i in ITEMS}
        | {k: r[f"label_{k}"] for k in ("helpful", "clear", "note", "labeller")}
        for r in rows
    ]
    write_csv(HERE / "labels.csv", label_rows)
    table, sources = rates(rows), by_source(rows)
    agree = agreement_rows(rows) + reader_agreement(unique_labels(HERE / "packets"))
    write_csv(HERE / "rates.csv", table)
    write_csv(HERE / "agreement.csv", agree)
    (HERE / "rates.md").write_text(markdown(table) + "\n" + markdown(sources), encoding="utf-8")
    (HERE / "agreement.md").write_text(markdown(agree), encoding="utf-8")
    print(markdown(table), markdown(sources), markdown(agree), sep="\n")


if __name__ == "__main__":
    main()
