"""The corpus of correct beginner programs that the bug injectors start from.

The programs live in `finetune/data/corpus.txt`, a plain text file a person can read
and extend without touching code (the format is described at its top). Each program
comes with the text a student would type on stdin and the exact stdout it prints, so
the tests can prove every program is correct before it is broken on purpose.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

CORPUS_FILE = "corpus.txt"
_SECTIONS = ("code", "stdin", "stdout")


@dataclass(frozen=True)
class Program:
    """A correct program: its id, source, canned stdin and the stdout it must print."""

    id: str
    code: str
    stdin: str = ""
    stdout: str = ""


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
def load_corpus() -> tuple[Program, ...]:
    """All corpus programs, in file order (cached; the file ships with the package)."""
    text = (resources.files("finetune") / "data" / CORPUS_FILE).read_text("utf-8")
    return tuple(parse_corpus(text))


def program_by_id(program_id: str) -> Program:
    for program in load_corpus():
        if program.id == program_id:
            return program
    raise KeyError(f"no corpus program {program_id!r}")
