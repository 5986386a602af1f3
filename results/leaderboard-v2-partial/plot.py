"""Anytime plots of the partial run: `python results/leaderboard-v2-partial/plot.py`."""

import csv
from pathlib import Path

from evaluation.plots import plot_anytime

HERE = Path(__file__).parent
TITLES = {"target20": "magnitude, 20% of prunable weights", "target50-wanda": "Wanda, 50%"}
for row, title in TITLES.items():
    rows = [
        r
        for path in sorted((HERE / row).glob("*/*/seed*/anytime.csv"))
        for r in csv.DictReader(path.open())
    ]
    plot_anytime(rows, HERE / f"anytime-{row}.png", f"{title} (seed 0, partial run)")
