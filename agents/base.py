"""The one protocol every agent follows, its one training loop, and the registry of agents.

An agent is built on an environment with its settings (a frozen dataclass of
:mod:`agents.settings`), trained for a number of episodes, and asked for its plan::

    agent = make_agent("a2c", env, seed=0, settings=A2CSettings(n_steps=None))
    agent.train(episodes=300, callback=print)   # callback(record) after every episode
    plan = agent.plan()                         # a PruningPlan
    agent.save("run/checkpoint"); agent = load_agent("run/checkpoint", env)

:meth:`Agent.train` is the one training loop: it plays until ``episodes`` episodes are
done *in total* (so an agent loaded from a checkpoint continues where it stopped),
counts them, and hands each episode's metrics row to the callback; a callback that
returns ``False`` stops training after that episode. An algorithm writes what one
episode is (:meth:`Agent.episode`), or, where episodes come in batches or a library
owns the loop, how they are played (:meth:`Agent.play`). To add one, subclass
:class:`Agent`, give it a ``settings_class`` and decorate it with
``@register_agent("name")``; another package makes its agents reach ``llm-prune train
--agent`` through the entry-point group ``llm_prune_gym.agents``
(:func:`load_agent_plugins`).

One *episode* is the unit of budget for every agent: an env episode for the
learned agents, one scored plan (one forward pass over the calibration batch, the
cost of an episode) for the search baselines.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch

from llm_prune_gym import LLMPruneEnv, PruningPlan, reward
from llm_prune_gym.plan import bisect_knob, sparsity_of

from .settings import AgentSettings, settings_for

EpisodeCallback = Callable[[dict], "bool | None"]
# What the loop hands each finished episode to; False: stop after it.
Report = Callable[["Episode"], bool]

AGENTS: dict[str, type[Agent]] = {}

# Columns every agent reports per episode; agents add theirs in `metric_names`.
BASE_METRICS = ("episode", "return", "kl", "prunable_sparsity", "model_sparsity", "seconds")


def register_agent(name: str) -> Callable[[type[Agent]], type[Agent]]:
    """Class decorator: make an agent available under `name` (CLI, bench, `make_agent`)."""

    def decorate(cls: type[Agent]) -> type[Agent]:
        if name in AGENTS and AGENTS[name] is not cls:
            raise ValueError(f"an agent named {name!r} is already registered")
        cls.name = name
        AGENTS[name] = cls
        return cls

    return decorate


# Other packages declare agents here: `name = "module"` (its @register_agent classes
# register on import) or `name = "module:AgentClass"` (registered under `name`).
AGENT_ENTRY_POINTS = "llm_prune_gym.agents"


def load_agent_plugins() -> list[str]:
    """Register the agents that installed packages declare as ``llm_prune_gym.agents``.

    Returns the names added. A plugin that fails to import, or whose name is taken,
    is skipped with a warning: one broken package must not take the CLI down.
    """
    before = set(AGENTS)
    for entry in entry_points(group=AGENT_ENTRY_POINTS):
        try:
            loaded = entry.load()
            if isinstance(loaded, type) and issubclass(loaded, Agent):
                if loaded not in AGENTS.values():
                    register_agent(entry.name)(loaded)
        except Exception as error:  # a third party's bug: report it, keep our agents
            warnings.warn(
                f"agent plugin {entry.name!r} ({entry.value}) skipped: {error}", stacklevel=2
            )
    return sorted(set(AGENTS) - before)


def registered_agents() -> dict[str, type[Agent]]:
    """Every agent: the built-in ones and the plugins' (imported on first call)."""
    from . import load_builtin_agents  # the package imports this module: import late

    load_builtin_agents()
    return AGENTS


def make_agent(
    name: str,
    env: gym.Env,
    seed: int = 0,
    settings: AgentSettings | None = None,
    **overrides: Any,
) -> Agent:
    """A new agent of the registered kind `name`, with `settings` (default: the agent's
    defaults) and `overrides` of single fields (JSON values, checked: ValueError)."""
    agents = registered_agents()
    if name not in agents:
        raise ValueError(f"unknown agent {name!r}; choose one of {sorted(agents)}")
    return agents[name](env, seed=seed, settings=settings, **overrides)


