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

- hint scores: in the same subprocess, after the timing, the export's own runtime
  writes a hint for each of ``--hint-count`` test programs (``--hint-cases``; default
  the hand-written ``evaluation/data/realstyle.jsonl``, run in the sandbox for their
  real tracebacks), greedy and decoded as ``eval-hints`` decodes (one prompt at a
  time); the project's offline grader (:mod:`evaluation.grader`) scores them, with the
  summary fields ``eval-hints`` writes (identifies_error, misleading, gives_away);
- agreement: the share of each export's timed greedy tokens, per prompt up to the first
  that differs, that match the same plan's ``hf-f32`` export, and the share of its hints
  that are the same text.

Runtimes: ``hf-*`` and ``gguf-*`` exports are loaded by transformers, which dequantizes
GGUF to float32: their speed under torch is that of a float32 model of the same (padded)
shape; the gain is size. ``ct2-f32`` and ``ct2-int8`` are converted from the plan's HF
float32 export and run by CTranslate2 (:mod:`evaluation.ct2_runtime`, an optional extra),
for plans whose layers share one width.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
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
    "tokens_as_hf_f32",
    "hints_n",
    "identifies_error",
    "misleading",
    "gives_away",
    "hints_as_hf_f32",
)
HINT_SCORES = ("identifies_error", "misleading", "gives_away")
DEFAULT_HINT_CASES = Path(__file__).parent / "data" / "realstyle.jsonl"
# kept out of every run but the blind one (set 15 is the next headline test, sets 2 to 14 the ones
# before)
BLIND_SETS = (
    "realstyle2.jsonl",
    "hint-labels-v2",
    "realstyle3.jsonl",
    "hint-labels-v4",
    "realstyle4.jsonl",
    "hint-labels-v5",
    "realstyle5.jsonl",
    "hint-labels-v6",
    "realstyle6.jsonl",
    "hint-labels-v7",
    "realstyle7.jsonl",
    "hint-labels-v8",
    "realstyle8.jsonl",
    "hint-labels-v9",
    "realstyle9.jsonl",
    "hint-labels-v10",
    "realstyle10.jsonl",
    "hint-labels-v11",
    "realstyle11.jsonl",
    "hint-labels-v12",
    "realstyle12.jsonl",
    "hint-labels-v13",
    "realstyle13.jsonl",
    "hint-labels-v14",
    "realstyle14.jsonl",
    "hint-labels-v15",
    "realstyle15.jsonl",
    "hint-labels-v16",
)
REFERENCE_FORMAT = "hf-f32"  # what agreement is measured against
HINT_TOKENS = 96  # llm_prune_gym.generation.HINT_MAX_NEW_TOKENS (no torch import here)
KINDS = {
    "hf": ("f32", "f16", "bf16"),
    "gguf": ("f32", "f16", "bf16", "q8_0", "q4_0"),
    "ct2": ("f32", "int8"),
}


def parse_format(fmt: str) -> tuple[str, str, str | None]:
    """``gguf-q8_0`` -> (kind, dtype, quantization); ValueError naming the choices."""
    kind, _, encoding = fmt.partition("-")
    if encoding not in KINDS.get(kind, ()):
        choices = ", ".join(f"{k}-{e}" for k, encodings in KINDS.items() for e in encodings)
        raise ValueError(f"--formats: unknown format {fmt!r}; choose from {choices}")
    if kind == "ct2":
        return kind, "f32", None if encoding == "f32" else encoding
    quant = encoding if encoding.startswith("q") else None
    return kind, "f32" if quant else encoding, quant


