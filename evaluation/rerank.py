"""Best-of-N hints: a verifier scores candidate hints, and the best one is kept (issue 15).

A student writes several hints for one program (:func:`llm_prune_gym.generation.
hint_candidates`: the greedy hint and seeded samples); :func:`verify_hint` scores each from
what a hint command also has: the program, the error Python printed and the facts read from
both (:mod:`llm_prune_gym.hintfacts`). It never sees the actual cause, so it can run on a
user's laptop and on blind programs alike. :func:`choose` keeps the highest score; ties go
to the earlier candidate, so the greedy hint wins unless a sample is better.

Penalties (each rule once per hint; ``reasons`` name the ones that fired):

- the grader's misleading rules (:func:`evaluation.grader.misleading_evidence`) with the
  program standing in for the truth: the "lines to fix" are the lines the facts name (the
  failing line, its caller, where a variable got its value, a loop's header, ...) and the
  lines the failing line depends on (:func:`related_lines`: where the names it uses are
  set or defined, the function around it, its loops; for a syntax error the line before).
  A hint naming any other line, blaming one of them, naming an exception the program did
  not raise, claiming a cause of other errors (*divide by zero* for a NameError), quoting
  names that the program, its error and Python lack, or offering a "fix" that rewrites a
  correct line, loses ``MISLEADING`` per rule;
- a claim about a variable's type that the facts contradict (*`price` is an integer* when
  the facts say ``price`` gets its value from ``input()``, so it is a string);
- a quoted fix: code that is not in the program but close to one of its lines (a changed
  line gives the fix away);
- a claim the program or its traceback refutes (:mod:`evaluation.claims`: ``input()`` text
  blamed on a line that sets none, a type a name's assignment contradicts, a real method
  called misspelt, a cause line the failing value does not depend on, what "that line"
  holds, a misspelling with no close name, ...);
- nothing the facts can check (:func:`uncheckable`): no line named, or a code block;
- saying something twice or looping, and stopping mid-sentence or at the token cap
  (:mod:`evaluation.endings`); an empty hint scores lowest.

A hint that is empty, fired one of the rules above other than repeating itself, or was cut
off ``looks_wrong``; with
``fallback``, :func:`choose` returns no candidate when all of them look wrong, and the
caller uses a hint of facts alone (:func:`llm_prune_gym.hintfacts.facts_hint`).

Rewards, for naming what the facts point at: the offending name or value, where a
variable on the failing line got its value (that line's number or its source), a close
name for an undefined one, the line that called the failing function, the loop a bad
index runs over, and the failing line itself (least: every hint can copy it).

A check on the first labelled set (``results/hint-labels``: 965 hints of 11 systems for 190
programs, read by hand; not blind, the grader was tuned on it): within a program, a hint
labelled as identifying the cause and not misleading scored above a hint labelled otherwise
in 210 of 257 pairs, below in 9 (38 ties); a not-misleading hint above a misleading one in
598 of 895 pairs, below in 179; "wrong line" fired on 34 hints labelled misleading and on
none labelled not misleading. Subtracting k times a risk score of the grader's signs
(``hint_risk``, branch ``grader3``; k = 0.4, 1, 2, 4, 8) turned ties into about as many
losses as wins (k = 1: 213/15 and 623/195), so the score leaves it out. Choosing per program
among the four SFT-family systems' hints (53 programs labelled for all four) kept hints that
identify in 23% and mislead in 53%, against 21% / 55% for the best single system and a
ceiling of 25% / 38% for a perfect chooser: with few, alike candidates there is little to
gain on "identifies", more on "misleading". ``looks_wrong`` fired on 284 of the 965 hints:
275 labelled misleading, 6 labelled identifying (5 of them also misleading). Had the greedy
hints of ``sft-grounded`` (130 programs) been replaced by a facts-only hint where they look
wrong (12 programs), identifies would go 28 -> 27 of 130 and misleading 69 -> 57, if the
facts hints (not labelled) mislead nowhere. Whether best-of-N moves the hand-labelled rates
has to be measured on real samples (``results/hint-labels-v2/ generate.py --candidates``).

The refuted claims and the uncheckable hints were added from the labels of set 1 and half of
set 2's programs (``results/verifier-dev/``): on the other half, the hints passed mislead in
64% (was 69%) and identify in 35% (was 25%), keeping 93 of the 99 that identify; `hint`'s
pipeline with sft-v4 misleads in 22% (was 30%) at the same 60% identification. Checks of
what a hint says a named line holds, misspellings with no close name, "prints instead of
returning" and more were added from blind set 4's labels (``results/verifier-v4/``): there
`hint` with sft-v4 misleads in 14% (was 29%) at the same 50% identification.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from llm_prune_gym.generation import Candidate
from llm_prune_gym.hintfacts import HintFacts, Program, hint_facts

from .claims import TYPE_WORD, contradicted, refuted_claims
from .endings import cut_off, repeats
from .grader import GroundTruth, code_tokens, misleading_evidence, named_lines, split_hint

EMPTY = -20.0
MISLEADING = -3.0  # per misleading rule that fired
CONTRADICTION = -3.0  # a type claim the facts contradict
QUOTED_FIX = -3.0
REFUTED = -3.0  # a claim the program refutes (:mod:`evaluation.claims`)
UNCHECKABLE = -1.0  # names no line, or writes a code block
REPEATS = -2.0
CUT_OFF = -2.0
NAMES_OFFENDING = 1.5
NAMES_ORIGIN = 2.0  # the cause is often where a value came from, not where it failed
NAMES_CLOSE_NAME = 1.5
NAMES_CALLER = 1.0
NAMES_LOOP = 1.0
NAMES_FAILING_LINE = 0.5
FIX_SIMILARITY = 0.6  # a code row this close to a program line, and not equal, is a fix
FIX_MIN_TOKENS = 4  # shorter code names a thing; it rewrites no line

# Python words a hint may use in code without the program having them.
PYTHON_NAMES = frozenset(
    set(keyword.kwlist)
    | {n for n in dir(builtins) if not n.startswith("_")}
    | set(sys.stdlib_module_names)
    | {n for t in (str, list, dict, set, tuple, int, float) for n in dir(t) if n[0] != "_"}
)
_CLAIM_VERBS = r"(?:is|was|holds|contains|stores|is still|is actually|will be|becomes)"


@dataclass(frozen=True)
class Verdict:
    """A hint's score and the rules behind it (``-3 wrong line 7``, ``+2 origin line 2``).

    `looks_wrong`: the hint is empty, or a rule saw it state something false or write a fix
    (a misleading rule, a type contradiction, a quoted fix, a refuted claim), or it says
    nothing the facts can check (no line, a code block), or it was cut off; not for
    repeating itself alone.
    """

    score: float
    reasons: tuple[str, ...]
    looks_wrong: bool = False


def verify_hint(
    hint: str,
    code: str,
    error_output: str,
    facts: HintFacts | None = None,
    finished: bool | None = None,
) -> Verdict:
    """Score one hint from the program, its error output and the facts (higher is better).

    `facts` default to :func:`hint_facts` of the two; `finished` False means the token cap
    cut the hint (unknown when None).
    """
    if not hint.strip():
        return Verdict(EMPTY, (f"{EMPTY:+g} empty",), looks_wrong=True)
    facts = facts if facts is not None else hint_facts(code, error_output)
    scored: list[tuple[float, str]] = []
    scored += [(MISLEADING, item) for item in _misleading(hint, code, error_output, facts)]
    scored += [(CONTRADICTION, item) for item in type_contradictions(hint, facts)]
    scored += [(QUOTED_FIX, item) for item in quoted_fixes(hint, code)[:1]]
    scored += [(REFUTED, item) for item in refuted_claims(hint, code, error_output, facts)]
    scored += [(UNCHECKABLE, item) for item in uncheckable(hint, facts)]
    if cut_off(hint, finished):
        scored.append((CUT_OFF, "cut off"))
    wrong = bool(scored)  # every rule so far: false, a fix, or nothing the facts can check
    if repeats(hint):
        scored.append((REPEATS, "repeats itself"))
    scored += fact_mentions(hint, facts)
    return Verdict(
        sum(points for points, _ in scored),
        tuple(f"{points:+g} {reason}" for points, reason in scored),
        wrong,
    )


def uncheckable(hint: str, facts: HintFacts) -> list[str]:
    """What makes a hint one the facts cannot check: it names no line of the program (a
    known failing line and none named), or it writes a code block (a fix, or the traceback
    again). On the development labels such hints that passed every other rule misled in 8
    of 10 and named the cause in 1 of 100 (``results/verifier-dev/``)."""
    found = []
    if facts.line and not named_lines(hint):
        found.append("names no line")
    if "```" in hint:
        found.append("writes a code block")
    return found


def choose(
    candidates: Sequence[Candidate], code: str, error_output: str, fallback: bool = False
) -> tuple[int | None, list[Verdict]]:
    """The index of the best candidate (the first of equals) and every candidate's verdict.

    With `fallback`, the index is None when every candidate looks wrong
    (:attr:`Verdict.looks_wrong`): then a hint made of facts alone
    (:func:`llm_prune_gym.hintfacts.facts_hint`) says less but states nothing false.
    """
    if not candidates:
        raise ValueError("no candidate hints to choose from")
    facts = hint_facts(code, error_output)
    verdicts = [verify_hint(c.text, code, error_output, facts, c.finished) for c in candidates]
    if fallback and all(verdict.looks_wrong for verdict in verdicts):
        return None, verdicts
    best = max(range(len(verdicts)), key=lambda i: (verdicts[i].score, -i))
    return best, verdicts


def fact_lines(facts: HintFacts) -> set[int]:
    """Every program line the facts name: where it failed, its caller, origins, loops, notes."""
    lines = named_lines(facts.render())
    return lines | {n for n in (facts.line, facts.call_line) if n}


def related_lines(code: str, facts: HintFacts) -> set[int]:
    """Lines a cause can sit on, read from the program: where the names used on the failing
    line (and on its caller), the names closest to an undefined one, and the names those get
    their values from are set or defined, the functions those values come from, the function
    around the failing line, the loops around it, and for a syntax error the line before it.
    A function counts with the line after it.

    A hint naming one of these may be right though the facts do not name it (the cause is
    often earlier than the failing line); any other line is a wrong line.
    """
    program = Program(code)
    if not facts.line:
        return set()
    if program.tree is None:  # a syntax error: Python could not read the program
        before = [n for n in range(1, facts.line) if program.text(n)]
        return set(before[-1:])  # an unclosed bracket or a missing colon one line up
    lines: set[int] = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for anchor in (facts.line, facts.call_line):
        statement = program.statement_at(anchor) if anchor else None
        if statement is None:
            continue
        # the names the line reads, the names a misspelt one is closest to, and one step back:
        # the names read where those get their values (`total = price * 2` -> `price`)
        for name in _names_read(statement) | set(facts.close_names):
            bound = {binding.line for binding in program.bindings.get(name, [])}
            lines |= bound
            for line in bound:
                source = program.statement_at(line)
                for earlier in _names_read(source) if source is not None else ():
                    lines |= {binding.line for binding in program.bindings.get(earlier, [])}
            # the functions a name gets its value from (`rows = make_table(5)`), and its own
            for function in _functions_used(program, {name}, bound):
                lines |= _span(function)
        for function in program.enclosing(anchor, functions)[:1]:
            lines |= _span(function)
    loops = program.enclosing(facts.line, (ast.For, ast.While, ast.AsyncFor))
    return lines | {loop.lineno for loop in loops}


def _functions_used(program: Program, names: set[str], lines: set[int]) -> list[ast.AST]:
    """The functions among `names` or called on one of `lines` (where those names are set)."""
    called = set(names)
    for line in lines:
        statement = program.statement_at(line)
        if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
            called |= _names_read(statement)
    return [function for name in called for function in program.functions(name)]


def _names_read(statement: ast.stmt) -> set[str]:
    """The names a statement uses; of a compound statement, only those of its header."""
    if isinstance(statement, ast.For | ast.AsyncFor):
        parts: list[ast.AST] = [statement.target, statement.iter]
    elif isinstance(statement, ast.While | ast.If):
        parts = [statement.test]
    elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        parts = []
    elif isinstance(statement, ast.With | ast.Try):
        parts = list(getattr(statement, "items", []))
    else:
        parts = [statement]
    return {node.id for part in parts for node in ast.walk(part) if isinstance(node, ast.Name)}


def _span(function: ast.AST) -> set[int]:
    """A function's lines and the one after it (where a missing `return` would go)."""
    return set(range(function.lineno, (function.end_lineno or function.lineno) + 2))


