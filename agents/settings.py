"""Every agent's settings: one frozen dataclass per agent, its defaults, one line per field.

This module imports nothing heavy (no torch, numpy or gymnasium), so a command line can
build its options and ``--help`` from these classes at once. An agent takes its
settings object (``make_agent("a2c", env, settings=A2CSettings(n_steps=None))``) and
saves it with every run; :func:`settings_for` builds one from plain values (JSON, a
protocol) and says in one line what does not fit.

Each field's docstring (the string under it) is its one-line help; :func:`field_docs`
reads them.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class AgentSettings:
    """The settings every agent has: none. Subclass it (frozen) for an agent's own."""


@dataclass(frozen=True)
class TargetSettings(AgentSettings):
    """Settings of an agent that allocates a sparsity budget."""

    target_sparsity: float | None = None
    """prunable sparsity the plan ends at (default: the env's target_sparsity)"""


@dataclass(frozen=True)
class RandomSettings(AgentSettings):
    """``random``: one episode of a uniformly random policy; nothing to set."""


@dataclass(frozen=True)
class UniformSettings(TargetSettings):
    """``uniform``: the same ratio for every unit, equal to the target sparsity."""


@dataclass(frozen=True)
class SensitivitySettings(TargetSettings):
    """``sensitivity``: ratio of each unit ~ (1 / its KL when pruned alone) ** power."""

    probe_ratio: float | None = None
    """ratio each unit is pruned at alone to measure its KL (default: the grid's largest)"""
    powers: tuple[float, ...] = (0.5, 1.0, 2.0)
    """candidate powers (0 is uniform); the one with the lowest calibration KL wins"""


@dataclass(frozen=True)
class OWLSettings(TargetSettings):
    """``owl``: outlier-weighted layerwise sparsity (Yin et al. 2024)."""

    outlier_multiple: float = 5.0
    """a Wanda score above this multiple of the layer's mean counts as an outlier"""
    spread: float = 0.08
    """largest departure of a layer's ratio from the target (OWL's lambda)"""


@dataclass(frozen=True)
class RandomSearchSettings(TargetSettings):
    """``random-search``: best of N random allocations at the target sparsity."""


@dataclass(frozen=True)
class EvolutionSettings(TargetSettings):
    """``evolution``: (1 + lambda) search over level-swapping mutations from uniform."""

    offspring: int = 4
    """children per generation (lambda); the best replaces the parent if it scores higher"""
    swaps: int = 2
    """mutations per child"""
    step_levels: int = 1
    """grid levels a mutation moves a unit up (and another unit of its size down)"""


@dataclass(frozen=True)
class PSRLSettings(AgentSettings):
    """``psrl``: posterior sampling on a per-unit polynomial model of the episode's score."""

    degree: int = 4
    """degree of each unit's polynomial in its ratio"""
    prior_sd: float = 0.1
    """prior standard deviation of every coefficient"""
    noise_sd: float = 0.05
    """standard deviation of the score around the model"""
    fit: str = "log_kl"
    """the score modelled: log_kl (-log KL; needs a target sparsity) or return"""
    prior_curvature: float = 1.0
    """prior mean's cost of fully pruning a unit of average size (0: a zero prior mean)"""


@dataclass(frozen=True)
class A2CSettings(AgentSettings):
    """``a2c``: the BallPy report's online advantage actor-critic; defaults are the report's."""

    hidden: int = 256
    """width of both MLPs' hidden layers"""
    actor_lr: float = 2e-5
    """Adam learning rate of the actor"""
    critic_lr: float = 1e-4
    """Adam learning rate of the critic"""
    gamma: float = 0.99
    """discount"""
    ent_coef: float = 0.01
    """entropy bonus (lambda)"""
    eps_start: float = 1.0
    """epsilon-greedy exploration rate of the first episode"""
    eps_decay: float = 0.999
    """factor on epsilon after every episode"""
    eps_min: float = 0.001
    """floor of epsilon"""
    max_grad_norm: float = 0.5
    """gradient clipping of each network"""
    n_steps: int | None = 1
    """steps per update with n-step returns (None: whole episodes)"""
    start_at_target: bool = False
    """start the policy at the target ratio (uniform pruning) instead of at random"""
    device: str = "auto"
    """where the MLPs run: auto (CUDA if available), cpu, cuda, ..."""


