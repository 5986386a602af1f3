"""SB3's side of :mod:`agents.sb3`: the callback that reports episodes to the agent.

A module of its own because it subclasses an SB3 class: :mod:`agents.sb3` imports it
only when an SB3 agent trains, so ``import agents`` works without the ``[rl]`` extra.
"""

from __future__ import annotations

import time

from stable_baselines3.common.callbacks import BaseCallback

from .base import Episode, Report

# What SB3 logs after each update, under our column names (entropy = -entropy_loss).
_LOSS_KEYS = {
    "actor_loss": ("train/policy_gradient_loss", "train/policy_loss"),
    "critic_loss": ("train/value_loss",),
    "entropy": ("train/entropy_loss",),
}


class SB3EpisodeCallback(BaseCallback):
    """Reports each finished episode to the agent's training loop; stops when it says so."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report
        self.losses = {name: float("nan") for name in _LOSS_KEYS}
        self.total, self.started = 0.0, time.perf_counter()

    def _on_rollout_start(self) -> None:
        # SB3 dumps its logs before each update, so the last update's values are still here.
        logged = self.model.logger.name_to_value
        for name, keys in _LOSS_KEYS.items():
            for key in keys:
                if key in logged:
                    value = float(logged[key])
                    self.losses[name] = -value if name == "entropy" else value

    def _on_step(self) -> bool:
        self.total += float(self.locals["rewards"][0])
        if not self.locals["dones"][0]:
            return True
        episode = Episode.from_info(
            self.total, self.locals["infos"][0], time.perf_counter() - self.started, **self.losses
        )
        self.total, self.started = 0.0, time.perf_counter()
        return self.report(episode)
