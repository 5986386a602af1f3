"""Offline hint grading against the known bug: does a hint identify it, mislead, give the fix away?

Every graded program comes with its ground truth: the buggy line(s) (1-based, in the
program the student sees), the correct text of those lines (the fix), the broken text,
the token the mistake is about, and the error kind or exception; where the case has them,
the line its author names as the cause (``cause_line``, counted as a line to fix) and its
account of the cause in words (``bug``, kept as ``GroundTruth.cause``; :func:`with_cause`).
The verdicts use only that, so they are cheap, exact to reproduce and need no model. They are
deliberately simple rules; an LLM judge (:mod:`evaluation.judge`) complements them.

The rules were rewritten against hints labelled by hand (``docs/hint-rubric.md``,
``results/hint-labels/``), tuned on one half of the labelled programs and checked on the
other (:mod:`evaluation.agreement`); version 4 against every hand label of sets 1 and 2,
split 60/40 by program (``results/grader-v4/agreement.py``); version 5 against
the blind sets 3-5 read since (``results/grader-v5/measure.py``); version 6 against sets
6-8 too (``results/grader-v6/measure.py``: lines placed on lines, false failing lines, false
sources of text, denied failures, words an exception implies, checked accounts that reach
the line to fix; all in :func:`grade`, not in the verifier's :func:`misleading_evidence`);
version 7 against sets 9-11 too (``results/grader-v7/measure.py``: copied messages that
differ only in form forgiven, Python's own spelling suggestion repeated, altered copied
tracebacks, program code or names put on lines without them, functions called values, a
missing key said to be there, a false count of spaces; again all in :func:`grade`).
A hint is read without the lines it copies from the program's error output
(``GroundTruth.traceback``), and its *prose* also loses code blocks and every sentence
that only restates the error message (most of its words are the message's): telling the
student what the traceback already says identifies nothing.

``identifies_error`` needs **where** and **why**, both in the prose:

1. **where**: names a line to fix by number (``line 3``, ``Line #3``, ``lines 2 and 3``;
   only the line to fix, not the line Python reported when the two differ), or quotes in
   an inline code span two or more tokens that occur on the broken line and nowhere else.
2. **why**: a cause in words that the error message itself does not contain
   (``BugKind.cause`` in :mod:`finetune.kinds`, per error kind, e.g. *colon* for a missing
   colon, *misspelt* for an undefined name, *empty* for a division by zero; for programs
   of unknown kind, words read off the fix, e.g. *convert* when the fix adds
   ``int(...)``), or a name that tells the fix (one the fix adds, such as ``randint``,
   or a misspelt one only the broken line has), or words shared with the case's own
   account of the cause beyond the message's words (half of that account's words, at most
   ``MIN_SHARED_CONCEPTS``; words lightly normalised: *text*/*strings* -> *str*).
3. and no wrong diagnosis: a hint that also names a wrong cause, a wrong exception, code
   the program does not have, or blames another line (see *misleading*) does not identify
   the error; nor does one that names the cause among ``MAX_IDENTIFY_WORDS`` or more words
   of its own (the rubric's "among several guesses"; 25, 30, 35, 40 tried on the tuning
   part: 30 agreed best, 40 is kept because the teachers' own right hints run to 40).

   Version 5 adds a second kind of **why**, in code: an inline span that quotes the broken
   line's own code including the tokens the fix removes or replaces (`len(word) / 2` where
   the fix writes `//`; :func:`wrong_part_evidence`).

``misleading`` is true when the hint says something a rule can see is false:

- **wrong line**: names a line that is neither a line to fix nor one the traceback names,
  unless the same sentence quotes a name that line holds (``total`` is set on line 2);
- **blames a line**: says the mistake, cause or problem *is on* a line that is not a line
  to fix (often the line Python reported, when the cause is earlier);
- **misquoted message**: a copied ``SomeError: ...`` line that differs from the real one;
- **false spelling**: calls a name misspelt, or says it has another name, when the fix
  renames no name or key;
- **wrong exception**: names an exception the program did not raise;
- **wrong cause**: claims a cause that belongs to other errors (*division by zero*, *syntax
  error*, *not defined*, *out of range*, *infinite loop*, ... when the program raised
  something else; ``_CLAIMS``);
- **misquoted traceback**: a copied ``File "...", line N`` frame whose N the real traceback
  does not have;
- **defined name called undefined**: says a name is not defined when the program assigns or
  defines it and the error message is about another name;
- **wrong bracket**: says a different bracket is left open than the one the SyntaxError
  names (``'(' was never closed``);
- **foreign names**: inline code or a code block names something that is in neither the
  program, its fix nor its error output (``max()``, a ``main`` function);
- **false fix**: a code block offered as the fix that keeps the broken line, or rewrites
  a correct line of the program;
- **refuted claim** (grader v5, in :func:`grade` only, so the verifier's use of
  :func:`misleading_evidence` is unchanged): a claim the program and its error output refute,
  by the verifier's own checks (:func:`evaluation.claims.refuted_claims`: "input() returns a
  string" where the program reads no input, "misspelling of a built-in name" with none
  close, ...); like a wrong cause it also rules out identification;
- **a wrong explanation**: the hint's own prose has ``MIN_CLAIM_WORDS`` or more content
  words yet does not identify the error (questions claim nothing). Small models that
  explain something other than the bug are almost always wrong about it; a hint that
  only restates the error is not misleading. The threshold was chosen on the tuning half
  (8, 12, 16, 24 tried; 16 gave the best kappa there; again best in version 4 of 10-20).
  Version 5 waives this presumption for an account tied to the program line by line
  (:func:`anchored_account`: every line it names is a line to fix, a reported line or holds
  code its sentence quotes, and two or more are tied so), as the diagnosis hints write.

Agreement with the hand labels, measured on the programs no rule was tuned on, is in
``results/grader-v4/README.md`` (v4) and ``results/grader-v5/README.md`` (v5, per set):
the give-away rules agree well; identification and
misleading are only moderately reliable, so their rates are reported next to
hand-labelled figures, never alone.

``gives_away`` is true when the hint contains the fix as code:

A. **fixed line**: a code snippet whose tokens contain, in order, all the tokens of a
   fixed line (whitespace and quote style ignored). Snippets are fenced code blocks
   (line by line; an unclosed fence runs to the end, as in a hint cut off by the token
   limit), inline code spans (not one that is part of a line of the student's program: a
   fix that only deletes) and, for fixed lines of three tokens or more, the hint's
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

import ast
import builtins
import difflib
import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from finetune.kinds import CONVERT_WORDS, KIND_BY_NAME, KINDS, NEVER_SET_WORDS, SPELLING_WORDS
from llm_prune_gym.hintfacts import hint_facts

from .claims import refuted_claims

MIN_PROSE_TOKENS = 3  # shorter fixed lines count only inside code spans (rule A)
MIN_CHANGE_TOKENS = 3  # the changed part of a line is widened to this many tokens (rule B)
MIN_SHARED_CONCEPTS = 3  # words shared with the case's account of the cause (rule 2)
MIN_CLAIM_WORDS = 16
MIN_ANCHORED_LINES = 2  # lines tied to quoted code that make a long account checked (v5)
MAX_IDENTIFY_WORDS = 40  # an explanation this long that misses the bug asserts a wrong cause

_CODE_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|\w+|==|!=|<=|>=|//|\*\*|->|[-+*/%]=|\S'
)
_FENCE = re.compile(r"```[^\n`]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_LINE_REF = re.compile(
    r"\blines?\b\s*(?:number\s*|no\.?\s*|#\s*)?[`'\"]?(\d+(?:\s*(?:,|and|&|or|-|to)\s*\d+)*)",
    re.IGNORECASE,
)
_EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Interrupt|Warning)\b")
_NOT_DISTINCTIVE = set(keyword.kwlist) | set(dir(builtins)) | {"indentation"}


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
    cause: str = ""


@dataclass(frozen=True)
class Grade:
    """The three verdicts and the rules that fired (for reading the per-hint CSV)."""

    identifies_error: bool
    gives_away: bool
    evidence: tuple[str, ...] = field(default_factory=tuple)
    misleading: bool = False

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


def message_of(traceback: str) -> str:
    """The last line of an error output: ``NameError: name 'x' is not defined``."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def prose_of(hint: str, traceback: str) -> str:
    """The hint's own words: no copied traceback lines, no code blocks, and no sentence that
    only quotes or restates the error message."""
    text = _FENCE.sub("\n", without_traceback(hint, traceback))
    message = message_of(traceback)
    if not message:
        return text
    said = set(_words(message))
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        words = [w for w in _words(sentence) if w not in _FILLER]
        if words and sum(w in said for w in words) / len(words) >= 0.6:
            continue  # a restatement of the message
        kept.append(sentence)
    return "\n".join(kept)


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z_]\w*", text)]


