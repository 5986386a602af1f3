"""Stable-Baselines3's PPO and A2C (the SB3 algorithms that take MultiDiscrete) on LLMPrune-v0.

SB3's policy for ``MultiDiscrete([31] * 4)`` is one linear head of 124 logits split
into four categoricals, the same factorisation as our A2C. Its defaults assume
long episodes and cheap steps; here an episode is ``L`` steps (one per layer) and
one KL forward pass, so rollouts are whole episodes: ``n_steps = rollout_episodes
* L`` (PPO's default 2048 would be 68 episodes of SmolLM2 before its first update).

When the runner gives the agent a ``log_dir``, SB3's own ``CheckpointCallback``
saves ``log_dir/sb3_checkpoints/rl_model_<steps>_steps.zip`` after every rollout
and SB3 writes TensorBoard logs to ``log_dir/tensorboard`` (``tensorboard --logdir``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import gymnasium as gym
import numpy as np

from llm_prune_gym import PruningPlan
from llm_prune_gym.extras import require_extra

from .base import Agent, Report, register_agent, run_episode, start_at_ratio
from .residual import agent_view, best_plan, pay_for_prior, restore_view, view_state
from .settings import (
    SB3A2CPriorSettings,
    SB3A2CSettings,
    SB3PPOPriorSettings,
    SB3PPOSettings,
    SB3Settings,
)

# The SB3Settings fields that SB3's constructors take as they are; the others are ours.
SB3_HYPERPARAMETERS = (
    "learning_rate",
    "gamma",
    "gae_lambda",
    "ent_coef",
    "vf_coef",
    "max_grad_norm",
)

if TYPE_CHECKING:
    from stable_baselines3.common.base_class import BaseAlgorithm


class SB3Agent(Agent):
    """An SB3 on-policy algorithm behind the agent protocol.

    Settings (:class:`~agents.settings.SB3Settings`): ``rollout_episodes`` (whole
    episodes per rollout, ``n_steps = rollout_episodes * L``), ``start_at_target``
    (start the policy at the env's target ratio, :func:`start_at_ratio`), the device,
    SB3's own hyperparameters, each None for SB3's default, and our view of the env
    (:mod:`agents.residual`): ``prior`` (offsets around a prior plan), ``reward``
    (``log_kl``), ``plan_from`` (``best``: the best episode played). The seed is SB3's
    (policy init, sampling, env resets).
    """

    algorithm_name: ClassVar[str]  # the SB3 class, imported on first use (the [rl] extra)
    settings_class = SB3Settings
    metric_names = ("actor_loss", "critic_loss", "entropy")

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        config: SB3Settings = self.settings
        layers = self.prune_env.num_layers
        self.view = agent_view(env, config)
        if self.view is not None:
            self.env = self.view
        kwargs = {**self.defaults(layers, config.rollout_episodes), **self.sb3_kwargs()}
        algorithm = self.sb3_class()
        self.model = algorithm(
            "MlpPolicy", self.env, seed=seed, device=config.device, verbose=0, **kwargs
        )
        head = self.model.policy.action_net
        if config.prior != "none":  # start at offset 0: the prior plan
            offsets = np.arange(-config.offsets, config.offsets + 1.0)
            start_at_ratio(head, offsets, 0.0, config.start_width)
        elif config.start_at_target:
            start_at_ratio(head, self.prune_env.ratio_grid, self._target(None), config.start_width)

    def sb3_kwargs(self) -> dict:
        """The settings SB3's constructor takes, those left at None (SB3's default) out."""
        ours = {f.name for f in dataclasses.fields(SB3Settings)} - set(SB3_HYPERPARAMETERS)
        values = dataclasses.asdict(self.settings)
        return {k: v for k, v in values.items() if k not in ours and v is not None}

    @classmethod
    def sb3_class(cls) -> type[BaseAlgorithm]:
        """The SB3 algorithm class; a missing SB3 fails with one line naming the extra."""
        return getattr(require_extra("rl", "stable_baselines3"), cls.algorithm_name)

    @staticmethod
    def defaults(layers: int, rollout_episodes: int) -> dict:
        return {"n_steps": rollout_episodes * layers}

    def play(self, report: Report) -> None:
        """SB3 owns the loop: `learn` until `report` says stop (the episode goal or the
        callback), each finished episode reported by :class:`SB3EpisodeCallback`."""
        from stable_baselines3.common.callbacks import CallbackList, CheckpointCallback

        from .sb3_callback import SB3EpisodeCallback

        if not pay_for_prior(self, self.view, report):
            return
        callbacks = [SB3EpisodeCallback(report)]
        if self.log_dir is not None:
            if importlib.util.find_spec("tensorboard") is not None:  # SB3 needs it to log
                self.model.tensorboard_log = str(self.log_dir / "tensorboard")
            callbacks.append(
                CheckpointCallback(self.model.n_steps, str(self.log_dir / "sb3_checkpoints"))
            )
        if self.model.tensorboard_log is None and not self.model._custom_logger:
            # SB3's default logger makes an empty /tmp/SB3-<date> folder on every learn();
            # ours records the values the callback reads and writes no files
            from stable_baselines3.common.logger import Logger

            self.model.set_logger(Logger(folder=None, output_formats=[]))
        remaining = self.episodes_goal - self.episodes_done
        self.model.learn(
            total_timesteps=remaining * self.prune_env.num_layers,
            callback=CallbackList(callbacks),
            log_interval=1,
            tb_log_name=self.name,
            reset_num_timesteps=False,
        )

    def plan(self) -> PruningPlan:
        """The deterministic policy's rollout (the mode of every head), as the env applied it;
        with ``plan_from="best"`` the best episode played."""
        best = best_plan(self.view, self.settings.plan_from)
        if best is not None:
            return self._stamp(best, calibration_kl=self.view.best["kl"])
        _, info = run_episode(self.env, lambda obs: self.model.predict(obs, deterministic=True)[0])
        # that rollout ended the env's episode under SB3: its next `learn` resets the env
        # (SB3 resets when `_last_obs` is None), else training on stepped an ended episode
        self.model._last_obs = None
        return self._stamp(PruningPlan.from_dict(info["plan"]), calibration_kl=info["kl"])

    def _state(self) -> dict:
        return view_state(self.view)

    def _restore(self, state: dict) -> None:
        restore_view(self.view, state)

    def _save_files(self, directory: Path) -> None:
        self.model.save(directory / "model.zip")

    def _load_files(self, directory: Path) -> None:
        self.model = self.sb3_class().load(
            directory / "model.zip", env=self.env, device=self.settings.device
        )


@register_agent("sb3-ppo")
class SB3PPOAgent(SB3Agent):
    """SB3 PPO; minibatches of one episode (``batch_size = L``), other settings SB3's."""

    algorithm_name = "PPO"
    settings_class = SB3PPOSettings

    @staticmethod
    def defaults(layers: int, rollout_episodes: int) -> dict:
        return {"n_steps": rollout_episodes * layers, "batch_size": layers}


@register_agent("sb3-a2c")
class SB3A2CAgent(SB3Agent):
    """SB3 A2C; one update per episode (``n_steps = L``) unless ``rollout_episodes`` says more."""

    algorithm_name = "A2C"
    settings_class = SB3A2CSettings


@register_agent("sb3-ppo-prior")
class SB3PPOPriorAgent(SB3PPOAgent):
    """SB3 PPO around the sensitivity plan (:class:`~agents.settings.SB3PPOPriorSettings`)."""

    settings_class = SB3PPOPriorSettings


@register_agent("sb3-a2c-prior")
class SB3A2CPriorAgent(SB3A2CAgent):
    """SB3 A2C around the sensitivity plan (:class:`~agents.settings.SB3A2CPriorSettings`)."""

    settings_class = SB3A2CPriorSettings
