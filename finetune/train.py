"""Fine-tuning of the hint student with a LoRA adapter: SFT, DPO, SFT then DPO, ORPO, DPO-KD.

trl's trainers do all the training (loss, reference log-probs, evaluation metrics,
checkpoints, progress bar). This module only does what trl cannot know about:

- it reads the pair files of ``llm-prune data build`` (``train.jsonl``/``test.jsonl``),
  checks them with errors that name the file and line, and drops their metadata;
- it picks precision and CPU threads for the device, and the report's LoRA adapter
  (rank 8, alpha 16, dropout 0.1 on q, k, v, o, gate, up, down);
- SFT trains on the chosen hints only: ``prompt`` -> ``chosen`` as a conversational
  prompt/completion data set, so that trl puts the loss on the hint's tokens (and its
  end-of-turn token, which teaches the student to stop) and never on the prompt;
- ``sft+dpo`` runs SFT, merges it, then DPO from the SFT model (the reference is the
  adapter-disabled model, i.e. the merged SFT weights), each stage in its own subfolder
  (``OUT/sft`` is itself a complete SFT student, ``OUT/dpo`` holds the DPO adapter);
- for online DPO-KD it regenerates the rejected hints with the current student
  before every round (the round's reference is the student at the start of the round);
- at the end it merges the adapter into the weights and saves a plain Hugging Face
  folder (safetensors + tokenizer) that ``LLMPrune-v0`` and ``transformers`` load
  directly, plus ``metrics.json``. The adapters are kept too (``adapters/round-N``,
  ~10 MB for SmolLM2): small enough to bring back from a remote GPU and merge there
  with :func:`merge_adapters`.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch import nn
from transformers import (
    PreTrainedModel,
    PreTrainedTokenizerBase,
    TrainerCallback,
    TrainingArguments,
)
from transformers.integrations import TensorBoardCallback, is_tensorboard_available
from transformers.trainer_utils import get_last_checkpoint

from finetune.settings import (  # noqa: F401 (re-exported: finetune.train's names)
    CPU_BATCH_SIZE,
    GPU_BATCH_SIZE,
    LORA_TARGETS,
    METHOD_DEFAULTS,
    METHODS,
    FinetuneConfig,
)
from llm_prune_gym.extras import MissingExtra
from llm_prune_gym.generation import generate_answers
from llm_prune_gym.prompts import read_jsonl
from llm_prune_gym.students import Student, load_student

try:  # the [finetune] extra
    from datasets import Dataset
    from peft import LoraConfig, PeftModel
    from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer
    from trl.experimental.orpo import ORPOConfig, ORPOTrainer
except ModuleNotFoundError as error:
    if error.name not in ("datasets", "peft", "trl"):
        raise
    raise MissingExtra("finetune", error.name) from None

PAIR_FIELDS = ("prompt", "chosen", "rejected")
SPLIT_FILES = {"train": "train.jsonl", "test": "test.jsonl"}
Pair = dict[str, list[dict[str, str]]]


def _check_messages(value: object, where: str, name: str, role: str | None = None) -> None:
    """A non-empty list of {role, content} string messages (all with `role` if given)."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: '{name}' must be a non-empty list of chat messages")
    for message in value:
        if not (
            isinstance(message, dict)
            and isinstance(message.get("role"), str)
            and isinstance(message.get("content"), str)
        ):
            raise ValueError(
                f"{where}: every message in '{name}' needs string 'role' and 'content'"
            )
        if role is not None and message["role"] != role:
            raise ValueError(f"{where}: '{name}' messages must have role {role!r}")


