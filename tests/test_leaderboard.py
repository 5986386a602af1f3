"""The leaderboard: the protocol turns into settings objects, runs in-process, ranks by score."""

from __future__ import annotations

import csv
import dataclasses
import json

import numpy as np
import pytest

from agents.settings import A2CSettings, TrainSettings
from evaluation.bench_agents import anytime_run
from evaluation.leaderboard import (
    PROTOCOL,
    Protocol,
    Row,
    aggregate,
    build_board,
    leaderboard_rows,
    select,
)
from llm_prune_gym import LLMPruneEnv
from llm_prune_gym.cli import ratio_grid
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.plan import PruningPlan
from llm_prune_gym.settings import DEFAULT_GRID

PROMPTS = ["NameError: name 'total' is not defined", "IndexError: list index out of range"]


def test_ratio_grid_of_the_default_width_is_the_default_grid():
    assert ratio_grid(0.3) == tuple(DEFAULT_GRID)
    assert ratio_grid(0.6)[:3] == (0.0, 0.02, 0.04) and len(ratio_grid(0.6)) == 31
    with pytest.raises(ValueError, match="largest ratio"):
        ratio_grid(1.5)


def test_the_protocol_has_the_wanda_track_and_room_for_half_the_weights():
    pairs = {(row.criterion, row.target): row.max_ratio for row in PROTOCOL.rows}
    assert pairs == {
        ("magnitude", 0.2): 0.6,
        ("magnitude", 0.3): 0.6,
        ("wanda", 0.2): 0.6,
        ("wanda", 0.3): 0.6,
        ("wanda", 0.5): 0.9,
    }
    assert PROTOCOL.budgets == (100, 500, 2000) and PROTOCOL.episodes == 2000
    assert "builtin:heldout-realstyle" in PROTOCOL.heldout_prompts  # 130 beginner programs
    with pytest.raises(ValueError, match="target < max_ratio"):
        Row("wanda", 0.5, max_ratio=0.5)  # the env needs the grid above the target
    assert [Row("magnitude", 0.2).folder, Row("wanda", 0.5).folder] == [
        "target20",
        "target50-wanda",
    ]


def test_the_protocol_turns_into_env_and_agent_settings_objects():
    row = Row("wanda", 0.5, max_ratio=0.9)
    env = PROTOCOL.env_settings(row, "cpu")
    assert (env.criterion, env.target_sparsity, env.reward) == ("wanda", 0.5, "budget")
    assert max(env.ratio_grid) == pytest.approx(0.9) and len(env.ratio_grid) == 31
    assert (env.batch_size, env.answer_tokens) == (PROTOCOL.batch_size, PROTOCOL.answer_tokens)
    a2c = PROTOCOL.agent_settings["a2c"]
    assert isinstance(a2c, A2CSettings) and a2c.n_steps is None and a2c.start_at_target
    run = PROTOCOL.train_settings()
    assert run.episodes == 2000 and run.resume and run.checkpoint_every == 100


def test_a_recorded_protocol_reads_back_equal_and_the_first_boards_too():
    assert Protocol.from_json(json.loads(json.dumps(PROTOCOL.to_json()))) == PROTOCOL
    first = {  # results/leaderboard's protocol, as the first board recorded it
        "student": "smollm2",
        "criterion": "magnitude",
        "targets": [0.2, 0.3],
        "max_ratio": 0.6,
        "batch_size": 8,
        "answer_tokens": 32,
        "episodes": 2000,
        "seeds": [0, 1, 2],
        "heldout_prompts": "builtin:heldout",
        "agents": ["psrl", "a2c"],
        "agent_kwargs": {"a2c": {"n_steps": None, "gamma": 1.0}},
    }
    protocol = Protocol.from_json(first)
    assert protocol.rows == (Row("magnitude", 0.2, 0.6), Row("magnitude", 0.3, 0.6))
    assert protocol.budgets == (2000,) and protocol.heldout_prompts == ("builtin:heldout",)
    assert protocol.agent_settings["a2c"] == A2CSettings(n_steps=None, gamma=1.0)


def test_overrides_select_rows_and_cut_the_budgets():
    chosen = select(PROTOCOL, criterion="wanda", targets=[0.5], episodes=600, seeds=(0,))
    assert chosen.rows == (Row("wanda", 0.5, 0.9),)
    assert chosen.budgets == (100, 500, 600) and chosen.seeds == (0,)
    new = select(PROTOCOL, criterion="magnitude", targets=[0.5], max_ratio=0.8)
    assert new.rows == (Row("magnitude", 0.5, 0.8),)


def _write_runs(folder, agent, ratios, uniform=0.1, budgets=()):
    """A finished job folder: runs.csv, each seed's plan and, with budgets, anytime.csv."""
    for seed in range(len(ratios)):
        PruningPlan(
            ratios=np.full((2, 2), 0.1 * (seed + 1)),
            unit_sizes=np.ones((2, 2)),
            total_params=8,
            modules=["q_proj", "up_proj"],
            criterion="magnitude",
        ).save(folder / agent / f"seed{seed}" / "plan.json")
    columns = ["agent", "seed", "episodes", "heldout_kl", "uniform_heldout_kl", "kl_ratio"]
    rows = [
        dict(zip(columns, [agent, seed, 10, ratio * uniform, uniform, ratio], strict=True))
        | {"wall_seconds": 1.0}
        for seed, ratio in enumerate(ratios)
    ]
    for name, written in (("runs.csv", rows), ("anytime.csv", [])):
        if name == "anytime.csv":
            if not budgets:
                continue
            written = [
                {"episodes_budget": b, **r, "kl_ratio": r["kl_ratio"] * (2 if b < 10 else 1)}
                for b in budgets
                for r in rows
            ]
        with (folder / name).open("w", newline="") as out:
            writer = csv.DictWriter(out, list(written[0]))
            writer.writeheader()
            writer.writerows(written)


