"""LLMPrune-v0 on stub students: conformance, determinism, exact restore, clear errors."""

from __future__ import annotations

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env
from transformers import GPT2Config, GPT2LMHeadModel

import llm_prune_gym
from llm_prune_gym import ENV_ID, LLMPruneEnv, PruningPlan, load_student
from llm_prune_gym.env import scaled_log
from llm_prune_gym.prompts import builtin_prompts, read_prompt_file


def run_episode(env, actions):
    observations, rewards, infos = [], [], []
    observation, _ = env.reset(seed=7)
    observations.append(observation)
    for action in actions:
        observation, reward, terminated, truncated, info = env.step(action)
        observations.append(observation)
        rewards.append(reward)
        infos.append(info)
    assert terminated and not truncated
    return observations, rewards, infos


def test_gymnasium_and_sb3_checkers_pass_through_make(stub_kwargs):
    gym_check_env(gym.make(ENV_ID, **stub_kwargs).unwrapped)
    sb3_check_env(gym.make(ENV_ID, **stub_kwargs))


def test_spaces_follow_the_mdp(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs).unwrapped
    layers = env.num_layers
    assert env.action_space == gym.spaces.MultiDiscrete([31] * 4)
    assert env.observation_space.shape == (4 * layers + 1,)
    observation, info = env.reset(seed=0)
    assert observation.dtype == np.float32 and env.observation_space.contains(observation)
    assert np.all(observation[:-1] == 1.0) and observation[-1] == 0.0
    for step in range(layers):
        observation, reward, terminated, truncated, info = env.step(np.array([30, 0, 10, 20]))
        assert isinstance(reward, float) and type(terminated) is bool and type(truncated) is bool
        assert terminated == (step == layers - 1)
        assert env.observation_space.contains(observation)
        np.testing.assert_allclose(
            observation[4 * step : 4 * step + 4], [0.7, 1.0, 0.9, 0.8], atol=1e-3
        )
    assert set(info) >= {"layer", "ratios", "prunable_sparsity", "model_sparsity", "kl", "plan"}
    assert info["kl"] > 0
    expected = 0.001 * 0.6 + 1.0 * info["prunable_sparsity"] - info["kl"]
    assert reward == pytest.approx(expected)


def test_layer_observation_appends_a_one_hot_of_the_current_layer(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs, observation="layer").unwrapped
    layers, paper = env.num_layers, 4 * env.num_layers + 1
    assert env.observation_space.shape == (paper + layers,)
    observation, _ = env.reset(seed=0)
    for step in range(layers):
        np.testing.assert_array_equal(observation[paper:], np.eye(layers)[step])
        assert observation[paper - 1] == pytest.approx(step / layers)
        observation, *_ = env.step(np.array([30, 0, 10, 20]))
        assert env.observation_space.contains(observation)
    assert not observation[paper:].any()  # past the last layer


def test_sensitivity_observation_appends_the_current_layers_unit_sensitivities(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs, target_sparsity=0.1, observation="sensitivity").unwrapped
    layers, modules, paper = env.num_layers, env.num_modules, 4 * env.num_layers + 1
    assert env.observation_space.shape == (paper + modules,)
    rises = env.workbench.unit_sensitivities(env.ratio_grid.max(), 0.1)
    assert rises.shape == (layers, modules) and np.all(rises > 0)
    features = scaled_log(rises)
    assert features.min() == 0 and features.max() == 1
    observation, _ = env.reset(seed=0)
    for step in range(layers):
        np.testing.assert_allclose(observation[paper:], features[step], rtol=1e-6)
        observation, *_ = env.step(np.array([30, 0, 10, 20]))
        assert env.observation_space.contains(observation)
    assert not observation[paper:].any()  # past the last layer
    # the most sensitive unit is the one whose pruning alone raises the KL most
    alone = [env.workbench.kl(np.eye(layers * modules)[u].reshape(layers, modules) * 0.3).mean
             for u in range(layers * modules)]  # fmt: skip
    np.testing.assert_allclose(env.workbench.unit_sensitivities(0.3).ravel(), alone, rtol=1e-6)


def test_scaled_log_maps_logs_to_the_unit_interval_with_a_floor():
    np.testing.assert_allclose(scaled_log(np.array([1.0, 10.0, 100.0])), [0.0, 0.5, 1.0])
    assert scaled_log(np.array([-1.0, 1.0, 1.0]))[0] == 0.0  # at or below 0: the floor
    np.testing.assert_array_equal(scaled_log(np.ones(3)), [0.5, 0.5, 0.5])