_FILLER = {
    "the", "a", "an", "is", "are", "was", "this", "that", "it", "error", "message", "says",
    "you", "your", "in", "on", "of", "to", "line", "because", "means", "get", "getting",
    "which", "there", "here", "python", "code", "program", "s",
}  # fmt: skip


def _uncommented(line: str) -> str:
    """`line` without a trailing ``#`` comment (a ``#`` inside quotes is kept)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return line
    comment = next((t for t in tokens if t.type == tokenize.COMMENT), None)
    return line.strip()[: comment.start[1]] if comment else line


def changed_identifiers(truth: GroundTruth) -> set[str]:
    """Names that tell the fix: added by it (``float``, ``randint``, ``self``) or only on
    the broken line and gone after it (a misspelt ``randInt``). A comment's words are not
    names (grader v6: ``# add the points`` replaced by ``global score`` does not make
    *the* tell the fix)."""
    old = code_tokens("\n".join(_uncommented(line) for line in truth.broken_lines))
    new = code_tokens("\n".join(_uncommented(line) for line in truth.fixed_lines))
    broken = {line.strip() for line in truth.broken_lines}
    others = [line for line in truth.code.splitlines() if line.strip() not in broken]
    elsewhere = set(code_tokens("\n".join(others)))
    names = (set(new) - set(old)) | (set(old) - set(new) - elsewhere)
    return {t for t in names if re.fullmatch(r"[A-Za-z_]\w+", t) and t not in keyword.kwlist}


def _fix_words(truth: GroundTruth) -> str | None:
    """Cause words read off the fix, for programs whose bug kind is unknown."""
    old = set(code_tokens("\n".join(truth.broken_lines)))
    new = set(code_tokens("\n".join(truth.fixed_lines)))
    added = new - old
    patterns = []
    if added & {"int", "float"}:
        patterns.append(
            CONVERT_WORDS + r"|(?:is|returns|gives|written as|read as|kept as|left as)"
            r"(?: you| back)? (?:a |still a )?(?:string|text|str)\b"
        )
    if "str" in added:
        patterns.append(CONVERT_WORDS + r"|\bstr\(|into (?:a )?(?:string|text)")
    if "return" in added:
        patterns.append(r"\breturns? (?:nothing|None)|no return|\breturn statement|doesn'?t return")
    if "self" in added:
        patterns.append(r"\bself\b")
    names = [t for t in old | new if re.fullmatch(r"[A-Za-z_]\w+", t)]
    if any(
        a != b and difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.6
        for a in old - new
        for b in new - old
        if a in names and b in names
    ):
        patterns.append(SPELLING_WORDS)
    if (
        truth.broken_lines
        and [t for t in old]
        and code_tokens("\n".join(truth.broken_lines)) == code_tokens("\n".join(truth.fixed_lines))
    ):
        patterns.append(r"indent|spaces|lined? up|align|inside the loop|outside the loop")
    return "|".join(patterns) or None


def cause_pattern(truth: GroundTruth) -> str | None:
    """The cause words of the bug's kind (its record in :mod:`finetune.kinds`); for a
    program of unknown kind, those read off its fix and those of every kind that raises
    the same exception and lends its words (``BugKind.fallback_words``)."""
    if truth.kind in KIND_BY_NAME:
        return KIND_BY_NAME[truth.kind].cause
    parts = [_fix_words(truth) or ""]
    exception = truth.exception
    for kind in KINDS:
        if kind.fallback_words and kind.raises(exception):
            parts.append(kind.cause)
    if exception in ("NameError", "UnboundLocalError"):
        parts.append(NEVER_SET_WORDS)
    return "|".join(p for p in parts if p) or None


_SYNONYMS = {
    "string": "str", "strings": "str", "text": "str", "texts": "str", "integer": "int",
    "integers": "int", "number": "num", "numbers": "num", "decimal": "float", "floats": "float",
    "lists": "list", "dictionary": "dict", "dictionaries": "dict", "function": "func",
    "functions": "func", "method": "func", "methods": "func", "misspelt": "spell",
    "misspelled": "spell", "spelling": "spell", "spelled": "spell", "spelt": "spell",
    "capital": "case", "upper": "case", "lower": "case",
}  # fmt: skip
_GENERIC = {
    "be", "been", "were", "and", "or", "but", "not", "no", "with", "for", "as", "at", "by",
    "from", "into", "than", "then", "when", "what", "where", "how", "why", "does", "do", "did",
    "has", "have", "had", "can", "cannot", "t", "instead", "only", "one", "two", "should",
    "must", "same", "would", "will", "just", "also", "each", "all", "any", "every", "so",
    "use", "used", "uses", "using", "value", "values", "call", "called", "calls", "lines",
}  # fmt: skip


def _concept(word: str) -> str:
    word = word.lower()
    if word in _SYNONYMS:
        return _SYNONYMS[word]
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def concepts(text: str) -> set[str]:
    """Content words of `text`, lightly normalised (``strings``/``text`` -> ``str``)."""
    return {
        _concept(word)
        for word in re.findall(r"[A-Za-z_]\w*", text)
        if len(word) > 1 and word.lower() not in _FILLER | _GENERIC
    }


def cause_concepts(truth: GroundTruth) -> set[str]:
    """Words of the case's own account of the cause that the error message does not have."""
    return concepts(truth.cause) - concepts(message_of(truth.traceback)) if truth.cause else set()


