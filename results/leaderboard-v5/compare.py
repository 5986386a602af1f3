"""The RL agents around the sensitivity plan on the magnitude-20% row, beside evolution.

Reads each seed's `anytime.csv`: `sb3-ppo-prior` and `sb3-a2c-prior` here (session K),
`a2c-prior` from `../leaderboard-v3/`, evolution from
`../leaderboard-v2/`. Writes `compare.csv` (held-out KL / uniform per agent and budget:
mean, standard deviation and number of seeds) and `anytime.png`.

    python results/leaderboard-v5/compare.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).parent
SOURCES = {  # agent -> (board folder, glob of its per-seed curves)
    "sb3-ppo-prior": (HERE, "sb3-ppo-prior-s*/target20/*/*/seed*/anytime.csv"),
    "sb3-a2c-prior": (HERE, "sb3-a2c-prior-s*/target20/*/*/seed*/anytime.csv"),
    "a2c-prior": (HERE.parent / "leaderboard-v3", "rl-s*/target20/*/*/seed*/anytime.csv"),
    "evolution": (HERE.parent / "leaderboard-v2", "target20/evolution/*/seed*/anytime.csv"),
}


def curves() -> pd.DataFrame:
    """One row per (agent, seed, budget)."""
    frames = [
        pd.read_csv(path).assign(agent=agent)
        for agent, (root, pattern) in SOURCES.items()
        for path in sorted(root.glob(pattern))
    ]
    return pd.concat(frames)[["agent", "seed", "episodes_budget", "kl_ratio", "wall_seconds"]]


def main() -> None:
    table = (
        curves()
        .groupby(["agent", "episodes_budget"], sort=False)["kl_ratio"]
        .agg(["mean", "std", "count"])
        .round(3)
        .reset_index()
    )
    table.to_csv(HERE / "compare.csv", index=False)
    print(table.pivot(index="agent", columns="episodes_budget", values="mean").to_string())
    fig, axis = plt.subplots(figsize=(6.5, 4))
    for agent, rows in table.groupby("agent", sort=False):
        axis.errorbar(rows["episodes_budget"], rows["mean"], yerr=rows["std"], marker="o",
                      capsize=3, label=agent)  # fmt: skip
    axis.axhline(0.55, color="grey", linestyle=":", label="issue 20's RL target (0.55x)")
    axis.set(xscale="log", xlabel="episodes", ylabel="held-out KL / uniform (mean of seeds)",
             title="Magnitude 20%: RL agents around the sensitivity plan")  # fmt: skip
    axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(HERE / "anytime.png", dpi=120)


if __name__ == "__main__":
    main()
