"""The BallPy report's online advantage actor-critic, readable top to bottom (CleanRL style).

- Actor and critic: separate two-hidden-layer MLPs with LayerNorm. The actor has
  one categorical head per pruned module (``len(grid)`` logits each, 4 x 31 by
  default); the joint policy is their product.
- Exploration: each action component is replaced by a uniform draw with
  probability ``eps``; ``eps`` starts at 1.0 and decays by x0.999 per episode to
  0.001. An entropy bonus (0.01) keeps the heads from collapsing early.
- Learning: after *every* step, the TD advantage
  ``A_t = r_t + gamma * V(s_{t+1}) - V(s_t)`` (no bootstrap past the terminal
  step) drives ``actor_loss = -A_t * log pi(a_t|s_t) - lambda * H(pi(.|s_t))`` and
  ``critic_loss = A_t ** 2``; gradients are clipped; Adam with lr 2e-5 (actor)
  and 1e-4 (critic).

Every one of these is a constructor argument whose default is the report's value.
One more, ``n_steps`` (default 1, the report's update), generalises the update to
Mnih et al.'s n-step A2C: every ``n_steps`` steps (and at the episode's end) one
gradient step on the batch of transitions, each with the n-step return
``R_t = r_t + gamma * r_{t+1} + ... + gamma^n * V(s_{t+n})`` in place of the TD
target. With ``n_steps=None`` (whole episodes) the terminal reward reaches every
step of the episode directly instead of through a critic that first has to learn the
value of every partial plan; on this env that is what makes the agent learn
(see ``results/RESULTS.md``).

Options beyond the report (issue 20; every default leaves the report's agent as it
was): ``prior`` makes the action an offset around a prior plan (the sensitivity
baseline's, whose scored plans count as episodes), ``reward="log_kl"`` learns from
``log(KL_uniform / KL)``, ``plan_from="best"`` returns the best episode played
(:mod:`agents.residual`), ``advantage_norm`` divides the actor's advantages by their
running RMS, and ``start_width`` narrows or widens the starting policy.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical

from llm_prune_gym import PruningPlan

from .base import Agent, Episode, Report, register_agent, rng_from_state, start_at_ratio
from .residual import agent_view, best_plan, pay_for_prior, restore_view, view_state
from .settings import A2CPriorSettings, A2CSettings


def mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    """Two hidden layers with LayerNorm: the observation mixes fractions near 1 and an index."""
    return nn.Sequential(
        nn.Linear(inputs, hidden),
        nn.LayerNorm(hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.LayerNorm(hidden),
        nn.ReLU(),
        nn.Linear(hidden, outputs),
    )


class Actor(nn.Module):
    """pi(a|s): one categorical head of `choices` logits for each of `heads` modules."""

    def __init__(self, obs_dim: int, heads: int, choices: int, hidden: int) -> None:
        super().__init__()
        self.heads, self.choices = heads, choices
        self.net = mlp(obs_dim, hidden, heads * choices)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs).unflatten(-1, (self.heads, self.choices))  # [..., heads, choices]


class Critic(nn.Module):
    """V(s)."""

    def __init__(self, obs_dim: int, hidden: int) -> None:
        super().__init__()
        self.net = mlp(obs_dim, hidden, 1)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs).squeeze(-1)


@dataclass
class A2CLosses:
    actor: torch.Tensor
    critic: torch.Tensor
    entropy: torch.Tensor
    advantage: torch.Tensor


def n_step_returns(rewards: list[float], bootstrap: float, gamma: float) -> list[float]:
    """``R_t = r_t + gamma * R_{t+1}``, starting from ``bootstrap`` after the last reward."""
    returns, running = [], bootstrap
    for reward in reversed(rewards):
        running = reward + gamma * running
        returns.append(running)
    return returns[::-1]


def a2c_losses(
    actor: Actor,
    critic: Critic,
    obs: torch.Tensor,
    action: torch.Tensor,
    returns: torch.Tensor,
    ent_coef: float,
    advantage_scale: float = 1.0,
) -> A2CLosses:
    """The actor-critic losses of a batch of states, actions and their (n-step) returns.

    Shapes: ``obs [T, D]``, ``action [T, heads]``, ``returns [T]``; losses are means
    over the batch (``T = 1`` is the report's one-step update). The actor's advantages
    are divided by `advantage_scale` (the critic's loss is not).
    """
    dist = Categorical(logits=actor(obs))  # [T, heads] categoricals
    log_prob = dist.log_prob(action).sum(-1)  # log pi(a|s) of each joint action
    entropy = dist.entropy().sum(-1)
    advantage = returns - critic(obs)
    return A2CLosses(
        actor=(-advantage.detach() / advantage_scale * log_prob - ent_coef * entropy).mean(),
        critic=advantage.pow(2).mean(),
        entropy=entropy.detach().mean(),
        advantage=advantage.detach(),
    )


@contextmanager
def single_thread(device: torch.device):
    """Run tiny-MLP work on one CPU thread, then give the LLM its threads back.

    A 121-256-256-124 MLP is too small to split: on a busy 2-core CPU one A2C update
    took 149 ms with 2 threads and 9 ms with 1 (5 ms including this switch).
    """
    if device.type != "cpu":
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def epsilon_after(episodes: int, start: float = 1.0, decay: float = 0.999, floor: float = 0.001):
    """The exploration rate in force after `episodes` episodes."""
    return max(start * decay**episodes, floor)


@register_agent("a2c")
class A2CAgent(Agent):
    """The paper's online A2C (see the module docstring); all defaults are the report's.

    Settings (:class:`~agents.settings.A2CSettings`): network width, learning rates,
    discount, entropy bonus, the epsilon-greedy schedule (decayed once per episode),
    gradient clipping, ``n_steps`` per update, ``start_at_target``, the device, and the
    options of issue 20 (module docstring). The seed seeds the networks'
    initialisation, the exploration, the env's first reset and the prior.
    """

    settings_class = A2CSettings
    metric_names = ("actor_loss", "critic_loss", "entropy", "epsilon")

    def __init__(self, env: gym.Env, seed: int = 0, settings=None, **overrides) -> None:
        super().__init__(env, seed, settings, **overrides)
        config: A2CSettings = self.settings
        if config.n_steps is not None and config.n_steps < 1:
            raise ValueError("n_steps must be at least 1 (or None: whole episodes)")
        device = config.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        self.gamma, self.ent_coef = config.gamma, config.ent_coef
        self.max_grad_norm, self.n_steps = config.max_grad_norm, config.n_steps
        self.eps_decay, self.eps_min = config.eps_decay, config.eps_min
        self.epsilon = config.eps_start
        self.view = agent_view(env, config)
        if self.view is not None:
            self.env = self.view
        obs_dim = self.env.observation_space.shape[0]
        nvec = self.env.action_space.nvec
        heads, choices = len(nvec), int(nvec[0])
        with torch.random.fork_rng(devices=[]):  # seeded init without touching global RNG
            torch.manual_seed(seed)
            self.actor = Actor(obs_dim, heads, choices, config.hidden).to(self.device)
            self.critic = Critic(obs_dim, config.hidden).to(self.device)
        if config.prior != "none":  # start at offset 0: the prior plan
            offsets = np.arange(-config.offsets, config.offsets + 1, dtype=np.float64)
            start_at_ratio(self.actor.net[-1], offsets, 0.0, config.start_width)
        elif config.start_at_target:
            start_at_ratio(
                self.actor.net[-1],
                self.prune_env.ratio_grid,
                self._target(None),
                config.start_width,
            )
        self.advantage_norm = config.advantage_norm
        self.advantage_ms: float | None = None  # running mean square of the advantages
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters(), lr=config.actor_lr)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), lr=config.critic_lr)
        self.rng = np.random.default_rng(seed)  # exploration and action sampling

    # -- acting ---------------------------------------------------------------

    def _tensor(self, obs: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(obs, dtype=torch.float32, device=self.device)

    @torch.no_grad()
    def act(self, obs: np.ndarray, epsilon: float) -> np.ndarray:
        """Sample a ~ pi(.|s), then replace each component by a uniform draw w.p. epsilon."""
        with single_thread(self.device):
            logits = self.actor(self._tensor(obs))
        probs = torch.softmax(logits, dim=-1).double().cpu().numpy()
        heads, choices = probs.shape
        cumulative = probs.cumsum(axis=-1)
        draws = self.rng.random(heads) * cumulative[:, -1]  # inverse-CDF sampling, seeded
        sampled = np.minimum((cumulative <= draws[:, None]).sum(axis=-1), choices - 1)
        explore = self.rng.random(heads) < epsilon
        uniform = self.rng.integers(0, choices, heads)
        return np.where(explore, uniform, sampled).astype(np.int64)

    @torch.no_grad()
    def greedy(self, obs: np.ndarray) -> np.ndarray:
        with single_thread(self.device):
            return self.actor(self._tensor(obs)).argmax(dim=-1).cpu().numpy()

    # -- learning -------------------------------------------------------------

    def update(self, transitions, next_obs, terminated) -> A2CLosses:
        """One gradient step of each network on `transitions`, a list of (s, a, r)."""
        with single_thread(self.device):
            return self._update(transitions, next_obs, terminated)

    def _update(self, transitions, next_obs, terminated) -> A2CLosses:
        obs, actions, rewards = zip(*transitions, strict=True)
        with torch.no_grad():
            bootstrap = 0.0 if terminated else self.critic(self._tensor(next_obs)).item()
        returns = n_step_returns(list(rewards), bootstrap, self.gamma)
        losses = a2c_losses(
            self.actor,
            self.critic,
            self._tensor(np.stack(obs)),
            torch.as_tensor(np.stack(actions), device=self.device),
            self._tensor(np.array(returns)),
            self.ent_coef,
            self._advantage_scale(),
        )
        if self.advantage_norm:
            square = float(losses.advantage.pow(2).mean())
            previous = square if self.advantage_ms is None else self.advantage_ms
            self.advantage_ms = 0.99 * previous + 0.01 * square
        for loss, network, optimizer in (
            (losses.actor, self.actor, self.actor_optimizer),
            (losses.critic, self.critic, self.critic_optimizer),
        ):
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(network.parameters(), self.max_grad_norm)
            optimizer.step()
        return losses

    def _advantage_scale(self) -> float:
        """With `advantage_norm`, the running RMS of the advantages (1 before any)."""
        if not self.advantage_norm or self.advantage_ms is None:
            return 1.0
        return math.sqrt(self.advantage_ms) + 1e-8

    def play(self, report: Report) -> None:
        """Pay for the prior plan first (if it costs episodes), then play episodes."""
        if pay_for_prior(self, self.view, report):
            super().play(report)

    def episode(self) -> Episode:
        """One episode of the epsilon-greedy policy, updating every `n_steps` steps."""
        started = time.perf_counter()
        obs, _ = self._reset()
        total, done, history, transitions = 0.0, False, [], []
        while not done:
            action = self.act(obs, self.epsilon)
            next_obs, reward, terminated, truncated, info = self.env.step(action)
            transitions.append((obs, action, reward))
            total += reward
            obs, done = next_obs, terminated or truncated
            if len(transitions) == self.n_steps or done:
                losses = self.update(transitions, next_obs, terminated)
                history.append((losses.actor.item(), losses.critic.item(), losses.entropy.item()))
                transitions = []
        actor_loss, critic_loss, entropy = np.mean(history, axis=0)
        episode = Episode.from_info(
            total,
            info,
            time.perf_counter() - started,
            actor_loss=actor_loss,
            critic_loss=critic_loss,
            entropy=entropy,
            epsilon=self.epsilon,
        )
        self.epsilon = max(self.epsilon * self.eps_decay, self.eps_min)
        return episode

    def plan(self) -> PruningPlan:
        """The greedy policy's rollout (argmax of every head), as the env applied it; with
        ``plan_from="best"`` the best episode played."""
        best = best_plan(self.view, self.settings.plan_from)
        if best is not None:
            return self._stamp(best, calibration_kl=self.view.best["kl"])
        obs, _ = self.env.reset()
        done = False
        while not done:
            obs, _, terminated, truncated, info = self.env.step(self.greedy(obs))
            done = terminated or truncated
        return self._stamp(PruningPlan.from_dict(info["plan"]), calibration_kl=info["kl"])

    # -- checkpoints ------------------------------------------------------------

    def _state(self) -> dict:
        state = {"epsilon": self.epsilon, "rng": self.rng.bit_generator.state}
        if self.advantage_ms is not None:
            state["advantage_ms"] = self.advantage_ms
        return state | view_state(self.view)

    def _restore(self, state: dict) -> None:
        self.epsilon = state["epsilon"]
        self.rng = rng_from_state(state["rng"])
        self.advantage_ms = state.get("advantage_ms")
        restore_view(self.view, state)

    def _save_files(self, directory: Path) -> None:
        torch.save(
            {
                "actor": self.actor.state_dict(),
                "critic": self.critic.state_dict(),
                "actor_optimizer": self.actor_optimizer.state_dict(),
                "critic_optimizer": self.critic_optimizer.state_dict(),
            },
            directory / "a2c.pt",
        )

    def _load_files(self, directory: Path) -> None:
        saved = torch.load(directory / "a2c.pt", map_location=self.device, weights_only=True)
        self.actor.load_state_dict(saved["actor"])
        self.critic.load_state_dict(saved["critic"])
        self.actor_optimizer.load_state_dict(saved["actor_optimizer"])
        self.critic_optimizer.load_state_dict(saved["critic_optimizer"])


@register_agent("a2c-prior")
class A2CPriorAgent(A2CAgent):
    """The A2C above with issue 20's options on by default (:class:`~agents.settings.
    A2CPriorSettings`): offsets around the sensitivity plan, whose 123 scored plans on
    SmolLM2 count as episodes, the log-KL reward and the best episode as the plan."""

    settings_class = A2CPriorSettings
