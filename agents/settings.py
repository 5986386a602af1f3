"""Every agent's settings: one frozen dataclass per agent, its defaults, one line per field.

This module imports nothing heavy (no torch, numpy or gymnasium), so a command line can
build its options and ``--help`` from these classes at once. An agent takes its
settings object (``make_agent("a2c", env, settings=A2CSettings(n_steps=None))``) and
saves it with every run; :func:`settings_for` builds one from plain values (JSON, a
protocol) and says in one line what does not fit.

Each field's one-line help is its ``metadata["doc"]`` (as in
:class:`llm_prune_gym.settings.EnvSettings`); :func:`field_docs` reads them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any


def _doc(text: str, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field whose one-line doc lives in its metadata (the CLI's help text)."""
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class AgentSettings:
    """The settings every agent has: none. Subclass it (frozen) for an agent's own."""


@dataclass(frozen=True)
class TargetSettings(AgentSettings):
    """Settings of an agent that allocates a sparsity budget."""

    target_sparsity: float | None = _doc(
        "prunable sparsity the plan ends at (default: the env's target_sparsity)", None
    )


@dataclass(frozen=True)
class RandomSettings(AgentSettings):
    """``random``: one episode of a uniformly random policy; nothing to set."""


@dataclass(frozen=True)
class UniformSettings(TargetSettings):
    """``uniform``: the same ratio for every unit, equal to the target sparsity."""


@dataclass(frozen=True)
class SensitivitySettings(TargetSettings):
    """``sensitivity``: ratio of each unit ~ (1 / its KL when pruned alone) ** power."""

    probe_ratio: float | None = _doc(
        "ratio each unit is pruned at alone to measure its KL (default: the grid's largest)", None
    )
    powers: tuple[float, ...] = _doc(
        "candidate powers (0 is uniform); the one with the lowest calibration KL wins",
        (0.5, 1.0, 2.0),
    )


@dataclass(frozen=True)
class OWLSettings(TargetSettings):
    """``owl``: outlier-weighted layerwise sparsity (Yin et al. 2024)."""

    outlier_multiple: float = _doc(
        "a Wanda score above this multiple of the layer's mean counts as an outlier", 5.0
    )
    spread: float = _doc(
        "largest departure of a layer's ratio from the target (OWL's lambda)", 0.08
    )


@dataclass(frozen=True)
class RandomSearchSettings(TargetSettings):
    """``random-search``: best of N random allocations at the target sparsity."""


@dataclass(frozen=True)
class EvolutionSettings(TargetSettings):
    """``evolution``: (1 + lambda) search over level-swapping mutations from uniform."""

    offspring: int = _doc(
        "children per generation (lambda); the best replaces the parent if it scores higher", 4
    )
    swaps: int = _doc("mutations per child", 2)
    step_levels: int = _doc(
        "grid levels a mutation moves a unit up (and another unit of its size down)", 1
    )


@dataclass(frozen=True)
class PSRLSettings(AgentSettings):
    """``psrl``: posterior sampling on a per-unit polynomial model of the episode's score."""

    degree: int = _doc("degree of each unit's polynomial in its ratio", 4)
    prior_sd: float = _doc("prior standard deviation of every coefficient", 0.1)
    noise_sd: float = _doc("standard deviation of the score around the model", 0.05)
    fit: str = _doc(
        "the score modelled: log_kl (-log KL; needs a target sparsity) or return", "log_kl"
    )
    prior_curvature: float = _doc(
        "prior mean's cost of fully pruning a unit of average size (0: a zero prior mean)", 1.0
    )


@dataclass(frozen=True)
class SurrogateModelSettings(AgentSettings):
    """The surrogate model ``KL = KL_0 * S(x) ** beta`` (``agents.surrogate.PowerSumModel``)."""

    degree: int = _doc("degree of each unit's cost polynomial in its ratio / r_max", 4)
    betas: tuple[float, ...] = _doc(
        "compounding factors the posterior weighs (1: the KL is a sum of unit costs)",
        (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0),
    )
    noise_sd: float = _doc("standard deviation of log KL around the model", 0.05)
    unit_prior_sd: float = _doc(
        "prior sd of a unit's own coefficients, in units of uniform pruning's unit cost", 0.5
    )
    group_prior_sd: float = _doc(
        "prior sd of the coefficients a layer's or a module type's units share", 1.0
    )

    def __post_init__(self) -> None:
        if self.degree < 1:
            raise ValueError("degree must be at least 1")
        if min(self.noise_sd, self.unit_prior_sd, self.group_prior_sd) <= 0:
            raise ValueError("noise_sd and the prior standard deviations must be positive")
        if not self.betas or min(self.betas) <= 0:
            raise ValueError("betas must be positive (at least one)")


