"""``llm-prune rollout`` and the command-line pieces every command shares.

The ``llm-prune`` program itself lives in :mod:`evaluation.cli`, the package that may
import every other; this module imports no torch, so a command's ``--help`` stays fast.
:mod:`cyclopts` builds the options from the settings dataclasses: :func:`env_options`
turns fields of :class:`~llm_prune_gym.settings.EnvSettings` into a command's options
(same names, defaults and one-line docs), and :func:`env_settings` turns them back.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from cyclopts import Parameter, Token, validators

from .settings import (
    CRITERIA,
    DTYPES,
    GRANULARITIES,
    OBSERVATION_MODES,
    REWARD_MODES,
    SAMPLING_MODES,
    EnvSettings,
)


def split_commas(type_: Any, tokens: Sequence[Token]) -> tuple[str, ...]:
    """cyclopts converter: ``a,b`` (or ``--x a --x b``) -> ``("a", "b")``."""
    return tuple(part for token in tokens for part in token.value.split(",") if part.strip())


PositiveInt = Annotated[int, Parameter(validator=validators.Number(gte=1))]
UnitFloat = Annotated[float, Parameter(validator=validators.Number(gte=0, lte=1))]


def comma_joined(values: Sequence[Any] | None) -> str:
    """How help shows a list default: as it is typed, ``a,b`` (None: ``none``)."""
    return "none" if values is None else ",".join(str(v) for v in values)


Names = Annotated[
    tuple[str, ...],
    Parameter(converter=split_commas, consume_multiple=False, show_default=comma_joined),
]


def comma_floats(validator: Any) -> Any:
    """A ``0.1,0.2`` option (or ``--x 0.1 --x 0.2``) of floats that `validator` checks."""
    return Annotated[
        tuple[float, ...],
        Parameter(
            converter=lambda type_, tokens: tuple(float(p) for p in split_commas(type_, tokens)),
            validator=validator,
            consume_multiple=False,
            show_default=comma_joined,
        ),
    ]


Threads = Annotated[
    int | None, Parameter(validator=validators.Number(gte=1), help="torch CPU threads")
]
Device = Annotated[str, Parameter(help="cpu, cuda, cuda:N or mps; auto: cuda if there is one")]


def _choices(values: Iterable[str]) -> Any:
    return Literal[tuple(values)]


# How the command line spells EnvSettings' fields whose Python type is wider than text
# (a loaded student, a list of prompts, a torch dtype): text, or a closed set of words.
ENV_CLI_TYPES: dict[str, Any] = {
    "student": str,
    "modules": Names | None,
    "prompts": str,
    "device": str,
    "dtype": _choices(DTYPES),
    "criterion": _choices(CRITERIA),
    "granularity": _choices(GRANULARITIES),
    "sampling": _choices(SAMPLING_MODES),
    "observation": _choices(OBSERVATION_MODES),
    "reward": _choices(REWARD_MODES),
}
ENV_CLI_DEFAULTS: dict[str, Any] = {"device": "auto"}
ENV_CLI_DOCS: dict[str, str] = {
    "student": "smollm2, stub, stub:SEED, a .gguf file or a Hugging Face folder",
    "modules": "comma-separated linear modules pruned in every layer (default: "
    "q_proj,o_proj,gate_proj,up_proj; with --granularity channels q_proj,gate_proj)",
    "prompts": "calibration prompts: builtin:train, builtin:heldout or a JSONL file",
    "device": "cpu, cuda, cuda:N or mps; auto: cuda if there is one",
    "reward": "paper (size bonus minus KL) or budget (KL relative to uniform); "
    "default: budget with --target-sparsity, else paper",
}
RUN_FIELDS = ("student", "device", "dtype")
PRUNER_FIELDS = ("modules", "granularity", "criterion", "width_multiple", "refit")
CALIBRATION_FIELDS = ("prompts", "batch_size", "answer_tokens")


def options_from(
    source: type,
    fields: Iterable[str],
    name: str,
    *,
    group: str,
    types: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
    docs: dict[str, str] | None = None,
) -> type:
    """A cyclopts options group (flattened, named `name`) of dataclass `source`'s `fields`.

    Each option keeps the field's name, default and one-line doc (``metadata["doc"]``);
    `types`, `defaults` and `docs` replace a field's for the command line. The values go
    back into `source` through :func:`settings_from`.
    """
    hints = typing.get_type_hints(source)
    known = {f.name: f for f in dataclasses.fields(source)}
    specs = []
    for field_name in fields:
        origin = known[field_name]
        doc = (docs or {}).get(field_name) or origin.metadata.get("doc", "")
        kind = (types or {}).get(field_name, hints[field_name])
        default = (defaults or {}).get(field_name, origin.default)
        if default is None:
            kind = kind | None
        if default is None and field_name in (defaults or {}):  # a command's "the plan's own"
            doc = f"{doc.split(' (default:')[0]} (default: the plan's own)"
        field = (
            dataclasses.field()
            if default is dataclasses.MISSING
            else dataclasses.field(default=default)
        )
        specs.append((field_name, Annotated[kind, Parameter(help=doc)], field))
    options = dataclasses.make_dataclass(name, specs, frozen=True, kw_only=True)
    options.__module__ = __name__  # cyclopts expands the fields of classes outside `types`
    options.__doc__ = f"Options of {source.__name__}."
    return Parameter(name="*", group=group)(options)


def settings_from(cls: type, options: Any, **overrides: Any) -> Any:
    """``cls`` (a settings dataclass) from an :func:`options_from` group plus `overrides`."""
    values = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}
    return cls(**values | overrides)


def env_options(name: str, fields: Iterable[str], defaults: dict[str, Any] | None = None) -> type:
    """The options of EnvSettings' `fields` for one command (see :func:`options_from`)."""
    return options_from(
        EnvSettings,
        fields,
        name,
        group="environment",
        types=ENV_CLI_TYPES,
        defaults={**ENV_CLI_DEFAULTS, **(defaults or {})},
        docs=ENV_CLI_DOCS,
    )


