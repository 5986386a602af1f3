"""`llm-prune bench-model`: what a pruned export costs and gives on a CPU, side by side.

For every (plan, format) the plan is exported (:func:`evaluation.export.export_pruned`)
and measured:

- size: bytes of the weight files on disk;
- peak RAM and CPU speed: in a fresh subprocess per export (so nothing else is in its
  memory), with ``--threads`` torch threads: load the folder with transformers, then
  generate greedily ``--new-tokens`` tokens for each of the same prompts (EOS ignored,
  so every model writes as many tokens); tokens/s = generated tokens / generation
  time, peak RAM = ``VmHWM`` of the subprocess (load included);
- held-out KL: the reloaded model's KL from the unpruned student on the held-out
  prompts (``builtin:heldout``), in float32.

GGUF files are read by transformers, which dequantizes them to float32: their speed
under torch is that of a float32 model of the same (padded) shape; the gain is size.
The grader's hint scores are not measured here (a hint run per model costs minutes on
this CPU; ``llm-prune experiment`` grades hints).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from cyclopts import Parameter

from llm_prune_gym.cli import Device, Names, PositiveInt, print_json, resolve_device

if TYPE_CHECKING:
    from llm_prune_gym import Workbench

FIELDS = (
    "name",
    "format",
    "params",
    "model_sparsity",
    "file_mb",
    "peak_ram_mb",
    "tokens_per_s",
    "kl_heldout",
)


def peak_rss_kb() -> int:
    """This process's peak resident memory in KiB: ``VmHWM``, which starts afresh at exec.

    ``ru_maxrss`` does not: Linux carries the parent's peak over fork and exec, so a
    child of a big process would report its parent's memory.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: best effort


def measure_speed(folder: Path, prompts: list, new_tokens: int, threads: int) -> dict:
    """Load `folder` and time greedy generation (runs inside the measuring subprocess)."""
    import torch

    from .export import load_exported

    torch.set_num_threads(threads)
    from transformers import AutoTokenizer

    started = time.perf_counter()
    model = load_exported(folder, torch.float32).eval()
    gguf = (folder / "model.gguf").is_file()
    tokenizer = AutoTokenizer.from_pretrained(
        folder, **({"gguf_file": "model.gguf"} if gguf else {})
    )
    loaded = time.perf_counter() - started
    generated, seconds = 0, 0.0
    with torch.no_grad():
        for prompt in prompts:
            messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
            ids = tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
            start = time.perf_counter()
            output = model.generate(
                **ids,
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
            )
            seconds += time.perf_counter() - start
            generated += output.shape[1] - ids["input_ids"].shape[1]
    peak_kb = peak_rss_kb()
    return {
        "load_s": round(loaded, 2),
        "tokens": generated,
        "tokens_per_s": generated / seconds,
        "peak_ram_mb": peak_kb / 1024,
    }


def measure_in_subprocess(folder: Path, prompts: str, count: int, tokens: int, threads: int):
    """:func:`measure_speed` in a fresh Python process (its own peak RSS)."""
    command = [sys.executable, "-m", "evaluation.bench_model", str(folder), prompts]
    command += [str(count), str(tokens), str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measuring {folder} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout[done.stdout.rindex("{") :])


