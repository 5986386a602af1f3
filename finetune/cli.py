"""``llm-prune data build`` and ``llm-prune data calibration`` (see :mod:`evaluation.cli`).

The options of ``data build`` come from :class:`finetune.settings.BuildOptions`; the
build itself (the sandbox, the corpus, the teachers) loads when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from cyclopts import Parameter

from llm_prune_gym.cli import log, print_json

from .settings import BuildOptions


def build(*, options: Annotated[BuildOptions, Parameter(name="*")]) -> int:
    """Inject bugs into the corpus, run them in the sandbox, keep those that fail as
    claimed, and pair a teacher's hint with a rejected one.

    Writes train.jsonl, test.jsonl and stats.md; re-running with the same options continues
    an interrupted build. Prints one JSON line with the pair counts.
    """
    import time

    from .build import build as run_build
    from .corpus import ORIGINS
    from .sandbox import SandboxUnavailable

    unknown = [o for o in options.sources or () if o not in ORIGINS]
    if unknown or options.sources == ():
        raise ValueError(f"--sources: choose from {', '.join(ORIGINS)}, not {unknown}")
    started = time.monotonic()
    try:
        pairs = run_build(options)
    except SandboxUnavailable as error:
        raise ValueError(str(error)) from None
    seconds = time.monotonic() - started
    log(f"{pairs['train']} train and {pairs['test']} test pairs in {options.out} ({seconds:.0f} s)")
    return print_json(
        {
            **pairs,
            "out": str(options.out),
            "stats": str(options.out / "stats.md"),
            "seconds": round(seconds, 1),
        }  # fmt: skip
    )


def calibration(
    *,
    seed: int = 0,
    out: Path | None = None,
    prompt_style: Literal["grounded", "plain"] = "plain",
) -> int:
    """Rebuild the environment's built-in calibration prompts (64 train, 32 heldout) from
    short buggy programs, split by program like the data set.

    Parameters
    ----------
    seed
        seeds the programs' bugs and the split
    out
        write here instead of the package's data file
    prompt_style
        plain (the shipped prompts, which the measured KLs use) or grounded
    """
    from collections import Counter

    from .calibration_prompts import DEFAULT_PATH, build_calibration, write_calibration

    records = build_calibration(seed, prompt_style=prompt_style)
    path = write_calibration(records, out or DEFAULT_PATH)
    splits = Counter(r["split"] for r in records)
    kinds = len({r["error_kind"] for r in records})
    return print_json(
        {
            "out": str(path),
            "train": splits["train"],
            "heldout": splits["heldout"],
            "error_kinds": kinds,
            "prompt_style": prompt_style,
        }  # fmt: skip
    )


def add_handwritten(
    *,
    cases: Annotated[tuple[Path, ...], Parameter(consume_multiple=True)],
    hints: Annotated[tuple[Path, ...], Parameter(consume_multiple=True)],
    out: Path,
    base: Path | None = None,
    base_train: bool = True,
    prompt_style: Literal["grounded", "plain"] = "grounded",
    overwrite: bool = False,
) -> int:
    """Pairs from hand-written programs (labelled ``cases.jsonl`` records) and one tutor hint
    each, written after a built data set's own pairs.

    Parameters
    ----------
    cases
        JSONL cases with code, error_output, fixed_code, cause_line, source, licence
    hints
        JSONL ``{"id", "hint"}`` lines, one per case to train on
    out
        folder for train.jsonl / test.jsonl / handwritten.jsonl
    base
        a ``data build`` folder whose pairs come first (its test.jsonl is kept as the test split)
    base_train
        keep the base's train pairs (without: the hand-written pairs alone, to train
        further on top of a trained student)
    prompt_style
        the hint request's style; the same builder as evaluation and ``llm-prune hint``
    overwrite
        replace pair files already in OUT
    """
    from collections import Counter

    from .handwritten import handwritten_pairs, read_records, write_data

    pairs = handwritten_pairs(
        read_records(cases, "case file"), read_records(hints, "hint file"), prompt_style
    )
    counts = write_data(pairs, out, base, base_train=base_train, overwrite=overwrite)
    licences = Counter(p["licence"] for p in pairs)
    log(f"{counts['handwritten']} hand-written pairs ({dict(licences)}) in {out}")
    return print_json({**counts, "out": str(out), "licences": dict(licences)})


def augment(
    *,
    cases: Annotated[tuple[Path, ...], Parameter(consume_multiple=True)],
    out: Path,
    base: Path | None = None,
    copies: int = 4,
    seed: int = 0,
    origin: str = "realstyle",
    prompt_style: Literal["grounded", "plain"] = "grounded",
    overwrite: bool = False,
    progress: bool = True,
) -> int:
    """Renamed copies of labelled programs (the same mistake in other names), checked in
    the sandbox, with the rule pipeline's hint as chosen, written after a data set's pairs.

    Parameters
    ----------
    cases
        JSONL cases with code, stdin, error_output, fixed_code, cause_line, source, licence
        (read sets only: a blind set must never be trained on)
    out
        folder for train.jsonl / test.jsonl / renamed.jsonl
    base
        a folder of pairs that come first (its test.jsonl is kept as the test split)
    copies
        renamed copies tried per program (a copy that fails differently is dropped)
    seed
        seeds the new names
    origin
        only cases whose ``origin`` is this ("" for all): the labelled sets' injected cases
        come from a build's test split, and their copies must not be trained on
    prompt_style
        the hint request's style; the same builder as evaluation and ``llm-prune hint``
    overwrite
        replace pair files already in OUT
    progress
        show a progress bar of the sandbox runs on stderr
    """
    from collections import Counter

    from .augment import augmented_pairs
    from .handwritten import read_records, write_data

    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    records = [
        r
        for r in read_records(cases, "case file").values()
        if not origin or r.get("origin") == origin
    ]
    pairs, counts = augmented_pairs(records, copies, seed, prompt_style, progress)
    written = write_data(pairs, out, base, overwrite=overwrite, name="renamed")
    licences = Counter(p["licence"] for p in pairs)
    log(f"{len(pairs)} renamed pairs from {len(records)} programs ({counts}) in {out}")
    return print_json({**written, **counts, "out": str(out), "licences": dict(licences)})


def distill(
    *,
    data: Path,
    out: Path,
    abstain: Literal["facts", "teacher"] = "facts",
    overwrite: bool = False,
) -> int:
    """Rewrite a data set's chosen hints as the rule-based pipeline's (``hint
    --no-student-hint``): the diagnosis where it names the pair's cause line, else the
    facts hint (or the teacher's).

    Parameters
    ----------
    data
        a folder with train.jsonl / test.jsonl (``data build`` or ``data add-handwritten``)
    out
        folder for the rewritten train.jsonl / test.jsonl
    abstain
        where no diagnosis fires: facts (a hint of facts alone) or teacher (keep the hint)
    overwrite
        replace pair files already in OUT
    """
    import json

    from llm_prune_gym.prompts import read_jsonl

    from .distill import distilled

    if not overwrite and any((out / n).exists() for n in ("train.jsonl", "test.jsonl")):
        raise FileExistsError(f"{out} already holds pair files (use --overwrite)")
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in ("train", "test"):
        pairs = [record for _, _, record in read_jsonl(data / f"{split}.jsonl", "pair file")]
        rows, sources = distilled(pairs, abstain)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (out / f"{split}.jsonl").write_text(text, "utf-8")
        counts[split] = dict(sources)
    log(f"chosen hints by source: {counts} -> {out}")
    return print_json({"out": str(out), "sources": counts})