def test_same_seed_same_actions_same_episode(stub_kwargs):
    actions = np.random.default_rng(3).integers(0, 31, (4, 4))
    kwargs = {**stub_kwargs, "sampling": "sample", "prompts": builtin_prompts("train")[:10]}
    first = run_episode(gym.make(ENV_ID, **kwargs), actions)
    second = run_episode(gym.make(ENV_ID, **kwargs), actions)
    for a, b in zip(first[0], second[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert first[1] == second[1]
    assert first[2][-1]["kl"] == second[2][-1]["kl"]


def test_sampling_draws_batches_with_the_env_rng(stub_kwargs):
    pool = builtin_prompts("train")[:10]
    env = gym.make(ENV_ID, **{**stub_kwargs, "sampling": "sample", "prompts": pool}).unwrapped
    batches = []
    for seed in (0, 0, 1):
        env.reset(seed=seed)
        batches.append(tuple(env.batch))
    assert batches[0] == batches[1] != batches[2]


def test_reset_restores_every_weight_bit_exactly(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs).unwrapped
    before = {name: t.clone() for name, t in env.workbench.model.state_dict().items()}
    env.reset(seed=0)
    for _ in range(env.num_layers):
        env.step(np.full(4, 30))
    assert not all(torch.equal(before[n], t) for n, t in env.workbench.model.state_dict().items())
    env.reset(seed=1)
    for name, tensor in env.workbench.model.state_dict().items():
        assert torch.equal(before[name], tensor), name


def test_budget_mode_lands_on_the_target_and_normalises_by_uniform(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs, target_sparsity=0.2, reward="budget").unwrapped
    for actions in (np.zeros((4, 4), int), np.full((4, 4), 30), np.array([[30, 30, 0, 0]] * 4)):
        env.reset(seed=0)
        rewards = [env.step(a)[1] for a in actions]
        info = env.workbench.sparsity()._asdict() | {"kl": env.workbench.kl(None, env.batch).mean}
        assert info["prunable"] == pytest.approx(0.2, abs=1e-3)
        assert rewards[:-1] == [0.0] * 3
        uniform = env.workbench.uniform_kl(0.2, env.batch)
        assert rewards[-1] == pytest.approx((uniform - info["kl"]) / uniform, rel=1e-6)


def test_uniform_pruning_scores_zero_in_budget_mode(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs, target_sparsity=0.2, reward="budget")
    env.reset(seed=0)
    for _ in range(4):
        *_, info = env.step(np.full(4, 20))
    assert info["kl"] == pytest.approx(info["kl_uniform"], rel=1e-6)


def test_plan_round_trip_scale_and_apply(stub_kwargs, tmp_path):
    env = gym.make(ENV_ID, **stub_kwargs).unwrapped
    env.reset(seed=0)
    for action in np.random.default_rng(0).integers(0, 31, (4, 4)):
        *_, info = env.step(action)
    plan = PruningPlan.load(env.current_plan().save(tmp_path / "plan.json"))
    np.testing.assert_allclose(plan.ratios, info["ratios"], atol=1e-6)
    assert plan.prunable_sparsity == pytest.approx(info["prunable_sparsity"], abs=1e-6)
    assert env.workbench.kl(plan, env.batch).mean == pytest.approx(info["kl"], rel=1e-5)
    assert plan.scaled(prunable_sparsity=0.1).prunable_sparsity == pytest.approx(0.1)
    assert plan.scaled(model_sparsity=0.05).model_sparsity == pytest.approx(0.05)
    assert plan.uniform_like().prunable_sparsity == pytest.approx(plan.prunable_sparsity)


def test_registration_is_idempotent_and_works_without_import():
    import importlib

    importlib.reload(llm_prune_gym)
    assert ENV_ID in gym.registry
    code = (
        "import gymnasium as gym;"
        "env = gym.make('llm_prune_gym:LLMPrune-v0', student='stub', batch_size=2,"
        " answer_tokens=4);"
        "print(env.reset(seed=0)[0].shape)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "(17,)"


@pytest.mark.parametrize(
    "action, message",
    [
        ([1, 2, 3], "shape"),
        ([0, 0, 0, 31], r"\[0, 30\]"),
        ([0, 0, -1, 0], r"\[0, 30\]"),
        ([0.5, 0, 0, 0], "integers"),
    ],
)
def test_bad_actions_raise_and_change_nothing(stub_kwargs, action, message):
    env = gym.make(ENV_ID, **stub_kwargs).unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match=message):
        env.step(action)
    assert env.workbench.removed_params() == 0
    assert env.step([0, 0, 0, 0])[-1]["layer"] == 0  # still the first layer


def test_step_outside_an_episode_raises(stub_kwargs):
    env = gym.make(ENV_ID, **stub_kwargs).unwrapped
    with pytest.raises(RuntimeError, match="reset"):
        env.step([0, 0, 0, 0])
    env.reset(seed=0)
    for _ in range(env.num_layers):
        env.step([1, 1, 1, 1])
    with pytest.raises(RuntimeError, match="reset"):
        env.step([0, 0, 0, 0])


def test_unknown_module_names_are_named(stub_kwargs):
    with pytest.raises(ValueError, match="'w_in'.*q_proj"):
        LLMPruneEnv(**{**stub_kwargs, "modules": ("q_proj", "w_in")})


def test_model_without_the_modules_gets_a_clear_error(stub_kwargs):
    config = GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=300)
    tokenizer = load_student("stub").tokenizer
    with pytest.raises(ValueError, match="q_proj"):
        LLMPruneEnv(**{**stub_kwargs, "student": (GPT2LMHeadModel(config), tokenizer)})


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ({"student": "no-such-model"}, ValueError, "unknown student"),
        ({"prompts": []}, ValueError, "empty"),
        ({"prompts": ["x" * 5000]}, ValueError, "context"),
        ({"criterion": "random"}, ValueError, "criterion"),
        ({"sampling": "shuffle"}, ValueError, "sampling"),
        ({"observation": "sensitive"}, ValueError, "observation"),
        ({"reward": "budget"}, ValueError, "target_sparsity"),
        ({"target_sparsity": 0.5}, ValueError, "target_sparsity"),
        ({"prompts": "missing.jsonl"}, FileNotFoundError, "missing.jsonl"),
    ],
)
def test_bad_constructor_input_raises_clearly(stub_kwargs, overrides, error, message):
    with pytest.raises(error, match=message):
        LLMPruneEnv(**{**stub_kwargs, **overrides})