@dataclass(frozen=True, kw_only=True)
class BenchModelSettings:
    """What bench-model exports and how it measures them."""

    plans: Names
    """comma-separated dense,NAME=PLAN.json,... (in order; dense: the unpruned student)"""
    out: Path
    """output folder (exports go to OUT/models)"""
    student: str = "smollm2"
    """smollm2, stub, a .gguf or a Hugging Face folder"""
    device: Device = "cpu"
    """where the student is pruned and the held-out KL measured (speed: always the CPU)"""
    formats: Names = ("hf-f32", "gguf-q8_0")
    """comma-separated: hf-f32, hf-bf16, hf-f16, gguf-f32, gguf-f16, gguf-q8_0, gguf-q4_0"""
    heldout_prompts: str = "builtin:heldout"
    """prompts the KL is measured on"""
    heldout_batch_size: int = 8
    """held-out prompts per batch"""
    answer_tokens: int = 32
    """teacher answer tokens scored by the KL"""
    speed_prompts: str = "builtin:heldout"
    """prompts the speed is timed on"""
    speed_count: PositiveInt = 4
    """prompts timed per model"""
    new_tokens: PositiveInt = 32
    """greedy tokens generated per timed prompt"""
    threads: PositiveInt = 2
    """torch CPU threads of the measuring subprocesses (and of this process)"""
    repeats: PositiveInt = 1
    """speed rounds (median kept)"""
    reuse_exports: bool = False
    """measure folders already exported under --out"""

    def entries(self) -> list[tuple[str, str]]:
        """``dense,uniform=PLAN.json`` -> [(name, plan path or "")]."""
        return parse_entries(self.plans)


