"""Agents for llm-prune-gym: algorithms only, behind one protocol (:mod:`agents.base`)::

    from agents import make_agent
    agent = make_agent("a2c", env, seed=0)       # or settings=A2CSettings(...)
    agent.train(episodes=300)
    plan = agent.plan()

``AGENTS`` maps every registered name to its class; ``@register_agent("name")``
adds one, and other packages add theirs through the ``llm_prune_gym.agents``
entry points. Every agent's settings are a frozen dataclass in :mod:`agents.settings`
(no torch there, so a command line's help stays quick); :mod:`agents.runner` is the
one training loop into a run folder (metrics CSV, checkpoints, resume). Held-out
evaluation, benchmarks and the leaderboard live in :mod:`evaluation`.

The algorithms (and torch) load on first use of a name below, not on ``import agents``.
"""

from importlib import import_module

_EXPORTS = {
    "AGENTS": "base",
    "Agent": "base",
    "load_agent": "base",
    "load_agent_plugins": "base",
    "make_agent": "base",
    "register_agent": "base",
}

__all__ = [*_EXPORTS, "load_builtin_agents"]
_loaded = False


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'agents' has no attribute {name!r}")
    load_builtin_agents()
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)


def load_builtin_agents() -> None:
    """Import every algorithm module (each registers its agents), then the plugins, once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in ("a2c", "baselines", "psrl", "sb3", "search", "surrogate", "surrogate_evolution"):
        import_module(f".{module}", __name__)
    import_module(".base", __name__).load_agent_plugins()
