"""Greedy decoding speed of SmolLM2-shaped models with given per-layer MLP widths.

    OMP_NUM_THREADS=1 python bench/width_decode.py --threads 1 --out DIR \\
        --variant dense=1536 --variant uniform=1014 --variant plan=PLAN.json \\
        --variant plan-r32=PLAN.json@32

Random weights (speed does not depend on their values), built the way ``llm-prune
export`` saves them: a plain ``LlamaForCausalLM`` when every layer has one width, else
``PrunedLlamaForCausalLM`` (``--remote NAME`` forces the latter on variant NAME, to separate
the modelling class from the widths). ``NAME=W`` is one width for all layers,
``NAME=W1,W2,...`` one per layer, ``NAME=PLAN.json`` the widths a channels plan keeps
and ``NAME=PLAN.json@N`` those widths rounded to multiples of N at the same total
(:func:`llm_prune_gym.structured.aligned_widths`). Variants are timed in interleaved
rounds and timed in CPU seconds (see :func:`seconds_for`; use ``--threads 1``); the
median and the best round are reported, as tokens per CPU second.
Writes ``DIR/width_decode.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path

import torch

from evaluation.modeling_pruned_llama import PrunedLlamaConfig, PrunedLlamaForCausalLM
from llm_prune_gym.structured import aligned_widths

SMOLLM2 = dict(  # SmolLM2-135M-Instruct's config.json (the fields that shape compute)
    hidden_size=576,
    intermediate_size=1536,
    num_hidden_layers=30,
    num_attention_heads=9,
    num_key_value_heads=3,
    head_dim=64,
    vocab_size=49152,
    tie_word_embeddings=True,
    rms_norm_eps=1e-5,
    rope_theta=100000.0,
    max_position_embeddings=8192,
    bos_token_id=1,
    eos_token_id=2,
    pad_token_id=2,
)
LAYERS = SMOLLM2["num_hidden_layers"]
FULL = SMOLLM2["intermediate_size"]


def plan_widths(path: Path) -> list[int]:
    """MLP widths a ``channels`` plan on ``gate_proj`` keeps, rounded as the pruner rounds."""
    plan = json.loads(path.read_text())
    unit = plan["modules"].index("gate_proj")
    return [FULL - min(int(round(row[unit] * FULL)), FULL - 1) for row in plan["ratios"]]


def parse_variant(text: str) -> tuple[str, list[int]]:
    """``NAME=SPEC`` -> (name, widths per layer)."""
    name, spec = text.split("=", 1)
    multiple = 1
    if "@" in spec:
        spec, step = spec.rsplit("@", 1)
        multiple = int(step)
    if spec.endswith(".json"):
        widths = plan_widths(Path(spec))
    else:
        widths = [int(v) for v in spec.split(",")]
        widths = widths * LAYERS if len(widths) == 1 else widths
    if multiple > 1:
        widths = aligned_widths(widths, multiple, FULL)
    if len(widths) != LAYERS:
        raise ValueError(f"{name}: {len(widths)} widths, need {LAYERS}")
    return name, widths


def build(widths: list[int], remote_class: bool = False) -> torch.nn.Module:
    """A random-weight float32 model with MLP width ``widths[i]`` in layer ``i``."""
    torch.manual_seed(0)
    config = PrunedLlamaConfig(**SMOLLM2, intermediate_sizes=widths)
    if len(set(widths)) == 1 and not remote_class:
        from transformers import LlamaConfig, LlamaForCausalLM

        plain = LlamaConfig(**{**SMOLLM2, "intermediate_size": widths[0]})
        return LlamaForCausalLM(plain).eval()
    return PrunedLlamaForCausalLM(config).eval()


def seconds_for(model: torch.nn.Module, prompt: torch.Tensor, new_tokens: int) -> float:
    """CPU seconds (this process, all threads) for exactly `new_tokens` greedy tokens after
    `prompt`. CPU time, not wall time: on a shared box other processes' load stretches the
    wall clock of whichever model happens to run, but not the work a model needs (with
    one thread; with more, OpenMP's spinning threads add CPU time of their own)."""
    start = time.process_time()
    with torch.no_grad():
        model.generate(
            input_ids=prompt,
            attention_mask=torch.ones_like(prompt),
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=2,
        )
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", required=True, help="NAME=SPEC")
    parser.add_argument("--prompt-tokens", type=int, default=80)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--remote", action="append", default=[], help="NAME: remote class")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    variants = [parse_variant(v) for v in args.variant]
    models = {name: build(widths, name in args.remote) for name, widths in variants}
    prompt = torch.randint(3, SMOLLM2["vocab_size"], (1, args.prompt_tokens))
    for model in models.values():  # warm-up
        seconds_for(model, prompt, 2)
    times: dict[str, list[float]] = {name: [] for name in models}
    for round_ in range(args.rounds):
        for name, model in models.items():
            times[name].append(seconds_for(model, prompt, args.new_tokens))
        print(f"round {round_ + 1}: " + ", ".join(f"{n} {t[-1]:.2f}s" for n, t in times.items()))
    dense = statistics.median(times[variants[0][0]])
    rows = []
    for name, widths in variants:
        median = statistics.median(times[name])
        rows.append(
            {
                "variant": name,
                "class": type(models[name]).__name__,
                "mlp_channels": sum(widths),
                "min_width": min(widths),
                "max_width": max(widths),
                "widths_mod_32": ",".join(sorted({str(w % 32) for w in widths})),
                "tokens_per_cpu_s_median": round(args.new_tokens / median, 2),
                "tokens_per_cpu_s_best": round(args.new_tokens / min(times[name]), 2),
                f"speedup_vs_{variants[0][0]}": round(dense / median, 3),
            }
        )
        print(rows[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "width_decode.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