def read_pairs(path: str | Path) -> list[Pair]:
    """Read a JSONL pair file in trl's conversational format, keeping only prompt/chosen/rejected.

    Every line needs ``prompt`` (chat messages) and ``chosen``/``rejected`` (assistant
    messages); other keys (error_kind, line, code, ...) are metadata and dropped, since
    trl would otherwise carry them into its batches.
    """
    pairs = []
    for _, where, record in read_jsonl(path, "pair file"):
        missing = [key for key in PAIR_FIELDS if key not in record]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(map(repr, missing))}")
        _check_messages(record["prompt"], where, "prompt")
        _check_messages(record["chosen"], where, "chosen", role="assistant")
        _check_messages(record["rejected"], where, "rejected", role="assistant")
        pairs.append({key: record[key] for key in PAIR_FIELDS})
    if not pairs:
        raise ValueError(f"{path}: no preference pairs")
    return pairs


def load_pairs(data_dir: str | Path) -> dict[str, list[Pair]]:
    """The ``train`` and ``test`` splits of a data folder built by ``llm-prune data build``."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"data folder not found: {data_dir}")
    return {split: read_pairs(data_dir / name) for split, name in SPLIT_FILES.items()}


def pairs_with_room(
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[Pair],
    max_length: int,
    min_answer: int = 8,
    split: str = "train",
) -> list[Pair]:
    """The pairs whose prompt leaves at least `min_answer` of `max_length` tokens for the answer.

    A prompt that fills `max_length` leaves the trainer nothing to learn from; ORPO then averages
    over zero answer tokens and one such pair turns the whole batch's loss into NaN (trl cuts
    answers, never prompts). ValueError when no pair is left (raise ``--max-length``).
    """
    if not pairs:
        return []
    texts = [
        tokenizer.apply_chat_template(pair["prompt"], add_generation_prompt=True, tokenize=False)
        for pair in pairs
    ]
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    kept = [
        pair
        for pair, length in zip(pairs, lengths, strict=True)
        if length + min_answer <= max_length
    ]
    if not kept:
        raise ValueError(
            f"--max-length {max_length} leaves fewer than {min_answer} answer tokens in every "
            f"{split} pair: the shortest of the {len(pairs)} prompts already takes "
            f"{min(lengths)} tokens; raise --max-length"
        )
    if len(kept) < len(pairs):
        warnings.warn(
            f"{len(pairs) - len(kept)} of {len(pairs)} {split} pairs left out: their prompts "
            f"leave fewer than {min_answer} answer tokens in --max-length {max_length}",
            stacklevel=2,
        )
    return kept


def sft_examples(pairs: Sequence[Pair]) -> list[Pair]:
    """SFT's data: each distinct (prompt, chosen) as a conversational prompt/completion pair.

    trl's SFTTrainer then computes the loss on the completion (the hint) only.
    """
    return [{"prompt": p["prompt"], "completion": p["chosen"]} for p in unique_prompts(pairs)]


def unique_prompts(pairs: Sequence[Pair]) -> list[Pair]:
    """One pair per (prompt, chosen): the data may hold several rejected kinds per prompt."""
    seen, unique = set(), []
    for pair in pairs:
        key = json.dumps([pair["prompt"], pair["chosen"]], sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(pair)
    return unique


@torch.no_grad()
def with_student_rejected(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    pairs: Sequence[Pair],
    config: FinetuneConfig,
) -> list[Pair]:
    """DPO-KD's pairs: the teacher's hint is chosen, the student's own greedy hint rejected.

    Pairs where the student already says exactly what the teacher says are dropped:
    they carry no preference.
    """
    pairs = unique_prompts(pairs)
    model.eval()
    with torch.autocast(model.device.type, torch.bfloat16, enabled=_use_bf16(config.device)):
        answers = generate_answers(
            model,
            tokenizer,
            [pair["prompt"] for pair in pairs],
            max_new_tokens=config.answer_tokens,
            batch_size=config.generation_batch_size,
            progress=config.progress,
        )
    regenerated = []
    for pair, answer in zip(pairs, answers, strict=True):
        if answer.strip() != pair["chosen"][-1]["content"].strip():
            regenerated.append({**pair, "rejected": [{"role": "assistant", "content": answer}]})
    if not regenerated:
        raise ValueError("the student already gives every chosen hint: nothing left to prefer")
    return regenerated


# ---------------------------------------------------------------------------- model


def check_target_modules(model: nn.Module, targets: Sequence[str]) -> None:
    """Fail early, naming them, when the student lacks some of the adapter's target modules."""
    names = {
        path.split(".")[-1]
        for path, module in model.named_modules()
        if isinstance(module, nn.Linear)
    }
    missing = [name for name in targets if name not in names]
    if missing:
        raise ValueError(
            f"the student has no linear modules named {missing} for the LoRA adapter; "
            f"its linear modules are {sorted(names)}"
        )


