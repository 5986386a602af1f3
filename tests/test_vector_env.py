"""Several episodes of LLMPrune-v0 at once: the batched vector env, Gymnasium's sync one, SB3's."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.env_util import make_vec_env

from llm_prune_gym import LLMPruneVectorEnv

ENV_ID = "llm_prune_gym:LLMPrune-v0"  # the module prefix imports the package in any worker


def test_sync_vector_env_steps_resets_and_autoresets(stub_kwargs):
    envs = gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="sync", **stub_kwargs)
    layers = envs.envs[0].unwrapped.num_layers
    assert envs.single_action_space == gym.spaces.MultiDiscrete([31] * 4)
    observations, _ = envs.reset(seed=[0, 1])
    assert observations.shape == (2, 4 * layers + 1)
    assert np.all(observations[:, :-1] == 1.0) and np.all(observations[:, -1] == 0.0)
    models = [env.unwrapped.workbench.model for env in envs.envs]
    assert models[0] is not models[1]  # each copy prunes its own weights
    originals = [[p.clone() for p in m.parameters()] for m in models]

    actions = np.array([[30, 0, 10, 20], [0, 0, 0, 0]])
    for step in range(layers):
        observations, rewards, terminated, truncated, infos = envs.step(actions)
        assert rewards.shape == (2,) and not truncated.any()
        assert terminated.tolist() == [step == layers - 1] * 2
    np.testing.assert_allclose(observations[0, :4], [0.7, 1.0, 0.9, 0.8], atol=1e-3)
    assert infos["_kl"].all() and infos["kl"][0] > 0 and infos["kl"][1] == 0.0
    assert rewards[0] != rewards[1]

    # Gymnasium's default autoreset: the step after the last one resets (actions ignored).
    observations, rewards, terminated, *_ = envs.step(actions)
    assert np.all(observations[:, :-1] == 1.0) and np.all(observations[:, -1] == 0.0)
    assert not terminated.any() and np.all(rewards == 0.0)
    for model, params in zip(models, originals, strict=True):
        assert all(torch.equal(a, b) for a, b in zip(model.parameters(), params, strict=True))
    envs.close()


def test_sb3_make_vec_env_plays_an_episode(stub_kwargs):
    # make_vec_env asks for render_mode="rgb_array" unless told otherwise; the env has none.
    envs = make_vec_env(ENV_ID, n_envs=2, seed=0, env_kwargs={**stub_kwargs, "render_mode": None})
    observations = envs.reset()
    layers = (observations.shape[1] - 1) // 4
    for _ in range(layers):
        observations, rewards, dones, infos = envs.step(np.array([[10, 10, 10, 10]] * 2))
    assert dones.all() and rewards.shape == (2,)
    assert all("kl" in info and "terminal_observation" in info for info in infos)
    np.testing.assert_allclose(observations[:, :-1], 1.0)  # SB3 resets on done
    envs.close()


# -- LLMPruneVectorEnv: K episodes on one model, finished plans scored in one pass ------------

PROMPTS = [
    "NameError: name 'total' is not defined",
    "IndexError: list index out of range",
    "TypeError: can only concatenate str (not 'int') to str",
    "ZeroDivisionError: division by zero",
    "KeyError: 'name'",
]


def play(envs, actions: np.ndarray, seed: int) -> list[tuple]:
    """Reset with `seed`, then step through `actions` [steps, K, modules]; every result."""
    results = [envs.reset(seed=seed)]
    results += [envs.step(step_actions) for step_actions in actions]
    return results


def assert_same_results(batched: list[tuple], single: list[tuple]) -> None:
    for mine, theirs in zip(batched, single, strict=True):
        np.testing.assert_array_equal(mine[0], theirs[0])  # observations
        for position in range(1, len(mine) - 1):  # rewards, terminations, truncations
            np.testing.assert_array_equal(mine[position], theirs[position])
        my_info, their_info = mine[-1], theirs[-1]
        assert my_info.keys() == their_info.keys()
        for key in ("kl", "_kl", "prunable_sparsity", "ratios", "layer", "kl_uniform"):
            if key in their_info:
                np.testing.assert_array_equal(my_info[key], their_info[key])


@pytest.mark.parametrize(
    "options",
    [
        {"sampling": "sample", "batch_size": 2},  # each episode draws its own batch
        {"sampling": "fixed", "batch_size": 4, "target_sparsity": 0.15, "reward": "budget"},
    ],
)
def test_vector_env_plays_the_episodes_of_k_single_envs(options):
    kwargs = {"student": "stub", "prompts": PROMPTS, "answer_tokens": 8, **options}
    count = 5
    batched = gym.make_vec(ENV_ID, num_envs=count, max_batch_plans=3, **kwargs)
    assert isinstance(batched.unwrapped, LLMPruneVectorEnv)
    single = gym.make_vec(ENV_ID, num_envs=count, vectorization_mode="sync", **kwargs)
    assert batched.single_action_space == single.single_action_space
    assert batched.observation_space == single.observation_space
    layers = batched.unwrapped.workbench.num_layers
    # two episodes and a bit: the autoreset step after each end, different plans per env
    actions = np.random.default_rng(0).integers(0, 31, (2 * layers + 4, count, 4))
    actions[:, 0] = 0  # the lowest ratios (without a target: no pruning, KL about 0)
    batched_results = play(batched, actions, seed=7)
    assert_same_results(batched_results, play(single, actions, seed=7))
    ends = [r for r in batched_results[1:] if r[2].any()]
    assert len(ends) == 2 and all(r[2].all() for r in ends)
    kls = np.concatenate([r[-1]["kl"] for r in ends])
    assert len(set(kls[:count].tolist())) == count and kls.min() >= 0  # each its own plan
    if "target_sparsity" not in options:
        assert kls[0] < 1e-6 < kls[1:count].min()
    if options["sampling"] == "sample":  # the K episodes did score different batches
        assert len({tuple(e.batch) for e in batched.unwrapped.episodes}) > 1
    pruner = batched.unwrapped.workbench.pruner  # the shared model was never pruned
    units = [unit for layer in pruner.layers for unit in layer]
    assert all(torch.equal(u.weight, o) for u, o in zip(units, pruner.originals, strict=True))
    batched.close()
    single.close()


def test_vector_env_rejects_bad_input():
    envs = LLMPruneVectorEnv(2, student="stub", batch_size=2, answer_tokens=8)
    envs.reset(seed=0)
    with pytest.raises(ValueError, match="expected 2 actions"):
        envs.step(np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="expected 2 seeds"):
        envs.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match="num_envs must be at least 1"):
        LLMPruneVectorEnv(0, student="stub")