def _misleading(hint: str, code: str, error_output: str, facts: HintFacts) -> list[str]:
    """The grader's misleading rules, with the lines the facts name or the program relates
    to the failing line (:func:`related_lines`) as the lines to fix."""
    stand_in = GroundTruth(
        lines=tuple(sorted(fact_lines(facts) | related_lines(code, facts))),
        fixed_lines=(),
        exception=facts.exception,
        code=code,
        traceback=error_output,
    )
    return [item for item in misleading_evidence(hint, stand_in) if _is_python_claim(item)]


def _is_python_claim(item: str) -> bool:
    """Drop 'names X, not in the program' for X that Python itself has (`append`, `math`)."""
    match = re.match(r"names (\w+), not in the program", item)
    return not (match and match.group(1) in PYTHON_NAMES)


def type_contradictions(hint: str, facts: HintFacts) -> list[str]:
    """Claims that a variable is (or is not) of a type, where the facts say otherwise."""
    known = {origin.name: origin.type for origin in facts.origins if not origin.parameter}
    known |= {o.parameter: o.type for o in facts.origins if o.parameter}
    if facts.sequence and facts.sequence_type:
        known[facts.sequence] = facts.sequence_type
    text = hint.replace("`", "")
    found = []
    for name, actual in known.items():
        pattern = (
            rf"\b{re.escape(name)}\b\s+{_CLAIM_VERBS}\s+(not\s+)?(?:a|an|the)?\s*"
            rf"(?:\w+\s+)?({TYPE_WORD})\b"
        )
        match = contradicted(pattern, text, actual)
        if match:
            found.append(f"says {name} {match.group(0)[len(name) :].strip()} ({actual})")
    return found