def agent_settings(
    name: str, settings: AgentSettings | None = None, **overrides: Any
) -> AgentSettings:
    """The settings agent `name` would run with: `settings` (default: its defaults) with
    `overrides` of single fields (JSON values), checked (ValueError, one line)."""
    agents = registered_agents()
    if name not in agents:
        raise ValueError(f"unknown agent {name!r}; choose one of {sorted(agents)}")
    return checked_settings(agents[name].settings_class, name, settings, overrides)


def checked_settings(
    cls: type[AgentSettings], name: str, settings: AgentSettings | None, overrides: dict
) -> AgentSettings:
    """`settings` (a `cls`; None: the defaults) with `overrides` applied, every field checked."""
    if settings is not None and not isinstance(settings, cls):
        raise TypeError(f"the {name!r} agent takes {cls.__name__}, not {type(settings).__name__}")
    values = dataclasses.asdict(settings) if settings is not None else {}
    return settings_for(cls, {**values, **overrides}, name)


def load_agent(directory: str | Path, env: gym.Env) -> Agent:
    """An agent saved by `Agent.save`, of whichever registered kind it was."""
    state = json.loads((Path(directory) / "state.json").read_text())
    return registered_agents()[state["agent"]].load(directory, env)


@dataclass
class Episode:
    """What an agent reports of one finished episode; the loop numbers it."""

    ret: float  # the episode's return
    kl: float  # its calibration KL
    prunable_sparsity: float
    model_sparsity: float
    seconds: float  # wall time it took
    metrics: dict[str, Any] = field(default_factory=dict)  # the agent's `metric_names`

    @classmethod
    def from_info(cls, ret: float, info: dict, seconds: float, **metrics: Any) -> Episode:
        """From the env's terminal `info` (or any dict with its kl and sparsities)."""
        return cls(
            float(ret),
            float(info["kl"]),
            float(info["prunable_sparsity"]),
            float(info["model_sparsity"]),
            float(seconds),
            metrics,
        )

    @classmethod
    def of_plan(
        cls,
        env: LLMPruneEnv,
        ratios: np.ndarray,
        ret: float,
        kl: float,
        seconds: float,
        **metrics: Any,
    ) -> Episode:
        """For a whole plan scored on the calibration batch (search agents' episodes)."""
        info = {
            "kl": kl,
            "prunable_sparsity": sparsity_of(ratios, env.sizes),
            "model_sparsity": float((ratios * env.sizes).sum() / env.total_params),
        }
        return cls.from_info(ret, info, seconds, **metrics)

    def record(self, number: int) -> dict:
        """The metrics row of episode `number` (the columns of `BASE_METRICS`, then the
        agent's own)."""
        return {
            "episode": number,
            "return": self.ret,
            "kl": self.kl,
            "prunable_sparsity": self.prunable_sparsity,
            "model_sparsity": self.model_sparsity,
            "seconds": self.seconds,
            **self.metrics,
        }


