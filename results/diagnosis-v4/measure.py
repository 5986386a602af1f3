"""The diagnosis widened on set 4 (task diag5): fires and right, before and after, on sets
1-3, set 4 (a development set now) and the injected corpus bugs.

    PYTHONPATH=. python results/diagnosis-v4/measure.py              # sets 1-4, seconds
    PYTHONPATH=. python results/diagnosis-v4/measure.py --injected   # + 1346 injected bugs

Before = main at ``BASE``: its package is taken from git (``git archive``) into a temporary
folder and run in a subprocess on the same cases, so both columns are computed here. Right,
before: sets 1-3 as ``../diagnosis-v3/measure.py`` judges them (``../diagnosis-v2/``, the
blind set-3 labels, ``../diagnosis-v3/judgement.csv``), set 4 as the blind readers labelled
`hint`'s diagnosis in ``../hint-labels-v5/labels.csv`` (identifies). Right, after: a text
unchanged from before keeps that judgement; every new or changed one must be read in
``judgement.csv`` here (against the case's ``bug`` and ``cause_line``; one reader who wrote
the rules, not blind), else the script stops. An injected bug's diagnosis is right if it
names the injected line (``../diagnosis-v2/injected.py``'s ``names_line``). Writes
``summary.md``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from llm_prune_gym.diagnosis import diagnose

HERE = Path(__file__).parent
RESULTS = HERE.parent
ROOT = RESULTS.parent
BASE = "4dcfa39"  # main before this task
sys.path.insert(0, str(RESULTS / "diagnosis-v2"))  # for its injected.py
_SPEC = importlib.util.spec_from_file_location("measure_v3", RESULTS / "diagnosis-v3/measure.py")
v3 = importlib.util.module_from_spec(_SPEC)  # type: ignore[arg-type]
_SPEC.loader.exec_module(v3)  # type: ignore[union-attr]  (its sets and judgements)

SETS = {**v3.SETS, "set 4, hand-written (80, dev now)": (RESULTS / "hint-labels-v5", "realstyle")}
_RUN_BASE = """
import json, sys
from llm_prune_gym.diagnosis import diagnose
out = []
for code, error in json.load(sys.stdin):
    found = diagnose(code, error)
    out.append(None if found is None else [found.rule, found.line, found.hint])
