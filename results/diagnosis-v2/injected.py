"""The widened diagnosis on bugs our injectors put into corpus programs (seeded, run in the
sandbox): per rule, how often it fires and how often it names the injected line (its cause
line is that line, or the hint says "line N"). A check that new rules do not misfire on
programs nobody read, not a measure of hints: the injected line is not always the cause
line a reader would name (a function without `return` is blamed on its `def`).

    PYTHONPATH=. python results/diagnosis-v2/injected.py   # about a minute on one core

Writes ``injected.md`` here.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from finetune.build import to_case
from finetune.corpus import load_corpus, select_programs
from finetune.kinds import candidates
from finetune.sandbox import Limits, run_program
from llm_prune_gym.diagnosis import Diagnosis, diagnose

HERE = Path(__file__).parent
SEEDS = (5, 11, 23)
PROGRAMS, BUGS = 300, 500  # programs sampled, bugs run per seed
LIMITS = Limits(timeout=1.0, max_lines=2000)


def diagnosed_bugs() -> Iterator[tuple[object, Diagnosis | None]]:
    """Every injected bug that fails as injected (seeds `SEEDS`), with its diagnosis or None."""
    for seed in SEEDS:
        programs = select_programs(load_corpus(), seed, None, PROGRAMS)
        bugs = candidates(programs, seed, per_kind=1)
        random.Random(seed).shuffle(bugs)
        for bug in bugs[:BUGS]:
            case = to_case(bug, run_program(bug.code, bug.stdin, LIMITS))
            if case is not None:
                yield bug, diagnose(bug.code, case.error_output)


def names_line(bug, found: Diagnosis) -> bool:
    """The diagnosis names the injected line (its cause line, or "line N" in its hint)."""
    return found.line == bug.line or f"line {bug.line}" in found.hint


def main() -> None:
    fired: Counter[str] = Counter()
    named: Counter[str] = Counter()
    cases = 0
    for bug, found in diagnosed_bugs():
        cases += 1
        if found is not None:
            fired[found.rule] += 1
            named[found.rule] += names_line(bug, found)
    lines = [
        "# The diagnosis on injected bugs (seeds " + ", ".join(map(str, SEEDS)) + ")",
        "",
        f"{cases} bugs that failed as injected; the diagnosis fires on {sum(fired.values())}, "
        f"names the injected line in {sum(named.values())}.",
        "",
        "| rule | fires | names the injected line |",
        "|---|---|---|",
        *[f"| {rule} | {n} | {named[rule]} |" for rule, n in fired.most_common()],
    ]
    (HERE / "injected.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