# Words every error of an exception implies (grader v6): a KeyError is always a key missing
# from a dictionary, so naming the dictionary or the key says nothing of why.
_IMPLIED = {"KeyError": {"dictionary", "dict", "key", "keys"}}


def _implied_by_exception(word: str, truth: GroundTruth) -> bool:
    exception = truth.exception or (_EXCEPTION_NAME.findall(message_of(truth.traceback)) or [""])[0]
    return word.lower() in _IMPLIED.get(exception, set())


def cause_evidence(prose: str, truth: GroundTruth) -> list[str]:
    """Words that name the cause, beyond what the error message already says."""
    message = message_of(truth.traceback).lower()
    evidence = []
    masked = _EXCEPTION_NAME.sub(" ", prose)
    pattern = cause_pattern(truth)
    if pattern:
        for match in re.finditer(pattern, masked, re.IGNORECASE):
            if _implied_by_exception(match.group(0), truth):
                continue
            if match.group(0).lower() not in message:
                evidence.append(f"words '{match.group(0)}'")
                break
    account = cause_concepts(truth)
    shared = sorted(concepts(prose) & account)
    if shared and len(shared) >= min(MIN_SHARED_CONCEPTS, (len(account) + 1) // 2):
        evidence.append(f"cause words {', '.join(shared[:4])}")
    hint_words = set(re.findall(r"[A-Za-z_]\w*", prose))
    for name in sorted(changed_identifiers(truth) & hint_words):
        if not re.search(rf"\b{re.escape(name)}\b", message_of(truth.traceback)):
            evidence.append(f"changed name {name}")
            break
    return evidence


def location_evidence(prose: str, truth: GroundTruth) -> list[str]:
    """The hint points at the line to fix: by number, or by quoting code only it has."""
    lines = named_lines(prose) & set(truth.lines)
    if lines:
        return [f"line {min(lines)}"]
    rows = [code_tokens(row) for row in truth.code.splitlines()]
    broken = [code_tokens(b) for b in truth.broken_lines if b.strip()]
    for span in _INLINE.findall(prose):
        quoted = code_tokens(span)
        on_broken = any(contains(b, quoted) for b in broken)
        elsewhere = sum(contains(row, quoted) for row in rows) > len(broken)
        specific = len(quoted) >= 2 or (len(quoted) == 1 and distinctive(quoted[0]))
        if specific and on_broken and not elsewhere:
            return [f"quotes line {truth.lines[0]}"]
    functions = _functions_around(truth) & set(_INLINE_NAMES.findall(prose))
    return [f"names the function {min(functions)}"] if functions else []


_INLINE_NAMES = re.compile(r"`([A-Za-z_]\w*)(?:\(.*?\))?`")


def _functions_around(truth: GroundTruth) -> set[str]:
    """Functions (and methods) whose body holds a line to fix, other than the one Python
    reported an error in: naming one names the statement's place."""
    try:
        tree = ast.parse(truth.code)
    except (SyntaxError, ValueError):
        return set()
    reported = _reported_lines(truth.traceback)
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for line in truth.lines
        if node.lineno < line <= (node.end_lineno or node.lineno)
        and not any(node.lineno <= n <= (node.end_lineno or node.lineno) for n in reported)
    }


def claim_words(hint: str, truth: GroundTruth) -> list[str]:
    """The hint's own content words, beyond copies and restatements of the error and beyond
    questions (a question asks the student to look; it claims nothing)."""
    sentences = re.split(r"(?<=[.!?])\s+|\n+", prose_of(hint, truth.traceback))
    claims = " ".join(s for s in sentences if not s.rstrip().endswith("?"))
    return [w for w in _words(claims) if w not in _FILLER]