def parse_entries(items: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """``("dense", "uniform=PLAN.json")`` -> [(name, plan path or "")] (ValueError if bad)."""
    entries = []
    for item in (part.strip() for part in items if part.strip()):
        name, _, path = item.partition("=")
        if not path and name != "dense":
            raise ValueError(f"--plans: expected NAME=PLAN.json or dense, got {item!r}")
        entries.append((name, path))
    return entries


def heldout_workbench(student, key: tuple, settings: BenchModelSettings) -> Workbench:
    """A workbench on every held-out prompt with a pruner ranked on calibration data.

    Wanda's activation norms come from the calibration prompts (``builtin:train``, an
    env's default 8), never from the held-out prompts the KL is measured on.
    """
    from llm_prune_gym import EnvSettings, Workbench
    from llm_prune_gym.heldout import HeldOut

    granularity, modules, criterion = key
    env_settings = EnvSettings(
        student=student,
        modules=modules,
        granularity=granularity,
        prompts=settings.heldout_prompts,
        batch_size=settings.heldout_batch_size,
        sampling="sample",  # keeps every held-out prompt
        answer_tokens=settings.answer_tokens,
        device=resolve_device(settings.device),
    )
    return HeldOut(Workbench(env_settings)).pruning_by(criterion)


def bench_models(args: BenchModelSettings) -> list[dict]:
    """Export every (plan, format) under ``out/models`` and measure it; returns table rows.

    Speed is measured ``--repeats`` rounds, each round timing every export once in turn,
    so that load from other processes falls on all of them alike; the median is kept.
    """
    import numpy as np

    from llm_prune_gym import PruningPlan, load_student

    from .export import export_pruned

    out = Path(args.out)
    student = load_student(args.student, device=resolve_device(args.device))
    exports: list[tuple[str, str, Path, dict]] = []
    workbenches: dict[tuple, Workbench] = {}
    for name, path in args.entries():
        reference = PruningPlan.load(path) if path else None
        key = (reference.granularity, reference.modules) if reference else ("weights", None)
        criterion = reference.criterion if reference else "magnitude"
        key = (*key, criterion)
        if key not in workbenches:
            workbenches[key] = heldout_workbench(student, key, args)
        workbench = workbenches[key]
        unpruned = np.zeros_like(workbench.sizes)
        plan = workbench.rebase(reference) if reference else workbench.plan(unpruned)
        kl_in_env = None  # measured once per plan, not per format
        for fmt in args.formats:
            kind, _, encoding = fmt.partition("-")
            quant = encoding if encoding.startswith("q") else None
            dtype = "f32" if quant else encoding or "f32"
            folder = out / "models" / f"{name}-{fmt}"
            saved = folder / "pruning_report.json"
            if args.reuse_exports and saved.is_file():
                exports.append((name, fmt, folder, json.loads(saved.read_text())))
                continue
            if kl_in_env is None:
                kl_in_env = workbench.kl(plan).mean
            report = export_pruned(workbench, plan, folder, kind, dtype, quant, kl_in_env)
            exports.append((name, fmt, folder, report))
    speeds: dict[Path, list[dict]] = {folder: [] for _, _, folder, _ in exports}
    for _ in range(args.repeats):
        for _, _, folder, _ in exports:
            speeds[folder].append(
                measure_in_subprocess(
                    folder, args.speed_prompts, args.speed_count, args.new_tokens, args.threads
                )
            )
    rows = []
    for name, fmt, folder, report in exports:
        runs = speeds[folder]
        rows.append(
            {
                "name": name,
                "format": fmt,
                "params": report["saved_params"],
                "model_sparsity": report["applied_model_sparsity"],
                "file_mb": report["weight_bytes"] / 1e6,
                "peak_ram_mb": float(np.median([r["peak_ram_mb"] for r in runs])),
                "tokens_per_s": float(np.median([r["tokens_per_s"] for r in runs])),
                "kl_heldout": report["kl_reloaded"],
            }
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def write_results(rows: list[dict], out: Path, facts: str) -> None:
    """bench_model.csv, bench_model.md and bench_model.png (file size vs held-out KL)."""
    import csv

    import matplotlib

    from .report import markdown_table

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(out / "bench_model.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    table = markdown_table(
        ["model", "format", "params", "pruned", "file MB", "peak RAM MB", "tokens/s", "KL"],
        [
            (
                r["name"], r["format"], f"{r['params']:,}", f"{r['model_sparsity']:.1%}",
                f"{r['file_mb']:.1f}", f"{r['peak_ram_mb']:.0f}", f"{r['tokens_per_s']:.1f}",
                f"{r['kl_heldout']:.4f}",
            )
            for r in rows
        ],
    )  # fmt: skip
    (out / "bench_model.md").write_text(f"# bench-model\n\n{facts}\n\n{table}\n")
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for row in rows:
        axes.scatter(row["file_mb"], row["kl_heldout"], s=30)
        axes.annotate(f"{row['name']} {row['format']}", (row["file_mb"], row["kl_heldout"]),
                      fontsize=7, xytext=(4, 3), textcoords="offset points")  # fmt: skip
    axes.set_xlabel("weight file size (MB)")
    axes.set_ylabel("held-out KL from the unpruned student")
    axes.set_title("Size vs quality of each export")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out / "bench_model.png", dpi=130)
    plt.close(figure)


Settings = Annotated[BenchModelSettings, Parameter(name="*")]


def bench_model(*, settings: Settings) -> int:
    """File size, peak RAM, CPU tokens/s and held-out KL of pruned exports, in one table.

    For every (plan, format): export, then measure in a fresh subprocess (its own peak
    RAM, VmHWM) with --threads torch threads; the KL is the reloaded model's on the
    held-out prompts in float32. Writes bench_model.csv/.md/.png under --out; each row
    goes to stderr as it is measured, and one JSON line with every row to stdout.
    """
    import torch

    out = Path(settings.out)
    settings.entries()  # a bad entry is one line before anything loads
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(settings.threads)
    rows = bench_models(settings)
    facts = (
        f"Student {settings.student}; KL on {settings.heldout_prompts} "
        f"({resolve_device(settings.device)}); speed: "
        f"{settings.speed_count} prompts of {settings.speed_prompts}, {settings.new_tokens} "
        f"greedy tokens each, {settings.threads} threads, median of {settings.repeats} rounds, "
        "one subprocess per export (peak RAM = its VmHWM, load included). Hint scores not "
        "measured."
    )
    write_results(rows, out, facts)
    return print_json({"out": str(out), "rows": rows})


def _measure_main(argv: list[str]) -> None:
    """Subprocess entry: FOLDER PROMPTS COUNT NEW_TOKENS THREADS -> one JSON line."""
    from llm_prune_gym.prompts import load_prompts

    folder, prompts, count, tokens, threads = argv
    chosen = load_prompts(prompts)[: int(count)]
    result = measure_speed(Path(folder), chosen, int(tokens), int(threads))
    print(json.dumps(result))


if __name__ == "__main__":
    _measure_main(sys.argv[1:])
