"""Leaderboard v3 beside v2: held-out KL / uniform at 100 / 500 / 2,000 episodes per agent.

Reads every `anytime.csv` of a seed under `../leaderboard-v2/` (surrogate, evolution) and
here (surrogate-evo, a2c-prior); writes `compare.csv` (mean over the seeds that reached each
budget, and how many) and `anytime_magnitude20.png`.

    python results/leaderboard-v3/compare.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).parent
ROWS = {"target20": "magnitude 20%", "target30": "magnitude 30%", "target20-wanda": "wanda 20%",
        "target30-wanda": "wanda 30%", "target50-wanda": "wanda 50%"}  # fmt: skip


def seed_curves() -> pd.DataFrame:
    frames = []
    for root in (HERE.parent / "leaderboard-v2", HERE):
        for path in root.glob("**/seed*/anytime.csv"):
            row = next(part for part in path.parts if part in ROWS)
            frame = pd.read_csv(path)
            frames.append(frame.assign(row=ROWS[row], board=root.name))
    return pd.concat(frames)


def main() -> None:
    curves = seed_curves()
    table = (
        curves.groupby(["row", "agent", "episodes_budget"])["kl_ratio"]
        .agg(["mean", "count"])
        .round(3)
        .reset_index()
    )
    table.to_csv(HERE / "compare.csv", index=False)
    print(table.pivot_table(index=["row", "agent"], columns="episodes_budget", values="mean"))
    figure, axis = plt.subplots(figsize=(6, 4))
    magnitude20 = table[table["row"] == "magnitude 20%"]
    for agent, frame in magnitude20.groupby("agent"):
        seeds = "/".join(str(c) for c in frame["count"])
        axis.plot(
            frame["episodes_budget"], frame["mean"], marker="o", label=f"{agent} ({seeds} seeds)"
        )
    axis.set_xscale("log")
    axis.set_xlabel("episodes")
    axis.set_ylabel("held-out KL / uniform (mean of seeds)")
    axis.set_title("SmolLM2, magnitude 20% of prunable weights (H200)")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(HERE / "anytime_magnitude20.png", dpi=120)


if __name__ == "__main__":
    main()
