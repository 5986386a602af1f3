"""`llm-prune` subcommands of the evaluation package."""


def register(subparsers) -> None:
    """Add this package's subcommands to the `llm-prune` parser."""
