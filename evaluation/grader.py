"""Offline hint grading against the known bug: does a hint identify it, does it give the fix away?

Every graded program comes with its ground truth: the buggy line(s) (1-based, in the
program the student sees), the correct text of those lines (the fix), the broken text,
the token the mistake is about, and the error kind or exception. The two verdicts use
only that, so they are cheap, exact to reproduce and need no model. They are
deliberately simple rules; an LLM judge (:mod:`evaluation.judge`) complements them.

``identifies_error`` is true when the hint does at least one of:

1. **line**: names a buggy line by number: ``line 3``, ``Line #3``, ``lines 2 and 3``
   (every number in such a phrase counts). Only the line to fix counts, not the line
   Python reported when the two differ (naming that one is copying the traceback).
2. **token**: mentions the token the mistake is about (a misspelled name, a missing key,
   an expression), compared as a sequence of code tokens, ignoring case. Tokens that
   say nothing on their own are skipped: punctuation (``:``, ``)``, ``=``), Python
   keywords and built-in names (``print``, ``int``).
3. **words**: describes the cause in words: a regular expression per error kind
   (``KIND_WORDS``, e.g. *colon* for a missing colon, *base case* / *recursion* for a
   recursion without a base case). Programs whose kind is unknown (a user's own) use
   the union of the expressions of every kind that raises the same exception. Exception
   class names are masked first: naming the class (``ZeroDivisionError``) does not
   count, the traceback already says it.

Lines of the hint copied from the program's error output (``GroundTruth.traceback``)
are left out before rules 1-3 look: a hint that only repeats ``NameError: name 'x' is
not defined`` tells the student nothing the traceback did not (pruned models often
answer that way).

``gives_away`` is true when the hint contains the fix as code:

A. **fixed line**: a code snippet whose tokens contain, in order, all the tokens of a
   fixed line (whitespace and quote style ignored). Snippets are fenced code blocks
   (line by line; an unclosed fence runs to the end, as in a hint cut off by the token
   limit), inline code spans and, for fixed lines of three tokens or more, the hint's
   plain lines (backticks kept, so ``look at `if x > 3`: ...`` does not read as the
   fixed ``if x > 3:``). Skipped when the fixed line's tokens also occur in a line of
   the student's own program: quoting the student's code gives nothing away.
B. **changed part**: an inline span or a code block line that contains the part of the
   fixed line that differs from the broken one (what is left between their longest
   common prefix and suffix of tokens, widened by context to at least three tokens),
   e.g. ``str(len(name))`` where the student wrote ``len(name)``.
   Skipped when that part occurs in the student's program. Only for one-line edits.
C. **indentation**: when the fix changes only indentation, a code block line that is
   the fixed line with its exact indentation (and not the broken line), or that sits
   under the line preceding it in the fixed program, indented relative to it as in the
   fixed program and not as in the broken one (a block re-indented as a whole).

An empty hint identifies nothing and gives nothing away.
"""

from __future__ import annotations

import builtins
import difflib
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from finetune.bugs import INJECTORS

MIN_PROSE_TOKENS = 3  # shorter fixed lines count only inside code spans (rule A)
MIN_CHANGE_TOKENS = 3  # the changed part of a line is widened to this many tokens (rule B)

_CODE_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|\w+|==|!=|<=|>=|//|\*\*|->|[-+*/%]=|\S'
)
_FENCE = re.compile(r"```[^\n`]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_LINE_REF = re.compile(
    r"\blines?\b\s*(?:number\s*|no\.?\s*|#\s*)?(\d+(?:\s*(?:,|and|&|or|-|to)\s*\d+)*)",
    re.IGNORECASE,
)
_EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Interrupt|Warning)\b")
_NOT_DISTINCTIVE = set(keyword.kwlist) | set(dir(builtins)) | {"indentation"}

