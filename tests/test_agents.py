"""Agents on stub students: protocol, reproducibility, A2C maths, resume, CLI, learning."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
import torch
from stub_envs import PROMPTS, TARGET

from agents import AGENTS, Agent, load_agent, make_agent, register_agent
from agents.a2c import A2CAgent, A2CLosses, Actor, Critic, a2c_losses, epsilon_after, n_step_returns
from agents.base import Episode, run_episode, scale_to_budget, score_ratios, sparsity_of
from agents.psrl import PosteriorSamplingAgent
from agents.runner import read_metrics, train_agent
from agents.search import EvolutionAgent
from evaluation.cli import main as cli_main
from llm_prune_gym import LLMPruneEnv, PruningPlan
from llm_prune_gym.heldout import HeldOut


def rows_of(path) -> list[dict]:
    with open(path, newline="") as lines:
        return list(csv.DictReader(lines))


# -- the protocol ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(AGENTS))
def test_every_agent_trains_and_the_same_seed_gives_the_same_plan(budget_env, name):
    plans, records = [], []
    for _ in range(2):
        agent = make_agent(name, budget_env, seed=3)
        agent.train(4, callback=records.append)
        plans.append(agent.plan())
    plan = plans[0]
    assert isinstance(plan, PruningPlan) and plan.ratios.shape == budget_env.sizes.shape
    assert plan.ratios.min() >= 0 and plan.ratios.max() <= budget_env.ratio_grid.max() + 1e-3
    assert plan.prunable_sparsity == pytest.approx(TARGET, abs=1e-3)  # budget-matched
    assert plan.metadata["agent"] == name and plan.metadata["seed"] == 3
    np.testing.assert_array_equal(plans[0].ratios, plans[1].ratios)
    assert records and all(math.isfinite(r["kl"]) and r["kl"] >= 0 for r in records)
    assert set(records[0]) >= {"episode", "return", "kl", "prunable_sparsity"}


def test_paper_reward_mode_learned_agents_pick_their_sparsity_baselines_need_one(stub_kwargs):
    env = LLMPruneEnv(**stub_kwargs, prompts=PROMPTS)  # no target: the paper's reward
    for name in ("a2c", "sb3-ppo", "sb3-a2c", "random"):
        plan = make_agent(name, env, seed=0).train(2).plan()
        assert 0 < plan.prunable_sparsity <= 0.3 + 1e-3
    for name in ("uniform", "sensitivity", "owl", "random-search", "evolution"):
        with pytest.raises(ValueError, match="target sparsity"):
            make_agent(name, env)
    agent = make_agent("uniform", env, target_sparsity=0.1)
    agent.train(1)
    assert agent.plan().prunable_sparsity == pytest.approx(0.1)
    with pytest.raises(ValueError, match="unknown agent"):
        make_agent("dqn", env)
    with pytest.raises(ValueError, match="no setting"):
        make_agent("a2c", env, learning_rate=1e-3)  # the A2C has actor_lr and critic_lr


def test_a_user_registers_an_agent_with_one_class(budget_env, tmp_path):
    @register_agent("always-five")
    class AlwaysFive(Agent):
        def episode(self):
            return Episode.from_info(*run_episode(self.env, lambda _: np.full(4, 5)), seconds=0.0)

        def plan(self):
            return PruningPlan.from_dict(run_episode(self.env, lambda _: np.full(4, 5))[1]["plan"])

    try:
        result = train_agent("always-five", budget_env, 3, tmp_path, progress=False)
        assert [r["episode"] for r in rows_of(tmp_path / "metrics.csv")] == ["1", "2", "3"]
        assert result.plan.prunable_sparsity == pytest.approx(TARGET, abs=1e-3)
    finally:
        del AGENTS["always-five"]


def test_score_ratios_agrees_with_the_env_reward(stub_kwargs):
    for extra in ({"target_sparsity": 0.1, "reward": "budget"}, {}):
        env = LLMPruneEnv(**stub_kwargs, **extra)
        ret, info = run_episode(env, lambda _: np.array([10, 3, 25, 7]), seed=0)
        plan = PruningPlan.from_dict(info["plan"])
        scored, kl = score_ratios(env, plan.ratios, range(env.batch_size))
        assert kl == pytest.approx(info["kl"], rel=1e-5)
        assert scored == pytest.approx(ret, abs=1e-4)


# -- the A2C ------------------------------------------------------------------


def test_a2c_losses_match_a_hand_computation():
    actor, critic = Actor(obs_dim=3, heads=2, choices=3, hidden=8), Critic(obs_dim=3, hidden=8)
    with torch.no_grad():  # outputs independent of the state: zero last weights, known biases
        actor.net[-1].weight.zero_()
        actor.net[-1].bias.copy_(torch.tensor([0.0, math.log(2), 0.0, math.log(3), 0.0, 0.0]))
        critic.net[-1].weight.zero_()
        critic.net[-1].bias.fill_(0.5)
    # head 1: probs (1/4, 1/2, 1/4); head 2: (3/5, 1/5, 1/5); action (1, 0)
    log_prob = math.log(1 / 2) + math.log(3 / 5)
    entropy = 1.5 * math.log(2) - (0.6 * math.log(0.6) + 0.4 * math.log(0.2))
    obs, action = torch.rand(1, 3), torch.tensor([[1, 0]])
    for bootstrap, advantage in ((0.5, 0.2 + 0.9 * 0.5 - 0.5), (0.0, 0.2 - 0.5)):  # TD / terminal
        returns = torch.tensor(n_step_returns([0.2], bootstrap, gamma=0.9))
        losses = a2c_losses(actor, critic, obs, action, returns, 0.01)
        assert losses.advantage.item() == pytest.approx(advantage)
        assert losses.critic.item() == pytest.approx(advantage**2)
        assert losses.entropy.item() == pytest.approx(entropy)
        assert losses.actor.item() == pytest.approx(-advantage * log_prob - 0.01 * entropy)


def test_a2c_step_makes_a_rewarded_action_more_likely(budget_env):
    agent = A2CAgent(budget_env, seed=0, actor_lr=1e-3, ent_coef=0.0)
    obs, next_obs, action = np.ones(17, np.float32), np.ones(17, np.float32), np.array([3, 1, 4, 1])

    def log_prob() -> float:
        logits = agent.actor(torch.as_tensor(obs))
        return torch.distributions.Categorical(logits=logits).log_prob(torch.tensor(action)).sum()

    before = log_prob().item()
    losses = agent.update([(obs, action, 1.0)], next_obs, terminated=True)
    assert losses.advantage.item() > 0 and log_prob().item() > before


def test_n_step_returns_discount_back_from_the_bootstrap():
    assert n_step_returns([1.0, 0.0, 2.0], bootstrap=10.0, gamma=0.5) == pytest.approx(
        [1.0 + 0.25 * 2.0 + 0.125 * 10.0, 1.0 + 0.25 * 10.0, 2.0 + 5.0]
    )


def test_episode_updates_give_one_update_per_episode(budget_env):
    agent = A2CAgent(budget_env, seed=0, n_steps=None)
    seen = []
    agent._update = lambda transitions, *rest: (
        seen.append(len(transitions)) or A2CLosses(*(torch.zeros(()) for _ in range(4)))
    )
    agent.train(2)
    assert seen == [budget_env.unwrapped.num_layers] * 2


@pytest.mark.parametrize(
    "name, kwargs", [("a2c", {"eps_start": 0.0}), ("sb3-a2c", {}), ("sb3-ppo", {})]
)
def test_policies_can_start_at_uniform_pruning(budget_env, name, kwargs):
    started = make_agent(name, budget_env, seed=0, start_at_target=True, **kwargs)
    plan = started.plan()  # untrained: every head's mode is the target ratio
    assert np.allclose(plan.ratios, TARGET, atol=1e-3), plan.ratios  # whole weights
    unstarted = make_agent(name, budget_env, seed=0, **kwargs).plan().ratios
    assert not np.allclose(unstarted, TARGET, atol=1e-3)


def test_sb3_without_a_log_folder_leaves_no_temp_folder(budget_env, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # where SB3 would make SB3-<date>
    make_agent("sb3-a2c", budget_env, seed=0).train(2)
    assert list(tmp_path.iterdir()) == []


def test_epsilon_follows_its_schedule(budget_env):
    assert epsilon_after(0) == 1.0
    assert epsilon_after(1000) == pytest.approx(0.999**1000)
    assert epsilon_after(10_000) == 0.001  # the floor
    records = []
    A2CAgent(budget_env, seed=0, eps_decay=0.5, eps_min=0.1).train(5, records.append)
    assert [r["epsilon"] for r in records] == pytest.approx([1.0, 0.5, 0.25, 0.125, 0.1])


def test_a2c_explores_uniformly_at_epsilon_one(budget_env):
    agent = A2CAgent(budget_env, seed=0)
    with torch.no_grad():  # a policy that always wants action 0
        agent.actor.net[-1].bias.copy_(torch.tensor([50.0] + [0.0] * 30).repeat(4))
    obs = np.ones(17, np.float32)
    assert np.all(agent.act(obs, epsilon=0.0) == 0)
    draws = np.array([agent.act(obs, epsilon=1.0) for _ in range(300)])
    assert len(np.unique(draws)) > 25 and abs(draws.mean() - 15) < 2


# -- checkpoints and resume -------------------------------------------------------


class Killed(RuntimeError):
    pass


def kill_after(episodes: int):
    def callback(record):
        if record["episode"] == episodes:
            raise Killed

    return callback


@pytest.mark.parametrize(
    "name", ["a2c", "psrl", "sb3-ppo", "evolution", "sensitivity", "surrogate"]
)
def test_a_killed_run_resumes_with_every_episode_once(budget_env, tmp_path, name):
    straight = train_agent(name, budget_env, 9, tmp_path / "straight", seed=1, progress=False)
    with pytest.raises(Killed):
        train_agent(
            name, budget_env, 9, tmp_path / "run", seed=1, checkpoint_every=3,
            progress=False, callback=kill_after(min(7, straight.agent.episodes_done)),
        )  # fmt: skip
    with (tmp_path / "run" / "metrics.csv").open("a") as metrics:
        metrics.write("8,0.12")  # a line torn by the kill
    resumed = train_agent(
        name, budget_env, 9, tmp_path / "run", seed=1, resume=True, progress=False
    )
    episodes = [r["episode"] for r in read_metrics(tmp_path / "run" / "metrics.csv")]
    assert episodes == list(range(1, straight.agent.episodes_done + 1))
    assert PruningPlan.load(tmp_path / "run" / "plan.json").prunable_sparsity == pytest.approx(
        TARGET, abs=1e-3
    )
    if name != "sb3-ppo":  # our agents checkpoint every RNG, so resuming changes nothing
        assert resumed.resumed_from in (0, 6)
        np.testing.assert_array_equal(resumed.plan.ratios, straight.plan.ratios)
        straight_rows = read_metrics(tmp_path / "straight" / "metrics.csv")
        resumed_rows = read_metrics(tmp_path / "run" / "metrics.csv")
        assert [r["return"] for r in resumed_rows] == [r["return"] for r in straight_rows]


def test_a_saved_agent_loads_with_its_state(budget_env, tmp_path):
    agent = make_agent("a2c", budget_env, seed=2, eps_decay=0.9, hidden=32)
    agent.train(3)
    agent.save(tmp_path)
    loaded = load_agent(tmp_path, budget_env)
    assert isinstance(loaded, A2CAgent) and loaded.episodes_done == 3
    assert loaded.epsilon == agent.epsilon and loaded.hyperparameters["hidden"] == 32
    for mine, theirs in zip(agent.actor.parameters(), loaded.actor.parameters(), strict=True):
        assert torch.equal(mine, theirs)


# -- baselines --------------------------------------------------------------------


def test_allocations_hit_the_target_under_the_cap(budget_env):
    sizes = budget_env.sizes
    ratios = scale_to_budget(np.arange(1.0, 17.0).reshape(4, 4), sizes, 0.2, 0.3)
    assert sparsity_of(ratios, sizes) == pytest.approx(0.2)
    assert ratios.max() == pytest.approx(0.3) and ratios.min() > 0
    with pytest.raises(ValueError):
        scale_to_budget(np.ones((4, 4)), sizes, 0.35, 0.3)


def test_evolution_mutations_keep_the_sparsity(budget_env):
    agent = EvolutionAgent(budget_env, seed=0, step_levels=3)
    ratios = np.full_like(budget_env.sizes, TARGET)
    for _ in range(200):
        ratios = agent.mutate(ratios)
    assert sparsity_of(ratios, budget_env.sizes) == pytest.approx(TARGET, abs=1e-9)
    assert ratios.min() >= 0 and ratios.max() <= 0.3 + 1e-9 and ratios.std() > 0.02


def test_owl_prunes_every_unit_of_a_layer_alike(budget_env):
    agent = make_agent("owl", budget_env)
    plan = agent.train(1).plan()
    assert np.allclose(plan.ratios, plan.ratios[:, :1])
    assert len(plan.metadata["outlier_shares"]) == budget_env.num_layers


# -- learning on an env where some units are free -----------------------------------


def test_sensitivity_finds_the_free_units(free_units_env):
    plan = make_agent("sensitivity", free_units_env).train(1).plan()
    uniform = make_agent("uniform", free_units_env).train(1).plan()
    assert plan.metadata["calibration_kl"] < 0.05 * uniform.metadata["calibration_kl"]


@pytest.mark.parametrize(
    "name, episodes, kwargs",
    [
        # The paper's lr 2e-5, x0.999 epsilon decay and entropy bonus need thousands of
        # episodes; a test of a few hundred passes stronger settings explicitly (measured:
        # calibration KL 0 to 0.0011 over seeds 0-3, random's 0.0099).
        (
            "a2c",
            300,
            {"actor_lr": 1e-3, "critic_lr": 1e-3, "eps_decay": 0.98, "ent_coef": 0.0, "hidden": 64},
        ),
        ("sb3-ppo", 150, {"learning_rate": 1e-3, "batch_size": 16}),  # 4-episode rollouts
    ],
)
def test_learned_agents_beat_random_where_some_units_are_free(
    free_units_env, name, episodes, kwargs
):
    random_kls = [
        make_agent("random", free_units_env, seed=s).train(1).plan().metadata["calibration_kl"]
        for s in range(5)
    ]
    agent = make_agent(name, free_units_env, seed=0, **kwargs)
    agent.train(episodes)
    learned = agent.plan().metadata["calibration_kl"]
    assert learned < 0.3 * np.mean(random_kls), (learned, random_kls)


def test_psrl_finds_the_free_units(free_units_env):
    random_kls = [
        make_agent("random", free_units_env, seed=s).train(1).plan().metadata["calibration_kl"]
        for s in range(5)
    ]
    uniform = make_agent("uniform", free_units_env).train(1).plan().metadata["calibration_kl"]
    learned = make_agent("psrl", free_units_env, seed=0).train(40).plan()
    assert learned.prunable_sparsity == pytest.approx(0.12, abs=1e-3)
    kl = learned.metadata["calibration_kl"]
    assert kl < 0.3 * uniform and kl < 0.1 * np.mean(random_kls), (kl, uniform, random_kls)


# -- posterior sampling's model ----------------------------------------------------------


def test_psrl_posterior_learns_an_additive_score_and_plans_on_budget(budget_env):
    """Scores from a known per-unit model: the posterior mean recovers it, and its plan too."""
    agent = PosteriorSamplingAgent(budget_env, seed=0, degree=2, prior_sd=10.0, noise_sd=0.01)
    rng = np.random.default_rng(1)
    cost = rng.uniform(0.5, 2.0, budget_env.sizes.shape)  # the true score: -sum cost * x^2
    true_theta = np.zeros((*cost.shape, 2))
    true_theta[..., 1] = -cost
    for _ in range(300):
        ratios = rng.uniform(0, budget_env.ratio_grid.max(), cost.shape)
        x = ratios / budget_env.ratio_grid.max()
        agent.observe(ratios, float(-(cost * x**2).sum()) + 3.0)
    mean = agent.posterior()[0]
    np.testing.assert_allclose(mean[:-1], true_theta.ravel(), atol=0.05)
    assert mean[-1] == pytest.approx(3.0, abs=0.05)
    actions = agent.best_actions(mean)
    true_best = agent.best_actions(np.append(true_theta.ravel(), 3.0))
    assert np.abs(actions - true_best).max() <= 1  # at most one grid step apart
    ratios = budget_env.ratio_grid[actions]
    assert sparsity_of(ratios, budget_env.sizes) == pytest.approx(TARGET, abs=0.01)
    # cheaper units prune more: the optimum of -c x^2 + lambda w x is x ~ w / c
    assert np.corrcoef(ratios.ravel(), (budget_env.sizes / cost).ravel())[0, 1] > 0.9


def test_psrl_samples_spread_where_the_posterior_is_unsure(budget_env):
    agent = PosteriorSamplingAgent(budget_env, seed=0)
    draws = np.stack([agent.posterior_sample() for _ in range(200)])
    np.testing.assert_allclose(draws.std(axis=0)[:-1], 0.1, rtol=0.2)  # the prior's sd
    agent.observe(np.full_like(budget_env.sizes, TARGET), 1.0)
    after = np.stack([agent.posterior_sample() for _ in range(200)])
    assert after.std(axis=0)[:-1].mean() < draws.std(axis=0)[:-1].mean()


def test_psrl_log_kl_needs_a_target_the_return_fit_does_not(stub_kwargs):
    env = LLMPruneEnv(**stub_kwargs, prompts=PROMPTS)  # the paper's reward, no target
    with pytest.raises(ValueError, match="target sparsity"):
        make_agent("psrl", env)
    plan = make_agent("psrl", env, fit="return", prior_curvature=0.0).train(3).plan()
    assert 0 <= plan.prunable_sparsity <= 0.3 + 1e-3
    with pytest.raises(ValueError, match="fit"):
        make_agent("psrl", env, fit="kl")


# -- held-out evaluation and the command line -----------------------------------------


def test_heldout_compares_with_uniform_at_the_same_sparsity(budget_env):
    heldout = HeldOut.beside(budget_env.workbench, "builtin:heldout", answer_tokens=8)
    zero = budget_env.workbench.plan(np.zeros((4, 4)))
    assert heldout.kl(zero) == pytest.approx(0.0, abs=1e-6)
    uniform = zero.uniform_like(0.2)
    result = heldout.compare(uniform)
    assert result["kl_ratio"] == pytest.approx(1.0) and result["heldout_kl"] > 0
    assert result["heldout_prompts"] == 32


def test_train_command_writes_a_run_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    common = [
        "train", "--agent", "a2c", "--student", "stub", "--batch-size", "4",
        "--answer-tokens", "8", "--target-sparsity", "0.15", "--seed", "0",
        "--out", str(out), "--agent-kwargs", '{"hidden": 32}', "--checkpoint-every", "2",
    ]  # fmt: skip
    assert cli_main([*common, "--episodes", "4"]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["prunable_sparsity"] == pytest.approx(0.15, abs=1e-3)
    ratio = first["heldout_kl"] / first["uniform_heldout_kl"]
    assert first["kl_ratio"] == pytest.approx(ratio, rel=1e-3)  # the JSON rounds to 6 digits
    assert cli_main([*common, "--episodes", "6", "--resume"]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert second["resumed_from"] == 4 and second["episodes"] == 6
    assert [r["episode"] for r in rows_of(out / "metrics.csv")] == [str(i) for i in range(1, 7)]
    for name in ("plan.json", "learning_curve.png", "checkpoint/state.json"):
        assert (out / name).is_file()
    columns = rows_of(out / "metrics.csv")[0].keys()
    assert {"actor_loss", "critic_loss", "entropy", "epsilon"} <= set(columns)


def test_bench_agents_writes_one_table(tmp_path, capsys):
    argv = [
        "bench-agents", "--agents", "sb3-a2c,uniform,random-search", "--seeds", "0,1",
        "--episodes", "4", "--student", "stub", "--batch-size", "4", "--answer-tokens", "8",
        "--target-sparsity", "0.15", "--out", str(tmp_path),
    ]  # fmt: skip
    assert cli_main(argv) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1  # one JSON line; the table goes to stderr
    summary = json.loads(captured.out)["summary"]
    assert sorted(r["agent"] for r in summary) == ["random-search", "sb3-a2c", "uniform"]
    assert captured.err.count("| sb3-a2c |") == 1 and "| uniform | " in captured.err
    runs = rows_of(tmp_path / "runs.csv")
    assert len(runs) == 6
    uniform = [r for r in runs if r["agent"] == "uniform"]
    assert all(float(r["kl_ratio"]) == pytest.approx(1.0) for r in uniform)
    assert len(rows_of(tmp_path / "summary.csv")) == 3
    assert (tmp_path / "learning_curves.png").stat().st_size > 10_000


# -- behaviour kept through the agents' refactor (issue 17) ----------------------------

# Measured on the stub with the agents as they were before the one training loop and the
# settings objects (commit b6ccc29), 12 episodes, seed 0: (calibration KL, held-out KL).
BEFORE_THE_REFACTOR = {
    "psrl": (0.044039636850357056, 0.04268564289880668),
    "evolution": (0.06877192109823227, 0.06418765701263057),
    "a2c": (0.17662405967712402, 0.14915126248409874),
}


@pytest.fixture(scope="module")
def heldout(budget_env):
    return HeldOut.beside(budget_env.workbench, "builtin:heldout", answer_tokens=8)


@pytest.mark.parametrize("name", sorted(BEFORE_THE_REFACTOR))
def test_the_same_seed_gives_the_plans_and_kls_of_before_the_refactor(budget_env, heldout, name):
    plan = make_agent(name, budget_env, seed=0).train(12).plan()
    calibration, held_out = BEFORE_THE_REFACTOR[name]
    assert plan.metadata["calibration_kl"] == pytest.approx(calibration, rel=1e-6)
    assert heldout.kl(plan) == pytest.approx(held_out, rel=1e-6)


def test_every_agent_has_a_documented_frozen_settings_class_importable_without_torch():
    import dataclasses
    import subprocess
    import sys

    from agents.settings import AGENT_SETTINGS, field_docs

    builtin = {name: cls for name, cls in AGENTS.items() if cls.__module__.startswith("agents.")}
    assert {name: cls.settings_class for name, cls in builtin.items()} == AGENT_SETTINGS
    for settings_class in AGENT_SETTINGS.values():
        assert settings_class.__dataclass_params__.frozen
        docs = field_docs(settings_class)
        fields = [f.name for f in dataclasses.fields(settings_class)]
        assert all(docs[name] for name in fields), settings_class
    heavy = "{'torch', 'numpy', 'gymnasium'}"
    loaded = f"import sys, agents.settings; print(sorted({heavy} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"  # fmt: skip


def test_settings_are_saved_with_the_run_and_a_resume_with_others_is_refused(budget_env, tmp_path):
    from agents.settings import EvolutionSettings

    train_agent("evolution", budget_env, 3, tmp_path, settings=EvolutionSettings(offspring=2),
                progress=False)  # fmt: skip
    assert json.loads((tmp_path / "run.json").read_text())["settings"]["offspring"] == 2
    with pytest.raises(ValueError, match="holds another run"):
        train_agent("evolution", budget_env, 4, tmp_path, resume=True, progress=False)
    with pytest.raises(ValueError, match="offspring must be int"):
        make_agent("evolution", budget_env, offspring=2.5)
