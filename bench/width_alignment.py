"""Time one SmolLM2 MLP (gate, up, SiLU, down) at MLP widths around the pruned ones.

    OMP_NUM_THREADS=2 python bench/width_alignment.py --widths 960:1200:2 --out DIR

Why: a structured plan with uneven per-layer widths decoded slower than uniform widths of
the same parameter count (issue 18). If widths off a multiple of 16/32/64 hit a slower
matmul path, the per-width time shows steps at those multiples; if time is linear in
the width, only the total width matters. Each width is timed at ``--tokens`` rows (1 is
one decoding step, more is a prompt's prefill), interleaved over rounds so that load from
other processes on a shared box falls on every width alike; the minimum over rounds is
kept (the least disturbed). Writes ``DIR/width_alignment.csv`` and ``.png``.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import torch
import torch.nn.functional as F

HIDDEN = 576  # SmolLM2-135M


def mlp_seconds(x: torch.Tensor, weights: tuple[torch.Tensor, ...], calls: int) -> float:
    """Seconds per call of the Llama MLP ``down(silu(gate x) * up x)``."""
    gate, up, down = weights
    with torch.no_grad():
        start = time.perf_counter()
        for _ in range(calls):
            F.linear(F.silu(F.linear(x, gate)) * F.linear(x, up), down)
        return (time.perf_counter() - start) / calls


def parse_widths(text: str) -> list[int]:
    """``960:1200:2`` (start:stop:step, stop included) or ``1014,1024``."""
    if ":" in text:
        start, stop, step = (int(v) for v in text.split(":"))
        return list(range(start, stop + 1, step))
    return [int(v) for v in text.split(",")]


def measure(widths: list[int], tokens: list[int], rounds: int, calls: int) -> list[dict]:
    """The fastest of `rounds` timings of each (tokens, width), rounds interleaved."""
    generator = torch.Generator().manual_seed(0)
    weights = {
        w: tuple(
            torch.randn(shape, generator=generator) * 0.02
            for shape in ((w, HIDDEN), (w, HIDDEN), (HIDDEN, w))
        )
        for w in widths
    }
    inputs = {n: torch.randn(n, HIDDEN, generator=generator) for n in tokens}
    best = {(n, w): float("inf") for n in tokens for w in widths}
    for _ in range(rounds):
        for n in tokens:
            for w in widths:
                seconds = mlp_seconds(inputs[n], weights[w], max(3, calls // n))
                best[n, w] = min(best[n, w], seconds)
    return [
        {"tokens": n, "width": w, "us": round(best[n, w] * 1e6, 2), "us_per_channel": 0.0}
        for n in tokens
        for w in widths
    ]


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tokens = sorted({r["tokens"] for r in rows})
    fig, axes = plt.subplots(len(tokens), 1, figsize=(9, 3 * len(tokens)), squeeze=False)
    for ax, n in zip(axes[:, 0], tokens, strict=True):
        mine = [r for r in rows if r["tokens"] == n]
        widths = [r["width"] for r in mine]
        ax.plot(widths, [r["us"] for r in mine], ".-", color="grey", lw=0.6)
        for multiple, colour in ((32, "tab:orange"), (64, "tab:red")):
            hits = [r for r in mine if r["width"] % multiple == 0]
            ax.scatter(
                [r["width"] for r in hits],
                [r["us"] for r in hits],
                color=colour,
                zorder=3,
                label=f"multiple of {multiple}",
            )
        ax.set_title(f"one MLP, {n} token(s) x [{HIDDEN} -> w -> {HIDDEN}], float32")
        ax.set_xlabel("MLP width w")
        ax.set_ylabel("µs per call (min)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="960:1200:2")
    parser.add_argument("--tokens", default="1,128", help="rows per call, comma-separated")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200, help="calls per timing at 1 token")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tokens = [int(v) for v in args.tokens.split(",")]
    rows = measure(parse_widths(args.widths), tokens, args.rounds, args.calls)
    for row in rows:
        row["us_per_channel"] = round(row["us"] / row["width"], 5)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "width_alignment.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, args.out / "width_alignment.png")
    print(f"wrote {args.out}/width_alignment.csv and .png ({len(rows)} rows)")


if __name__ == "__main__":
    main()
