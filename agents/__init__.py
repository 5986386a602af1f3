"""agents for llm-prune-gym."""
