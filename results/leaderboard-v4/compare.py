"""Leaderboard v4 beside v2 and v3: held-out KL / uniform at 100 / 500 / 2,000 episodes.

Reads every `anytime.csv` of a seed under `../leaderboard-v2/` (evolution, surrogate),
`../leaderboard-v3/` (surrogate-evo without the adaptive mix; its a2c-prior runs are left out)
and here (surrogate-evo with the adaptive mix, evolution on Wanda 20%; `noise02/`: surrogate-evo
with `noise_sd` 0.02, labelled apart). Writes `compare.csv`
(per seed, the mean over the seeds that reached each budget, and how many), `paired.csv`
(v4 surrogate-evo minus evolution on the seeds both have: evolution is seeded, so v2's and
v4's evolution agree at 100 and 500 episodes; `paired-noise02.csv` the same for noise_sd 0.02)
`paired-noise02-c128.csv` for noise_sd 0.02 with 128 candidates (`noise02-c128/`, session I)
and `anytime.png` (one panel per row).
Per-seed files only: two v4 rows have no `runs.csv` (seed 2 stopped at 500 episodes).

    python results/leaderboard-v4/compare.py
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
BOARDS = {"leaderboard-v2": "v2", "leaderboard-v3": "v3", "leaderboard-v4": "v4"}
NEW = "surrogate-evo (v4)"
NOISE = "surrogate-evo noise_sd 0.02 (v4)"  # noise02/: one seed per folder, session G
# noise02-c128/: noise_sd 0.02 and 128 candidates (learned23's one untested sim variant), session I
WIDE = "surrogate-evo noise_sd 0.02, 128 candidates (v4)"
TAILS = {"noise02": " noise_sd 0.02 (v4)", "noise02-c128": " noise_sd 0.02, 128 candidates (v4)"}


def seed_curves() -> pd.DataFrame:
    """One row per (board, row, agent, seed, budget); agent named with its board."""
    frames = []
    for root, board in BOARDS.items():
        for path in (HERE.parent / root).glob("**/seed*/anytime.csv"):
            if board == "v3" and "a2c-prior" in path.parts:
                continue
            row = next(part for part in path.parts if part in ROWS)
            frame = pd.read_csv(path)
            tail = next((TAILS[p] for p in path.parts if p in TAILS), f" ({board})")
            label = frame["agent"] + tail
            frames.append(frame.assign(row=ROWS[row], board=board, agent=label))
    return pd.concat(frames)


def per_seed_table(curves: pd.DataFrame) -> pd.DataFrame:
    """Seeds as columns beside their mean and count (a missing seed stays empty)."""
    keys = ["row", "agent", "episodes_budget"]
    seeds = curves.pivot_table(index=keys, columns="seed", values="kl_ratio")
    seeds.columns = [f"seed{s}" for s in seeds.columns]
    stats = curves.groupby(keys)["kl_ratio"].agg(["mean", "count"])
    return seeds.join(stats).round(3).reset_index()


def paired(curves: pd.DataFrame, agent: str = NEW) -> pd.DataFrame:
    """`agent` minus evolution, seed for seed (v4's evolution where it exists)."""
    keys = ["row", "seed", "episodes_budget"]
    new = curves[curves["agent"] == agent].set_index(keys)["kl_ratio"]
    evo = curves[curves["agent"].str.startswith("evolution")]
    evo = evo.sort_values("board").drop_duplicates(keys, keep="last").set_index(keys)
    both = pd.DataFrame({"surrogate_evo": new, "evolution": evo["kl_ratio"]}).dropna()
    both["difference"] = both["surrogate_evo"] - both["evolution"]
    return both.round(4).reset_index()


def _style(agent: str) -> dict:
    """The new agent thick; v4's evolution dashed, so v2's identical curve shows under it."""
    dashed = "v4" in agent and agent != NEW
    return {"linewidth": 2.8 if agent == NEW else 1.2, "linestyle": "--" if dashed else "-"}


def plot(curves: pd.DataFrame, path: Path) -> None:
    """Mean per agent (lines) and each seed (dots), one panel per row, legend in the sixth."""
    figure, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    agents = sorted(curves["agent"].unique())
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"][: len(agents)]
    colours = dict(zip(agents, palette, strict=True))
    for axis, row in zip(axes.flat[: len(ROWS)], ROWS.values(), strict=True):
        for agent, frame in curves[curves["row"] == row].groupby("agent"):
            means = frame.groupby("episodes_budget")["kl_ratio"].mean()
            colour = colours[agent]
            axis.plot(means.index, means, marker="o", color=colour, **_style(agent))
            axis.scatter(frame["episodes_budget"], frame["kl_ratio"], s=9, alpha=0.4, color=colour)
        axis.set_xscale("log")
        axis.set_xticks([100, 500, 2000], ["100", "500", "2000"])
        axis.set_title(f"SmolLM2, {row}")
        axis.set_xlabel("episodes")
        axis.set_ylabel("held-out KL / uniform")
        axis.grid(alpha=0.3)
    handles = [plt.Line2D([], [], color=colours[a], marker="o", **_style(a)) for a in agents]
    axes.flat[-1].legend(handles, agents, loc="center", title="lines: mean of seeds; dots: seeds")
    axes.flat[-1].axis("off")
    figure.suptitle("Leaderboard v4 (H200): anytime held-out KL / uniform, lower is better")
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def main() -> None:
    curves = seed_curves()
    table = per_seed_table(curves)
    table.to_csv(HERE / "compare.csv", index=False)
    print(table.pivot_table(index=["row", "agent"], columns="episodes_budget", values="mean"))
    pairs = paired(curves)
    pairs.to_csv(HERE / "paired.csv", index=False)
    summary = pairs.groupby(["row", "episodes_budget"])["difference"].agg(["mean", "count"])
    print("v4 surrogate-evo minus evolution, same seeds:\n", summary.round(3))
    noise = paired(curves, NOISE)
    noise.to_csv(HERE / "paired-noise02.csv", index=False)
    summary = noise.groupby(["row", "episodes_budget"])["difference"].agg(["mean", "count"])
    print("noise_sd 0.02 minus evolution, same seeds:\n", summary.round(3))
    wide = paired(curves, WIDE)
    wide.to_csv(HERE / "paired-noise02-c128.csv", index=False)
    summary = wide.groupby(["row", "episodes_budget"])["difference"].agg(["mean", "count"])
    print("noise_sd 0.02 with 128 candidates minus evolution, same seeds:\n", summary.round(3))
    plot(curves, HERE / "anytime.png")


if __name__ == "__main__":
    main()