class Agent(ABC):
    """Base class: the env, the seed, the settings, the episode count and the training loop.

    Subclasses write :meth:`episode` (or :meth:`play`) and :meth:`plan`, and
    `_state`/`_restore` (plus `_save_files`/`_load_files` for tensors) so a checkpoint
    taken after any episode resumes there. The A2C and the baselines save every RNG,
    so a resumed run equals an uninterrupted one; SB3 agents lose the rollout in
    progress. The settings go into ``state.json`` (their fields are JSON values).
    """

    name: ClassVar[str] = ""
    settings_class: ClassVar[type[AgentSettings]] = AgentSettings
    metric_names: ClassVar[tuple[str, ...]] = ()  # per-episode columns beyond BASE_METRICS

    def __init__(
        self,
        env: gym.Env,
        seed: int = 0,
        settings: AgentSettings | None = None,
        **overrides: Any,
    ) -> None:
        if not isinstance(env.unwrapped, LLMPruneEnv):
            raise TypeError("agents need an LLMPrune-v0 environment")
        self.env = env
        self.seed = int(seed)
        self.settings: Any = checked_settings(self.settings_class, self.name, settings, overrides)
        self.episodes_done = 0
        self.episodes_goal = 0  # the total the running `train` call plays to
        self.log_dir: Path | None = None  # where agents with their own logs write them

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The settings as a dict of JSON values (saved with every checkpoint and run)."""
        return to_json(dataclasses.asdict(self.settings))

    @property
    def prune_env(self) -> LLMPruneEnv:
        """The unwrapped environment: its settings, sizes, grid and `workbench` (KL, plans)."""
        return self.env.unwrapped

    # -- the training loop -------------------------------------------------------

    def train(self, episodes: int, callback: EpisodeCallback | None = None) -> Agent:
        """Play until `episodes` episodes are done in total (over resumes); after each,
        hand its metrics row to `callback` (return False to stop after it)."""

        def report(episode: Episode) -> bool:
            self.episodes_done += 1
            stop = callback is not None and callback(episode.record(self.episodes_done)) is False
            return not stop and self.episodes_done < episodes

        self.episodes_goal = episodes
        if self.episodes_done < episodes:
            self.play(report)
        return self

    def play(self, report: Report) -> None:
        """Play episodes one at a time while `report` says go on. Agents whose episodes
        come in batches, or whose library owns the loop (SB3), override this."""
        while report(self.episode()):
            pass

    def episode(self) -> Episode:
        """Play (or score) one episode and learn from it."""
        raise NotImplementedError(f"the {self.name!r} agent writes episode() or play()")

    @abstractmethod
    def plan(self) -> PruningPlan:
        """The agent's plan (learned agents: the greedy policy's rollout)."""

    # -- checkpoints --------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write everything needed to resume: ``state.json`` plus the agent's own files."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        state = {
            "agent": self.name,
            "seed": self.seed,
            "settings": self.hyperparameters,
            "episodes_done": self.episodes_done,
            "env_rng": self.prune_env.np_random.bit_generator.state,
            **self._state(),
        }
        self._save_files(directory)
        (directory / "state.json").write_text(json.dumps(to_json(state), indent=1) + "\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path, env: gym.Env) -> Agent:
        directory = Path(directory)
        state = json.loads((directory / "state.json").read_text())
        if state["agent"] != cls.name:
            raise ValueError(f"{directory} holds a {state['agent']!r} agent, not {cls.name!r}")
        settings = state.get("settings", state.get("hyperparameters"))  # older checkpoints
        agent = cls(env, seed=state["seed"], **settings)
        agent.episodes_done = state["episodes_done"]
        # The next reset draws the calibration batch it would have drawn without the stop.
        agent.prune_env.np_random = rng_from_state(state["env_rng"])
        agent._load_files(directory)
        agent._restore(state)
        return agent

    def _state(self) -> dict:
        return {}

    def _restore(self, state: dict) -> None:
        """Hook: put back what `_state` returned (nothing by default)."""
        return None

    def _save_files(self, directory: Path) -> None:
        """Hook: write tensors beside `state.json` (nothing by default)."""
        return None

    def _load_files(self, directory: Path) -> None:
        """Hook: read what `_save_files` wrote (nothing by default)."""
        return None

    # -- helpers --------------------------------------------------------------

    def _reset(self):
        """Reset the env, seeding it only on a fresh agent's first episode."""
        return self.env.reset(seed=self.seed if self.episodes_done == 0 else None)

    def _stamp(self, plan: PruningPlan, **metadata) -> PruningPlan:
        plan.metadata.update(
            agent=self.name, seed=self.seed, episodes=self.episodes_done, **metadata
        )
        return plan

    def _target(self, target_sparsity: float | None) -> float:
        """The agent's own target, else the env's; baselines that allocate a budget need one."""
        target = target_sparsity if target_sparsity is not None else self.prune_env.target_sparsity
        if target is None:
            raise ValueError(
                f"the {self.name!r} agent needs a target sparsity: build the env with "
                "target_sparsity=... or pass target_sparsity to the agent"
            )
        cap = float(self.prune_env.ratio_grid.max())
        if not 0 < target < cap:
            raise ValueError(f"target sparsity {target} must lie in (0, {cap:g}), below the cap")
        return float(target)