_UNDEFINED = r"not defined|undefined|misspel|typo|spell|never (?:been )?(?:defined|created)"
_TYPES = (
    r"\b(?:string|str|text)\b.{0,40}\b(?:number|int|integer|float)\b"
    r"|\b(?:number|int|integer|float)\b.{0,40}\b(?:string|str|text)\b"
)
KIND_WORDS: dict[str, str] = {
    "undefined_name": _UNDEFINED + r"|doesn'?t exist|does not exist",
    "missing_colon": r"colon|`:`|':'|\":\"",
    "unclosed_bracket": r"parenthes[ie]s|bracket|never closed|not closed|unclosed|closing"
    r"|match",
    "unclosed_string": r"quot(?:e|ation)|unterminated|string literal|never closed|not closed"
    r"|unclosed|closing",
    "bad_indentation": r"indent",
    "assign_in_condition": r"==|double equals|comparison|compare|assignment|single (?:equals|=)",
    "str_plus_int": r"convert|str\(|concatenat|" + _TYPES,
    "missing_int_conversion": r"convert|int\(|float\(|" + _TYPES,
    "wrong_arg_count": r"argument|parameter",
    "off_by_one": r"out of range|index|off[- ]by[- ]one|past the end|last (?:item|element)",
    "missing_key": r"\bkeys?\b|dictionary|\bdict\b",
    "int_of_text": r"not a (?:whole |valid )?number|isn'?t a (?:whole |valid )?number"
    r"|invalid literal|convert|int\(|digits|numeric",
    "division_by_zero": r"zero|divid|division",
    "not_callable": r"callable|not a function|multipl|parenthes|call(?:ing)? (?:a |an )?"
    r"(?:number|int|integer|value)",
    "attribute_typo": r"attribute|method|misspel|typo|spell|doesn'?t have|does not have",
    "none_value": r"\bNone\b|NoneType|return|nothing",
    "unbound_local": r"before .{0,40}(?:assign|defin|set|given)|local variable|unbound|"
    + _UNDEFINED,
    "no_base_case": r"base case|recursi|never stops|infinite|forever|stop(?:s|ping)? "
    r"(?:condition|calling)",
    "infinite_loop": r"infinite|forever|never (?:ends|stops|finishes|becomes false|changes)"
    r"|loop condition|condition .{0,40}(?:true|false)|update|increment|decrement",
}
_TIMEOUT_EXCEPTION = "KeyboardInterrupt"  # what a program stopped with Ctrl-C raises


@dataclass(frozen=True)
class GroundTruth:
    """What was wrong with a program, in the coordinates of the program the student sees.

    ``lines`` are the lines to fix; ``fixed_lines``/``broken_lines`` their correct and
    broken text (one of each for a one-line edit). ``fixed_code`` is needed only for
    rule C (indentation).
    """

    lines: tuple[int, ...]
    fixed_lines: tuple[str, ...]
    broken_lines: tuple[str, ...] = ()
    token: str = ""
    kind: str = ""
    exception: str = ""
    code: str = ""
    fixed_code: str = ""
    traceback: str = ""


@dataclass(frozen=True)
class Grade:
    """The two verdicts and the rules that fired (for reading the per-hint CSV)."""

    identifies_error: bool
    gives_away: bool
    evidence: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names_line(self) -> bool:
        """Rule 1 alone: the strictest reading of "identifies the error"."""
        return any(item.startswith("line ") for item in self.evidence)


def code_tokens(text: str) -> list[str]:
    """Python-ish tokens of `text`; string literals get double quotes (quote style ignored)."""
    tokens = []
    for token in _CODE_TOKEN.findall(text):
        if len(token) >= 2 and token[0] == token[-1] == "'":
            token = '"' + token[1:-1] + '"'
        tokens.append(token)
    return tokens


def contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Whether `needle` occurs as a contiguous run in `haystack` (empty needles never do)."""
    n = len(needle)
    if n == 0:
        return False
    return any(list(haystack[i : i + n]) == list(needle) for i in range(len(haystack) - n + 1))


def words_for(kind: str, exception: str) -> str | None:
    """The cause-in-words expression for a kind, or the union for an exception's kinds."""
    if kind in KIND_WORDS:
        return KIND_WORDS[kind]
    if not exception:
        return None
    matching = [
        KIND_WORDS[i.kind]
        for i in INJECTORS
        if i.kind in KIND_WORDS
        and (
            re.fullmatch(i.exception, exception)
            or (i.exception == "Timeout" and exception == _TIMEOUT_EXCEPTION)
        )
    ]
    return "|".join(matching) or None


# -- identifies_error -----------------------------------------------------------------------


def named_lines(hint: str) -> set[int]:
    """Every line number the hint names in a "line N" phrase."""
    found: set[int] = set()
    for match in _LINE_REF.finditer(hint):
        for part in re.split(r"\s*(?:,|and|&|or)\s*", match.group(1)):
            ends = [int(n) for n in re.findall(r"\d+", part)]
            if len(ends) == 2 and 0 < ends[1] - ends[0] <= 50:  # a range: "lines 3-5"
                found.update(range(ends[0], ends[1] + 1))
            else:
                found.update(ends)
    return found


