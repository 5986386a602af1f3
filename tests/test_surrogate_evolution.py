"""Model-assisted evolution: it is evolution with one candidate, budget-matched, seeded,
resumable, and its model learns the per-layer interaction the surrogate agent lacks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from stub_envs import TARGET

from agents import load_agent, make_agent
from agents.runner import read_metrics, train_agent
from agents.settings import SurrogateEvolutionSettings, SurrogateModelSettings
from agents.surrogate import PowerSumModel
from llm_prune_gym.cli import ratio_grid


def kls_of(name: str, env, episodes: int, seed: int = 3, **settings) -> list[float]:
    records: list[dict] = []
    make_agent(name, env, seed=seed, **settings).train(episodes, callback=records.append)
    return [r["kl"] for r in records]


def test_one_candidate_is_plain_evolution(budget_env):
    """With nothing to rank, the model never draws: the same RNG path, plans and KLs."""
    assert kls_of("surrogate-evo", budget_env, 9, candidates=1) == kls_of(
        "evolution", budget_env, 9
    )


def test_children_are_unseen_budget_matched_mutations_and_seeded(budget_env):
    runs = []
    for _ in range(2):
        agent = make_agent("surrogate-evo", budget_env, seed=4, candidates=8)
        records: list[dict] = []
        agent.train(13, callback=records.append)
        runs.append((agent, records))
    (agent, records), (again, _) = runs
    np.testing.assert_array_equal(agent.plan().ratios, again.plan().ratios)
    assert [kl for _, kl in agent.history] == [kl for _, kl in again.history]
    assert len(agent.seen) == 13  # no plan scored twice
    assert all(r["prunable_sparsity"] == pytest.approx(TARGET, abs=1e-6) for r in records)
    assert agent.plan().metadata["calibration_kl"] == min(r["kl"] for r in records)
    assert agent.model.observations == 13  # 1 + three generations of 4: all fitted


def test_bad_settings_are_refused(budget_env):
    with pytest.raises(ValueError, match="candidates"):
        make_agent("surrogate-evo", budget_env, candidates=0)
    with pytest.raises(ValueError, match="betas"):
        make_agent("surrogate-evo", budget_env, betas=[])
    with pytest.raises(ValueError, match="no setting"):
        make_agent("surrogate-evo", budget_env, radius=2)


def test_a_killed_run_resumes_as_if_unbroken(budget_env, tmp_path):
    """Checkpoints every 3 episodes fall inside generations of 4 children."""
    settings = {"settings": SurrogateEvolutionSettings(candidates=8)}
    straight = train_agent(
        "surrogate-evo", budget_env, 11, tmp_path / "a", seed=1, progress=False, **settings
    )

    def kill_at_8(record):
        if record["episode"] == 8:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        train_agent(
            "surrogate-evo", budget_env, 11, tmp_path / "b", seed=1, checkpoint_every=3,
            progress=False, callback=kill_at_8, **settings,
        )  # fmt: skip
    resumed = train_agent(
        "surrogate-evo", budget_env, 11, tmp_path / "b", seed=1, resume=True, progress=False,
        **settings,
    )  # fmt: skip
    np.testing.assert_array_equal(resumed.plan.ratios, straight.plan.ratios)
    rows = [read_metrics(tmp_path / run / "metrics.csv") for run in ("a", "b")]
    assert [r["kl"] for r in rows[0]] == [r["kl"] for r in rows[1]]


def test_a_stop_mid_generation_then_load_continues_the_same_search(budget_env, tmp_path):
    straight = make_agent("surrogate-evo", budget_env, seed=2, candidates=8).train(12)
    stopped = make_agent("surrogate-evo", budget_env, seed=2, candidates=8)
    stopped.train(12, callback=lambda record: record["episode"] != 7)
    assert stopped.unfitted == 2  # two children of the generation under way
    stopped.save(tmp_path)
    resumed = load_agent(tmp_path, budget_env)
    assert resumed.model.observations == stopped.model.observations == 5
    resumed.train(12)
    assert [kl for _, kl in resumed.history] == [kl for _, kl in straight.history]
    assert resumed.sources == straight.sources  # the mix drew the same sources
    np.testing.assert_array_equal(resumed.arms, straight.arms)


def test_its_model_picks_beat_evolution_where_some_units_are_free(free_units_env):
    """A real (stub) model, every child a model pick (``adaptive=False``): 41 episodes,
    seeds 0 and 1 (measured 0.20x and 0.37x uniform's KL against evolution's 0.39x and
    0.52x)."""
    for seed in (0, 1):
        evolution = min(kls_of("evolution", free_units_env, 41, seed))
        learned = min(kls_of("surrogate-evo", free_units_env, 41, seed, adaptive=False))
        assert learned < evolution, (seed, learned, evolution)


def test_it_beats_evolution_on_a_stand_in_whose_layers_compound():
    """bench/agent_sim.py's stand-in of SmolLM2 (120 units, a compounding KL with a per-layer
    interaction, plan-seeded noise): ahead of evolution at 300 episodes on every seed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from agent_sim import simulator_env

    for seed in (0, 1):
        env = simulator_env(0.2, ratio_grid(0.6), seed, True, None, noise=0.02, interaction=1.0)
        best = {
            name: make_agent(name, env, seed=seed).train(300).plan().metadata["calibration_kl"]
            for name in ("evolution", "surrogate-evo")
        }
        assert best["surrogate-evo"] < best["evolution"], (seed, best)