def lora_config(config: FinetuneConfig) -> LoraConfig:
    return LoraConfig(
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )


def _use_bf16(device: str) -> bool:
    """bf16 autocast on GPUs that have it; plain fp32 elsewhere (CPU bf16 is slow and lossy)."""
    return (
        str(device).startswith("cuda")
        and torch.cuda.is_available()
        and torch.cuda.is_bf16_supported()
    )


def _set_threads(config: FinetuneConfig) -> int:
    """Torch threads on CPU: oversubscribed threads ran 4-6x slower on a 2-core machine."""
    threads = config.threads or len(os.sched_getaffinity(0))
    torch.set_num_threads(threads)
    return threads


def _unpatch(model: PreTrainedModel) -> PreTrainedModel:
    """Drop the forward trl patched in (a fused LM head): the model is a plain one again."""
    model.__dict__.pop("forward", None)
    model.config.use_cache = True
    return model


def save_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path) -> None:
    """A plain Hugging Face folder: config, safetensors weights, tokenizer with chat template."""
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def merge_adapters(
    student: str | Path | tuple | Student, adapters: Sequence[str | Path], out: str | Path
) -> Student:
    """Merge saved adapters (in round order) into a student and save it as a model folder.

    This rebuilds on one machine what a run on another produced: the adapters of
    ``OUT/adapters/round-*`` are small, the merged fp32 model is not.
    """
    loaded = load_student(student)
    model = loaded.model
    for adapter in adapters:
        if not (Path(adapter) / "adapter_config.json").is_file():
            raise FileNotFoundError(f"no adapter_config.json in {adapter}")
        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    save_model(_unpatch(model), loaded.tokenizer, Path(out))
    return Student(model, loaded.tokenizer, Path(out).name)


# ---------------------------------------------------------------------------- training


def _tensorboard(log_dir: Path) -> list[TrainerCallback]:
    """transformers' TensorBoard callback, writing to a fixed folder of ours."""
    if not is_tensorboard_available():
        warnings.warn(
            "neither tensorboard nor tensorboardX is installed: no TensorBoard logs "
            "(the log history is still in metrics.json)",
            stacklevel=3,
        )
        return []
    callback = TensorBoardCallback()
    # transformers 5 reads this attribute (it has no `logging_dir` argument any more); it also
    # reopens the writer there for the evaluation after training, instead of under output_dir.
    callback.logging_dir = str(log_dir)
    return [callback]


def training_args(
    config: FinetuneConfig, output_dir: Path, log_dir: Path
) -> DPOConfig | ORPOConfig | SFTConfig:
    """trl's config with our defaults (its lr, bf16 and checkpointing defaults suit big GPUs)."""
    bf16 = _use_bf16(config.device)
    common = {
        "output_dir": str(output_dir),
        "learning_rate": config.learning_rate,
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "max_length": config.max_length,
        "seed": config.seed,
        "data_seed": config.seed,
        "bf16": bf16,
        "fp16": False,
        "use_cpu": not str(config.device).startswith("cuda"),
        "logging_steps": config.logging_steps,
        "logging_first_step": True,
        "eval_strategy": "steps" if config.eval_steps > 0 else "no",
        "eval_steps": config.eval_steps if config.eval_steps > 0 else None,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "save_total_limit": 2,
        "report_to": "none",  # TensorBoard comes through our own callback (fixed folder)
        "disable_tqdm": not config.progress,
        "dataloader_num_workers": 0,
    }
    # transformers 5 renamed gradient checkpointing; the old name still works but warns.
    names = {f.name for f in fields(TrainingArguments)}
    checkpointing = "activation_checkpointing" if "activation_checkpointing" in names else None
    common[checkpointing or "gradient_checkpointing"] = config.gradient_checkpointing
    if "logging_dir" in names:  # transformers 4.x: where its TensorBoard callback writes
        common["logging_dir"] = str(log_dir)
    if config.method == "sft":
        # the loss on the hint only (trl's default for prompt/completion data, said explicitly)
        return SFTConfig(**common, completion_only_loss=True)
    # disable_dropout=False keeps the adapter's dropout (0.1), as in the report
    preference = {**common, "beta": config.beta, "disable_dropout": False}
    return ORPOConfig(**preference) if config.method == "orpo" else DPOConfig(**preference)


