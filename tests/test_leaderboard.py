"""The leaderboard command: its bench calls follow the protocol; the table ranks by score."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from agents.leaderboard import PROTOCOL, aggregate, bench_command_line, leaderboard_rows, target_dir
from llm_prune_gym.cli import ratio_grid
from llm_prune_gym.plan import PruningPlan
from llm_prune_gym.settings import DEFAULT_GRID


def test_ratio_grid_of_the_default_width_is_the_default_grid():
    assert ratio_grid(0.3) == tuple(DEFAULT_GRID)
    assert ratio_grid(0.6)[:3] == (0.0, 0.02, 0.04) and len(ratio_grid(0.6)) == 31
    with pytest.raises(ValueError, match="largest ratio"):
        ratio_grid(1.5)


def test_bench_call_carries_the_protocol(tmp_path):
    command = bench_command_line("a2c", 0.3, tmp_path / "a2c", PROTOCOL, ["--device", "cpu"])
    flags = range(3, len(command) - 1)
    value = {command[i]: command[i + 1] for i in flags if command[i].startswith("--")}
    assert value["--agents"] == "a2c" and value["--target-sparsity"] == "0.3"
    assert value["--episodes"] == str(PROTOCOL["episodes"])
    assert value["--max-ratio"] == str(PROTOCOL["max_ratio"])
    assert json.loads(value["--agent-kwargs"]) == {"a2c": PROTOCOL["agent_kwargs"]["a2c"]}
    assert "--resume" in command and command[-2:] == ["--device", "cpu"]
    assert "--agent-kwargs" not in bench_command_line("owl", 0.2, tmp_path, PROTOCOL)


def _write_runs(folder, agent, ratios, uniform=0.1):
    """A finished bench-agents folder: runs.csv and each seed's plan."""
    for seed in range(len(ratios)):
        PruningPlan(
            ratios=np.full((2, 2), 0.1 * (seed + 1)),
            unit_sizes=np.ones((2, 2)),
            total_params=8,
            modules=["q_proj", "up_proj"],
            criterion="magnitude",
        ).save(folder / agent / f"seed{seed}" / "plan.json")
    with (folder / "runs.csv").open("w", newline="") as out:
        writer = csv.DictWriter(
            out,
            ["agent", "seed", "episodes", "heldout_kl", "uniform_heldout_kl", "kl_ratio"]
            + ["wall_seconds"],
        )
        writer.writeheader()
        for seed, ratio in enumerate(ratios):
            writer.writerow(
                {
                    "agent": agent,
                    "seed": seed,
                    "episodes": 10,
                    "heldout_kl": ratio * uniform,
                    "uniform_heldout_kl": uniform,
                    "kl_ratio": ratio,
                    "wall_seconds": 1.0,
                }
            )


def test_table_scores_are_uniform_over_method_and_ranked(tmp_path):
    protocol = {**PROTOCOL, "targets": (0.2,)}
    _write_runs(target_dir(tmp_path, 0.2) / "good", "good", [0.5, 0.25])
    _write_runs(target_dir(tmp_path, 0.2) / "bad", "bad", [2.0, 2.0])
    table = aggregate(tmp_path, protocol, "llm-prune leaderboard --out x")
    assert [r["agent"] for r in table] == ["good", "bad"]
    assert table[0]["score_mean"] == pytest.approx(3.0)  # mean of 2 and 4
    assert table[0]["kl_ratio_best"] == pytest.approx(0.25)
    assert table[1]["score_sd"] == 0.0
    text = (tmp_path / "LEADERBOARD.md").read_text()
    assert "## Target 20%" in text and "| 1 | good | 3.00 ± 1.41" in text
    assert (tmp_path / "leaderboard.csv").is_file()
    assert (target_dir(tmp_path, 0.2) / "plan_good.png").is_file()  # its best seed's plan


def test_no_runs_is_an_error(tmp_path):
    with pytest.raises(SystemExit, match="no finished runs"):
        aggregate(tmp_path, PROTOCOL, "")
    assert leaderboard_rows([]) == []