def start_at_ratio(head: torch.nn.Linear, grid: np.ndarray, ratio: float, width: float = 2.0):
    """Make a policy head of ``heads x len(grid)`` logits start by picking `ratio`.

    The head's weights shrink 100x (the state barely matters at first) and its biases
    become a Gaussian bump, ``width`` grid steps wide, on the grid entry nearest
    `ratio`. Called with the budget's target, the untrained policy prunes near
    uniformly instead of sampling ratios at random, which under the budget constraint
    pushes the shortfall onto the (most fragile) last layers.
    """
    steps = (np.asarray(grid, dtype=np.float64) - ratio) / (grid[1] - grid[0])
    bump = torch.as_tensor(-0.5 * (steps / width) ** 2, dtype=head.bias.dtype)
    heads = head.out_features // len(grid)
    with torch.no_grad():
        head.weight.mul_(0.01)
        head.bias.copy_(bump.repeat(heads).to(head.bias.device))


def run_episode(env: gym.Env, policy: Callable[[np.ndarray], np.ndarray], seed=None):
    """Roll out `policy` (observation -> action) for one episode: (return, final info)."""
    observation, info = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(policy(observation))
        total += reward
        done = terminated or truncated
    return total, info


def score_ratios(env: LLMPruneEnv, ratios: np.ndarray, indices) -> tuple[float, float]:
    """(return, KL) the env would give an episode that ends at `ratios`, from one forward pass.

    Uses the env's own `reward`, so search baselines that score plans directly are on
    the same scale as agents that play episodes (a test checks they agree).
    """
    kl = env.workbench.kl(ratios, indices).mean
    return return_of(env, ratios, kl, indices), kl


def score_plans(
    env: LLMPruneEnv, plans: Sequence[np.ndarray], indices
) -> tuple[list[float], list[float]]:
    """`score_ratios` of each plan (returns, KLs), the KLs batched (`Workbench.batch_kls`)."""
    kls = [float(result.mean) for result in env.workbench.batch_kls(plans, indices)]
    return [return_of(env, ratios, kl, indices) for ratios, kl in zip(plans, kls, strict=True)], kls


def return_of(env: LLMPruneEnv, ratios: np.ndarray, kl: float, indices) -> float:
    """The env's episode return for a plan that ends at `ratios` with calibration KL `kl`."""
    uniform = None
    if env.settings.reward == "budget":
        uniform = env.workbench.uniform_kl(env.target_sparsity, indices)
    return reward(env.settings, ratios, sparsity_of(ratios, env.sizes), kl, uniform)


def plan_of(env: LLMPruneEnv, ratios: np.ndarray, **metadata) -> PruningPlan:
    return env.workbench.plan(ratios, **metadata)


def fit_to_budget(
    ratios_at: Callable[[float], np.ndarray],
    sizes: np.ndarray,
    target: float,
    low: float,
    high: float,
) -> np.ndarray:
    """Bisect a knob `x` in [low, high] so `ratios_at(x)` (monotone in x) has sparsity `target`."""
    if not sparsity_of(ratios_at(low), sizes) <= target <= sparsity_of(ratios_at(high), sizes):
        raise ValueError(f"no allocation of this shape reaches a sparsity of {target}")
    knob = bisect_knob(lambda x: sparsity_of(ratios_at(x), sizes), target, low, high)
    return ratios_at(knob)


def scale_to_budget(weights: np.ndarray, sizes: np.ndarray, target: float, cap: float):
    """Ratios ``min(c * weights, cap)`` with ``c`` chosen so the sparsity is `target`."""
    weights = np.asarray(weights, dtype=np.float64)
    if np.any(weights < 0) or not np.any(weights > 0):
        raise ValueError("allocation weights must be non-negative and not all zero")
    if target > cap:
        raise ValueError(f"a sparsity of {target} is above the ratio cap {cap}")
    high = cap / weights[weights > 0].min()  # at this scale every positive weight hits the cap
    return fit_to_budget(lambda c: np.minimum(c * weights, cap), sizes, target, 0.0, high)


def rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


def rng_from_state(state: dict) -> np.random.Generator:
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = state
    return rng


def to_json(value: Any) -> Any:
    """Numpy scalars and arrays inside `value` as plain Python, for json.dumps."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value
