"""A blind read of the hints several systems show on one labelled set (issue 15's headline test).

One folder holds a set's ``cases.jsonl`` and, built here step by step:

1. :func:`system_rows`: what each system shows, replayed offline from the students' stored
   greedy hints (``results/hint-labels-v2/generate.py``): each raw student as it wrote
   its hint, each `llm-prune hint` pipeline (a certain diagnosis, else the student's hint
   if the verifier passes it, else the facts hint) and ``no-student-hint``;
2. :func:`unique_texts`: each distinct text of a program once (``unique.jsonl``, keys
   ``ID|uN``), so a reader labels a text shown by several systems once, then
   :func:`evaluation.labelset.write_packets` the blind packets;
3. readers' ``labels-NN.csv`` beside the packets (``blind,identifies,misleading,
   gives_away,helpful,clear,note``); :func:`write_rates` gives every system hint the label
   of its text and writes ``labels.csv``, ``rates.md``/``.csv`` (Wilson 95% intervals, the
   grader's verdicts beside them, who wrote the shown hints) and ``agreement.md``/``.csv``
   (the grader against the labels; a second reader against the first where
   ``packets-agreement/`` exists).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from llm_prune_gym.diagnosis import diagnose
from llm_prune_gym.hintfacts import facts_hint, hint_facts

from .agreement import ITEMS, agreement
from .grader import grade
from .hints import final_hint, wilson_interval
from .labelset import case_truth, read_jsonl
from .report import write_csv

GRADER_FIELDS = {
    "identifies": "identifies_error",
    "misleading": "misleading",
    "gives_away": "gives_away",
}
SOURCES = ("diagnosis", "student", "facts")


def no_student_hint(code: str, error_output: str) -> tuple[str, str, str]:
    """`llm-prune hint --no-student-hint`'s hint, its source and rule."""
    found = diagnose(code, error_output)
    if found is not None:
        return found.hint, "diagnosis", found.rule
    return facts_hint(hint_facts(code, error_output)), "facts", ""


def system_rows(
    cases: Mapping[str, dict], raw: Sequence[dict], pipelines: Mapping[str, str]
) -> list[dict]:
    """One row per (program, system): each raw student of `pipelines` (``{system:
    student}``), each pipeline, and ``no-student-hint``."""
    by_student = {(row["id"], row["student"]): row["hint"] for row in raw}
    rows = []
    for case_id, case in sorted(cases.items()):
        code, error = case["code"], case["error_output"]
        shown = {}
        for student in pipelines.values():
            shown[student] = (by_student[case_id, student], "student", "")
        for system, student in pipelines.items():
            choice = final_hint(code, error, by_student[case_id, student])
            shown[system] = (choice.hint, choice.source, getattr(choice, "rule", "") or "")
        shown["no-student-hint"] = no_student_hint(code, error)
        for system, (hint, source, rule) in shown.items():
            rows.append(
                {"key": f"{case_id}|{system}", "id": case_id, "system": system}
                | {"source": source, "rule": rule, "hint": hint}
            )
    return rows


def unique_texts(rows: Sequence[dict]) -> list[dict]:
    """Each distinct (program, text) once, keyed ``ID|uN`` in order of first appearance."""
    seen: dict[tuple[str, str], dict] = {}
    per_case: Counter[str] = Counter()
    for row in rows:
        if (row["id"], row["hint"]) not in seen:
            per_case[row["id"]] += 1
            key = f"{row['id']}|u{per_case[row['id']]}"
            seen[row["id"], row["hint"]] = {"key": key, "id": row["id"], "hint": row["hint"]}
    return list(seen.values())


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


def labelled_rows(folder: Path, commands: Mapping[str, str]) -> list[dict]:
    """Every system hint of ``hints.jsonl`` and of the `commands` files (``{system: file}``,
    the `hint` command's own runs) with the label of its text and the grader's verdicts."""
    cases = {case["id"]: case for case in read_jsonl(folder / "cases.jsonl")}
    text_key = {(u["id"], u["hint"]): u["key"] for u in read_jsonl(folder / "unique.jsonl")}
    labels = unique_labels(folder / "packets")
    hints = read_jsonl(folder / "hints.jsonl")
    for system, name in commands.items():
        hints += [
            r | {"key": f"{r['id']}|{system}", "system": system} for r in read_jsonl(folder / name)
        ]
    rows = []
    for hint in hints:
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


def rates(rows: Sequence[dict], systems: Sequence[str]) -> list[dict]:
    """Per system: the labels' rates, mean scores, the grader's rates, who wrote the hints."""
    table = []
    for system in systems:
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


def by_source(rows: Sequence[dict], system: str) -> list[dict]:
    """Per source of the shown hint (diagnosis, student, facts) within one system."""
    table = []
    for source in SOURCES:
        members = [r for r in rows if r["system"] == system and r["source"] == source]
        if members:
            n = len(members)
            table.append(
                {"system": system, "source": source, "n": n}
                | {i: percent(sum(r[f"label_{i}"] for r in members), n) for i in ITEMS}
            )
    return table


def _agreement_row(label: dict, first: Sequence[bool], second: Sequence[bool]) -> dict:
    result = agreement(list(first), list(second))
    return label | {k: round(v, 3) if isinstance(v, float) else v for k, v in result.row().items()}


