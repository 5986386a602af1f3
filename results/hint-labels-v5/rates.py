"""Hand-label rates and the grader's agreement on blind set 4 (issue 15's headline test).

Readers labelled each distinct hint text of a program once (`packets/`, ``blind.json``
mapping ``H001`` ids to ``unique.jsonl`` keys, each reader's ``labels-NN.csv``); a second
reader read every text of 16 seeded programs again (`packets-agreement/`). Every system's
hint (`hints.jsonl`, from `systems.py`) takes the label of its text
(`evaluation.blindread.write_rates`); ``hint-sft-command`` is the `hint` command itself
with the sft-v4 student on every program (``command-sft.jsonl``, from
`../hint-labels-v4/command.py --folder`). Writes ``labels.csv``, ``rates.md``/``.csv``
and ``agreement.md``/``.csv``.

    PYTHONPATH=. python results/hint-labels-v5/rates.py [--folder results/hint-labels-v6]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evaluation.blindread import write_rates

HERE = Path(__file__).resolve().parent
SYSTEMS = (
    "hint-sft",
    "hint-sft-command",
    "hint-sft-pruned-10.3",
    "hint",
    "hint-pruned-10.3",
    "no-student-hint",
    "sft-v4",
    "sft-v4-pruned-10.3",
    "base",
    "base-pruned-10.3",
)
COMMANDS = {"hint-sft-command": "command-sft.jsonl"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=HERE, help="the set's folder")
    parser.add_argument("--systems", help="comma-separated rows (default: the ten above)")
    parser.add_argument("--sources-of", default="hint-sft,hint", help="rows broken down by source")
    args = parser.parse_args()
    folder = args.folder
    commands = {k: v for k, v in COMMANDS.items() if (folder / v).is_file()}
    wanted = args.systems.split(",") if args.systems else SYSTEMS
    systems = [s for s in wanted if s not in COMMANDS or s in commands]
    print(write_rates(folder, systems, commands, args.sources_of.split(",")))


if __name__ == "__main__":
    main()