def identification_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """Where and why, both needed for "identifies" (see the module docstring)."""
    prose = prose_of(hint, truth.traceback)
    where = location_evidence(prose, truth)
    why = cause_evidence(prose, truth) + wrong_part_evidence(prose, truth)
    return where + why if where and why else []


def broken_part(broken: str, fixed: str) -> list[str]:
    """The broken line's tokens between its longest common prefix and suffix with the fixed
    line: what the fix removes or replaces ([] when the fix only inserts)."""
    old, new = code_tokens(broken), code_tokens(fixed)
    limit = min(len(old), len(new))
    prefix = next((i for i in range(limit) if old[i] != new[i]), limit)
    suffix = next((i for i in range(limit - prefix) if old[-1 - i] != new[-1 - i]), limit - prefix)
    return old[prefix : len(old) - suffix]


def wrong_part_evidence(prose: str, truth: GroundTruth) -> list[str]:
    """Why, shown in code (grader v5): an inline span quoting the broken line's own code,
    holding the very tokens the fix removes or replaces (`len(word) / 2` where the fix
    writes `//`, `''` where it starts a list), points at what is wrong on that line. Not a
    bare name (a name is the changed-name rule's) nor the whole line (a copy points at
    nothing in it)."""
    if len(truth.fixed_lines) != 1 or len(truth.broken_lines) != 1:
        return []
    broken = code_tokens(truth.broken_lines[0])
    part = broken_part(truth.broken_lines[0], truth.fixed_lines[0])
    if not part or len(part) > MIN_CHANGE_TOKENS:
        return []
    for span in _INLINE.findall(prose):
        quoted = code_tokens(span)
        bare_name = re.fullmatch(r"[A-Za-z_]\w*", span.strip()) is not None
        whole_line = len(quoted) == len(broken)
        if contains(quoted, part) and contains(broken, quoted) and not bare_name | whole_line:
            return [f"quotes the wrong part '{' '.join(part)}'"]
    return []


# -- misleading -----------------------------------------------------------------------------

_NAME_ERRORS = (
    "NameError", "UnboundLocalError", "AttributeError", "KeyError", "ModuleNotFoundError",
    "ImportError",
)  # fmt: skip
# A claimed cause and the exceptions it can be true of.
_CLAIMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"divi\w* by zero|divide by zero|zero ?division", ("ZeroDivisionError",)),
    (r"syntax error|syntaxerror|invalid syntax", ("SyntaxError", "IndentationError", "TabError")),
    (r"\bindent", ("IndentationError", "TabError", "SyntaxError", "KeyboardInterrupt")),
    ((
        r"not defined|undefined|doesn'?t exist|does not exist"
    ), _NAME_ERRORS),
    (r"out of range|out of bounds", ("IndexError",)),
    ((
        r"infinite (?:loop|recursion)|runs? forever|never (?:ends|stops)"
    ), ("KeyboardInterrupt", "RecursionError")),
    (r"recursion depth|too (?:deep|many) recursi", ("RecursionError",)),
    (r"reserved (?:key)?word|is a keyword", ("SyntaxError",)),
    (r"not callable", ("TypeError",)),
    (r"not iterable", ("TypeError",)),
    (r"unterminated|unclosed|never closed|not closed", ("SyntaxError",)),
)  # fmt: skip
_FIX_CUE = re.compile((
    r"correct|fix|should (?:be|look)|here'?s how|try (?:this|the following)|"
    r"instead|change it|updated"
), re.IGNORECASE)  # fmt: skip
_TRACEBACK_ROW = re.compile(
    r'Traceback \(most recent|File "|\^+$|~+|[A-Z]\w*(?:Error|Exception|Interrupt):'
)
_BLAME = re.compile(
    r"(?:problem|mistake|cause|bug)(?: that causes (?:it|the error))? (?:is|lies) (?:on|in) "
    r"line (\d+)|\bline (\d+) is where (?:things|it) go(?:es)? wrong",
    re.IGNORECASE,
)
_TRACE_LINE = re.compile(r"\bline (\d+)")


def _reported_lines(traceback: str) -> set[int]:
    return {int(n) for n in _TRACE_LINE.findall(traceback)}


def _lines_of_named_code(prose: str, truth: GroundTruth) -> set[int]:
    """Line numbers the hint gives for code it names: a sentence that quotes a name (inline
    code) found on line N points at N truthfully ("`total` is set on line 2"), wherever the
    cause is."""
    rows = truth.code.splitlines()
    found: set[int] = set()
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", prose):
        quoted = {
            name for span in _INLINE.findall(sentence) for name in re.findall(r"[A-Za-z_]\w*", span)
        } - set(keyword.kwlist)
        for number in named_lines(sentence):
            row = rows[number - 1] if 0 < number <= len(rows) else ""
            if quoted & set(re.findall(r"[A-Za-z_]\w*", row)):
                found.add(number)
    return found


def misleading_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """False or confusing claims a rule can see (see the module docstring)."""
    own = without_traceback(hint, truth.traceback)
    prose = _FENCE.sub("\n", own)
    evidence = []
    total = len(truth.code.splitlines())
    allowed = set(truth.lines) | _reported_lines(truth.traceback)
    wrong = {n for n in named_lines(prose) if n not in allowed} - _lines_of_named_code(prose, truth)
    if wrong:
        evidence.append(
            f"wrong line {min(wrong)}" + (" (no such line)" if min(wrong) > total else "")
        )
    blamed = {int(n) for pair in _BLAME.findall(prose) for n in pair if n} - set(truth.lines)
    if blamed:
        evidence.append(f"blames line {min(blamed)}")
    actual = truth.exception or (_EXCEPTION_NAME.findall(message_of(truth.traceback)) or [""])[0]
    named = (
        set(_EXCEPTION_NAME.findall(own)) - {actual} - set(_EXCEPTION_NAME.findall(truth.traceback))
    )
    if named:
        evidence.append(f"wrong exception {sorted(named)[0]}")
    context = message_of(truth.traceback) + " " + truth.kind.replace("_", " ")
    for pattern, exceptions in _CLAIMS:
        match = re.search(pattern, prose, re.IGNORECASE)
        if match and actual not in exceptions and not re.search(pattern, context, re.IGNORECASE):
            evidence.append(f"wrong cause '{match.group(0)}'")
            break
    evidence += _misquoted_traceback(hint, truth) + _misquoted_message(hint, truth)
    evidence += _defined_called_undefined(prose, truth)
    evidence += _wrong_bracket(prose, truth) + _false_spelling(prose, truth)
    evidence += _foreign_names(own, truth) + _false_fix(own, truth)
    return evidence


