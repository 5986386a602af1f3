"""The hand-labelled hint set: cases, hints, reading packets and labels.

Three files under one folder (``results/hint-labels/``):

- ``cases.jsonl``: one buggy program a line, in a format ``eval-hints`` and ``grade``
  read, with ``origin`` (``injector``: made by ``finetune.bugs`` from a corpus program;
  ``realstyle``: a hand-written novice program), ``bug`` (the actual cause and its line,
  in words, written when the case was made), ``source`` and ``licence``;
- ``hints.jsonl``: ``{"key", "id", "student", "hint"}``: ``id`` is the case's id, ``key``
  is ``ID|STUDENT`` and names the hint everywhere else;
- ``labels.csv``: one row per key with the rubric's items (``docs/hint-rubric.md``).

``packets`` writes the reading packets a labeller works from: each hint with its
program (numbered lines), stdin, the error output Python printed and the actual cause,
and nothing from any grader.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from .agreement import half_of
from .grader import GroundTruth, grade, truth_from_fix, with_cause

LABEL_FIELDS = ("key", "identifies", "misleading", "gives_away", "helpful", "clear", "note")
YES_NO_ITEMS = ("identifies", "misleading", "gives_away")


def hint_key(case_id: str, student: str) -> str:
    return f"{case_id}|{student}"


def injector_bug(record: dict) -> str:
    """The actual cause of an injected bug, in words, from its data-build record."""
    line, kind = record["line"], record["error_kind"].replace("_", " ")
    broken, fixed = record["broken_line"].rstrip(), record["original_line"].rstrip()
    if broken.strip() == fixed.strip():  # an indentation bug: show the indentation
        return (
            f"Line {line} ({kind}): the line is indented by {len(broken) - len(broken.lstrip())}"
            f" spaces; it should be indented by {len(fixed) - len(fixed.lstrip())}:"
            f" `{fixed.strip()}`."
        )
    if not broken.strip():
        return f"Line {line} ({kind}): the line `{fixed.strip()}` is missing or wrong."
    return (
        f"Line {line} ({kind}): the student wrote `{broken.strip()}`; correct is `{fixed.strip()}`."
    )


def injector_case(record: dict) -> dict:
    """A data-build test line as a labelled-set case (the teacher's hints left out)."""
    keep = (
        "id", "prompt", "error_kind", "exception", "line", "reported_line", "original_line",
        "broken_line", "token", "program_id", "code", "stdin", "error_output", "fixed_code",
    )  # fmt: skip
    case = {key: record[key] for key in keep if key in record}
    return case | {
        "origin": "injector",
        "bug": injector_bug(record),
        "source": f"finetune/bugs.py injector on corpus program {record['program_id']}",
        "licence": "MIT (this repository)",
    }


def numbered(code: str) -> str:
    return "\n".join(f"{n:>3} | {line}" for n, line in enumerate(code.splitlines(), start=1))


def packet_text(case: dict, key: str, hint: str) -> str:
    """What a labeller reads for one hint (no grader output)."""
    parts = [
        f"=== HINT {key}",
        "--- program (line numbers added)",
        numbered(case["code"]),
        f"--- stdin\n{case.get('stdin', '') or '(none)'}",
        f"--- error output\n{case['error_output'].rstrip()}",
        f"--- actual cause\n{case['bug']}",
        f"--- hint\n{hint if hint.strip() else '(empty)'}",
        "",
    ]
    return "\n".join(parts)


def write_packets(
    cases: dict[str, dict], hints: Sequence[dict], out: Path, per_packet: int, seed: int = 0
) -> dict[str, str]:
    """Blind reading packets of about `per_packet` hints each; returns ``{blind id: key}``.

    A labeller reads every hint of a program together (for consistent labels) but not
    which student wrote it: hints are shown as ``H001``, ``H002``, ... in a seeded
    shuffled order of programs and of the hints within each program.
    """
    by_case: dict[str, list[dict]] = {}
    for hint in sorted(hints, key=lambda h: h["key"]):
        by_case.setdefault(hint["id"], []).append(hint)
    rng = random.Random(seed)
    order = sorted(by_case)
    rng.shuffle(order)
    out.mkdir(parents=True, exist_ok=True)
    blind: dict[str, str] = {}
    packet: list[str] = []

    def flush() -> None:
        if packet:
            path = out / f"packet-{len(list(out.glob('packet-*.txt'))) + 1:02d}.txt"
            path.write_text("\n".join(packet), encoding="utf-8")
            packet.clear()

    for case_id in order:
        group = by_case[case_id]
        rng.shuffle(group)
        for hint in group:
            name = f"H{len(blind) + 1:03d}"
            blind[name] = hint["key"]
            packet.append(packet_text(cases[case_id], name, hint["hint"]))
        if len(packet) >= per_packet:
            flush()
    flush()
    return blind


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _yes_no(value: str, where: str) -> bool:
    text = value.strip().lower()
    if text in ("yes", "y", "1", "true"):
        return True
    if text in ("no", "n", "0", "false"):
        return False
    raise ValueError(f"{where}: expected yes or no, got {value!r}")


def _score(value: str, where: str) -> int:
    if value.strip() not in {"1", "2", "3", "4", "5"}:
        raise ValueError(f"{where}: expected a score 1-5, got {value!r}")
    return int(value)


def read_labels(path: Path) -> dict[str, dict]:
    """``labels.csv`` as ``{key: {item: value}}``; a malformed cell names its row."""
    labels: dict[str, dict] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path}, row {number}"
            key = row["key"].strip()
            if key in labels:
                raise ValueError(f"{where}: {key} is labelled twice")
            labels[key] = {item: _yes_no(row[item], where) for item in YES_NO_ITEMS} | {
                "helpful": _score(row["helpful"], where),
                "clear": _score(row["clear"], where),
                "note": row.get("note", ""),
            }
    return labels