def distinctive(token: str) -> bool:
    """Whether a ground-truth token says something on its own (see rule 2)."""
    words = re.findall(r"[A-Za-z_]\w*", token)
    return any(len(w) >= 2 and w not in _NOT_DISTINCTIVE for w in words)


def without_traceback(hint: str, traceback: str) -> str:
    """`hint` less its lines that are copied from `traceback` (or that start one)."""
    copied = {line.strip() for line in traceback.splitlines() if line.strip()}

    def is_copy(line: str) -> bool:
        text = line.strip().strip("`").strip()
        return text in copied or text.startswith("Traceback (most recent")

    return "\n".join(line for line in hint.splitlines() if not is_copy(line))


def identification_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """The identification rules (1-3) that `hint` satisfies (traceback copies left out)."""
    hint = without_traceback(hint, truth.traceback)
    evidence = []
    lines = named_lines(hint) & set(truth.lines)
    if lines:
        evidence.append(f"line {min(lines)}")
    if truth.token and distinctive(truth.token):
        needle = [t.lower() for t in code_tokens(truth.token)]
        if contains([t.lower() for t in code_tokens(hint)], needle):
            evidence.append(f"token {truth.token}")
    pattern = words_for(truth.kind, truth.exception)
    if pattern:  # exception names are masked: "ZeroDivisionError" is not "division by zero"
        match = re.search(pattern, _EXCEPTION_NAME.sub(" ", hint), re.IGNORECASE)
        if match:
            evidence.append(f"words '{match.group(0)}'")
    return evidence


# -- gives_away -----------------------------------------------------------------------------


def split_hint(hint: str) -> tuple[list[str], list[str], list[str]]:
    """(code block lines, inline code spans, plain lines) of a Markdown-ish hint."""
    blocks = _FENCE.findall(hint)
    block_lines = [line for block in blocks for line in block.splitlines() if line.strip()]
    prose = _FENCE.sub("\n", hint)
    spans = _INLINE.findall(prose)
    plain = [line for line in prose.splitlines() if line.strip()]
    return block_lines, spans, plain


def _quotes_student(snippet: Sequence[str], needle: Sequence[str], code: str) -> bool:
    """Whether `snippet` has `needle` only because it quotes a line of the student's program."""
    for line in code.splitlines():
        tokens = code_tokens(line)
        if contains(tokens, needle) and contains(snippet, tokens):
            return True
    return False


def _in_program(tokens: Sequence[str], code: str) -> bool:
    return any(contains(code_tokens(line), tokens) for line in code.splitlines())


def _fixed_line_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """Rule A."""
    block_lines, spans, plain = split_hint(hint)
    evidence = []
    for fixed in truth.fixed_lines:
        needle = code_tokens(fixed)
        snippets = block_lines + spans + (plain if len(needle) >= MIN_PROSE_TOKENS else [])
        for snippet in map(code_tokens, snippets):
            if contains(snippet, needle) and not _quotes_student(snippet, needle, truth.code):
                evidence.append(f"fixed line '{fixed.strip()}'")
                break
    return evidence + _fixed_context_evidence(hint, truth)


def _fixed_context_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """Rule A, in context: a code block with a fixed line next to its neighbour."""
    if len(truth.lines) != 1 or len(truth.fixed_lines) != 1 or not truth.fixed_code:
        return []
    fixed_rows = truth.fixed_code.splitlines()
    at = truth.lines[0] - 1
    if not 0 <= at < len(fixed_rows) or fixed_rows[at].strip() != truth.fixed_lines[0].strip():
        return []
    before = _previous_nonblank(fixed_rows, at)
    after = next((row for row in fixed_rows[at + 1 :] if row.strip()), None)
    student = [code_tokens(row) for row in truth.code.splitlines() if row.strip()]
    for block in _FENCE.findall(hint):
        rows = [code_tokens(row) for row in block.splitlines() if row.strip()]
        for pair in ([before, fixed_rows[at]], [fixed_rows[at], after]):
            if None in pair:
                continue
            needle = [code_tokens(row) for row in pair]
            if contains(rows, needle) and not contains(student, needle):
                return ["fixed line with its neighbour in a code block"]
    return []


