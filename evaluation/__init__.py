"""evaluation for llm-prune-gym."""
