"""The learned agents' options of issue 20: residual actions around a prior plan, the
log-KL reward, advantage normalisation and the best-episode plan (stub student)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from stub_envs import PROMPTS, TARGET

from agents import make_agent
from agents.residual import AgentView, grid_levels
from agents.runner import read_metrics, train_agent
from llm_prune_gym import LLMPruneEnv, PruningPlan

LEARNED = [("a2c", {"eps_start": 0.0}), ("sb3-a2c", {}), ("sb3-ppo", {})]


@pytest.fixture(scope="module")
def sensitivity_plan(budget_env) -> PruningPlan:
    return make_agent("sensitivity", budget_env, seed=0).plan()


def prior_cost(env) -> int:
    return env.sizes.size + 3  # one plan per unit, one per candidate power


def test_offsets_move_each_unit_from_the_prior_level(budget_env):
    view = AgentView(budget_env, "uniform", "env", offsets=3)
    assert list(view.action_space.nvec) == [7] * budget_env.num_modules
    view.reset(seed=0)
    target_level = grid_levels(budget_env.ratio_grid, TARGET)
    levels = view.absolute(np.array([3, 0, 6, 4]))  # offsets 0, -3, +3, +1
    assert levels.tolist() == [target_level, target_level - 3, target_level + 3, target_level + 1]


@pytest.mark.parametrize("name, kwargs", LEARNED)
def test_an_untrained_residual_policy_plays_the_sensitivity_plan(
    budget_env, sensitivity_plan, name, kwargs
):
    agent = make_agent(name, budget_env, seed=0, prior="sensitivity", **kwargs)
    records = []
    agent.train(1, records.append)  # the prior costs more than one episode: all are counted
    assert agent.episodes_done == len(records) == prior_cost(budget_env)
    prior_kl = sensitivity_plan.metadata["calibration_kl"]
    assert [r["kl"] for r in records] == pytest.approx([prior_kl] * len(records))
    grid = budget_env.ratio_grid
    snapped = grid[grid_levels(grid, sensitivity_plan.ratios)]
    step = grid[1] - grid[0]
    assert np.abs(agent.plan().ratios - snapped).max() < step  # at most the budget's scaling


def test_the_log_kl_reward_replaces_the_terminal_reward(budget_env):
    view = AgentView(budget_env, "none", "log_kl", offsets=1)
    view.reset(seed=0)
    done, level = False, grid_levels(budget_env.ratio_grid, 0.25)
    while not done:
        _, reward, done, _, info = view.step(np.full(budget_env.num_modules, level))
    assert reward == pytest.approx(math.log(info["kl_uniform"] / info["kl"]))


def test_options_the_env_cannot_serve_fail_in_one_line(stub_kwargs):
    paper = LLMPruneEnv(**stub_kwargs, prompts=PROMPTS)
    with pytest.raises(ValueError, match="needs an env with a target_sparsity"):
        make_agent("a2c", paper, prior="sensitivity")
    with pytest.raises(ValueError, match="needs the env's budget reward"):
        make_agent("sb3-ppo", paper, reward="log_kl")
    budget = LLMPruneEnv(**stub_kwargs, prompts=PROMPTS, target_sparsity=0.1, reward="budget")
    for wrong in ({"prior": "psrl"}, {"reward": "kl"}, {"plan_from": "last"}, {"offsets": 0}):
        with pytest.raises(ValueError, match="must be"):
            make_agent("a2c", budget, **wrong)


@pytest.mark.parametrize("name, kwargs", LEARNED)
def test_the_best_episode_plan_is_the_lowest_kl_played(budget_env, name, kwargs):
    agent = make_agent(name, budget_env, seed=1, plan_from="best", **kwargs)
    kls = []
    agent.train(6, lambda record: kls.append(record["kl"]))
    plan = agent.plan()
    assert plan.metadata["calibration_kl"] == pytest.approx(min(kls))
    assert plan.prunable_sparsity == pytest.approx(TARGET, abs=1e-3)
    assert budget_env.workbench.kl(plan.ratios).mean == pytest.approx(min(kls))


def test_advantage_normalisation_keeps_a_running_mean_square(budget_env):
    agent = make_agent(
        "a2c", budget_env, seed=0, n_steps=None, advantage_norm=True, reward="log_kl"
    )
    assert agent._advantage_scale() == 1.0
    agent.train(3)
    assert agent.advantage_ms > 0
    assert agent._advantage_scale() == pytest.approx(math.sqrt(agent.advantage_ms), rel=1e-6)


def test_a_resumed_residual_run_equals_a_straight_one(budget_env, tmp_path):
    settings = {"prior": "sensitivity", "reward": "log_kl", "plan_from": "best"}
    settings |= {"n_steps": None, "advantage_norm": True, "eps_start": 0.0}
    from agents.settings import A2CSettings

    config = A2CSettings(**settings)
    episodes = prior_cost(budget_env) + 4
    straight = train_agent(
        "a2c", budget_env, episodes, tmp_path / "straight", 1, config, progress=False
    )
    train_agent("a2c", budget_env, episodes - 2, tmp_path / "run", 1, config, progress=False)
    resumed = train_agent(
        "a2c", budget_env, episodes, tmp_path / "run", 1, config, resume=True, progress=False
    )
    np.testing.assert_array_equal(resumed.plan.ratios, straight.plan.ratios)
    rows = read_metrics(tmp_path / "run" / "metrics.csv")
    assert [r["episode"] for r in rows] == list(range(1, episodes + 1))
    straight_rows = read_metrics(tmp_path / "straight" / "metrics.csv")
    assert [r["return"] for r in rows] == [r["return"] for r in straight_rows]


@pytest.mark.parametrize("name", ["sb3-a2c", "sb3-ppo"])
def test_an_sb3_agent_trains_on_after_its_plan_is_asked_for(budget_env, name):
    agent = make_agent(name, budget_env, seed=0, rollout_episodes=1)
    agent.train(2).plan()  # the plan's rollout ends an episode under SB3's feet
    assert agent.train(4).episodes_done == 4
