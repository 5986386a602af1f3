"""SB3's side of :mod:`agents.sb3`: the callback that reports episodes to the agent.

A module of its own because it subclasses an SB3 class: :mod:`agents.sb3` imports it
only when an SB3 agent trains, so ``import agents`` works without the ``[rl]`` extra.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from stable_baselines3.common.callbacks import BaseCallback

from .base import EpisodeCallback, episode_record

if TYPE_CHECKING:
    from .sb3 import SB3Agent

# What SB3 logs after each update, under our column names (entropy = -entropy_loss).
_LOSS_KEYS = {
    "actor_loss": ("train/policy_gradient_loss", "train/policy_loss"),
    "critic_loss": ("train/value_loss",),
    "entropy": ("train/entropy_loss",),
}


class SB3EpisodeCallback(BaseCallback):
    """Reports each finished episode to the agent's callback; stops at the episode budget."""

    def __init__(self, agent: SB3Agent, episodes: int, callback: EpisodeCallback | None):
        super().__init__()
        self.agent, self.episodes, self.callback = agent, episodes, callback
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
        self.agent.episodes_done += 1
        record = episode_record(
            self.agent.episodes_done,
            self.total,
            self.locals["infos"][0],
            time.perf_counter() - self.started,
            **self.losses,
        )
        self.total, self.started = 0.0, time.perf_counter()
        keep_going = self.callback is None or self.callback(record) is not False
        return keep_going and self.agent.episodes_done < self.episodes