def quoted_fixes(hint: str, code: str) -> list[str]:
    """Code rows of the hint that change a line of the program (a fix, written out)."""
    block_lines, spans, _ = split_hint(hint)
    program = [line.strip() for line in code.splitlines() if line.strip()]
    program_tokens = [code_tokens(line) for line in program]
    found = []
    for row in block_lines + spans:
        tokens = code_tokens(row)
        if not tokens or any(_within(tokens, line) for line in program_tokens):
            continue  # quotes the student's code
        if any(_similar(tokens, line) for line in program_tokens):
            found.append(f"quoted fix `{row.strip()[:40]}`")
    return found


def _within(needle: list[str], line: list[str]) -> bool:
    n = len(needle)
    return any(line[i : i + n] == needle for i in range(len(line) - n + 1))


def _similar(row: list[str], line: list[str]) -> bool:
    """A rewrite of `line`: close to it and about as long (`input()` is no rewrite of
    `price = input("Price? ")`, only a name for what it calls)."""
    if len(row) < FIX_MIN_TOKENS or 2 * len(row) < len(line):
        return False
    return SequenceMatcher(None, row, line).ratio() >= FIX_SIMILARITY


def fact_mentions(hint: str, facts: HintFacts) -> list[tuple[float, str]]:
    """Rewards for naming what the facts point at (each kind once)."""
    lines = named_lines(hint)
    words = set(re.findall(r"[A-Za-z_]\w*", hint))
    found: list[tuple[float, str]] = []
    if facts.offending and (facts.offending in words or f"`{facts.offending}`" in hint):
        found.append((NAMES_OFFENDING, f"names {facts.offending}"))
    for origin in facts.origins:
        line = origin.call_line if origin.parameter else origin.line
        if line in lines or (len(origin.source) > 2 and origin.source in hint):
            found.append((NAMES_ORIGIN, f"names where {origin.name} got its value"))
            break
    close = [name for name in facts.close_names if name in words]
    if close:
        found.append((NAMES_CLOSE_NAME, f"names {close[0]}"))
    if facts.call_line and facts.call_line in lines:
        found.append((NAMES_CALLER, f"names the calling line {facts.call_line}"))
    loop = facts.loop
    if loop is not None and (loop.line in lines or loop.iterable in hint):
        found.append((NAMES_LOOP, f"names the loop on line {loop.line}"))
    if facts.line and (facts.line in lines or (facts.line_text and facts.line_text in hint)):
        found.append((NAMES_FAILING_LINE, f"names the failing line {facts.line}"))
    return found
