"""The corpus of correct beginner programs that the bug injectors start from.

Two origins, each program recording its source and licence:

- hand-written: `finetune/data/corpus.txt`, a plain text file a person can read and
  extend without touching code (the format is described at its top);
- generated: `finetune.generators`, seeded families of exercises;
- public: `finetune/data/public_programs.jsonl`, programs copied unchanged from
  MIT-licensed public repositories of beginner exercises, each with its repository,
  path and commit (licence texts: `finetune/data/PUBLIC_LICENSES.md`).

Each program comes with the text a student would type on stdin and the exact stdout
it prints. `verify_programs` runs them in the sandbox so a build drops (and counts)
any program that does not print what it claims before it is broken on purpose.
"""

from __future__ import annotations

import ast
import functools
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from finetune.generators import LICENCE as GENERATED_LICENCE
from finetune.generators import generate_all
from finetune.sandbox import Job, Limits, run_many

CORPUS_FILE = "corpus.txt"
PUBLIC_FILE = "public_programs.jsonl"
_SECTIONS = ("code", "stdin", "stdout")
HANDWRITTEN = "handwritten"
GENERATED = "generated"
PUBLIC = "public"
ORIGINS = (HANDWRITTEN, PUBLIC, GENERATED)
HANDWRITTEN_SOURCE = "hand-written for this project: finetune/data/corpus.txt"
PROJECT_LICENCE = "MIT"


@dataclass(frozen=True)
class Program:
    """A correct program: its id, code, canned stdin, the stdout it must print, and
    where it comes from (`origin` is one of ORIGINS; `source` and `licence` say more)."""

    id: str
    code: str
    stdin: str = ""
    stdout: str = ""
    origin: str = HANDWRITTEN
    source: str = HANDWRITTEN_SOURCE
    licence: str = PROJECT_LICENCE


def _block(lines: list[str]) -> str:
    """Join a section's lines, dropping trailing blank lines; '' for an empty section."""
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def parse_corpus(text: str) -> list[Program]:
    """Parse the corpus format; raises ValueError naming the line of a malformed entry."""
    programs: list[Program] = []
    current: dict[str, list[str]] | None = None
    section = None
    name = ""

    def finish() -> None:
        if current is not None:
            if not current["code"]:
                raise ValueError(f"corpus program {name!r} has no code")
            programs.append(Program(name, *(_block(current[s]) for s in _SECTIONS)))

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("=== "):
            finish()
            name, current, section = line[4:].strip(), {s: [] for s in _SECTIONS}, None
        elif line.startswith("--- "):
            section = line[4:].strip()
            if current is None or section not in _SECTIONS:
                raise ValueError(f"corpus line {number}: unexpected section {line!r}")
        elif current is not None and section is not None:
            current[section].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"corpus line {number}: text outside a section")
    finish()
    ids = [p.id for p in programs]
    if len(set(ids)) != len(ids):
        raise ValueError("corpus program ids must be unique")
    return programs


@functools.cache
def load_handwritten() -> tuple[Program, ...]:
    """The hand-written programs, in file order (cached; the file ships with the package)."""
    text = (resources.files("finetune") / "data" / CORPUS_FILE).read_text("utf-8")
    return tuple(parse_corpus(text))


@functools.cache
def load_public() -> tuple[Program, ...]:
    """The programs from public collections, in file order, each naming where it came from."""
    text = (resources.files("finetune") / "data" / PUBLIC_FILE).read_text("utf-8")
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    return tuple(
        Program(
            r["id"],
            r["code"],
            r["stdin"],
            r["stdout"],
            PUBLIC,
            f"https://github.com/{r['repo']}/blob/{r['commit']}/{r['path']}",
            r["licence"],
        )
        for r in records
    )


@functools.cache
def load_generated() -> tuple[Program, ...]:
    """The generated programs, family by family and seed by seed."""
    return tuple(
        Program(g.id, g.code, g.stdin, g.stdout, GENERATED, g.source, GENERATED_LICENCE)
        for g in generate_all()
    )


def normalised(code: str) -> str:
    """The code with layout and comments gone, to tell programs that differ in text only."""
    return ast.unparse(ast.parse(code))


@functools.cache
def load_corpus() -> tuple[Program, ...]:
    """Every program: hand-written, public, then generated, each distinct by normalised code.

    A program whose normalised code equals an earlier one's is left out.
    """
    seen: set[str] = set()
    programs = []
    for program in load_handwritten() + load_public() + load_generated():
        key = normalised(program.code)
        if key not in seen:
            seen.add(key)
            programs.append(program)
    return tuple(programs)


def program_by_id(program_id: str) -> Program:
    for program in load_corpus():
        if program.id == program_id:
            return program
    raise KeyError(f"no corpus program {program_id!r}")


def select_programs(
    programs: Sequence[Program],
    seed: int,
    origins: Iterable[str] | None = None,
    count: int | None = None,
) -> list[Program]:
    """The programs of the given origins; with `count`, a seeded sample of that many.

    The sample keeps corpus order, and depends only on (seed, the programs offered).
    """
    wanted = set(ORIGINS if origins is None else origins)
    unknown = wanted - set(ORIGINS)
    if unknown:
        raise ValueError(f"unknown program origin(s) {sorted(unknown)}; choose from {ORIGINS}")
    chosen = [p for p in programs if p.origin in wanted]
    if count is None or count >= len(chosen):
        return chosen
    if count < 0:
        raise ValueError(f"--programs must be at least 0, not {count}")
    keep = set(random.Random(f"{seed}/programs").sample(range(len(chosen)), count))
    return [p for i, p in enumerate(chosen) if i in keep]


def verify_programs(
    programs: Sequence[Program], limits: Limits, workers: int | None = None
) -> tuple[list[Program], dict[str, str]]:
    """Run every program with its stdin; return those that print exactly their stdout,
    and for each other program id the reason it was dropped."""
    results = run_many([Job(p.code, p.stdin, limits) for p in programs], workers)
    kept, dropped = [], {}
    for program, result in zip(programs, results, strict=True):
        if result.ok and result.stdout == program.stdout:
            kept.append(program)
        elif result.ok:
            dropped[program.id] = "printed something other than its expected stdout"
        else:
            dropped[program.id] = f"failed: {result.exception or 'exit ' + str(result.exit_code)}"
    return kept, dropped