@dataclass(frozen=True)
class SurrogateSettings(SurrogateModelSettings):
    """``surrogate``: Thompson sampling on KL = KL_0 * S(x) ** beta in a trust region."""

    batch: int = _doc("most plans proposed from one posterior and scored together", 8)
    batch_growth: int = _doc(
        "the batch grows by one plan every this many plans (1: Thompson samples from the "
        "second batch on)",
        1,
    )
    radius: int = _doc("first trust-region half-width, in grid levels around the best plan", 3)
    max_radius: int = _doc("widest trust region, in grid levels", 12)
    patience: int = _doc("batches in a row without improvement before the trust region halves", 2)
    neighbours: int = _doc(
        "mutations of the best plan a Thompson draw ranks per proposal (0: the draw's own "
        "optimum in the trust region instead; 64 lost to 0 on the simulators)",
        0,
    )
    max_swaps: int = _doc("most swaps in one of those mutations", 3)
    global_plans: int = _doc(
        "proposals per batch that are the model's optimum in the trust region, not a mutation",
        1,
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if min(self.neighbours, self.global_plans) < 0 or self.max_swaps < 1:
            raise ValueError("neighbours and global_plans must be >= 0, max_swaps >= 1")
        if min(self.batch, self.batch_growth) < 1 or not 1 <= self.radius <= self.max_radius:
            raise ValueError("batch and batch_growth must be at least 1, 1 <= radius <= max_radius")
        if self.patience < 1:
            raise ValueError("patience must be at least 1")


INCUMBENTS = ("observed", "model", "blend")  # surrogate-evo's reported plan


@dataclass(frozen=True)
class SurrogateEvolutionSettings(EvolutionSettings, SurrogateModelSettings):
    """``surrogate-evo``: evolution whose children are the picks of a surrogate model
    (``PowerSumModel`` with per-layer interactions), Thompson-sampled, among many mutations."""

    degree: int = _doc("degree of each unit's cost polynomial in its ratio / r_max", 2)
    betas: tuple[float, ...] = _doc(
        "compounding factors the posterior weighs (1: the KL is a sum of unit costs)",
        (1.0, 2.0, 3.0),
    )
    candidates: int = _doc(
        "mutants of the parent the model ranks for each child scored (1: plain evolution)", 32
    )
    interaction: bool = _doc(
        "model a per-layer interaction (the squared pruned share of each layer)", True
    )
    doublings: int = _doc(
        "jump sizes: a model child makes swaps * 2 ** k mutations, k < doublings", 5
    )
    adaptive: bool = _doc(
        "each child's source, evolution's own mutant or a model pick of jump size k, is the "
        "one with the best Thompson draw of a child's expected gain in log KL over its parent "
        "(False: every child a model pick, candidate j of size k = j % doublings)",
        True,
    )
    memory: float = _doc(
        "per generation, the share of the sources' counts kept (1: all; 0.98: ~50 generations)",
        0.98,
    )
    incumbent: str = _doc(
        "the plan reported: 'observed' (least calibration KL), 'model' (least model-mean "
        "KL) or 'blend' (least mean of the two log KLs), among the incumbent_pool best observed",
        "observed",
    )
    incumbent_pool: int = _doc(
        "'model' / 'blend' choose among this many plans of least calibration KL (0: all scored)",
        20,
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if min(self.candidates, self.offspring, self.swaps, self.step_levels, self.doublings) < 1:
            raise ValueError(
                "candidates, offspring, swaps, step_levels and doublings must be at least 1"
            )
        if not 0 < self.memory <= 1:
            raise ValueError("memory must be in (0, 1]")
        if self.incumbent not in INCUMBENTS:
            raise ValueError(f"incumbent must be one of {INCUMBENTS}, got {self.incumbent!r}")
        if self.incumbent_pool < 0:
            raise ValueError("incumbent_pool must be 0 (all plans) or more")


# The learned agents' view of the env (agents/residual.py): its choices.
PRIORS = ("none", "uniform", "sensitivity")
AGENT_REWARDS = ("env", "log_kl")
PLAN_SOURCES = ("greedy", "best")


def _check_view_options(settings: Any) -> None:
    """One-line errors for a learned agent's prior, reward, plan source and offsets."""
    for name, choices in (
        ("prior", PRIORS),
        ("reward", AGENT_REWARDS),
        ("plan_from", PLAN_SOURCES),
    ):
        if getattr(settings, name) not in choices:
            raise ValueError(f"{name} must be one of {choices}, got {getattr(settings, name)!r}")
    if settings.offsets < 1 or settings.start_width <= 0:
        raise ValueError("offsets must be at least 1 and start_width positive")


@dataclass(frozen=True)
class ResidualSettings(AgentSettings):
    """Issue 20's options shared by the RL agents (`agents/residual.py`)."""

    prior: str = _doc(
        "act as offsets around a prior plan: none, uniform or sensitivity (its scored plans "
        "count as episodes)",
        "none",
    )
    offsets: int = _doc("with a prior: largest offset, in grid levels either way", 5)
    start_width: float = _doc(
        "width, in grid levels, of the starting policy's bump (start_at_target or a prior)", 2.0
    )
    plan_from: str = _doc(
        "the plan: greedy (the policy's greedy rollout) or best (the best episode played, "
        "as AMC reports)",
        "greedy",
    )
    reward: str = _doc(
        "the reward learned from: env (the env's own) or log_kl (log(KL_uniform / KL); "
        "needs the budget reward)",
        "env",
    )


@dataclass(frozen=True)
class A2CSettings(ResidualSettings):
    """``a2c``: the BallPy report's online advantage actor-critic; defaults are the report's."""

    hidden: int = _doc("width of both MLPs' hidden layers", 256)
    actor_lr: float = _doc("Adam learning rate of the actor", 2e-5)
    critic_lr: float = _doc("Adam learning rate of the critic", 1e-4)
    gamma: float = _doc("discount", 0.99)
    ent_coef: float = _doc("entropy bonus (lambda)", 0.01)
    eps_start: float = _doc("epsilon-greedy exploration rate of the first episode", 1.0)
    eps_decay: float = _doc("factor on epsilon after every episode", 0.999)
    eps_min: float = _doc("floor of epsilon", 0.001)
    max_grad_norm: float = _doc("gradient clipping of each network", 0.5)
    n_steps: int | None = _doc("steps per update with n-step returns (None: whole episodes)", 1)
    start_at_target: bool = _doc(
        "start the policy at the target ratio (uniform pruning) instead of at random", False
    )
    advantage_norm: bool = _doc(
        "divide advantages by their running root mean square (EMA 0.99)", False
    )
    device: str = _doc("where the MLPs run: auto (CUDA if available), cpu, cuda, ...", "auto")

    def __post_init__(self) -> None:
        _check_view_options(self)


def _redefault(cls: type, name: str, default: Any) -> Any:
    """Field `name` of `cls` with its doc and another default (a preset's)."""
    return _doc(cls.__dataclass_fields__[name].metadata["doc"], default)


@dataclass(frozen=True)
class A2CPriorSettings(A2CSettings):
    """``a2c-prior``: our A2C with issue 20's options on: offsets around the sensitivity
    plan, whole undiscounted episode returns, the log-KL reward, normalised advantages,
    the best episode as the plan (chosen on bench/agent_sim.py)."""

    actor_lr: float = _redefault(A2CSettings, "actor_lr", 5e-4)
    critic_lr: float = _redefault(A2CSettings, "critic_lr", 1e-3)
    gamma: float = _redefault(A2CSettings, "gamma", 1.0)
    ent_coef: float = _redefault(A2CSettings, "ent_coef", 0.001)
    eps_start: float = _redefault(A2CSettings, "eps_start", 0.0)
    n_steps: int | None = _redefault(A2CSettings, "n_steps", None)
    prior: str = _redefault(A2CSettings, "prior", "sensitivity")
    reward: str = _redefault(A2CSettings, "reward", "log_kl")
    advantage_norm: bool = _redefault(A2CSettings, "advantage_norm", True)
    plan_from: str = _redefault(A2CSettings, "plan_from", "best")
    device: str = _redefault(A2CSettings, "device", "cpu")


@dataclass(frozen=True)
class SB3Settings(ResidualSettings):
    """Stable-Baselines3 on-policy agents; a None field keeps SB3's own default."""

    rollout_episodes: int = _doc(
        "whole episodes per rollout (n_steps = rollout_episodes * layers)", 4
    )
    start_at_target: bool = _doc(
        "start the policy at the target ratio (uniform pruning) instead of near-uniform odds", False
    )
    device: str = _doc("where the small MLP policy runs (SB3 advises CPU for MLP policies)", "cpu")
    learning_rate: float | None = _doc("Adam learning rate", None)
    gamma: float | None = _doc("discount", None)
    gae_lambda: float | None = _doc("GAE's lambda (1: Monte Carlo advantages)", None)
    ent_coef: float | None = _doc("entropy bonus", None)
    vf_coef: float | None = _doc("weight of the value loss", None)
    max_grad_norm: float | None = _doc("gradient clipping", None)

    def __post_init__(self) -> None:
        _check_view_options(self)


@dataclass(frozen=True)
class SB3PPOSettings(SB3Settings):
    """``sb3-ppo``: SB3 PPO, minibatches of one episode unless ``batch_size`` says otherwise."""

    n_epochs: int | None = _doc("passes over each rollout", None)
    clip_range: float | None = _doc("PPO's clipping of the probability ratio", None)
    batch_size: int | None = _doc(
        "minibatch size in steps (default: one episode, the number of layers)", None
    )


@dataclass(frozen=True)
class SB3A2CSettings(SB3Settings):
    """``sb3-a2c``: SB3 A2C, one update per episode unless ``rollout_episodes`` says more."""

    rollout_episodes: int = _doc(
        "whole episodes per rollout (n_steps = rollout_episodes * layers)", 1
    )


@dataclass(frozen=True)
class SB3PPOPriorSettings(SB3PPOSettings):
    """``sb3-ppo-prior``: SB3 PPO around the sensitivity plan with the log-KL reward and
    undiscounted Monte Carlo advantages (SB3 normalises advantages per minibatch)."""

    prior: str = _redefault(SB3Settings, "prior", "sensitivity")
    reward: str = _redefault(SB3Settings, "reward", "log_kl")
    gamma: float | None = _redefault(SB3Settings, "gamma", 1.0)
    gae_lambda: float | None = _redefault(SB3Settings, "gae_lambda", 1.0)
    plan_from: str = _redefault(SB3Settings, "plan_from", "best")


@dataclass(frozen=True)
class SB3A2CPriorSettings(SB3A2CSettings):
    """``sb3-a2c-prior``: SB3 A2C around the sensitivity plan with the log-KL reward and
    undiscounted Monte Carlo advantages."""

    prior: str = _redefault(SB3Settings, "prior", "sensitivity")
    reward: str = _redefault(SB3Settings, "reward", "log_kl")
    gamma: float | None = _redefault(SB3Settings, "gamma", 1.0)
    gae_lambda: float | None = _redefault(SB3Settings, "gae_lambda", 1.0)
    plan_from: str = _redefault(SB3Settings, "plan_from", "best")


# The built-in agents' settings by agent name; plugins' agents carry theirs as
# `settings_class`. A test checks this table against the registered agents.
AGENT_SETTINGS: dict[str, type[AgentSettings]] = {
    "a2c": A2CSettings,
    "a2c-prior": A2CPriorSettings,
    "psrl": PSRLSettings,
    "surrogate": SurrogateSettings,
    "surrogate-evo": SurrogateEvolutionSettings,
    "sb3-ppo": SB3PPOSettings,
    "sb3-a2c": SB3A2CSettings,
    "sb3-ppo-prior": SB3PPOPriorSettings,
    "sb3-a2c-prior": SB3A2CPriorSettings,
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

    episodes: int = _doc("episode budget (counted over resumes)")
    seed: int = _doc("seeds the agent and the env's first reset", 0)
    checkpoint_every: int = _doc("episodes between checkpoints", 10)
    resume: bool = _doc("continue from the run folder's last checkpoint", False)
    force: bool = _doc("replace a run already in the run folder", False)
    progress: bool = _doc("show a progress bar on stderr", True)


def field_docs(cls: type) -> dict[str, str]:
    """Each field's one-line doc (its ``metadata["doc"]``), inherited fields too."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(cls)}


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