class _Deadline(TrainerCallback):
    """Stops training at a wall-clock deadline, after a checkpoint, so that a remote run with a
    hard time limit still evaluates, saves and merges its adapter (and ``--resume`` goes on)."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.reached = False

    def on_step_end(self, args, state, control, **kwargs):
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.reached = True
            control.should_training_stop = True
            control.should_save = True
        return control


def _trainer(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train: Sequence[Pair],
    test: Sequence[Pair],
    config: FinetuneConfig,
    output_dir: Path,
    log_dir: Path,
    callbacks: list[TrainerCallback],
):
    trainers = {"orpo": ORPOTrainer, "sft": SFTTrainer}
    examples = sft_examples if config.method == "sft" else list
    return trainers.get(config.method, DPOTrainer)(
        model=model,
        args=training_args(config, output_dir, log_dir),
        train_dataset=Dataset.from_list(examples(train)),
        eval_dataset=Dataset.from_list(examples(test)),
        processing_class=tokenizer,
        peft_config=lora_config(config),
        callbacks=_tensorboard(log_dir) + callbacks,
    )


def _round_metrics(trainer, train_result, stopped_early: bool) -> dict:
    steps = trainer.state.global_step
    runtime = train_result.metrics.get("train_runtime", 0.0)
    return {
        "train_examples": len(trainer.train_dataset),  # SFT: distinct prompts; else pairs
        "steps": steps,
        "stopped_early": stopped_early,
        "train_loss": train_result.training_loss,
        "train_seconds": runtime,
        "seconds_per_step": runtime / steps if steps else None,
        "eval": trainer.evaluate(),
        "log_history": trainer.state.log_history,
    }


def _finished_round(adapter_dir: Path) -> dict | None:
    """The metrics of a round an earlier run finished (not one it stopped at its time limit)."""
    path = adapter_dir / "metrics.json"
    if not path.is_file():
        return None
    metrics = json.loads(path.read_text())
    return None if metrics.get("stopped_early") else metrics


def train_round(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train: Sequence[Pair],
    test: Sequence[Pair],
    config: FinetuneConfig,
    out: Path,
    name: str,
    deadline: float | None = None,
) -> tuple[PreTrainedModel, dict]:
    """Train one adapter with trl, evaluate it on the test split, save it, merge it."""
    model.requires_grad_(False)  # peft makes only the adapter trainable
    checkpoints = out / "checkpoints" / name
    stop = _Deadline(deadline)
    trainer = _trainer(
        model, tokenizer, train, test, config, checkpoints, out / "tensorboard" / name, [stop]
    )
    resume_from = (
        get_last_checkpoint(str(checkpoints)) if config.resume and checkpoints.is_dir() else None
    )
    result = trainer.train(resume_from_checkpoint=resume_from)
    metrics = _round_metrics(trainer, result, stop.reached)
    adapter_dir = out / "adapters" / name
    trainer.model.save_pretrained(str(adapter_dir))
    (adapter_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    merged = trainer.model.merge_and_unload()
    del trainer
    return _unpatch(merged).eval(), metrics


@dataclass
class FinetuneResult:
    """The merged student (also saved to ``out``) and the metrics of ``out/metrics.json``."""

    student: Student
    metrics: dict


def _train_rounds(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    splits: dict[str, list[Pair]],
    config: FinetuneConfig,
    out: Path,
) -> tuple[PreTrainedModel, list[dict]]:
    """One stage: its rounds (adapters under ``out``), each merged into the model in turn."""
    deadline = time.perf_counter() + 60 * config.time_limit if config.time_limit else None
    rounds = []
    for round_index in range(1, config.rounds + 1):
        name = f"round-{round_index}"
        adapter_dir = out / "adapters" / name
        metrics = _finished_round(adapter_dir) if config.resume else None
        if metrics is not None:  # an earlier run finished this round: merge, don't retrain
            model = _unpatch(PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload())
        else:
            train = splits["train"]
            if config.method == "dpo-kd-online":
                train = with_student_rejected(model, tokenizer, train, config)
            model, metrics = train_round(
                model, tokenizer, train, splits["test"], config, out, name, deadline
            )
        rounds.append({"round": round_index, **metrics})
        if metrics["stopped_early"]:
            break
    return model, rounds


def _report(
    config: FinetuneConfig,
    student: str,
    data: str | Path,
    rounds: list[dict],
    model: PreTrainedModel,
    started: float,
) -> dict:
    """What ``metrics.json`` holds: the last round's evaluation, every round, the config."""
    return {
        "method": config.method,
        "student": student,
        "data": str(data),
        "eval": rounds[-1]["eval"],
        "stopped_early": rounds[-1]["stopped_early"],
        "wall_seconds": time.perf_counter() - started,
        "device": str(model.device),
        "bf16": _use_bf16(config.device),
        "threads": torch.get_num_threads() if not str(config.device).startswith("cuda") else None,
        "config": asdict(config),
        "rounds": rounds,
    }


