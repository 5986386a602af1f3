"""learned24's table: bench/agent_sim.py's CSVs (``--incumbents``) as mean held-out KL /
uniform per agent and budget, and each incumbent minus ``observed`` and minus evolution,
paired by seed (mean ± standard error, (seeds where it is lower / higher))::

    cd results/leaderboard-v4/sim-learned24
    python ../sim_incumbents.py *.csv               # every incumbent, minus observed / evolution
    python ../sim_incumbents.py --compact *.csv     # learned24's table
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


def compact(path: Path, kinds=("model:20", "blend:20")) -> list[str]:
    """One line per budget: the means of evolution, observed, ``kinds`` and ``model:0``,
    then each of `kinds` minus observed, paired."""
    values: dict = defaultdict(dict)
    with open(path) as handle:
        for row in csv.DictReader(handle):
            values[row["agent"], int(row["budget"])][int(row["seed"])] = float(
                row["kl_over_uniform"]
            )
    lines = []
    for budget in sorted({b for _, b in values}):
        agents = ["evolution", "observed", *kinds, "model:0"]
        means = []
        for agent in agents:
            key = agent if agent == "evolution" else f"surrogate-evo[{agent}]"
            means.append(f"{np.mean(list(values[key, budget].values())):.3f}")
        observed = values["surrogate-evo[observed]", budget]
        diffs = [paired(values[f"surrogate-evo[{k}]", budget], observed) for k in kinds]
        lines.append("| " + " | ".join([path.stem, str(budget), *means, *diffs]) + " |")
    return lines


def main() -> None:
    if sys.argv[1] == "--compact":
        print(
            "| setting | budget | evolution | observed | model:20 | blend:20 | model:0 "
            "| model:20 - observed | blend:20 - observed |"
        )
        print("|---" * 9 + "|")
        for name in sys.argv[2:]:
            print("\n".join(compact(Path(name))))
        return
    print("| setting | agent | budget | mean | minus observed | minus evolution |")
    print("|---|---|---|---|---|---|")
    for name in sys.argv[1:]:
        print("\n".join(table(Path(name))))


if __name__ == "__main__":
    main()
