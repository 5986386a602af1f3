"""No commands: ``train``, ``bench-agents`` and ``leaderboard`` judge plans on held-out
prompts, so they live in :mod:`evaluation.agent_commands` (agents import nothing from
evaluation).

This module remains only for installs whose entry points still name
``agents.cli:register`` (made before pyproject.toml dropped it); reinstalling the package
(``pip install -e .``) drops that entry point, and this file can go with it.
"""


def register(subparsers) -> None:
    """Add nothing (see the module docstring)."""
    return None