def finetune(
    data: str | Path,
    student: str | Path | tuple | Student,
    out: str | Path,
    config: FinetuneConfig | None = None,
) -> FinetuneResult:
    """Fine-tune `student` on the pairs in `data`; save the merged model and metrics to `out`.

    The metrics (``out/metrics.json``) hold the last round's evaluation on the test
    split (DPO/ORPO: ``eval_loss``, ``eval_rewards/margins``, ``eval_rewards/accuracies``,
    ...; SFT: ``eval_loss``, ``eval_mean_token_accuracy``), every round's details (with
    its ``stage``), the config and the wall time. ``sft+dpo`` also leaves the SFT student
    in ``out/sft`` (model and ``metrics.json``). The test split is never regenerated, so
    the methods are compared on the same pairs.
    """
    config = config or FinetuneConfig()
    started = time.perf_counter()
    out = Path(out)
    if not str(config.device).startswith("cuda"):
        _set_threads(config)
    splits = load_pairs(data)
    loaded = load_student(student, device=config.device)
    model, tokenizer = loaded.model, loaded.tokenizer
    check_target_modules(model, config.target_modules)
    splits = {
        name: pairs_with_room(tokenizer, pairs, config.max_length, split=name) if pairs else pairs
        for name, pairs in splits.items()
    }
    out.mkdir(parents=True, exist_ok=True)
    stages = config.stages()
    rounds: list[dict] = []
    for stage, stage_config in stages:
        stage_out = out if len(stages) == 1 else out / stage
        model, stage_rounds = _train_rounds(model, tokenizer, splits, stage_config, stage_out)
        rounds += [{"stage": stage, **r} for r in stage_rounds]
        if stage_out != out and stage != stages[-1][0]:  # an intermediate student of its own
            save_model(model, tokenizer, stage_out)
            report = _report(stage_config, loaded.name, data, stage_rounds, model, started)
            (stage_out / "metrics.json").write_text(json.dumps(report, indent=2))
        if stage_rounds[-1]["stopped_early"]:
            break
    save_model(model, tokenizer, out)
    report = _report(config, loaded.name, data, rounds, model, started)
    (out / "metrics.json").write_text(json.dumps(report, indent=2))
    return FinetuneResult(Student(model, tokenizer, out.name), report)