def peak_rss_kb() -> int:
    """This process's peak resident memory in KiB: ``VmHWM``, which starts afresh at exec.

    ``ru_maxrss`` does not: Linux carries the parent's peak over fork and exec, so a
    child of a big process would report its parent's memory.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: best effort


class TorchRuntime:
    """An export loaded by transformers (an HF folder, or GGUF dequantized to float32)."""

    def __init__(self, folder: Path) -> None:
        import torch
        from transformers import AutoTokenizer

        from .export import GGUF_FILE, load_exported

        self.model = load_exported(folder, torch.float32).eval()
        gguf = {"gguf_file": GGUF_FILE} if (folder / GGUF_FILE).is_file() else {}
        self.tokenizer = AutoTokenizer.from_pretrained(folder, **gguf)

    def timed_tokens(self, messages: list, new_tokens: int) -> tuple[list[int], float]:
        """Exactly `new_tokens` greedy tokens (EOS held off) and the seconds they took."""
        import torch

        from llm_prune_gym.generation import chat_token_ids

        ids = torch.tensor([chat_token_ids(self.tokenizer, messages)])
        start = time.perf_counter()
        with torch.no_grad():
            output = self.model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        return output[0, ids.shape[1] :].tolist(), time.perf_counter() - start

    def hint(self, messages: list, max_new_tokens: int) -> str:
        """The hint ``eval-hints`` would write (its decoding), for one prompt."""
        from llm_prune_gym.generation import generate_answers

        return generate_answers(
            self.model, self.tokenizer, [messages], max_new_tokens=max_new_tokens, batch_size=1
        )[0]


def open_runtime(folder: Path, threads: int):
    """The runtime an export folder is for: CTranslate2 (``model.bin``) or torch."""
    from .ct2_runtime import CT2Runtime, is_ct2_folder

    return CT2Runtime(folder, threads) if is_ct2_folder(folder) else TorchRuntime(folder)


def measure_export(spec: dict) -> dict:
    """Load an export, time greedy generation, then write hints (in the measuring subprocess).

    Peak RAM is read after the timing, before the hints: load plus short generations.
    """
    import torch

    from llm_prune_gym.prompts import load_prompts

    torch.set_num_threads(spec["threads"])
    prompts = load_prompts(spec["prompts"])[: spec["count"]]
    started = time.perf_counter()
    runtime = open_runtime(Path(spec["folder"]), spec["threads"])
    loaded = time.perf_counter() - started
    answers, seconds = [], 0.0
    for messages in prompts:
        tokens, took = runtime.timed_tokens(messages, spec["new_tokens"])
        answers.append(tokens)
        seconds += took
    generated = sum(len(tokens) for tokens in answers)
    result = {
        "load_s": round(loaded, 2),
        "tokens": generated,
        "tokens_per_s": generated / seconds,
        "peak_ram_mb": peak_rss_kb() / 1024,
        "token_ids": answers,
    }
    if spec.get("hint_prompts"):
        hint_prompts = json.loads(Path(spec["hint_prompts"]).read_text())
        start = time.perf_counter()
        result["hints"] = [runtime.hint(m, spec["hint_tokens"]) for m in hint_prompts]
        result["hint_s"] = round(time.perf_counter() - start, 1)
    return result


def measure_in_subprocess(folder: Path, args: BenchModelSettings, hint_prompts: Path | None):
    """:func:`measure_export` in a fresh Python process (its own peak RSS)."""
    spec = {
        "folder": str(folder),
        "prompts": args.speed_prompts,
        "count": args.speed_count,
        "new_tokens": args.new_tokens,
        "threads": args.threads,
        "hint_prompts": str(hint_prompts) if hint_prompts else None,
        "hint_tokens": args.hint_tokens,
    }
    with tempfile.TemporaryDirectory(prefix="bench-model-") as scratch:
        spec_path, result_path = Path(scratch) / "spec.json", Path(scratch) / "result.json"
        spec_path.write_text(json.dumps(spec))
        command = [sys.executable, "-m", "evaluation.bench_model", str(spec_path)]
        done = subprocess.run(
            [*command, str(result_path)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"measuring {folder} failed: {done.stderr.strip()[-500:]}")
        return json.loads(result_path.read_text())


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
    """comma-separated: hf-f32, hf-bf16, hf-f16, gguf-f32, gguf-f16, gguf-q8_0, gguf-q4_0,
    ct2-f32, ct2-int8 (CTranslate2, the ct2 extra; plans with one width for all layers)"""
    heldout_prompts: str = "builtin:heldout"
    """prompts the KL is measured on"""
    heldout_batch_size: int = 8
    """held-out prompts per batch"""
    calibration_prompts: str = "builtin:train"
    """prompts Wanda's norms and --refit's least squares are fitted on (never the held-out)"""
    calibration_count: PositiveInt = 8
    """how many of --calibration-prompts (the first ones)"""
    refit: Names = ()
    """comma-separated plan names (channels plans) whose output projections are re-fitted
    on the calibration prompts after pruning (EnvSettings.refit)"""
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
    hint_cases: Path = DEFAULT_HINT_CASES
    """test programs the hints are written for (eval-hints' --data format; default the
    hand-written evaluation/data/realstyle.jsonl)"""
    hint_count: int = 20
    """hints written and graded per export (0: no hints; --seed picks the programs)"""
    hint_tokens: PositiveInt = HINT_TOKENS
    """hint length cap (eval-hints' default)"""
    seed: int = 0
    """which programs --hint-count keeps"""

    def __post_init__(self) -> None:
        if self.hint_count < 0:
            raise ValueError(f"--hint-count: must be at least 0, got {self.hint_count}")
        for fmt in self.formats:
            parse_format(fmt)
        unknown = set(self.refit) - {name for name, _ in self.entries()}
        if unknown:
            raise ValueError(f"--refit: no plan named {', '.join(sorted(unknown))} in --plans")
        if self.hint_count and any(blind in str(self.hint_cases) for blind in BLIND_SETS):
            raise ValueError(f"--hint-cases: {self.hint_cases} is the blind hint set; not here")

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

    Wanda's activation norms and ``--refit``'s least squares come from the calibration
    prompts (``--calibration-prompts``, default ``builtin:train``'s first 8, an env's
    default), never from the held-out prompts the KL is measured on.
    """
    from llm_prune_gym import EnvSettings, Workbench
    from llm_prune_gym.heldout import HeldOut

    granularity, modules, width_multiple, criterion, refit = key
    env_settings = EnvSettings(
        student=student,
        modules=modules,
        granularity=granularity,
        width_multiple=width_multiple,
        prompts=settings.heldout_prompts,
        batch_size=settings.heldout_batch_size,
        sampling="sample",  # keeps every held-out prompt
        answer_tokens=settings.answer_tokens,
        device=resolve_device(settings.device),
    )
    calibration = (settings.calibration_prompts, settings.calibration_count)
    held = HeldOut(Workbench(env_settings), *calibration)
    return held.pruning_by(criterion, refit)


def export_format(
    workbench, plan, folder: Path, fmt: str, kl_in_env: float, done: set[Path], threads: int
) -> dict:
    """Export `plan` in `fmt` to `folder` (added to `done`); returns the export's report.

    A ct2 format converts the plan's ``hf-f32`` export (written next to it first unless
    this run already has it, in `done`) and measures its KL with CTranslate2.
    """
    from .export import export_pruned

    kind, dtype, quant = parse_format(fmt)
    done.add(folder)
    if kind != "ct2":
        return export_pruned(workbench, plan, folder, kind, dtype, quant, kl_in_env)
    from .ct2_runtime import export_ct2

    source = folder.parent / folder.name.replace(fmt, REFERENCE_FORMAT)
    if source not in done:
        export_pruned(workbench, plan, source, "hf", "f32", None, kl_in_env)
        done.add(source)
    return export_ct2(workbench, source, folder, quant or "float32", threads)


def export_all(args: BenchModelSettings) -> list[tuple[str, str, Path, dict]]:
    """Every (plan, format) exported under ``out/models``: (name, format, folder, report)."""
    import numpy as np

    from llm_prune_gym import PruningPlan, load_student

    student = load_student(args.student, device=resolve_device(args.device))
    exports: list[tuple[str, str, Path, dict]] = []
    done: set[Path] = set()  # folders exported (or reused) by this run
    workbenches: dict[tuple, Workbench] = {}
    for name, path in args.entries():
        reference = PruningPlan.load(path) if path else None
        key = (reference.granularity, reference.modules) if reference else ("weights", None)
        key = (*key, reference.width_multiple if reference else 1)
        key = (*key, reference.criterion if reference else "magnitude", name in args.refit)
        if key not in workbenches:
            workbenches[key] = heldout_workbench(student, key, args)
        workbench = workbenches[key]
        plan = workbench.rebase(reference) if reference else workbench.plan(
            np.zeros_like(workbench.sizes)
        )  # fmt: skip
        kl_in_env = None  # measured once per plan, not per format
        for fmt in args.formats:
            folder = Path(args.out) / "models" / f"{name}-{fmt}"
            saved = folder / "pruning_report.json"
            if args.reuse_exports and saved.is_file():
                exports.append((name, fmt, folder, json.loads(saved.read_text())))
                done.add(folder)
                continue
            if kl_in_env is None:
                kl_in_env = workbench.kl(plan).mean
            report = export_format(workbench, plan, folder, fmt, kl_in_env, done, args.threads)
            exports.append((name, fmt, folder, report))
    return exports


def read_hint_cases(args: BenchModelSettings) -> list:
    """The ``--hint-count`` test programs every export writes a hint for (by kind, seeded)."""
    if not args.hint_count:
        return []
    from .hints import read_cases, select_cases

    cases = select_cases(read_cases(args.hint_cases), args.hint_count, args.seed)
    if not all(case.truth for case in cases):
        raise ValueError(f"--hint-cases: {args.hint_cases} has programs without a known fix")
    return cases


def prefix_agreement(answers: list[list[int]], reference: list[list[int]]) -> float:
    """Mean over prompts of the share of tokens before the first that differs from
    `reference`'s (1.0: identical greedy output)."""
    shares = []
    for tokens, wanted in zip(answers, reference, strict=True):
        same = 0
        while same < min(len(tokens), len(wanted)) and tokens[same] == wanted[same]:
            same += 1
        shares.append(same / len(wanted))
    return sum(shares) / len(shares)