_QUOTED_FRAME = re.compile(r'File "[^"\n]*", line (\d+)')
_UNDEFINED_CLAIM = re.compile(
    r"[`'\"]?([A-Za-z_]\w*)[`'\"]? (?:is not defined|is undefined|has not been defined)"
)
# A line that binds the name: an assignment, a def or class, or a for-loop target.
_ASSIGNED = r"^\s*(?:def |class |for )?{name}\b(?:\s*(?:=[^=]|,|\(|\bin\b))"
_NEVER_CLOSED = re.compile(r"'([(\[{])' was never closed")
_BRACKET_CLAIM = re.compile(
    r"[`'\"]([(\[{])[`'\"][^.\n]{0,30}?\b(?:not|never|un)\s?closed", re.IGNORECASE
)


_SPELLING_CLAIM = re.compile(
    r"misspel|\btypo|spelled differently|spelling differs|named differently"
    r"|(?:has|have|with) (?:another|a different) name",
    re.IGNORECASE,
)


def renames(truth: GroundTruth) -> bool:
    """Whether the fix renames something: a name or a string (a key) on the broken lines
    becomes a similar one."""
    old = {t.strip('"') for t in code_tokens("\n".join(truth.broken_lines))}
    new = {t.strip('"') for t in code_tokens("\n".join(truth.fixed_lines))}
    names = [t for t in old ^ new if re.fullmatch(r"\w+", t)]
    return any(
        difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.6
        for a in names
        for b in names
        if a in old - new and b in new - old
    )


def _false_spelling(prose: str, truth: GroundTruth) -> list[str]:
    """Calls a name misspelt, or says it has another name, when the fix renames nothing."""
    if not (truth.broken_lines or truth.fixed_lines) or renames(truth):
        return []
    if truth.kind in KIND_BY_NAME and re.search(SPELLING_WORDS, KIND_BY_NAME[truth.kind].cause):
        return []  # a spelling kind whose fix adds or drops a character
    match = _SPELLING_CLAIM.search(prose)
    return [f"wrong cause '{match.group(0)}' (the fix renames nothing)"] if match else []


def _wrong_bracket(prose: str, truth: GroundTruth) -> list[str]:
    """Says a different bracket is left open than the one the SyntaxError names."""
    actual = _NEVER_CLOSED.search(message_of(truth.traceback))
    if not actual:
        return []
    others = set(_BRACKET_CLAIM.findall(prose)) - {actual.group(1)}
    return (
        [f"says '{min(others)}' is not closed, the error names '{actual.group(1)}'"]
        if others
        else []
    )


_QUOTED_MESSAGE = re.compile(r"^[`\"*>\s]*([A-Z]\w*(?:Error|Exception)): ?(.+?)`*$")


def _misquoted_message(hint: str, truth: GroundTruth) -> list[str]:
    """A copied error message (``TypeError: ...`` on a line of its own) that differs from the
    real one; a copy cut off by the token limit is judged on what it has."""
    real = message_of(truth.traceback).strip()
    if not real:
        return []
    for line in hint.splitlines():
        match = _QUOTED_MESSAGE.match(line.strip())
        if not match or not real.startswith(match.group(1) + ":"):
            continue
        quoted = " ".join(match.group(2).split())
        said = " ".join(real.split(":", 1)[1].split())
        if quoted != said and not (
            hint.rstrip().endswith(line.rstrip()) and said.startswith(quoted)
        ):
            return [f"misquotes the error message: {quoted[:40]}"]
    return []


def _misquoted_traceback(hint: str, truth: GroundTruth) -> list[str]:
    """A copied traceback frame whose line number the real traceback does not have."""
    reported = _reported_lines(truth.traceback)
    quoted = {int(n) for n in _QUOTED_FRAME.findall(hint)} - reported
    return [f"misquotes the traceback (line {min(quoted)})"] if reported and quoted else []


def _defined_called_undefined(prose: str, truth: GroundTruth) -> list[str]:
    """Claims a name is not defined when the program defines it and the error is not about it."""
    message = message_of(truth.traceback)
    for name in _UNDEFINED_CLAIM.findall(prose):
        if name in keyword.kwlist or re.search(rf"\b{name}\b", message):
            continue
        if re.search(_ASSIGNED.format(name=re.escape(name)), truth.code, re.MULTILINE):
            return [f"says {name} is not defined, but the program defines it"]
    return []


def _program_names(truth: GroundTruth) -> set[str]:
    text = "\n".join((truth.code, truth.fixed_code, "\n".join(truth.fixed_lines), truth.traceback))
    return {t.lower() for t in re.findall(r"[A-Za-z_]\w*", text)}


def _foreign_names(hint: str, truth: GroundTruth) -> list[str]:
    """Code in the hint that names something the program does not have (a claim about it)."""
    known = _program_names(truth) | {"python", "print", "input", "int", "str", "float"}
    block_lines, spans, _ = split_hint(hint)
    for snippet in spans + block_lines:
        if _TRACEBACK_ROW.match(snippet.strip()):
            continue  # a copied traceback line, whatever the program
        for name in re.findall(r"[A-Za-z_]\w*", re.sub(r"([\"']).*?\1", "", snippet)):
            if name.lower() not in known and name not in keyword.kwlist and len(name) > 1:
                return [f"names {name}, not in the program"]
    return []