def agreement_rows(rows: Sequence[dict]) -> list[dict]:
    """The grader against the labels, each distinct text once, overall and by source."""
    distinct = list({r["unique"]: r for r in rows}.values())
    groups = {"all": distinct} | {
        s: [r for r in distinct if r["source"] == s] for s in ("diagnosis", "facts", "student")
    }
    return [
        _agreement_row(
            {"hints": group, "item": item},
            [bool(r[f"grader_{item}"]) for r in members],
            [r[f"label_{item}"] for r in members],
        )
        for group, members in groups.items()
        if members
        for item in ITEMS
    ]


def reader_agreement(second_packets: Path, first: Mapping[str, dict]) -> list[dict]:
    """A second reader's labels against the first readers' on the hints both read."""
    second = unique_labels(second_packets)
    keys = sorted(second)
    return [
        _agreement_row(
            {"hints": "second reader", "item": item},
            [second[k][item] for k in keys],
            [first[k][item] for k in keys],
        )
        for item in ITEMS
    ]


def markdown(table: Sequence[dict]) -> str:
    header = list(table[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[k]) for k in header) + " |" for row in table]
    return "\n".join(lines) + "\n"


def write_rates(
    folder: Path, systems: Sequence[str], commands: Mapping[str, str], sources_of: Sequence[str]
) -> str:
    """``labels.csv``, ``rates.*`` and ``agreement.*`` for a read folder; returns the tables.

    `sources_of` names the systems broken down by who wrote the shown hint.
    """
    rows = labelled_rows(folder, commands)
    label_rows = [
        {"key": r["key"], "system": r["system"]}
        | {i: "yes" if r[f"label_{i}"] else "no" for i in ITEMS}
        | {k: r[f"label_{k}"] for k in ("helpful", "clear", "note", "labeller")}
        for r in rows
    ]
    write_csv(folder / "labels.csv", label_rows)
    table = rates(rows, systems)
    sources = [row for system in sources_of for row in by_source(rows, system)]
    agree = agreement_rows(rows)
    if (folder / "packets-agreement").is_dir():
        agree += reader_agreement(folder / "packets-agreement", unique_labels(folder / "packets"))
    write_csv(folder / "rates.csv", table)
    write_csv(folder / "agreement.csv", agree)
    (folder / "rates.md").write_text(markdown(table) + "\n" + markdown(sources), encoding="utf-8")
    (folder / "agreement.md").write_text(markdown(agree), encoding="utf-8")
    return "\n".join((markdown(table), markdown(sources), markdown(agree)))


def command_rows(folder: Path, student: str, replay_system: str) -> list[dict]:
    """`llm-prune hint` itself (`evaluation.hint_command.write_hint`: the sandbox run, the
    diagnosis, the student's greedy hint through the verifier, the facts hint) on every
    program of the folder's cases, each row compared with `replay_system`'s replayed hint
    in ``hints.jsonl`` (the replay cannot see whether the token cap cut a hint; the command
    rejects such hints) and marked where no reader labelled its text."""
    from tqdm import tqdm

    from .hint_command import write_hint

    replay = {
        r["id"]: r for r in read_jsonl(folder / "hints.jsonl") if r["system"] == replay_system
    }
    labelled = {(r["id"], r["hint"]) for r in read_jsonl(folder / "unique.jsonl")}
    rows = []
    for case in tqdm(read_jsonl(folder / "cases.jsonl"), desc="hint"):
        report = write_hint(case["code"], case.get("stdin") or "", student=student)
        rows.append(
            {"id": case["id"], "source": report.source, "rule": report.rule}
            | {"seconds": round(report.seconds, 2), "hint": report.hint}
            | {"same_as_replay": report.hint == replay[case["id"]]["hint"]}
            | {"labelled": (case["id"], report.hint) in labelled}
        )
    return rows


def write_blind_packets(
    folder: Path, per_packet: int, seed: int, second_programs: int = 0
) -> dict[str, int]:
    """``unique.jsonl`` and the blind packets (``packets/``, ``blind.json``) of a folder's
    ``hints.jsonl``; with `second_programs` N, every text of N seeded programs again in
    ``packets-agreement/`` for a second reader. Refuses to overwrite a read."""
    import random

    from .labelset import write_jsonl, write_packets

    if (folder / "packets").exists():
        raise FileExistsError(f"{folder / 'packets'} exists: a read is never overwritten")
    cases = {case["id"]: case for case in read_jsonl(folder / "cases.jsonl")}
    unique = unique_texts(read_jsonl(folder / "hints.jsonl"))
    write_jsonl(folder / "unique.jsonl", unique)
    blind = write_packets(cases, unique, folder / "packets", per_packet, seed)
    (folder / "packets" / "blind.json").write_text(json.dumps(blind, indent=1) + "\n")
    counts = {"texts": len(unique), "packets": len(list((folder / "packets").glob("*.txt")))}
    if second_programs:
        chosen = set(random.Random(seed).sample(sorted(cases), second_programs))
        again = [u for u in unique if u["id"] in chosen]
        second = write_packets(cases, again, folder / "packets-agreement", len(again), seed + 1)
        (folder / "packets-agreement" / "blind.json").write_text(
            json.dumps(second, indent=1) + "\n"
        )
        counts["second_texts"] = len(again)
    return counts
