"""Fine-tuning's settings, importable without torch (the command line's help stays quick).

:class:`FinetuneConfig` is everything a fine-tuning run depends on; ``llm-prune finetune``
builds its options from it (one option per field, same name and default).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal

from cyclopts import Parameter

from llm_prune_gym.cli import Names
from llm_prune_gym.prompts import DEFAULT_PROMPT_STYLE

METHODS = ("dpo", "orpo", "dpo-kd-online", "sft", "sft+dpo")
# Learning rate and epochs when not given. LoRA SFT is usually run at 1e-4 to 2e-4 for 1-2
# epochs; the preference methods keep the 5e-5 of our earlier DPO runs (trl's 1e-6 default
# is for full fine-tuning). For sft+dpo these are the DPO stage's; its SFT stage has sft_*.
METHOD_DEFAULTS = {
    "sft": {"learning_rate": 2e-4, "epochs": 1.0},
    "dpo": {"learning_rate": 5e-5, "epochs": 1.0},
    "orpo": {"learning_rate": 5e-5, "epochs": 1.0},
    "dpo-kd-online": {"learning_rate": 5e-5, "epochs": 1.0},
    "sft+dpo": {"learning_rate": 5e-5, "epochs": 1.0},
}
GPU_BATCH_SIZE, CPU_BATCH_SIZE = 16, 4
# a data build's manifest format; 2: the bug kinds of finetune.kinds (new runtime kinds,
# reviewed hints), so an old build folder is not resumed with new hints
FORMAT = 2
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class FinetuneConfig:
    """Everything a fine-tuning run depends on; saved into ``metrics.json``.

    ``learning_rate``, ``epochs`` and ``batch_size`` left as None take the method's default
    (:data:`METHOD_DEFAULTS`; batch 16 on a GPU, 4 on the CPU). They, ``max_steps`` and
    ``beta`` drive the only stage of a method, or the DPO stage of ``sft+dpo``, whose SFT
    stage takes ``sft_learning_rate``, ``sft_epochs`` and ``sft_max_steps``.

    Time on one H200 (batch 16, SmolLM2): a DPO step took 0.67 s (756 steps in ~510 s),
    an SFT step costs about a third of that (one sequence per example instead of chosen,
    rejected and the reference's forward pass), and SFT sees each prompt once however many
    rejected hints it has. ``time_limit`` bounds each stage, so ``sft+dpo --time-limit 4``
    trains for at most 8 minutes; a stage stopped by it checkpoints, and ``resume`` goes on.
    """

    method: Literal["dpo", "orpo", "dpo-kd-online", "sft", "sft+dpo"] = "dpo"
    """dpo, orpo, dpo-kd-online (regenerates the rejected hints each round), sft (chosen
    hints only) or sft+dpo (SFT into OUT/sft, then DPO from it)"""
    beta: float = 0.1
    """DPO beta / ORPO lambda"""
    learning_rate: float | None = None
    """learning rate (default: sft 2e-4, others 5e-5)"""
    epochs: float | None = None
    """epochs per round (default 1)"""
    max_steps: int = -1
    """> 0: steps per round (overrides epochs)"""
    sft_learning_rate: float = METHOD_DEFAULTS["sft"]["learning_rate"]
    """sft+dpo: the SFT stage's learning rate"""
    sft_epochs: float = METHOD_DEFAULTS["sft"]["epochs"]
    """sft+dpo: the SFT stage's epochs"""
    sft_max_steps: int = -1
    """sft+dpo: the SFT stage's steps (> 0)"""
    # the option is --train-batch-size: --batch-size means calibration prompts elsewhere
    batch_size: Annotated[int | None, Parameter(name="--train-batch-size")] = None
    """examples (pairs) per device step (default: GPU 16, CPU 4)"""
    grad_accum: int = 1
    """gradient accumulation steps"""
    max_length: int = 1024
    """tokens of prompt + answer; longer answers are cut at the end"""
    seed: int = 0
    """seeds the data order and the adapter's initialisation"""
    lora_rank: int = 8
    """LoRA rank"""
    lora_alpha: int = 16
    """LoRA alpha"""
    lora_dropout: float = 0.1
    """LoRA dropout"""
    target_modules: Names = LORA_TARGETS
    """comma-separated modules the adapter wraps"""
    rounds: int = 1
    """rounds of dpo-kd-online"""
    answer_tokens: int = 128
    """length cap of the regenerated (rejected) student hints"""
    generation_batch_size: int = 16
    """prompts per generate call when hints are regenerated"""
    logging_steps: int = 10
    """steps between log lines"""
    eval_steps: int = 0
    """steps between evaluations (0: evaluate at the end of each round only)"""
    save_steps: int = 200
    """checkpoint every N steps"""
    gradient_checkpointing: bool = False
    """trade compute for memory"""
    device: str = "auto"
    """cpu, cuda, cuda:N or mps; auto: cuda if there is one"""
    threads: int | None = None
    """torch CPU threads (None: every core this process may use)"""
    resume: bool = False
    """continue from OUT's checkpoints"""
    time_limit: float | None = None
    """minutes per stage: stop training then (checkpoint, evaluate, merge, save). A stage cut
    by the limit ends the run there (sft+dpo: OUT then holds the SFT model and metrics.json
    says which stages ran); --resume goes on"""
    progress: bool = True
    """show progress bars on stderr"""

    def __post_init__(self) -> None:
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be at least 1, got {self.threads}")
        if self.device == "auto":  # resolved once, so metrics.json names the real device
            import torch

            object.__setattr__(self, "device", "cuda" if torch.cuda.is_available() else "cpu")
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose one of {METHODS}")
        if self.rounds < 1:
            raise ValueError(f"rounds must be at least 1, got {self.rounds}")
        if self.rounds > 1 and self.method != "dpo-kd-online":
            raise ValueError("several rounds need --method dpo-kd-online (it regenerates the data)")
        if self.max_length < 2:
            raise ValueError(f"max_length must be at least 2 tokens, got {self.max_length}")
        defaults = METHOD_DEFAULTS[self.method]
        on_gpu = str(self.device).startswith("cuda")
        resolved = {
            "learning_rate": self.learning_rate or defaults["learning_rate"],
            "epochs": self.epochs or defaults["epochs"],
            "batch_size": self.batch_size or (GPU_BATCH_SIZE if on_gpu else CPU_BATCH_SIZE),
            "target_modules": tuple(self.target_modules),
        }
        for name, value in resolved.items():  # frozen: fill the defaults in once
            object.__setattr__(self, name, value)

    def stages(self) -> list[tuple[str, FinetuneConfig]]:
        """(name, config) of each training stage: two for sft+dpo, one otherwise."""
        if self.method != "sft+dpo":
            return [(self.method, self)]
        sft = replace(
            self,
            method="sft",
            learning_rate=self.sft_learning_rate,
            epochs=self.sft_epochs,
            max_steps=self.sft_max_steps,
        )
        return [("sft", sft), ("dpo", replace(self, method="dpo"))]


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class BuildOptions:
    """What `llm-prune data build` was asked for (all but `out` go into the manifest)."""

    out: Path
    """output folder"""
    seed: int = 0
    """seeds the program sample, the bugs and the split"""
    teacher: Literal["oracle", "openai"] = "oracle"
    """oracle: offline, from the ground truth; openai: any OpenAI-compatible server (key from
    OPENAI_API_KEY)"""
    teacher_model: str | None = None
    """default: $LLM_PRUNE_TEACHER_MODEL or gpt-4o"""
    teacher_base_url: str | None = None
    """default: $OPENAI_BASE_URL"""
    student: str | None = None
    """also use this student's own answers as rejected hints (DPO-KD, offline): smollm2, stub
    or a model folder"""
    student_tokens: int = 160
    """length limit of the student's answers"""
    max_programs: int | None = None
    """use only the first N corpus programs (quick runs)"""
    programs: int | None = None
    """a seeded sample of N corpus programs (default: all)"""
    sources: Names | None = None
    """program origins, comma-separated: handwritten, public, generated (default: all)"""
    per_kind: int = 8
    """at most this many bugs of one kind per program"""
    timeout: Annotated[float, Parameter(name="--sandbox-timeout")] = 1.0
    """seconds before a run gets its Ctrl-C (endless loops)"""
    max_lines: int = 100_000
    """an endless loop is re-run and interrupted after N lines, so its Ctrl-C traceback is the
    same on every build (see sandbox.Limits)"""
    workers: int | None = None
    """parallel runs"""
    chunk: Annotated[int, Parameter(parse=False)] = 256
    progress: bool = True
    """show the progress bar on stderr"""
    prompt_style: Literal["grounded", "plain"] = DEFAULT_PROMPT_STYLE
    """grounded: the prompt adds facts read from the program and its traceback; plain:
    program and error only (builds made before this option)"""
    teacher_options: Annotated[dict, Parameter(parse=False)] = field(default_factory=dict)
    # e.g. retries; never saved

    def manifest(self) -> dict:
        return {
            "format": FORMAT,
            "seed": self.seed,
            "teacher": self.teacher,
            "teacher_model": self.teacher_model,
            "teacher_base_url": self.teacher_base_url,
            "student": self.student,
            "student_tokens": self.student_tokens if self.student else None,
            "max_programs": self.max_programs,
            "programs": self.programs,
            "sources": list(self.sources) if self.sources is not None else None,
            "per_kind": self.per_kind,
            "timeout": self.timeout,
            "max_lines": self.max_lines,
            "prompt_style": self.prompt_style,
        }