def _false_fix(hint: str, truth: GroundTruth) -> list[str]:
    """A code block offered as the fix that keeps the broken line or rewrites correct ones."""
    blocks = _FENCE.findall(hint)
    if not blocks or not _FIX_CUE.search(_FENCE.sub(" ", hint)):
        return []
    program = [line.strip() for line in truth.code.splitlines() if line.strip()]
    broken = {b.strip() for b in truth.broken_lines if b.strip()}
    fixed = {f.strip() for f in truth.fixed_lines}
    only_indent = bool(broken) and broken == fixed
    for block in blocks:
        rows = [row.strip() for row in block.splitlines() if row.strip()]
        if len(rows) < 2:
            continue
        if not only_indent and broken & set(rows) and not fixed & set(rows):
            return ["offered fix keeps the broken line"]
        changed = [
            row for row in rows
            if row not in program and row not in fixed
            and difflib.get_close_matches(row, program, n=1, cutoff=0.6)
        ]  # fmt: skip
        if changed:
            return [f"offered fix rewrites a correct line: {changed[0][:40]}"]
    return []


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
    # an inline span that is part of a student's line quotes it (as for a fix that only deletes)
    own = {span for span in spans if _in_program(code_tokens(span), truth.code)}

    def unquoted(match: re.Match[str]) -> str:
        return " " if match.group(1) in own else match.group(0)

    plain = [_INLINE.sub(unquoted, line) for line in plain]
    evidence = []
    for fixed in truth.fixed_lines:
        needle = code_tokens(fixed)
        snippets = [s for s in block_lines + spans if s not in own]
        snippets += plain if len(needle) >= MIN_PROSE_TOKENS else []
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


_DIAGNOSIS_ERRORS = ("wrong cause", "wrong exception", "names ", "blames line", "refuted")
# Grader v6: a wrong line named beside the right one, or a line placed on another, also
# rules out identification (the student is sent to two places, one of them false).
_GRADE_ERRORS = (*_DIAGNOSIS_ERRORS, "places line", "says line")


def refuted_evidence(hint: str, truth: GroundTruth) -> list[str]:
    """Claims the program and its error output refute (:func:`evaluation.claims.refuted_claims`,
    the verifier's checks)."""
    if not truth.traceback:
        return []
    facts = hint_facts(truth.code, truth.traceback)
    return [f"refuted: {item}" for item in refuted_claims(hint, truth.code, truth.traceback, facts)]


def anchored_account(hint: str, truth: GroundTruth) -> bool:
    """Whether the hint ties its account to the program (grader v5): every line it names is
    a line to fix, one the traceback names, or holds code the same sentence quotes, and at
    least `MIN_ANCHORED_LINES` are tied so. A long explanation made of such checked
    statements is not presumed to explain a wrong cause."""
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    anchored = _lines_of_named_code(prose, truth)
    allowed = set(truth.lines) | _reported_lines(truth.traceback) | anchored
    return len(anchored) >= MIN_ANCHORED_LINES and named_lines(prose) <= allowed


_SELF_PLACED = re.compile(r"\bline (\d+) is on line (\d+)", re.IGNORECASE)


def self_contradicting_lines(hint: str, truth: GroundTruth) -> list[str]:
    """A place stated against itself (grader v6): "Line 8 is on line 7" puts one line on
    another, which no program has; it tells the student nothing true about where to look."""
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    pairs = [(int(a), int(b)) for a, b in _SELF_PLACED.findall(prose) if a != b]
    return [f"places line {pairs[0][0]} on line {pairs[0][1]}"] if pairs else []


_FAILS = re.compile(r"\bfails?\b|\bhappens\b|\bgo(?:es)? wrong\b", re.IGNORECASE)


def wrong_failing_line(hint: str, truth: GroundTruth) -> list[str]:
    """A false place of failure (grader v6): a sentence that says something fails or goes
    wrong on line M, where M is neither a line to fix, nor one the traceback names, nor
    holds the code the sentence quotes, sends the student to a line where nothing fails."""
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    allowed = set(truth.lines) | _reported_lines(truth.traceback)
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", prose):
        if _FAILS.search(sentence):
            wrong = named_lines(sentence) - allowed - _lines_of_named_code(sentence, truth)
            if wrong:
                return [f"says line {min(wrong)} fails"]
    return []


_READ_WITH = re.compile(
    r"\bvalue read with (?!`?input\b)([^,.;:]{1,30}?) is a string", re.IGNORECASE
)


def misread_source(hint: str, truth: GroundTruth) -> list[str]:
    """A string read by a wrong reader (grader v6): only input() reads a string from the
    user; "the value read with print() (a loop, ...) is a string" names a false source."""
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    match = _READ_WITH.search(prose)
    return [f"refuted: a value read with {match.group(1)}"] if match else []


_DENIED_ZERO = re.compile(
    r"division by zero never happens|never divides by zero|nothing divides\b"
    r"|has no division by zero",
    re.IGNORECASE,
)


def denied_failure(hint: str, truth: GroundTruth) -> list[str]:
    """A failure denied (grader v6): where the error output shows a ZeroDivisionError, a
    hint saying no division by zero happens ("nothing divides by zero") contradicts it."""
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    if "ZeroDivisionError" not in truth.exception + truth.traceback:
        return []
    match = _DENIED_ZERO.search(prose)
    return [f"refuted: '{match.group(0)}' against a ZeroDivisionError"] if match else []


def anchored_at_fix(hint: str, truth: GroundTruth) -> list[str]:
    """A checked account that reaches the line to fix (grader v6): a hint tied to the program
    line by line (:func:`anchored_account`) that names a line to fix other than the one
    Python reports and claims nothing false names where and, in its checked statements,
    why (how that line makes the failing one fail)."""
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    lines = named_lines(prose) & (set(truth.lines) - _reported_lines(truth.traceback))
    if lines and anchored_account(hint, truth):
        return [f"an account tied to the program reaching line {min(lines)}"]
    return []