def changed_part(broken: str, fixed: str) -> list[str]:
    """The fixed line's tokens between its longest common prefix and suffix with the broken
    line, widened by context to `MIN_CHANGE_TOKENS`; [] when the fix only deletes."""
    old, new = code_tokens(broken), code_tokens(fixed)
    limit = min(len(old), len(new))
    prefix = next((i for i in range(limit) if old[i] != new[i]), limit)
    suffix = next((i for i in range(limit - prefix) if old[-1 - i] != new[-1 - i]), limit - prefix)
    start, end = prefix, len(new) - suffix
    if start >= end:
        return []
    while end - start < MIN_CHANGE_TOKENS and (start > 0 or end < len(new)):
        if start > 0:
            start -= 1
        if end - start < MIN_CHANGE_TOKENS and end < len(new):
            end += 1
    return new[start:end]


def _changed_part_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """Rule B."""
    if len(truth.fixed_lines) != 1 or len(truth.broken_lines) != 1:
        return []
    part = changed_part(truth.broken_lines[0], truth.fixed_lines[0])
    if not part or _in_program(part, truth.code):
        return []
    block_lines, spans, _ = split_hint(hint)
    for snippet in map(code_tokens, block_lines + spans):
        if contains(snippet, part) and not _quotes_student(snippet, part, truth.code):
            return [f"changed part '{' '.join(part)}'"]
    return []


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _previous_nonblank(lines: Sequence[str], index: int) -> str | None:
    for line in reversed(lines[:index]):
        if line.strip():
            return line
    return None


def _indentation_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """Rule C."""
    if len(truth.lines) != 1 or len(truth.fixed_lines) != 1 or len(truth.broken_lines) != 1:
        return []
    fixed, broken = truth.fixed_lines[0].rstrip(), truth.broken_lines[0].rstrip()
    if code_tokens(fixed) != code_tokens(broken):
        return []
    before = _previous_nonblank(truth.fixed_code.splitlines(), truth.lines[0] - 1)
    for block in _FENCE.findall(hint):
        rows = [row.rstrip() for row in block.splitlines()]
        for index, row in enumerate(rows):
            if row.strip() != fixed.strip() or row == broken:
                continue
            if row == fixed:
                return ["fixed indentation in a code block"]
            previous = _previous_nonblank(rows, index)
            if before is None or previous is None:
                continue
            if code_tokens(previous) != code_tokens(before):
                continue
            shift = _indent(row) - _indent(previous)
            if shift == _indent(fixed) - _indent(before) != _indent(broken) - _indent(before):
                return ["fixed indentation in a code block"]
    return []


def giveaway_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """The give-away rules (A-C) that `hint` satisfies."""
    return (
        _fixed_line_evidence(hint, truth)
        + _changed_part_evidence(hint, truth)
        + _indentation_evidence(hint, truth)
    )


def grade(hint: str, truth: GroundTruth) -> Grade:
    """Both verdicts for one hint (see the module docstring for the rules)."""
    if not hint.strip():
        return Grade(False, False, ("empty hint",))
    identified = identification_evidence(hint, truth)
    leaked = giveaway_evidence(hint, truth)
    return Grade(bool(identified), bool(leaked), tuple(identified + leaked))


# -- ground truth from a program and its fix --------------------------------------------------


def truth_from_fix(
    code: str, fixed_code: str, exception: str = "", kind: str = ""
) -> GroundTruth | None:
    """Ground truth derived by diffing the student's program against its fixed version.

    Changed lines are named in the student's program; a line missing from it (an
    insertion) is located by its neighbours. The token is the first distinctive token
    of the changed part of the student's text (else of the fixed text). None when the
    two programs are the same.
    """
    old, new = code.splitlines(), fixed_code.splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    lines: list[int] = []
    broken: list[str] = []
    fixed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            lines += range(i1 + 1, i2 + 1)
        else:  # an insertion: the lines around the gap
            lines += [n for n in (i1, i1 + 1) if 1 <= n <= len(old)]
        broken += old[i1:i2]
        fixed += new[j1:j2]
    if not lines:
        return None
    return GroundTruth(
        lines=tuple(dict.fromkeys(lines)),
        fixed_lines=tuple(line for line in fixed if line.strip()),
        broken_lines=tuple(line for line in broken if line.strip()),
        token=_diff_token(broken, fixed),
        kind=kind,
        exception=exception,
        code=code,
        fixed_code=fixed_code,
    )


def _diff_token(broken: Sequence[str], fixed: Sequence[str]) -> str:
    old, new = code_tokens("\n".join(broken)), code_tokens("\n".join(fixed))
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    changed_old = [
        t for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal" for t in old[i1:i2]
    ]
    changed_new = [
        t for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal" for t in new[j1:j2]
    ]
    for token in changed_old + changed_new:
        if distinctive(token):
            return token
    return ""
