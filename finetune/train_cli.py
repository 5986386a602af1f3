"""``llm-prune finetune`` (train the hint student) and ``llm-prune finetune-merge``.

trl, peft and datasets are imported only when a command runs, so ``llm-prune --help``
stays fast. ``python -m finetune.train_cli finetune ...`` runs the same commands where
the project is on ``PYTHONPATH`` but not installed (no entry points), e.g. a GPU machine.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from llm_prune_gym.cli import positive_int

# finetune.train.LORA_TARGETS, spelled out so that --help needs no trl import
LORA_TARGETS = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"


def _finetune(args: argparse.Namespace) -> int:
    from .train import FinetuneConfig, finetune

    config = FinetuneConfig(
        method=args.method,
        beta=args.beta,
        learning_rate=args.lr,
        epochs=args.epochs,
        max_steps=args.max_steps,
        sft_learning_rate=args.sft_lr,
        sft_epochs=args.sft_epochs,
        sft_max_steps=args.sft_max_steps,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        max_length=args.max_length,
        seed=args.seed,
        lora_rank=args.lora_rank,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=tuple(m for m in args.target_modules.split(",") if m),
        rounds=args.rounds,
        answer_tokens=args.answer_tokens,
        generation_batch_size=args.generation_batch_size,
        logging_steps=args.logging_steps,
        eval_steps=args.eval_steps,
        save_steps=args.save_steps,
        gradient_checkpointing=args.gradient_checkpointing,
        device=args.device,
        threads=args.threads,
        resume=args.resume,
        time_limit=args.time_limit,
        progress=not args.no_progress,
    )
    metrics = finetune(args.data, args.student, args.out, config).metrics
    last = metrics["rounds"][-1]
    summary = {
        "method": metrics["method"],
        "out": args.out,
        "eval_loss": metrics["eval"].get("eval_loss"),
        "eval_rewards/margins": metrics["eval"].get("eval_rewards/margins"),
        "eval_rewards/accuracies": metrics["eval"].get("eval_rewards/accuracies"),
        "eval_mean_token_accuracy": metrics["eval"].get("eval_mean_token_accuracy"),
        "steps": sum(r["steps"] for r in metrics["rounds"]),
        "stopped_early": metrics["stopped_early"],
        "seconds_per_step": last["seconds_per_step"],
        "wall_seconds": round(metrics["wall_seconds"], 1),
    }
    print(json.dumps(summary))
    return 0


def _merge(args: argparse.Namespace) -> int:
    from .train import merge_adapters

    merge_adapters(args.student, args.adapters, args.out)
    print(json.dumps({"out": args.out, "adapters": args.adapters}))
    return 0


def add_finetune_command(subparsers) -> None:
    """Add ``finetune`` and ``finetune-merge`` to the ``llm-prune`` sub-parsers."""
    parser = subparsers.add_parser(
        "finetune",
        help="SFT/DPO/SFT+DPO/ORPO/online DPO-KD fine-tuning of the student with LoRA",
        description=(
            "Fine-tune the student on preference pairs (DATA/train.jsonl, evaluated on "
            "DATA/test.jsonl) with trl and a LoRA adapter, merge the adapter and save a "
            "Hugging Face model folder that `--student OUT` loads. --method sft trains on "
            "the chosen hints only (loss on the hint's tokens); sft+dpo runs SFT (OUT/sft, "
            "itself a student) and then DPO from it (OUT/dpo, final model in OUT). "
            "--method dpo-kd-online regenerates the rejected hints with the current "
            "student before each of --rounds rounds."
        ),
    )
    parser.add_argument(
        "--method", default="dpo", choices=("dpo", "sft", "sft+dpo", "orpo", "dpo-kd-online")
    )
    parser.add_argument("--data", required=True, help="folder with train.jsonl and test.jsonl")
    parser.add_argument(
        "--student", default="smollm2", help="smollm2, stub, a .gguf or a HF folder"
    )
    parser.add_argument("--out", required=True, help="folder for the merged model and logs")
    train = parser.add_argument_group("training")
    train.add_argument("--beta", type=float, default=0.1, help="DPO beta / ORPO lambda")
    train.add_argument(
        "--lr", type=float, default=None, help="learning rate (default: sft 2e-4, others 5e-5)"
    )
    train.add_argument("--epochs", type=float, default=None, help="epochs per round (1)")
    train.add_argument("--max-steps", type=int, default=-1, help="> 0: steps per round")
    train.add_argument("--sft-lr", type=float, default=2e-4, help="sft+dpo: SFT stage's lr")
    train.add_argument("--sft-epochs", type=float, default=1.0, help="sft+dpo: SFT epochs")
    train.add_argument("--sft-max-steps", type=int, default=-1, help="sft+dpo: SFT steps")
    train.add_argument(
        "--batch-size", type=int, default=None, help="pairs per step and device (GPU 16, CPU 4)"
    )
    train.add_argument("--grad-accum", type=int, default=1, help="gradient accumulation steps")
    train.add_argument("--max-length", type=int, default=1024, help="tokens of prompt + hint")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--rounds", type=int, default=1, help="rounds of dpo-kd-online")
    train.add_argument("--answer-tokens", type=int, default=128, help="regenerated hint length")
    train.add_argument("--generation-batch-size", type=int, default=16)
    lora = parser.add_argument_group("LoRA adapter")
    lora.add_argument("--lora-rank", type=int, default=8)
    lora.add_argument("--lora-alpha", type=int, default=16)
    lora.add_argument("--lora-dropout", type=float, default=0.1)
    lora.add_argument("--target-modules", default=LORA_TARGETS, help="comma-separated")
    run = parser.add_argument_group("logging and hardware")
    run.add_argument("--logging-steps", type=int, default=10)
    run.add_argument("--eval-steps", type=int, default=0, help="0: evaluate at the end only")
    run.add_argument("--save-steps", type=int, default=200, help="checkpoint every N steps")
    run.add_argument("--resume", action="store_true", help="continue from OUT's checkpoints")
    run.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="minutes per stage: stop training then (checkpoint, evaluate, merge, save). A "
        "stage cut by the limit ends the run there (sft+dpo: OUT then holds the SFT model "
        "and metrics.json says which stages ran); --resume goes on",
    )
    run.add_argument("--gradient-checkpointing", action="store_true")
    run.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    run.add_argument("--threads", type=positive_int, default=None, help="torch CPU threads")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=_finetune)

    merge = subparsers.add_parser(
        "finetune-merge",
        help="merge saved LoRA adapters (OUT/adapters/round-*) into a student",
        description=(
            "Rebuild a fine-tuned model folder from the student and the small adapters a "
            "`finetune` run saved (e.g. brought back from a GPU machine), in round order."
        ),
    )
    merge.add_argument("--student", default="smollm2")
    merge.add_argument("--adapters", nargs="+", required=True, help="adapter folders, in order")
    merge.add_argument("--out", required=True)
    merge.set_defaults(func=_merge)


def main(argv: list[str] | None = None) -> int:
    """The two commands without the ``llm-prune`` entry point (same errors, same exit codes)."""
    from llm_prune_gym.cli import run_parsed

    parser = argparse.ArgumentParser(prog="python -m finetune.train_cli")
    add_finetune_command(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return run_parsed(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