_SUGGESTION = re.compile(r"\.?\s*Did you mean\b.*$")
_AUGMENTED = re.compile(r"\bfor (\S+?)=:")


def message_form(message: str) -> str:
    """An error message as a reader compares it (grader v7): without quote marks (`'-'` is
    `-`), without Python's "Did you mean ...?" suggestion, and an augmented operator as its
    plain one (`+=` is `+`); set 11's readers called copies that differ only so true."""
    message = _AUGMENTED.sub(r"for \1:", _SUGGESTION.sub("", message))
    return " ".join(re.sub(r"[`'\"]", "", message).split())


def altered_message(hint: str, truth: GroundTruth) -> bool:
    """Whether a copied error message differs from the real one in what it says (other
    types, names, values or operator), not only in quote marks, a dropped suggestion or an
    augmented operator written plain; a copy cut off at the hint's end is judged on what
    it has."""
    real = message_of(truth.traceback).strip()
    said = message_form(real.split(":", 1)[-1])
    for line in hint.splitlines():
        match = _QUOTED_MESSAGE.match(line.strip())
        if not match or not real.startswith(match.group(1) + ":"):
            continue
        quoted = message_form(match.group(2))
        cut = hint.rstrip().endswith(line.rstrip()) and said.startswith(quoted)
        if quoted != said and not cut:
            return True
    return False


def forgiven_misquotes(evidence: list[str], hint: str, truth: GroundTruth) -> list[str]:
    """`evidence` without "misquotes the error message" where the copy only differs in
    form (:func:`altered_message`): a message copied with quotes around the operator or
    without "Did you mean" tells the student nothing false."""
    if altered_message(hint, truth):
        return evidence
    return [e for e in evidence if not e.startswith("misquotes the error message")]


_SUGGESTED = re.compile(r"Did you mean:? '([A-Za-z_]\w*)'")
_TRUE_SPELLING = re.compile(
    r"(?:spelling differs|spelled differently)[^.]*?(?:program defines|you meant)"
    r"|(?:program defines|you meant)[^.]*?(?:spelling differs|spelled differently)",
    re.IGNORECASE,
)


def suggested_spelling(hint: str, truth: GroundTruth) -> bool:
    """Whether the hint says what Python's own suggestion says (grader v7): where the error
    message offers a near name ("Did you mean: 'hour'?") that the program holds, "the name
    is spelled differently from a name your program defines / the attribute you meant" is
    true, even said of the failing line while the misspelt definition is elsewhere (set 11's
    readers: not misleading, only not identifying)."""
    suggested = _SUGGESTED.search(message_of(truth.traceback))
    if not suggested or suggested.group(1) in dir(builtins):
        return False
    if not re.search(rf"\b{suggested.group(1)}\b", truth.code):
        return False
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    return bool(_TRUE_SPELLING.search(prose)) and "built-in" not in prose


def waived_for_spelling(evidence: list[str], truth: GroundTruth) -> list[str]:
    """`evidence` without what :func:`suggested_spelling` makes true: blaming the reported
    line and a spelling cause "the fix renames nothing" (a fix at the definition)."""
    reported = {f"blames line {n}" for n in _reported_lines(truth.traceback)}
    return [e for e in evidence if e not in reported and "(the fix renames nothing)" not in e]


_CARETS = re.compile(r"^[~^\s]+$")
_FRAME = re.compile(r'^File"[^"\n]*",line\d+')


def _traceback_copies(hint: str) -> list[list[str]]:
    """The hint's copies of a traceback: from "Traceback (most recent call last):" to the
    error message line, each line stripped, caret lines dropped."""
    copies, current = [], None
    for line in hint.splitlines():
        text = line.strip().strip("`")
        if text.startswith("Traceback (most recent call last)"):
            current = []
            copies.append(current)
        elif current is not None:
            if not text or _EXCEPTION_NAME.match(text) or text.startswith("```"):
                current = None
            elif not _CARETS.match(text):
                current.append("".join(text.split()))
    return copies


def altered_traceback(hint: str, truth: GroundTruth) -> list[str]:
    """A copied traceback that the error output does not have (grader v7): a frame or code
    line it lacks (a line not in the program, "in __new__" for "in <module>"), or a frame
    shown over another frame's code (the line-7 statement under "line 16"). Set 11's
    readers called such copies misleading; a copy only cut short, without carets or with
    other spaces is not."""
    if not truth.traceback.strip():
        return []  # no error output to compare with
    real = [t.strip() for t in truth.traceback.splitlines() if t.strip()]
    real = ["".join(t.split()) for t in real if not _CARETS.match(t)]
    after = {a: b for a, b in zip(real, real[1:], strict=False) if _FRAME.match(a)}
    end = "".join(hint.split())
    for copy in _traceback_copies(hint):
        for index, text in enumerate(copy):
            cut = end.endswith(text) and any(line.startswith(text) for line in real)
            if text not in real and not cut:
                return [f"alters the traceback: {text[:40]}"]
            following = copy[index + 1] if index + 1 < len(copy) else None
            if text in after and following is not None and following != after[text]:
                return [f"alters the traceback: {following[:40]} under {text[:30]}"]
    return []


_PLACED_CODE = re.compile(r"`([^`\n]+)` (?:on|in|at) line (\d+)\b", re.IGNORECASE)
_LINE_DOES_CODE = re.compile(
    r"\bline (\d+) (?:passes|uses|reads|calls|computes|does|has|holds|runs) `([^`\n]+)`",
    re.IGNORECASE,
)


def misplaced_code(hint: str, truth: GroundTruth) -> list[str]:
    """Program code put on a line that does not hold it (grader v7): "`ladder[i + 1]` on
    line 12" or "line 9 passes `total / n`" quotes the program's code (its tokens are on
    some line) but gives a line without them, sending the student to the wrong statement."""
    rows = [code_tokens(row) for row in truth.code.splitlines()]
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    placed = _PLACED_CODE.findall(prose)
    placed += [(span, number) for number, span in _LINE_DOES_CODE.findall(prose)]
    for span, number in placed:
        tokens, line = code_tokens(span), int(number)
        if len(tokens) < 2 or not any(contains(row, tokens) for row in rows):
            continue
        if not 0 < line <= len(rows) or not contains(rows[line - 1], tokens):
            return [f"puts `{span[:30]}` on line {line}"]
    return []