def realstyle_case(record: dict, error_output: str, exception: str) -> dict:
    """A hand-written program with the error output the sandbox recorded for it."""
    fields = ("id", "code", "stdin", "fixed_code", "bug", "cause_line", "source", "licence")
    return {key: record[key] for key in fields} | {
        "origin": "realstyle",
        "error_output": error_output,
        "exception": exception,
    }


def sandbox_realstyle_cases(records: Sequence[dict]) -> list[dict]:
    """Runs hand-written records in the sandbox once: their cases with what Python printed.

    ValueError naming the first record whose program no longer ends in its recorded
    exception at its recorded line (or times out).
    """
    from finetune.sandbox import Job, Limits, error_output, run_many  # the sandbox only here

    results = run_many([Job(r["code"], r["stdin"], Limits(timeout=5.0)) for r in records])
    cases = []
    for record, result in zip(records, results, strict=True):
        seen = (result.exception, result.line)
        if seen != (record["exception"], record["error_line"]) or result.timed_out:
            raise ValueError(f"{record['id']}: the sandbox saw {seen}, the record says otherwise")
        cases.append(realstyle_case(record, error_output(result), result.exception))
    return cases


def write_realstyle_cases(data: Path, out: Path) -> int:
    """Writes the cases of the hand-written set `data` to `out`; how many (ValueError as above)."""
    cases = sandbox_realstyle_cases(read_jsonl(data))
    write_jsonl(out, cases)
    return len(cases)


def build_cases_script(data: Path, out: Path) -> None:
    """What each set's ``build_cases.py`` does: write the cases, print their count as JSON,
    and stop with the record's id (no traceback) if a program no longer fails as recorded."""
    try:
        count = write_realstyle_cases(data, out)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    print(json.dumps({"cases": count}))


def case_truth(case: dict) -> GroundTruth | None:
    """The grader's ground truth of a labelled-set case, with its error output."""
    if isinstance(case.get("line"), int):  # an injected bug: the injector knows the line
        truth = GroundTruth(
            lines=(case["line"],),
            fixed_lines=(case["original_line"],),
            broken_lines=(case["broken_line"],),
            token=case.get("token", ""),
            kind=case.get("error_kind", ""),
            exception=case.get("exception", ""),
            code=case["code"],
            fixed_code=case.get("fixed_code", ""),
        )
    else:
        truth = truth_from_fix(case["code"], case["fixed_code"], case.get("exception", ""))
    if truth is None:
        return None
    return replace(with_cause(truth, case), traceback=case["error_output"])