def test_malformed_prompt_file_names_the_line(tmp_path):
    path = tmp_path / "prompts.jsonl"
    path.write_text('{"prompt": "fine"}\n\n{"messages": [{"role": "user"}]}\n')
    with pytest.raises(ValueError, match="line 3"):
        read_prompt_file(path)
    path.write_text('{"prompt": "fine"}\nnot json\n')
    with pytest.raises(ValueError, match="line 2"):
        read_prompt_file(path)


def test_builtin_calibration_set_is_big_enough_and_split():
    train, heldout = builtin_prompts("train"), builtin_prompts("heldout")
    assert len(train) + len(heldout) >= 64 and len(heldout) >= 16
    texts = {m[-1]["content"] for m in train}
    assert not texts & {m[-1]["content"] for m in heldout}
    # Every prompt carries what Python printed: a traceback, or a SyntaxError's report.
    assert all('File "main.py", line' in m[-1]["content"] for m in train + heldout)


def test_wanda_criterion_prunes_by_activation_weighted_score(stub_kwargs):
    magnitude = gym.make(ENV_ID, **stub_kwargs).unwrapped
    wanda = gym.make(ENV_ID, **stub_kwargs, criterion="wanda").unwrapped
    for env in (magnitude, wanda):
        env.reset(seed=0)
        env.step(np.full(4, 20))
    masks = [env.workbench.pruner.layers[0][0].weight == 0 for env in (magnitude, wanda)]
    assert not torch.equal(*masks)
    rows_pruned = masks[1].sum(dim=1)
    assert torch.all(rows_pruned == rows_pruned[0])  # wanda prunes the same share of every row


@pytest.mark.real_model
def test_default_student_full_episode_and_kl_grows_with_ratio():
    env = gym.make(ENV_ID)  # the default: SmolLM2-135M-Instruct, built-in prompts
    observation, _ = env.reset(seed=0)
    assert observation.shape == (121,)
    kls = {}
    for ratio in (0.1, 0.2):
        env.reset(seed=0)
        for _ in range(30):
            *_, terminated, _, info = env.step(np.full(4, round(ratio * 100)))
        assert terminated
        kls[ratio] = info["kl"]
    assert kls[0.2] > kls[0.1] > 0