def name_on_comment_line(hint: str, truth: GroundTruth) -> list[str]:
    """A name placed on a line that holds it only in a comment (grader v7): "`price` is set
    at the top level (line 1)" where line 1 is "# postage price bands" gives the name a
    place in the program it does not have (a comment's words are no code; v6's
    `_lines_of_named_code`, which the verifier shares, still counts them)."""
    rows = truth.code.splitlines()
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    allowed = set(truth.lines) | _reported_lines(truth.traceback)
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", prose):
        quoted = set(re.findall(r"[A-Za-z_]\w*", " ".join(_INLINE.findall(sentence))))
        for number in sorted(named_lines(sentence) - allowed):
            row = rows[number - 1] if 0 < number <= len(rows) else ""
            commented = quoted & set(re.findall(r"[A-Za-z_]\w*", row))
            if commented and not quoted & set(re.findall(r"[A-Za-z_]\w*", _uncommented(row))):
                return [f"places `{min(commented)}` on comment line {number}"]
    return []


_VALUE_CLAIM = re.compile(
    r"`([A-Za-z_]\w*)` is (?:still |now |just )?an? "
    r"(?:string|str|integer|int|number|float|list|tuple|dict|dictionary)\b",
    re.IGNORECASE,
)


def function_called_value(hint: str, truth: GroundTruth) -> list[str]:
    """A function called a value (grader v7): "`water_today` is still a string" where
    `water_today` is only a function of the program (``def water_today``, never assigned)
    is false whatever its result is; like a wrong cause it rules out identification."""
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    for name in _VALUE_CLAIM.findall(prose):
        defined = re.search(rf"^\s*def {re.escape(name)}\b", truth.code, re.MULTILINE)
        assigned = re.search(rf"\b{re.escape(name)}\s*=[^=]", truth.code)
        if defined and not assigned:
            return [f"refuted: calls the function {name} a value"]
    return []


_MISSING_KEY = re.compile(r"KeyError: (.+)$", re.MULTILINE)


def missing_key_present(hint: str, truth: GroundTruth) -> list[str]:
    """A missing key said to be there (grader v7): where Python raised ``KeyError: 'March'``,
    "`birthdays[month]`, which has the key 'March'" contradicts the error output."""
    found = _MISSING_KEY.search(truth.traceback)
    if not found:
        return []
    key = re.escape(found.group(1).strip().strip("'\""))
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    claim = re.search(rf"(?<!not )(?<!n't )\bha(?:s|ve) the key [`'\"]*{key}\b", prose)
    return [f"refuted: says the key {found.group(1).strip()} is there"] if claim else []


_INDENT_CLAIM = re.compile(r"\bline (\d+) is indented by (\d+) spaces?", re.IGNORECASE)


def wrong_indentation(hint: str, truth: GroundTruth) -> list[str]:
    """A false count of spaces (grader v7): "Line 8 is indented by 2 spaces" where line 8
    starts with 3 misstates the one fact an indentation hint is about."""
    rows = truth.code.splitlines()
    prose = _FENCE.sub("\n", without_traceback(hint, truth.traceback))
    for number, spaces in _INDENT_CLAIM.findall(prose):
        line = int(number)
        if 0 < line <= len(rows) and _indent(rows[line - 1]) != int(spaces):
            return [f"miscounts the spaces of line {line} ({spaces})"]
    return []


def grade(hint: str, truth: GroundTruth) -> Grade:
    """The three verdicts for one hint (see the module docstring for the rules)."""
    if not hint.strip():
        return Grade(False, False, ("empty hint",))
    identified = identification_evidence(hint, truth)
    leaked = giveaway_evidence(hint, truth)
    misled = forgiven_misquotes(misleading_evidence(hint, truth), hint, truth)
    misled += refuted_evidence(hint, truth)
    misled += self_contradicting_lines(hint, truth) + wrong_failing_line(hint, truth)
    misled += function_called_value(hint, truth) + missing_key_present(hint, truth)
    misled += wrong_indentation(hint, truth)
    spelling = suggested_spelling(hint, truth)
    if spelling:
        misled = waived_for_spelling(misled, truth)
    misled += misread_source(hint, truth) + denied_failure(hint, truth)
    misled += altered_traceback(hint, truth) + misplaced_code(hint, truth)
    misled += name_on_comment_line(hint, truth)
    if misled and any(e.startswith(_GRADE_ERRORS) for e in misled):
        identified = []  # naming the right place with a wrong diagnosis is no identification
    if not identified and not misled:
        identified = anchored_at_fix(hint, truth)
    claims = len(claim_words(hint, truth))
    if claims >= MAX_IDENTIFY_WORDS:
        identified = []  # the cause named among much else (rubric: mostly wrong guesses)
    presumed = not identified and claims >= MIN_CLAIM_WORDS and not spelling
    if presumed and not anchored_account(hint, truth):
        misled.append("explains a cause that is not the bug")
    return Grade(bool(identified), bool(leaked), tuple(identified + leaked + misled), bool(misled))


# -- ground truth from a program and its fix --------------------------------------------------


def with_cause(truth: GroundTruth, record: dict) -> GroundTruth:
    """`truth` with what a case record says of its cause: ``cause_line`` (the line its author
    names; the fix may change another one) and ``bug`` (the cause in words, rule 2)."""
    cause_line = record.get("cause_line")
    if isinstance(cause_line, int) and cause_line not in truth.lines:
        truth = replace(truth, lines=(cause_line, *truth.lines))
    bug = record.get("bug")
    return replace(truth, cause=bug) if isinstance(bug, str) else truth


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
