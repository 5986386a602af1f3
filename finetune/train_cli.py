"""``llm-prune finetune`` (train the hint student) and ``llm-prune finetune-merge``.

The options of ``finetune`` come from :class:`finetune.settings.FinetuneConfig`; trl,
peft and datasets are imported only when a command runs, so ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from cyclopts import Parameter

from llm_prune_gym.cli import print_json

from .settings import FinetuneConfig

Config = Annotated[FinetuneConfig, Parameter(name="*")]


def finetune(
    *,
    data: Path,
    out: Path,
    student: str = "smollm2",
    config: Config | None = None,
) -> int:
    """Fine-tune the student with trl and a LoRA adapter; merge and save the model.

    Trains on the preference pairs of DATA/train.jsonl (evaluated on DATA/test.jsonl) and
    saves a Hugging Face model folder that `--student OUT` loads. --method sft trains on
    the chosen hints only (loss on the hint's tokens); sft+dpo runs SFT (OUT/sft, itself a
    student) and then DPO from it (OUT/dpo, final model in OUT). --method dpo-kd-online
    regenerates the rejected hints with the current student before each of --rounds
    rounds. Prints one JSON line of the final metrics.

    Parameters
    ----------
    data
        folder with train.jsonl and test.jsonl
    out
        folder for the merged model and logs
    student
        smollm2, stub, a .gguf or a Hugging Face folder
    """
    from .train import finetune as run_finetune

    metrics = run_finetune(data, student, out, config or FinetuneConfig()).metrics
    last = metrics["rounds"][-1]
    return print_json(
        {
            "method": metrics["method"],
            "out": str(out),
            "eval_loss": metrics["eval"].get("eval_loss"),
            "eval_rewards/margins": metrics["eval"].get("eval_rewards/margins"),
            "eval_rewards/accuracies": metrics["eval"].get("eval_rewards/accuracies"),
            "eval_mean_token_accuracy": metrics["eval"].get("eval_mean_token_accuracy"),
            "steps": sum(r["steps"] for r in metrics["rounds"]),
            "stopped_early": metrics["stopped_early"],
            "seconds_per_step": last["seconds_per_step"],
            "wall_seconds": round(metrics["wall_seconds"], 1),
        }
    )


def finetune_merge(
    *,
    adapters: Annotated[tuple[Path, ...], Parameter(consume_multiple=True)],
    out: Path,
    student: str = "smollm2",
) -> int:
    """Rebuild a fine-tuned model folder from the student and the small adapters a
    `finetune` run saved (e.g. brought back from a GPU machine), in round order.

    Parameters
    ----------
    adapters
        adapter folders (OUT/adapters/round-*), in order
    out
        the model folder to write
    student
        the student the adapters were trained on
    """
    from .train import merge_adapters

    merge_adapters(student, list(adapters), out)
    return print_json({"out": str(out), "adapters": [str(a) for a in adapters]})