def hint_columns(cases: list, hints: list[str], name: str, fmt: str) -> tuple[list[dict], dict]:
    """Every hint graded by the offline grader, and the export's summary columns."""
    from .hints import grade_rows, summarise

    graded = grade_rows(cases, hints, None, name=name, format=fmt)
    summary = summarise(graded)
    return graded, {"hints_n": summary["n"]} | {key: summary[key] for key in HINT_SCORES}


def bench_models(args: BenchModelSettings) -> tuple[list[dict], list[dict]]:
    """Export every (plan, format) under ``out/models`` and measure it.

    Speed is measured ``--repeats`` rounds, each round timing every export once in turn,
    so that load from other processes falls on all of them alike; the median is kept.
    Hints are written in the first round only (greedy: the same every round). Returns
    the table's rows and every graded hint.
    """
    import numpy as np

    out = Path(args.out)
    cases = read_hint_cases(args)
    hint_prompts = out / "hint_prompts.json" if cases else None
    if hint_prompts:
        hint_prompts.write_text(json.dumps([case.messages for case in cases]))
    exports = export_all(args)
    runs: dict[Path, list[dict]] = {folder: [] for _, _, folder, _ in exports}
    for round_number in range(args.repeats):
        for _, _, folder, _ in exports:
            hints = hint_prompts if round_number == 0 else None
            runs[folder].append(measure_in_subprocess(folder, args, hints))
    reference = {
        name: runs[folder][0] for name, fmt, folder, _ in exports if fmt == REFERENCE_FORMAT
    }
    rows, graded = [], []
    for name, fmt, folder, report in exports:
        first, base = runs[folder][0], reference.get(name)
        row = {
            "name": name,
            "format": fmt,
            "params": report["saved_params"],
            "model_sparsity": report["applied_model_sparsity"],
            "file_mb": report["weight_bytes"] / 1e6,
            "peak_ram_mb": float(np.median([r["peak_ram_mb"] for r in runs[folder]])),
            "tokens_per_s": float(np.median([r["tokens_per_s"] for r in runs[folder]])),
            "kl_heldout": report["kl_reloaded"],
            "tokens_as_hf_f32": prefix_agreement(first["token_ids"], base["token_ids"])
            if base
            else None,
        }
        if cases:
            hints = first["hints"]
            graded_rows, columns = hint_columns(cases, hints, name, fmt)
            graded += graded_rows
            row |= columns
            if base:
                same = sum(a == b for a, b in zip(hints, base["hints"], strict=True))
                row["hints_as_hf_f32"] = same / len(hints)
        rows.append({field: row.get(field) for field in FIELDS})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows, graded


