"""finetune for llm-prune-gym."""
