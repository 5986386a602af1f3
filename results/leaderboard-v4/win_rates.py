"""How often do evolution's and surrogate-evo's children beat their parent on the real rows?

Reads every seed's `metrics.csv` (or `.csv.gz`) of evolution and surrogate-evo under
`../leaderboard-v2/` and here. Both agents are (1 + 4) searches from uniform pruning whose
parent is the best plan scored so far, so a child's parent KL is the best KL before its
generation (episode 1 is uniform, then generations of 4). Per row, agent and phase
(episodes 2-100, 101-500, 501-2000), means over seeds of: the share of children below
their parent's KL and the median child's log KL over its parent's; and the calibration
KL / uniform's of the best plan at 100 / 500 / 2,000 episodes.

    python results/leaderboard-v4/win_rates.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
PHASES = ((2, 100), (101, 500), (501, 2000))
AGENTS = ("evolution", "surrogate-evo")


def child_steps(kls: np.ndarray) -> np.ndarray:
    """Each child's log KL over its parent's (the best KL before its generation)."""
    best = np.minimum.accumulate(kls)
    children = np.arange(1, len(kls))
    first_of_generation = 1 + ((children - 1) // 4) * 4
    return np.log(kls[children] / best[first_of_generation - 1])


def seed_row(path: Path) -> dict:
    """One seed's win rates and medians per phase, and its best calibration KL ratios."""
    kls = pd.read_csv(path)["kl"].to_numpy()
    steps = child_steps(kls)
    row = {}
    for first, last in PHASES:
        phase = steps[first - 2 : last - 1]
        if len(phase):
            row[f"win {first}-{last}"] = float(np.mean(phase < 0))
            row[f"median {first}-{last}"] = float(np.median(phase))
    best = np.minimum.accumulate(kls) / kls[0]
    for budget in (100, 500, 2000):
        if len(kls) >= budget:
            row[f"best cal @{budget}"] = float(best[budget - 1])
    return row


def main() -> None:
    rows = []
    for board in ("leaderboard-v2", "leaderboard-v4"):
        for path in sorted((HERE.parent / board).glob("**/seed*/metrics.csv*")):
            agent = path.parts[-3]
            if agent in AGENTS:
                target = next(part for part in path.parts if part.startswith("target"))
                rows.append({"row": target, "agent": agent, "board": board, **seed_row(path)})
    table = pd.DataFrame(rows).groupby(["row", "agent", "board"]).mean(numeric_only=True)
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
