"""Several copies of LLMPrune-v0 at once: Gymnasium's sync vector env and SB3's make_vec_env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.env_util import make_vec_env

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
