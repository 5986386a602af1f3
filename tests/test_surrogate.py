"""The surrogate agent: its model's maths, budget, reproducibility, resume, learning on stubs."""

from __future__ import annotations

import numpy as np
import pytest
from stub_envs import TARGET

from agents import load_agent, make_agent
from agents.base import sparsity_of
from agents.runner import read_metrics, train_agent
from agents.settings import SurrogateSettings
from agents.surrogate import PowerSumModel, cheapest_plan


def test_same_seed_same_plans_on_budget(budget_env):
    runs = []
    for _ in range(2):
        records: list[dict] = []
        agent = make_agent("surrogate", budget_env, seed=4, batch=3)
        agent.train(7, callback=records.append)
        runs.append((agent.plan(), records))
    (plan, records), (again, _) = runs
    np.testing.assert_array_equal(plan.ratios, again.ratios)
    assert plan.prunable_sparsity == pytest.approx(TARGET, abs=1e-6)
    assert plan.ratios.max() <= budget_env.ratio_grid.max() + 1e-9
    assert [r["episode"] for r in records] == list(range(1, 8))
    assert all(r["prunable_sparsity"] == pytest.approx(TARGET, abs=1e-6) for r in records)
    assert plan.metadata["calibration_kl"] == min(r["kl"] for r in records)


def test_bad_settings_are_refused(budget_env):
    with pytest.raises(ValueError, match="no setting"):
        make_agent("surrogate", budget_env, learning_rate=0.1)
    with pytest.raises(ValueError, match="radius"):
        make_agent("surrogate", budget_env, radius=0)
    with pytest.raises(ValueError, match="betas"):
        make_agent("surrogate", budget_env, betas=[])


def test_it_beats_random_and_uniform_where_some_units_are_free(free_units_env):
    random_kls = [
        make_agent("random", free_units_env, seed=s).train(1).plan().metadata["calibration_kl"]
        for s in range(5)
    ]
    uniform = make_agent("uniform", free_units_env).train(1).plan().metadata["calibration_kl"]
    plan = make_agent("surrogate", free_units_env, seed=0).train(40).plan()
    assert plan.prunable_sparsity == pytest.approx(0.12, abs=1e-6)
    kl = plan.metadata["calibration_kl"]
    assert kl < 0.3 * uniform and kl < 0.1 * np.mean(random_kls), (kl, uniform, random_kls)


def test_the_model_learns_the_compounding_factor_and_the_cheapest_plan():
    """KLs from ``(sum_u a_u x_u^2) ** 2``: beta's posterior picks 2, the plan is the optimum's."""
    rng = np.random.default_rng(0)
    shares = np.full((6, 4), 1 / 24)
    cost = rng.uniform(0.2, 3.0, shares.shape)
    settings = SurrogateSettings(degree=2, betas=(1.0, 2.0, 3.0), unit_prior_sd=5.0)
    model = PowerSumModel(shares, 0.5, settings)
    for _ in range(300):
        x = rng.uniform(0, 1, shares.shape)
        model.observe(x, float((cost * x**2).sum()) ** 2)
    posterior = model.posterior()
    assert posterior.probabilities[1] > 0.99
    grid = np.linspace(0, 1, 41)
    index, theta = posterior.best()
    costs = model.unit_coefficients(theta) @ model.unit_powers(grid).T
    levels = cheapest_plan(costs, grid, shares, 0.5)
    true_levels = cheapest_plan(cost[..., None] * grid**2, grid, shares, 0.5)
    assert sparsity_of(grid[levels], shares) == pytest.approx(0.5, abs=0.02)
    assert np.abs(levels - true_levels).max() <= 1  # at most one grid step apart
    assert np.corrcoef(grid[true_levels].ravel(), cost.ravel())[0, 1] < -0.8  # not uniform


