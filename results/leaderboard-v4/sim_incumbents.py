"""learned24's table: bench/agent_sim.py's CSVs (``--incumbents``) as mean held-out KL /
uniform per agent and budget, and each incumbent minus ``observed`` and minus evolution,
paired by seed (mean ± standard error, (seeds where it is lower / higher))::

    python results/leaderboard-v4/sim_incumbents.py results/leaderboard-v4/sim-learned24/*.csv
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np


def paired(mine: dict, other: dict) -> str:
    seeds = sorted(set(mine) & set(other))
    diff = np.array([mine[s] - other[s] for s in seeds])
    error = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
    lower, higher = int((diff < 0).sum()), int((diff > 0).sum())
    return f"{diff.mean():+.4f} ± {error:.4f} ({lower}/{higher})"


def table(path: Path) -> list[str]:
    values: dict = defaultdict(dict)  # (agent, budget) -> seed -> KL / uniform
    with open(path) as handle:
        for row in csv.DictReader(handle):
            key = (row["agent"], int(row["budget"]))
            values[key][int(row["seed"])] = float(row["kl_over_uniform"])
    observed = "surrogate-evo[observed]"
    lines = []
    for agent, budget in values:
        mine = values[agent, budget]
        cells = [path.stem, agent, str(budget), f"{np.mean(list(mine.values())):.4f}"]
        for reference in (observed, "evolution"):
            other = values.get((reference, budget))
            cells.append(paired(mine, other) if other and reference != agent else "")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    print("| setting | agent | budget | mean | minus observed | minus evolution |")
    print("|---|---|---|---|---|---|")
    for name in sys.argv[1:]:
        print("\n".join(table(Path(name))))


if __name__ == "__main__":
    main()