def agreement_table_rows(cases: dict[str, dict], hints: Sequence[dict], labels: dict) -> list[dict]:
    """One row per labelled hint: the grader's verdicts, the hand labels and the half."""
    rows = []
    for hint in hints:
        label = labels.get(hint["key"])
        if label is None:
            continue
        case = cases[hint["id"]]
        verdict = grade(hint["hint"], case_truth(case))
        rows.append(
            {
                "key": hint["key"],
                "student": hint["student"],
                "origin": case["origin"],
                "half": half_of(case["id"]),
                "grader_identifies": verdict.identifies_error,
                "grader_misleading": verdict.misleading,
                "grader_gives_away": verdict.gives_away,
                "evidence": "; ".join(verdict.evidence),
            }
            | {f"label_{item}": label[item] for item in YES_NO_ITEMS}
        )
    return rows


def label_rates(rows: Sequence[dict], labels: dict, groups: Sequence[str]) -> list[dict]:
    """Hand-label and grader rates (Wilson 95%) per group of labelled hints."""
    from .hints import wilson_interval

    keyed: dict[tuple, list[dict]] = {}
    for row in rows:
        keyed.setdefault(tuple(row[g] for g in groups), []).append(row)
    out = []
    for key, members in keyed.items():
        summary = dict(zip(groups, key, strict=True)) | {"n": len(members)}
        for item in YES_NO_ITEMS:
            for source in ("label", "grader"):
                yes = sum(bool(r[f"{source}_{item}"]) for r in members)
                rate, low, high = wilson_interval(yes, len(members))
                summary |= {f"{source}_{item}": rate, f"{source}_{item}_ci": (low, high)}
        for score in ("helpful", "clear"):
            summary[f"label_{score}"] = sum(labels[r["key"]][score] for r in members) / len(members)
        out.append(summary)
    return out


def check_grader(folder: Path, out: Path) -> dict:
    """``agreement.csv``/``.md`` and ``rates.csv``/``.md`` for a labelled-set folder."""
    from . import report
    from .agreement import agreement_rows

    cases = {c["id"]: c for c in read_jsonl(folder / "cases.jsonl")}
    hints = read_jsonl(folder / "hints.jsonl")
    labels = read_labels(folder / "labels.csv")
    rows = agreement_table_rows(cases, hints, labels)
    agreement = agreement_rows(rows)
    rates = label_rates(rows, labels, ("half", "origin", "student"))
    out.mkdir(parents=True, exist_ok=True)
    report.write_csv(out / "graded.csv", rows)
    report.write_csv(out / "agreement.csv", agreement)
    report.write_csv(out / "rates.csv", rates)

    def num(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    def pct(summary: dict, key: str) -> str:
        low, high = summary[f"{key}_ci"]
        return f"{summary[key]:.0%} [{low:.0%}, {high:.0%}]"

    agreement_md = report.markdown_table(
        ["half", "item", "n", "agreement", "precision", "recall", "kappa", "grader yes",
         "label yes"],
        [
            [r["half"], r["item"], r["n"], num(r["agreement"]), num(r["precision"]),
             num(r["recall"]), num(r["kappa"]), r["grader_yes"], r["label_yes"]]
            for r in agreement
        ],
    )  # fmt: skip
    rates_md = report.markdown_table(
        ["half", "origin", "student", "n", "identifies (hand)", "identifies (grader)",
         "misleading (hand)", "misleading (grader)", "gives away (hand)", "gives away (grader)",
         "helpful", "clear"],
        [
            [r["half"], r["origin"], r["student"], r["n"],
             pct(r, "label_identifies"), pct(r, "grader_identifies"),
             pct(r, "label_misleading"), pct(r, "grader_misleading"),
             pct(r, "label_gives_away"), pct(r, "grader_gives_away"),
             f"{r['label_helpful']:.2f}", f"{r['label_clear']:.2f}"]
            for r in sorted(rates, key=lambda r: (r["half"], r["origin"], r["student"]))
        ],
    )  # fmt: skip
    (out / "agreement.md").write_text(agreement_md + "\n", encoding="utf-8")
    (out / "rates.md").write_text(rates_md + "\n", encoding="utf-8")
    check = {r["item"]: r for r in agreement if r["half"] == "check"}
    return {"out": str(out), "hints": len(rows)} | {
        f"check_kappa_{item}": check[item]["kappa"] for item in check
    }