json.dump(out, sys.stdout)
"""


def base_diagnoses(pairs: list[tuple[str, str]]) -> list[tuple[str, int, str] | None]:
    """Main's (``BASE``) diagnoses of (code, error output) pairs, run from a git archive."""
    archive = subprocess.run(
        ["git", "archive", BASE, "llm_prune_gym"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        tarfile.open(fileobj=BytesIO(archive)).extractall(folder, filter="data")
        done = subprocess.run(
            [sys.executable, "-c", _RUN_BASE],
            cwd=folder,  # `python -c` puts the working folder first on its path
            input=json.dumps(pairs),
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": folder, "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
        ).stdout
    return [None if f is None else tuple(f) for f in json.loads(done)]  # type: ignore[misc]


def old_judgements() -> dict[str, dict[str, bool]]:
    """id -> {hint text: right} for every diagnosis judged before this task."""
    judged: dict[str, dict[str, bool]] = {}
    for key, (hint, right) in v3.before().items():
        judged.setdefault(key, {})[hint] = right
    folder = RESULTS / "hint-labels-v5"
    labels = {r["key"]: r["identifies"] == "yes" for r in v3.read_csv(folder / "labels.csv")}
    for row in map(json.loads, (folder / "hints.jsonl").open()):
        if row["system"] == "hint" and row["source"] == "diagnosis":
            judged.setdefault(row["id"], {})[row["hint"]] = labels[row["key"]]
    return judged


def hand_written() -> tuple[list[str], list[dict]]:
    judged = old_judgements()
    diag4 = {
        r["id"]: r["right"] == "yes"
        for r in v3.read_csv(RESULTS / "diagnosis-v3" / "judgement.csv")
    }
    mine = {r["id"]: r["right"] == "yes" for r in v3.read_csv(HERE / "judgement.csv")}
    lines, rows = [], []
    for name, (folder, origin) in SETS.items():
        cases = [json.loads(line) for line in (folder / "cases.jsonl").open()]
        cases = [c for c in cases if c.get("origin", "injector") == origin]
        olds = base_diagnoses([(c["code"], c["error_output"]) for c in cases])
        counts = [0, 0, 0, 0]  # fired and right, before and after
        for case, old in zip(cases, olds, strict=True):
            was = None
            if old is not None:
                was = judged.get(case["id"], {}).get(old[2], diag4.get(case["id"]))
                if was is None:
                    raise SystemExit(f"{case['id']}: main's diagnosis has no judgement")
                counts[0] += 1
                counts[1] += was
            found = diagnose(case["code"], case["error_output"])
            if found is None:
                continue
            counts[2] += 1
            if old is not None and old[2] == found.hint:
                counts[3] += was  # type: ignore[operator]
                continue
            if case["id"] not in mine:
                raise SystemExit(f"{case['id']}: a new diagnosis, not judged: read it first")
            counts[3] += mine[case["id"]]
            rows.append({"id": case["id"], "rule": found.rule, "line": found.line,
                         "cause_line": case.get("cause_line") or case["line"],
                         "before": old[0] if old else "-",
                         "right": mine[case["id"]], "hint": found.hint})  # fmt: skip
        lines.append(
            f"| {name} | {counts[0]} / {counts[1]} | {counts[2]} / {counts[3]} | "
            f"{v3.percent(counts[3], counts[2])} |"
        )
    return lines, rows


def injected() -> tuple[str, list[str]]:
    """The injected corpus bugs of ../diagnosis-v2/injected.py, before and after."""
    import random

    from injected import BUGS, LIMITS, PROGRAMS, SEEDS, names_line  # noqa: E402

    from finetune.build import to_case
    from finetune.corpus import load_corpus, select_programs
    from finetune.kinds import candidates
    from finetune.sandbox import run_program

    bugs, pairs = [], []
    for seed in SEEDS:  # the same bugs, in the same order, as injected.diagnosed_bugs
        programs = select_programs(load_corpus(), seed, None, PROGRAMS)
        found = candidates(programs, seed, per_kind=1)
        random.Random(seed).shuffle(found)
        for bug in found[:BUGS]:
            case = to_case(bug, run_program(bug.code, bug.stdin, LIMITS))
            if case is not None:
                bugs.append(bug)
                pairs.append((bug.code, case.error_output))
    olds = base_diagnoses(pairs)
    counts, changed = [0, 0, 0, 0], []
    for bug, (code, error), old in zip(bugs, pairs, olds, strict=True):
        found = diagnose(code, error)
        old_named = old is not None and (old[1] == bug.line or f"line {bug.line}" in old[2])
        counts[0] += old is not None
        counts[1] += old_named
        counts[2] += found is not None
        counts[3] += found is not None and names_line(bug, found)
        if found is not None and (old is None or old[2] != found.hint):
            mark = "names it" if names_line(bug, found) else "DOES NOT name it"
            changed.append(f"- {found.rule} (was {old[0] if old else '-'}): line {found.line}, "
                           f"injected line {bug.line}, {mark}")  # fmt: skip
        elif found is None and old is not None:
            changed.append(f"- no longer fires (was {old[0]}), injected line {bug.line}")
    row = (
        f"| injected corpus bugs ({len(bugs)}; right = names the injected line) | "
        f"{counts[0]} / {counts[1]} | {counts[2]} / {counts[3]} | "
        f"{v3.percent(counts[3], counts[2])} |"
    )
    return row, changed


def main() -> None:
    table, rows = hand_written()
    changed: list[str] = []
    if "--injected" in sys.argv:
        row, changed = injected()
        table.append(row)
    write_summary(HERE, "The diagnosis widened on set 4 (task diag5)", table, rows, changed, "1-4")


def write_summary(
    folder: Path, title: str, table: list[str], rows: list[dict], changed: list[str], sets: str
) -> None:
    """`folder`/summary.md (and stdout): the before/after table, the judged diagnoses."""
    right = {True: "yes", False: "no"}
    lines = [
        f"# {title}",
        "",
        f"`PYTHONPATH=. python results/{folder.name}/measure.py --injected`; see its docstring.",
        "",
        "| programs | before: fires / right | after: fires / right | right of fired (after) |",
        "|---|---|---|---|",
        *table,
        "",
        f"New or changed diagnoses on sets {sets} (judged in `judgement.csv`):",
        "",
        "| id | rule (before) | rule | line | cause line | right |",
        "|---|---|---|---|---|---|",
        *[
            f"| {r['id']} | {r['before']} | {r['rule']} | {r['line']} | {r['cause_line']} | "
            f"{right.get(r['right'], r['right'])} |"
            for r in rows
        ],
    ]
    if changed:
        lines += ["", "New or changed diagnoses on the injected bugs:", "", *changed]
    (folder / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
