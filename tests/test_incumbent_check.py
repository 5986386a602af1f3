"""bench/incumbent_check.py: one surrogate-evo run under the board's protocol, several
reported plans judged on the held-out prompts; its ``observed`` row is the board's."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np

from agents.settings import TrainSettings
from evaluation.bench_agents import anytime_run
from evaluation.leaderboard import Protocol, Row
from llm_prune_gym import LLMPruneEnv
from llm_prune_gym.heldout import HeldOut

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from incumbent_check import check, parse_incumbents, summary  # noqa: E402

PROMPTS = ["NameError: name 'total' is not defined", "IndexError: list index out of range"]


def test_it_judges_each_incumbent_after_each_budget_and_observed_is_the_boards(tmp_path):
    prompts = tmp_path / "short.jsonl"  # short prompts keep the stub's passes cheap
    prompts.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in PROMPTS))
    protocol = Protocol(
        student="stub", rows=(Row("wanda", 0.15, 0.3),), calibration_prompts=str(prompts),
        batch_size=2, answer_tokens=4, budgets=(5, 9), seeds=(1,),
        heldout_prompts=(str(prompts),), agents=("surrogate-evo",), checkpoint_every=2,
    )  # fmt: skip
    row = protocol.rows[0]
    lines: list[str] = []
    incumbents = parse_incumbents("observed,model:3,blend:0")
    assert incumbents == [("observed", 20), ("model", 3), ("blend", 0)]
    rows = check(protocol, row, 1, "cpu", incumbents, tmp_path / "out", log=lines.append)
    assert [(r["budget"], r["incumbent"]) for r in rows] == [
        (b, k) for b in (5, 9) for k in ("observed", "model:3", "blend:0")
    ]
    assert len(lines) == 2 and lines[-1].startswith("wanda 0.15 seed 1 @9: observed ")
    with open(tmp_path / "out" / "incumbents.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 6
    table = summary([tmp_path / "out" / "incumbents.csv"])
    assert len(table) == 2 + 6 and table[2].startswith("| wanda 0.15 | 5 | blend:0 | 1 |")
    assert set(np.load(tmp_path / "out" / "plans.npz")) == {
        f"{k}@{b}" for b in (5, 9) for k in ("observed", "model:3", "blend:0")
    }
    # the board's own path (checkpoints every 2 episodes, resumed between budgets)
    env = LLMPruneEnv(protocol.env_settings(row, "cpu"))
    heldout = HeldOut.beside(env.workbench, str(prompts), answer_tokens=4)
    run = TrainSettings(episodes=9, seed=1, checkpoint_every=2, progress=False)
    board = anytime_run("surrogate-evo", env, heldout, tmp_path / "board", (5, 9), run)
    observed = [r for r in rows if r["incumbent"] == "observed"]
    assert [r["heldout_kl"] for r in observed] == [r["heldout_kl"] for r in board]
    assert [r["calibration_kl"] for r in observed] == [r["calibration_kl"] for r in board]
