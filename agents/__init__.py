"""Agents for llm-prune-gym: the paper's A2C, SB3 baselines, heuristics and searches.

All follow one protocol (see :mod:`agents.base`)::

    from agents import make_agent
    agent = make_agent("a2c", env, seed=0)
    agent.train(episodes=300)
    plan = agent.plan()

``AGENTS`` maps every registered name to its class; ``@register_agent("name")``
adds one, and other packages add theirs through the ``llm_prune_gym.agents``
entry points, loaded here. :mod:`agents.runner` trains with metrics, checkpoints,
resume and held-out evaluation; ``llm-prune train`` and ``llm-prune bench-agents``
use it.
"""

from . import a2c, baselines, psrl, sb3, search, surrogate  # noqa: F401  (importing registers the agents)
from .base import AGENTS, Agent, load_agent, load_agent_plugins, make_agent, register_agent

load_agent_plugins()

__all__ = ["AGENTS", "Agent", "load_agent", "load_agent_plugins", "make_agent", "register_agent"]