def resolve_device(device: str) -> str:
    """``auto`` -> cuda where torch sees a GPU, else cpu (imports torch: run time only)."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def env_settings(options: Any, **overrides: Any) -> EnvSettings:
    """EnvSettings from an :func:`env_options` group (plus `overrides`); resolves ``auto``."""
    if hasattr(options, "device") and "device" not in overrides:
        overrides["device"] = resolve_device(options.device)
    return settings_from(EnvSettings, options, **overrides)


def set_threads(threads: int | None) -> None:
    """Give torch `threads` CPU threads (None: torch's default)."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def ratio_grid(max_ratio: float, choices: int = 31) -> tuple[float, ...]:
    """`choices` evenly spaced ratios from 0 to `max_ratio` (the default grid for 0.30)."""
    if not (math.isfinite(max_ratio) and 0 < max_ratio <= 1):
        raise ValueError(f"the largest ratio must lie in (0, 1], got {max_ratio}")
    return tuple(round(max_ratio * i / (choices - 1), 6) for i in range(choices))


def rounded(values: dict, digits: int = 6) -> dict:
    """`values` with every float rounded to `digits` (a JSON line people read)."""
    return {k: round(v, digits) if isinstance(v, float) else v for k, v in values.items()}


def print_json(values: dict) -> int:
    """The command's one line on stdout; returns 0, the exit status."""
    print(json.dumps(values), flush=True)
    return 0


def log(line: str) -> None:
    """A line for the person at the terminal: stderr, so stdout stays one JSON line."""
    print(line, file=sys.stderr, flush=True)


RolloutEnv = env_options(
    "RolloutEnv", (*RUN_FIELDS, *PRUNER_FIELDS, *CALIBRATION_FIELDS, "sampling")
)


def rollout(
    *,
    env: RolloutEnv = RolloutEnv(),  # noqa: B008 (frozen: a safe shared default)
    ratio: Annotated[UnitFloat | None, Parameter(group="episode")] = None,
    max_ratio: Annotated[float | None, Parameter(group="episode")] = None,
    seed: int = 0,
    plan_out: Path | None = None,
    threads: Threads = None,
    progress: bool = True,
) -> int:
    """Run one episode with a random or a constant policy; print its KL and sparsity.

    Parameters
    ----------
    ratio
        constant ratio for every module (default: a random policy)
    max_ratio
        widest ratio an action picks: a grid of 31 ratios 0..MAX (default 0..0.30)
    seed
        seeds the policy and the env's reset
    plan_out
        save the episode's plan as JSON
    threads
        torch CPU threads
    progress
        show progress bars on stderr
    """
    import numpy as np

    from .env import LLMPruneEnv

    set_threads(threads)
    grid = {"ratio_grid": ratio_grid(max_ratio)} if max_ratio is not None else {}
    started = time.perf_counter()
    settings = env_settings(env, progress=progress, **grid)
    pruning_env = LLMPruneEnv(settings)
    loaded = time.perf_counter()
    _, info = pruning_env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    total, terminated = 0.0, False
    size = pruning_env.num_modules
    while not terminated:
        if ratio is None:
            action = rng.integers(0, len(pruning_env.ratio_grid), size)
        else:
            action = np.full(size, int(np.abs(pruning_env.ratio_grid - ratio).argmin()))
        _, reward, terminated, _, info = pruning_env.step(action)
        total += reward
    finished = time.perf_counter()
    if plan_out:
        pruning_env.current_plan().save(plan_out)
    report = {
        "student": pruning_env.student.name,
        "layers": pruning_env.num_layers,
        "return": total,
        "kl": info["kl"],
        "prunable_sparsity": info["prunable_sparsity"],
        "model_sparsity": info["model_sparsity"],
        "load_seconds": round(loaded - started, 2),
        "episode_seconds": round(finished - loaded, 3),
    }
    pruning_env.close()
    return print_json(rounded(report))