def percent(value: float | None) -> str:
    """``45%`` (a dash when not measured)."""
    return "-" if value is None else f"{100 * value:.0f}%"


def table_markdown(rows: list[dict]) -> str:
    """The table: size, speed, KL, agreement with hf-f32 and the offline hint scores."""
    from .report import markdown_table

    headers = ["model", "format", "params", "pruned", "file MB", "peak RAM MB", "tokens/s"]
    headers += ["KL", "tokens = hf-f32", "hints", "identifies", "misleading", "gives away"]
    headers += ["hints = hf-f32"]
    return markdown_table(
        headers,
        [
            (
                r["name"], r["format"], f"{r['params']:,}", f"{r['model_sparsity']:.1%}",
                f"{r['file_mb']:.1f}", f"{r['peak_ram_mb']:.0f}", f"{r['tokens_per_s']:.1f}",
                f"{r['kl_heldout']:.4f}", percent(r["tokens_as_hf_f32"]), r["hints_n"] or "-",
                *(percent(r[key]) for key in HINT_SCORES), percent(r["hints_as_hf_f32"]),
            )
            for r in rows
        ],
    )  # fmt: skip


def plot_results(rows: list[dict], path: Path) -> None:
    """File size vs held-out KL, and vs the share of hints that identify the error."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("kl_heldout", "held-out KL from the unpruned student")]
    if any(row["identifies_error"] is not None for row in rows):
        panels.append(("identifies_error", "hints that identify the error (offline grader)"))
    figure, axes_list = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.5))
    for axes, (key, label) in zip(np.atleast_1d(axes_list), panels, strict=True):
        # a legend, not labels at the points: exports of one size sit on top of each other
        shown = [row for row in rows if row[key] is not None]
        for number, row in enumerate(shown):  # ten colours, then the next marker
            marker = "os^Dv"[number // 10 % 5]
            name = f"{row['name']} {row['format']}"
            axes.scatter(row["file_mb"], row[key], s=30, marker=marker, label=name)
        axes.legend(fontsize=7, loc="best")
        axes.set_xlabel("weight file size (MB)")
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
    figure.suptitle("Size vs quality of each export")
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)


def write_results(rows: list[dict], out: Path, facts: str, graded: list[dict]) -> None:
    """bench_model.csv, .md and .png; with hints, hints/ (every graded hint and its
    summary with Wilson intervals, as eval-hints writes them)."""
    from . import report
    from .hints import write_outputs

    report.write_csv(out / "bench_model.csv", rows)
    (out / "bench_model.md").write_text(f"# bench-model\n\n{facts}\n\n{table_markdown(rows)}\n")
    plot_results(rows, out / "bench_model.png")
    if graded:
        write_outputs(out / "hints", graded, ["name", "format"], {"run": facts})


Settings = Annotated[BenchModelSettings, Parameter(name="*")]


def bench_model(*, settings: Settings) -> int:
    """File size, peak RAM, CPU tokens/s, held-out KL and hint scores of pruned exports.

    For every (plan, format): export, then measure in a fresh subprocess (its own peak
    RAM, VmHWM) with --threads CPU threads, in the export's own runtime (transformers,
    or CTranslate2 for ct2-*); the KL is the reloaded model's on the held-out prompts.
    The same subprocess writes a hint for each of --hint-count programs of --hint-cases,
    graded by the offline grader. Writes bench_model.csv/.md/.png (and hints/) under
    --out; each row goes to stderr as it is measured, one JSON line with every row to
    stdout.
    """
    import torch

    out = Path(settings.out)
    settings.entries()  # a bad entry is one line before anything loads
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(settings.threads)
    rows, graded = bench_models(settings)
    hints = (
        f"hints: {settings.hint_count} programs of {settings.hint_cases} (seed {settings.seed}), "
        f"greedy, at most {settings.hint_tokens} tokens, one at a time, offline grader"
        if settings.hint_count
        else "hint scores not measured"
    )
    refit = (
        f"; output projections re-fitted for {', '.join(settings.refit)}" if settings.refit else ""
    )
    facts = (
        f"Student {settings.student}; KL on {settings.heldout_prompts} "
        f"({resolve_device(settings.device)}); pruners fitted on {settings.calibration_count} "
        f"prompts of {settings.calibration_prompts}{refit}; speed: "
        f"{settings.speed_count} prompts of {settings.speed_prompts}, {settings.new_tokens} "
        f"greedy tokens each, {settings.threads} threads, median of {settings.repeats} rounds, "
        f"one subprocess per export (peak RAM = its VmHWM, load included); {hints}; "
        f"agreement with the same plan's {REFERENCE_FORMAT} export: timed greedy tokens "
        "matching up to the first difference, and identical hints."
    )
    write_results(rows, out, facts, graded)
    return print_json({"out": str(out), "rows": rows})


def _measure_main(argv: list[str]) -> None:
    """Subprocess entry: SPEC.json RESULT.json (see :func:`measure_in_subprocess`)."""
    spec, result = argv
    Path(result).write_text(json.dumps(measure_export(json.loads(Path(spec).read_text()))))


if __name__ == "__main__":
    _measure_main(sys.argv[1:])