@dataclass(frozen=True)
class SB3Settings(AgentSettings):
    """Stable-Baselines3 on-policy agents; a None field keeps SB3's own default."""

    rollout_episodes: int = 4
    """whole episodes per rollout (n_steps = rollout_episodes * layers)"""
    start_at_target: bool = False
    """start the policy at the target ratio (uniform pruning) instead of near-uniform odds"""
    device: str = "cpu"
    """where the small MLP policy runs (SB3 advises CPU for MLP policies)"""
    learning_rate: float | None = None
    """Adam learning rate"""
    gamma: float | None = None
    """discount"""
    gae_lambda: float | None = None
    """GAE's lambda (1: Monte Carlo advantages)"""
    ent_coef: float | None = None
    """entropy bonus"""
    vf_coef: float | None = None
    """weight of the value loss"""
    max_grad_norm: float | None = None
    """gradient clipping"""


@dataclass(frozen=True)
class SB3PPOSettings(SB3Settings):
    """``sb3-ppo``: SB3 PPO, minibatches of one episode unless ``batch_size`` says otherwise."""

    n_epochs: int | None = None
    """passes over each rollout"""
    clip_range: float | None = None
    """PPO's clipping of the probability ratio"""
    batch_size: int | None = None
    """minibatch size in steps (default: one episode, the number of layers)"""


@dataclass(frozen=True)
class SB3A2CSettings(SB3Settings):
    """``sb3-a2c``: SB3 A2C, one update per episode unless ``rollout_episodes`` says more."""

    rollout_episodes: int = 1
    """whole episodes per rollout (n_steps = rollout_episodes * layers)"""


# The built-in agents' settings by agent name; plugins' agents carry theirs as
# `settings_class`. A test checks this table against the registered agents.
AGENT_SETTINGS: dict[str, type[AgentSettings]] = {
    "a2c": A2CSettings,
    "psrl": PSRLSettings,
    "sb3-ppo": SB3PPOSettings,
    "sb3-a2c": SB3A2CSettings,
    "random": RandomSettings,
    "uniform": UniformSettings,
    "sensitivity": SensitivitySettings,
    "owl": OWLSettings,
    "random-search": RandomSearchSettings,
    "evolution": EvolutionSettings,
}


@dataclass(frozen=True)
class TrainSettings:
    """One training run of one agent into a run folder (the loop's own settings)."""

    episodes: int
    """episode budget (counted over resumes)"""
    seed: int = 0
    """seeds the agent and the env's first reset"""
    checkpoint_every: int = 10
    """episodes between checkpoints"""
    resume: bool = False
    """continue from the run folder's last checkpoint"""
    force: bool = False
    """replace a run already in the run folder"""
    progress: bool = True
    """show a progress bar on stderr"""


@cache
def field_docs(cls: type) -> dict[str, str]:
    """Each field's one-line docstring (the string literal under it), inherited ones too."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        body = ast.parse(inspect.getsource(klass)).body[0].body
        for field, after in zip(body, body[1:], strict=False):
            if (
                isinstance(field, ast.AnnAssign)
                and isinstance(field.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[field.target.id] = after.value.value.strip()
    return docs


def settings_for(cls: type[AgentSettings], values: dict[str, Any], agent: str = "") -> Any:
    """``cls(**values)`` with every value checked against its field's type (ValueError)."""
    label = f"the {agent!r} agent" if agent else cls.__name__
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"{label} has no setting {unknown}; it takes {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    checked = {}
    for name, value in values.items():
        fitted = _fitted(value, hints[name])
        if fitted is _MISFIT:
            raise ValueError(f"{label}'s {name} must be {_shown(hints[name])}, got {value!r}")
        checked[name] = fitted
    return cls(**checked)


_MISFIT = object()


def _fitted(value: Any, kind: Any) -> Any:
    """`value` as a `kind` (a JSON list becomes a tuple, an int a float), else _MISFIT."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        for option in typing.get_args(kind):
            fitted = _fitted(value, option)
            if fitted is not _MISFIT:
                return fitted
        return _MISFIT
    if kind is type(None):
        return None if value is None else _MISFIT
    if kind is bool:
        return value if isinstance(value, bool) else _MISFIT
    if isinstance(value, bool):  # never a number here
        return _MISFIT
    if kind is int:
        return value if isinstance(value, int) else _MISFIT
    if kind is float:
        return float(value) if isinstance(value, int | float) else _MISFIT
    if kind is str:
        return value if isinstance(value, str) else _MISFIT
    if typing.get_origin(kind) is tuple and isinstance(value, list | tuple):
        (item, _) = typing.get_args(kind)
        items = [_fitted(v, item) for v in value]
        return _MISFIT if _MISFIT in items else tuple(items)
    return _MISFIT


def _shown(kind: Any) -> str:
    return str(kind).replace("typing.", "").replace("<class '", "").replace("'>", "")