def test_table_scores_are_uniform_over_method_and_ranked(tmp_path):
    protocol = dataclasses.replace(PROTOCOL, rows=(Row("magnitude", 0.2),))
    _write_runs(tmp_path / "target20" / "good", "good", [0.5, 0.25], budgets=(5, 10))
    _write_runs(tmp_path / "target20" / "bad", "bad", [2.0, 2.0])
    table = aggregate(tmp_path, protocol, "llm-prune leaderboard --out x")
    assert [r["agent"] for r in table] == ["good", "bad"]
    assert table[0]["score_mean"] == pytest.approx(3.0)  # mean of 2 and 4
    assert table[0]["kl_ratio_best"] == pytest.approx(0.25)
    assert table[0]["kl_ratio_at_5"] == pytest.approx(0.75)  # mean of 1.0 and 0.5
    assert table[0]["kl_ratio_at_10"] == pytest.approx(0.375)
    assert table[1]["score_sd"] == 0.0 and "kl_ratio_at_5" not in table[1]
    text = (tmp_path / "LEADERBOARD.md").read_text()
    assert "## magnitude, target 20% (max ratio 0.6)" in text
    assert "| 1 | good | 3.00 ± 1.41 | 0.375 | 0.250 | 0.03750 | 0.750 | 0.375 | 10" in text
    assert (tmp_path / "leaderboard.csv").is_file()
    assert (tmp_path / "target20" / "plan_good.png").is_file()  # its best seed's plan
    assert (tmp_path / "target20" / "anytime.png").stat().st_size > 10_000


def test_no_runs_is_an_error(tmp_path):
    with pytest.raises(SystemExit, match="no finished runs"):
        aggregate(tmp_path, PROTOCOL, "")
    assert leaderboard_rows([]) == []


@pytest.fixture(scope="module")
def env():
    return LLMPruneEnv(
        student="stub", prompts=PROMPTS, batch_size=2, answer_tokens=4,
        target_sparsity=0.15, reward="budget",
    )  # fmt: skip


def test_anytime_rows_equal_a_straight_run_and_are_not_redone(env, tmp_path):
    heldout = HeldOut.beside(env.workbench, PROMPTS, answer_tokens=4)
    run = TrainSettings(episodes=6, seed=1, checkpoint_every=2, progress=False)
    rows = anytime_run("psrl", env, heldout, tmp_path / "steps", (2, 6), run)
    straight = anytime_run("psrl", env, heldout, tmp_path / "straight", (6,), run)
    assert [r["episodes_budget"] for r in rows] == [2, 6] and rows[0]["episodes"] == 2
    assert rows[-1]["heldout_kl"] == straight[-1]["heldout_kl"]  # train(2) -> judge -> train(6)
    again = anytime_run(
        "psrl", env, heldout, tmp_path / "steps", (2, 6), dataclasses.replace(run, resume=True)
    )
    numbers = [{k: v for k, v in r.items() if k != "agent"} for r in rows]
    assert [r["agent"] for r in again] == ["psrl", "psrl"]  # read back from anytime.csv:
    assert [{k: v for k, v in r.items() if k != "agent"} for r in again] == [
        pytest.approx(r, rel=1e-7)
        for r in numbers  # as written, 8 significant digits
    ]


def test_one_command_builds_the_board_in_process(tmp_path):
    prompts = tmp_path / "short.jsonl"  # short prompts keep the stub's passes cheap
    prompts.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in PROMPTS))
    protocol = Protocol(
        student="stub",
        rows=(Row("magnitude", 0.15, 0.3), Row("wanda", 0.15, 0.3)),
        calibration_prompts=str(prompts),
        batch_size=2,
        answer_tokens=4,
        budgets=(2, 3),
        seeds=(0,),
        heldout_prompts=(str(prompts),),
        agents=("uniform", "evolution"),
        checkpoint_every=2,
    )
    board = tmp_path / "board"
    table = build_board(board, protocol, "llm-prune leaderboard --test", "cpu")
    assert {(r["criterion"], r["agent"]) for r in table} == {
        (criterion, agent) for criterion in ("magnitude", "wanda") for agent in protocol.agents
    }
    assert all("kl_ratio_at_2" in r and "kl_ratio_at_3" in r for r in table)
    for folder in ("target15", "target15-wanda"):
        assert (board / folder / "anytime.png").is_file()
        assert (board / folder / "evolution" / "evolution" / "seed0" / "plan.json").is_file()
    recorded = json.loads((board / "protocol.json").read_text())
    assert Protocol.from_json(recorded["protocol"]) == protocol
    figure = board / "target15" / "anytime.png"
    figure.write_bytes(b"a committed figure")
    with pytest.raises(ValueError, match="unless --force"):
        build_board(board, PROTOCOL, "", "cpu", aggregate_only=True)
    assert figure.read_bytes() == b"a committed figure"
    again = build_board(board, PROTOCOL, "", "cpu", aggregate_only=True, force=True)
    assert [r["score_mean"] for r in again] == [r["score_mean"] for r in table]
    assert "--test" in (board / "LEADERBOARD.md").read_text()  # the recorded command