def test_the_interaction_terms_learn_a_layer_that_compounds():
    """KLs from ``(sum_u a_u x_u^2 + sum_l v_l load_l^2) ** 2``: with the per-layer terms
    the model predicts fresh plans' log KL several times better than without."""
    rng = np.random.default_rng(0)
    shares = np.full((6, 4), 1 / 24)
    cost, layer_cost = rng.uniform(0.2, 3.0, shares.shape), rng.uniform(0, 40, 6)

    def true_kl(x: np.ndarray) -> float:
        return float((cost * x**2).sum() + (layer_cost * x.mean(axis=1) ** 2).sum()) ** 2

    settings = SurrogateModelSettings(degree=2, betas=(1.0, 2.0, 3.0), unit_prior_sd=5.0)
    plans = rng.uniform(0, 1, (300, *shares.shape))
    fresh = rng.uniform(0, 1, (50, *shares.shape))
    errors = {}
    for interaction in (False, True):
        model = PowerSumModel(shares, 0.5, settings, interaction)
        for x in plans:
            model.observe(x, true_kl(x))
        index, theta = model.posterior().best()
        predicted = [np.log(model.predict_kl(x, index, theta)) for x in fresh]
        errors[interaction] = np.abs(np.array(predicted) - [np.log(true_kl(x)) for x in fresh])
    assert errors[True].mean() < errors[False].mean() / 3, errors


def sources_with_model(ranking: str, episodes: int = 401, seed: int = 0) -> np.ndarray:
    """The late children's sources (PLAIN or a jump size) on bench/agent_sim.py's stand-in
    when the model's ranking is replaced: ``useless`` (random) or ``perfect`` (the truth)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from agent_sim import simulator_env

    env = simulator_env(0.2, ratio_grid(0.6), seed, True, None, noise=0.0, interaction=1.0)
    agent = make_agent("surrogate-evo", env, seed=seed)
    scores = np.random.default_rng(seed)

    def ranked(x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        if ranking == "useless":
            return scores.random(len(x))
        return np.array([env.workbench.formula_kl(plan * agent.cap) for plan in x])

    agent.model.totals = ranked
    agent.train(episodes)
    return np.array(agent.sources[episodes // 2 :])


def test_with_a_perfect_model_the_mix_takes_mostly_model_children():
    from agents.surrogate_evolution import PLAIN

    late = sources_with_model("perfect")
    assert np.mean(late != PLAIN) > 0.8, np.bincount(late + 1)


def test_a_child_or_parent_of_kl_zero_does_not_divide(budget_env):
    """A plan that prunes nothing scores KL 0 exactly: the mix's log gain is floored."""
    agent = make_agent("surrogate-evo", budget_env, seed=1, candidates=8)
    agent.parent_kl = 0.0
    agent.learn_mix([(0, 1.0, 0.0), (0, 1.0, 0.5)])
    agent.parent_kl = 0.5
    agent.learn_mix([(0, 1.0, 0.0)])
    assert np.isfinite(agent.arms).all() and agent.arms[1, 0] > 0  # a KL-0 child beats 0.5


def test_the_model_incumbent_is_a_scored_plan_among_the_best_observed(budget_env):
    """``model`` and ``blend`` report plans the search scored, from its `pool` of least
    calibration KL; a pool of one is the observed best."""
    agent = make_agent("surrogate-evo", budget_env, seed=1, candidates=8).train(23)
    kls = sorted(kl for _, kl in agent.history)
    for kind in ("model", "blend"):
        for pool in (0, 1, 5):
            plan = agent.plan_by(kind, pool)
            index = next(
                i for i, (ratios, _) in enumerate(agent.history)
                if np.array_equal(ratios, plan.ratios)
            )  # fmt: skip
            kl = agent.history[index][1]
            assert plan.metadata["calibration_kl"] == kl
            assert plan.metadata["incumbent"] == kind
            assert kl <= kls[(pool or len(kls)) - 1]
        np.testing.assert_array_equal(agent.plan_by(kind, 1).ratios, agent.plan().ratios)
    with pytest.raises(ValueError, match="incumbent"):
        make_agent("surrogate-evo", budget_env, incumbent="median")
    with pytest.raises(ValueError, match="incumbent_pool"):
        make_agent("surrogate-evo", budget_env, incumbent_pool=-1)


def test_the_model_incumbent_leaves_the_search_and_the_observed_plan_unchanged(budget_env):
    """The setting only changes what ``plan()`` reports: same draws, same scored plans, and
    ``observed`` (the default) is evolution's best plan, as before, byte for byte."""
    runs = {
        kind: make_agent("surrogate-evo", budget_env, seed=2, candidates=8, incumbent=kind)
        for kind in ("observed", "model")
    }
    for agent in runs.values():
        agent.train(14)  # a generation under way: the model's pick refits a copy
    observed, model = runs["observed"], runs["model"]
    assert model.unfitted == 1 and model.model.observations == 13
    assert [kl for _, kl in observed.history] == [kl for _, kl in model.history]
    assert observed.rng.bit_generator.state == model.rng.bit_generator.state
    plan = observed.plan()
    assert plan.ratios.tobytes() == observed.best.tobytes()
    assert plan.metadata["calibration_kl"] == observed.best_kl and "incumbent" not in plan.metadata
    assert model.plan_by("observed").ratios.tobytes() == plan.ratios.tobytes()
    np.testing.assert_array_equal(model.plan().ratios, model.plan_by("model", 20).ratios)
    model.plan()
    assert model.model.observations == 13  # reading the plan fitted nothing


def test_a_resumed_run_keeps_its_incumbent(budget_env, tmp_path):
    agent = make_agent("surrogate-evo", budget_env, seed=3, candidates=8, incumbent="blend")
    agent.train(10)
    agent.save(tmp_path)
    resumed = load_agent(tmp_path, budget_env)
    assert resumed.settings.incumbent == "blend"
    assert resumed.plan().ratios.tobytes() == agent.plan().ratios.tobytes()
    assert resumed.plan().metadata["incumbent"] == "blend"
