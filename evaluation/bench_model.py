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

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from llm_prune_gym import EnvSettings, PruningPlan, Workbench, load_student
from llm_prune_gym.heldout import HeldOut
from llm_prune_gym.prompts import load_prompts

from .export import export_pruned, load_exported
from .report import markdown_table

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


def parse_entries(text: str) -> list[tuple[str, str]]:
    """``dense,uniform=PLAN.json,evo=PLAN.json`` -> [(name, plan path or "")] (argparse)."""
    entries = []
    for item in (part.strip() for part in text.split(",") if part.strip()):
        name, _, path = item.partition("=")
        if not path and name != "dense":
            raise argparse.ArgumentTypeError(f"expected NAME=PLAN.json or dense, got {item!r}")
        entries.append((name, path))
    return entries


def heldout_workbench(student, key: tuple, args: argparse.Namespace) -> Workbench:
    """A workbench on every held-out prompt with a pruner ranked on calibration data.

    Wanda's activation norms come from the calibration prompts (``builtin:train``, an
    env's default 8), never from the held-out prompts the KL is measured on.
    """
    granularity, modules, criterion = key
    settings = EnvSettings(
        student=student,
        modules=modules,
        granularity=granularity,
        prompts=args.heldout,
        batch_size=args.batch_size,
        sampling="sample",  # keeps every held-out prompt
        answer_tokens=args.answer_tokens,
    )
    return HeldOut(Workbench(settings)).pruning_by(criterion)


def bench_models(args: argparse.Namespace) -> list[dict]:
    """Export every (plan, format) under ``out/models`` and measure it; returns table rows.

    Speed is measured ``--repeats`` rounds, each round timing every export once in turn,
    so that load from other processes falls on all of them alike; the median is kept.
    """
    out = Path(args.out)
    student = load_student(args.student)
    exports: list[tuple[str, str, Path, dict]] = []
    workbenches: dict[tuple, Workbench] = {}
    for name, path in args.plans:
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
        print(json.dumps(rows[-1]), flush=True)
    return rows


def write_results(rows: list[dict], out: Path, facts: str) -> None:
    """bench_model.csv, bench_model.md and bench_model.png (file size vs held-out KL)."""
    import csv

    import matplotlib

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


def run_bench_model(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    rows = bench_models(args)
    facts = (
        f"Student {args.student}; KL on {args.heldout}; speed: {args.speed_count} prompts of "
        f"{args.speed_prompts}, {args.new_tokens} greedy tokens each, {args.threads} threads, "
        f"median of {args.repeats} rounds, one subprocess per export (peak RAM = its "
        "VmHWM, load included). Hint scores not measured."
    )
    write_results(rows, out, facts)
    return 0


def add_bench_model(commands) -> None:
    parser = commands.add_parser(
        "bench-model",
        help="file size, peak RAM, CPU tokens/s and held-out KL of exports, in one table",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--student", default="smollm2")
    parser.add_argument(
        "--plans", type=parse_entries, required=True, help="dense,NAME=PLAN.json,... (in order)"
    )
    parser.add_argument(
        "--formats",
        type=lambda text: [f for f in text.split(",") if f],
        default=["hf-f32", "gguf-q8_0"],
        help="comma-separated: hf-f32, hf-bf16, hf-f16, gguf-f32, gguf-f16, gguf-q8_0, gguf-q4_0",
    )
    parser.add_argument("--heldout", default="builtin:heldout", help="prompts the KL is on")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--answer-tokens", type=int, default=32)
    parser.add_argument("--speed-prompts", default="builtin:heldout")
    parser.add_argument("--speed-count", type=int, default=4, help="prompts timed per model")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="speed rounds (median kept)")
    parser.add_argument(
        "--reuse-exports", action="store_true", help="measure folders already exported under --out"
    )
    parser.add_argument("--out", required=True)
    parser.set_defaults(func=run_bench_model)


def _measure_main(argv: list[str]) -> None:
    """Subprocess entry: FOLDER PROMPTS COUNT NEW_TOKENS THREADS -> one JSON line."""
    folder, prompts, count, tokens, threads = argv
    chosen = load_prompts(prompts)[: int(count)]
    result = measure_speed(Path(folder), chosen, int(tokens), int(threads))
    print(json.dumps(result))


if __name__ == "__main__":
    _measure_main(sys.argv[1:])
