"""Optional dependencies: a missing one fails with one line naming the install that adds it.

The core install (``pip install llm-prune-gym``) runs the env, the CLI and the agents
that need only torch. Stable-Baselines3, trl/peft/datasets, openai and ctranslate2 come
with the extras ``[rl]``, ``[finetune]``, ``[judge]`` and ``[ct2]``; code that needs one imports it
through :func:`require_extra` (or raises :class:`MissingExtra`) where it is used.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

PACKAGE = "llm-prune-gym"


class MissingExtra(ImportError):
    """A module of an optional extra is not installed; the message says how to add it."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"{module} is not installed; it comes with: pip install '{PACKAGE}[{extra}]'",
            name=module,
        )
        self.extra = extra


def require_extra(extra: str, module: str) -> ModuleType:
    """Import `module`, which the extra `extra` installs, or raise :class:`MissingExtra`.

    Only an absent top-level package becomes :class:`MissingExtra`; a package that is
    present but lacks a submodule or a dependency raises its own error.
    """
    top = module.partition(".")[0]
    try:
        return import_module(module)
    except ModuleNotFoundError as error:
        if error.name != top:
            raise
        raise MissingExtra(extra, top) from None
