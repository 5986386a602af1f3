"""Hand-label rates and the grader's agreement on blind set 3 (issue 15's headline test).

Readers labelled each distinct hint text of a program once (`packets/`: the blind packets,
``blind.json`` mapping their ``H001`` ids to ``unique.jsonl`` keys, and each reader's
``labels-NN.csv``). Every system's hint (`hints.jsonl`, from `systems.py`) takes the label
of its text (`evaluation.blindread.write_rates`). Writes:

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

from pathlib import Path

from evaluation.blindread import write_rates

HERE = Path(__file__).resolve().parent
SYSTEMS = (
    "hint",
    "hint-command",
    "hint-pruned-10.3",
    "no-student-hint",
    "base",
    "base-pruned-10.3",
)

if __name__ == "__main__":
    print(write_rates(HERE, SYSTEMS, {"hint-command": "command-hints.jsonl"}, ("hint",)))
