"""`llm-prune` subcommands of the agents package."""


def register(subparsers) -> None:
    """Add this package's subcommands to the `llm-prune` parser."""