def test_a_killed_run_resumes_as_if_unbroken(budget_env, tmp_path):
    straight = train_agent("surrogate", budget_env, 9, tmp_path / "a", seed=1, progress=False)

    def kill_at_7(record):
        if record["episode"] == 7:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        train_agent(
            "surrogate", budget_env, 9, tmp_path / "b", seed=1, checkpoint_every=3,
            progress=False, callback=kill_at_7,
        )  # fmt: skip
    resumed = train_agent(
        "surrogate", budget_env, 9, tmp_path / "b", seed=1, resume=True, progress=False
    )
    np.testing.assert_array_equal(resumed.plan.ratios, straight.plan.ratios)
    rows = [read_metrics(tmp_path / run / "metrics.csv") for run in ("a", "b")]
    assert [r["kl"] for r in rows[0]] == [r["kl"] for r in rows[1]]


def test_the_port_to_the_one_training_loop_keeps_the_plans_and_kls(budget_env):
    """Measured with the agent's own loop before the port (commit 39dd252): batches of up
    to 4 plans (a new plan per batch every 5), seed 0, 20 episodes."""
    records: list[dict] = []
    agent = make_agent("surrogate", budget_env, seed=0, batch=4, batch_growth=5)
    agent.train(20, callback=records.append)
    assert agent.plan().metadata["calibration_kl"] == pytest.approx(0.01995164155960083, rel=1e-6)
    assert records[-1]["kl"] == pytest.approx(0.03178057074546814, rel=1e-6)
    assert [r["beta"] for r in records[1:]] == [1.0] * 7 + [1.25] + [1.0] * 9 + [1.5, 1.0]


def test_a_stop_mid_batch_keeps_the_batch_for_the_next_train(budget_env, tmp_path):
    """Proposals scored but not yet observed survive a stop, a budget, a checkpoint, a load."""
    straight = make_agent("surrogate", budget_env, seed=2, batch=3, batch_growth=1).train(8)
    stopped = make_agent("surrogate", budget_env, seed=2, batch=3, batch_growth=1)
    stopped.train(8, callback=lambda record: record["episode"] != 5)
    assert stopped.episodes_done == 5 and stopped.queue  # stopped inside a batch
    stopped.save(tmp_path)
    resumed = load_agent(tmp_path, budget_env).train(8)
    np.testing.assert_array_equal(resumed.plan().ratios, straight.plan().ratios)
    assert [kl for _, kl in resumed.history] == [kl for _, kl in straight.history]
    # a budget that ends inside a batch keeps the rest too (a benchmark's anytime rows)
    in_steps = make_agent("surrogate", budget_env, seed=2, batch=3, batch_growth=1)
    in_steps.train(5).train(8)
    assert [kl for _, kl in in_steps.history] == [kl for _, kl in straight.history]


def test_a_neighbour_proposal_is_a_budget_matched_mutation_the_model_ranks_first(budget_env):
    """With ``neighbours`` a Thompson draw picks among mutations of the best plan: the
    one its model scores cheapest, a few level swaps away, at the target sparsity."""
    agent = make_agent("surrogate", budget_env, seed=3, neighbours=32, max_swaps=2)
    agent.train(1)  # uniform pruning scored: the best plan
    theta = agent.model.posterior().best()[1].copy()
    degree = agent.settings.degree
    theta[:degree] = 1e3  # unit (0, 0)'s own polynomial: pruning it is very costly
    chosen = agent.best_neighbour(theta)
    levels = agent.nearest_levels(chosen) - agent.nearest_levels(agent.best)
    assert sparsity_of(chosen, budget_env.sizes) == pytest.approx(TARGET, abs=1e-6)
    assert 0 < np.abs(levels).sum() <= 2 * 2  # two swaps move at most four units a level
    assert levels[0, 0] <= 0  # never more pruning where the model says it costs most
    again = make_agent("surrogate", budget_env, seed=3, neighbours=32, max_swaps=2).train(1)
    np.testing.assert_array_equal(again.best_neighbour(theta), chosen)


def test_neighbour_search_beats_uniform_where_some_units_are_free(free_units_env):
    uniform = make_agent("uniform", free_units_env).train(1).plan().metadata["calibration_kl"]
    agent = make_agent(
        "surrogate", free_units_env, seed=0, neighbours=32, batch_growth=1, global_plans=0
    )
    kl = agent.train(40).plan().metadata["calibration_kl"]
    assert kl < 0.8 * uniform, (kl, uniform)  # 0.56x at seed 0; evolution 0.39-0.52x
