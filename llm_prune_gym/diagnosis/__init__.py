"""The diagnosis: the cause of an error, where a program and its traceback settle it.

:func:`diagnose` goes one step past the facts of :mod:`llm_prune_gym.hintfacts`. Where the
same reading settles the *cause* for certain (a misspelt name and where the right one is
set, a string from ``input()`` used as a number, the None of a function without
``return``, an index equal to the length, ...), it states that cause as a hint, a
:class:`Diagnosis`: the cause and a question that points the student at the fix. It never
writes the fix.

Each rule covers one pattern of one exception and abstains unless every link of its
argument is read from the program's syntax tree and the traceback; the first rule that
fires wins, and where none is certain :func:`diagnose` returns None: say less rather than
something false. A program that does not parse (``SyntaxError``, ``IndentationError``,
``TabError``) has no syntax tree: its rules read the program's lines, Python's message and
where its ``^`` points (a missing colon, ``=`` in a condition, a bracket or a string never
closed, a block not indented, ...). The traceback parser and the facts are
:mod:`llm_prune_gym.hintfacts`' (one parser); this package adds only the rules.

Pure text analysis (``ast``, ``re``, ``difflib``): the program is never run here.

The package: :mod:`._common` holds :class:`Diagnosis`, what a rule reads and the helpers
several families share; one module a family of exceptions holds its rules
(:mod:`.names`, :mod:`.modules`, :mod:`.wrong_types`, :mod:`.calls`, :mod:`.returns`,
:mod:`.attributes`, :mod:`.indexing`, :mod:`.values`, :mod:`.loops`, :mod:`.syntax`), and
:mod:`.rules` orders them: the one place that decides which rule is tried first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from ..hintfacts import _SYNTAX_ERRORS, PROGRAM, Program, Traceback, hint_facts, parse_traceback
from ._common import Diagnosis, _Case
from .rules import _RULES, _SYNTAX_RULES
from .syntax import _Syntax

__all__ = ["Diagnosis", "diagnose"]


def diagnose(code: str, error_output: str) -> Diagnosis | None:
    """The error's cause where the program and its traceback settle it, else None.

    Each rule covers one pattern (a misspelt name, a string from ``input()`` used as a
    number, the None a function without ``return`` gives, an index equal to the length,
    ...) and abstains unless every link of its argument is read for certain; the first rule
    that fires wins. None means no rule was certain: say less rather than something false.
    """
    traceback = parse_traceback(error_output)
    if traceback.exception in _SYNTAX_ERRORS:
        return _diagnose_syntax(code, traceback)
    program = Program(code)
    own = [f for f in traceback.frames if f.file == PROGRAM]
    if program.tree is None or not own or not traceback.exception:
        return None
    facts = hint_facts(code, error_output)
    case = _Case(facts, program, own[-1], traceback)
    return _first(_RULES.get(traceback.exception, ()), case)


def _diagnose_syntax(code: str, traceback: Traceback) -> Diagnosis | None:
    """The syntax rules' diagnosis of a program that does not parse, else None."""
    own = [f for f in traceback.frames if f.file == PROGRAM]
    if len(own) != 1:
        return None
    case = _Syntax(code.splitlines(), own[0].line, traceback.message, own[0])
    if not case.text(case.line).strip():
        return None
    return _first(_SYNTAX_RULES, case)


_Read = TypeVar("_Read", _Case, _Syntax)  # what a rule reads: a parsed program or its lines


def _first(rules: Iterable[Callable[[_Read], Diagnosis | None]], case: _Read) -> Diagnosis | None:
    """The diagnosis of the first of `rules` that fires on `case` (they run in order)."""
    for rule in rules:
        found = rule(case)
        if found is not None:
            return found
    return None
