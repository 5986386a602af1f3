"""Facts a program analysis gets for free, read from a program and the error Python printed.

A grounded hint prompt (:func:`llm_prune_gym.prompts.hint_messages` with ``style="grounded"``)
adds these facts under the error, so a small model does not have to work out, say, which
line failed or that ``price`` holds the string ``input()`` returned. Every fact is read
from the traceback or from the program's syntax tree; a fact that cannot be read for
certain is left out rather than guessed, because a false fact would mislead the student.

What is read (each only where it can be):

- the failing line's number and text (the last ``File "main.py", line N`` frame; for a
  ``SyntaxError`` the reported line and where its ``^`` mark points), the function it is
  in, and the line of main.py that called that function;
- the exception, its message, and the offending name or value it quotes;
- for an undefined name, the program's names and Python's built-ins closest to it;
- for a ``TypeError``, the types its message names, and which variables on the failing
  line hold them (a name assigned once, from ``input()`` or a literal, say);
- for an ``IndexError``, the sequence and the index on the failing line, the sequence's
  length where it is fixed in the program, and the ``range(...)`` a loop index runs over;
- a few more: the divisor of a ``ZeroDivisionError``, the keys of a dict a ``KeyError``
  came from, the assignment that makes a name local for an ``UnboundLocalError``, the
  loop a program was stuck in when it was interrupted, the recursing call.

:func:`llm_prune_gym.diagnosis.diagnose` goes one step further, where the same reading
settles the *cause* for certain; its rules read the program and traceback through this
module's parser and finders.

Pure text analysis (``ast``, ``re``, ``difflib``): the program is never run here.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace

PROGRAM = "main.py"
_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<function>.+))?$')
_EXCEPTION = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")
_CARETS = re.compile(r"^\s*[~^]+\s*$")
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
_BUILTIN_NAMES = tuple(name for name in dir(builtins) if not name.startswith("_"))
_BUILTIN_TYPES: dict[str, type] = {
    t.__name__: t for t in (str, list, dict, int, float, tuple, set, bool, type(None))
}
# Standard modules whose attribute names we list; importing them has no side effects.
_SAFE_MODULES = ("math", "random", "string", "statistics", "datetime", "time")
_TYPE_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a float",
    "list": "a list",
    "dict": "a dict",
    "tuple": "a tuple",
    "set": "a set",
    "bool": "a bool",
    "NoneType": "None",
}
# Calls whose result type is certain, whatever their arguments (if they return at all).
_CALL_TYPES = {
    "input": "str",
    "int": "int",
    "float": "float",
    "str": "str",
    "len": "int",
    "list": "list",
    "sorted": "list",
    "dict": "dict",
    "set": "set",
    "tuple": "tuple",
    "bool": "bool",
    "print": "NoneType",
}
# Patterns of TypeError messages and which of their groups name types.
_TYPE_PATTERNS = (
    re.compile(r"unsupported operand type\(s\) for \S+: '(\w+)' and '(\w+)'"),
    re.compile(r"not supported between instances of '(\w+)' and '(\w+)'"),
    re.compile(r'can only concatenate (\w+) \(not "(\w+)"\) to \w+'),
    re.compile(r"^'(\w+)' object (?:is not|does not support|cannot)"),
    re.compile(r"bad operand type for unary \S+: '(\w+)'"),
    re.compile(r"can't multiply sequence by non-int of type '(\w+)'"),
    re.compile(r"object of type '(\w+)' has no len\(\)"),
    re.compile(r"must be (\w+), not (\w+)"),
    re.compile(r"argument must be [\w ,]+, not '(\w+)'"),
    re.compile(r"unhashable type: '(\w+)'"),
)
# A sequence keeps a known length only if every other use of its name is one of these.
_READING_CALLS = frozenset(
    "len print sum min max sorted str enumerate range list tuple set reversed any all".split()
)
_READING_METHODS = frozenset("count index copy get keys values items".split())
# Calls that raise the same errors as indexing or dividing, so a bare line is ambiguous.
_LOOKUP_CALLS = frozenset("pop popitem remove index choice".split())
_DIVISIONS = (ast.Div, ast.FloorDiv, ast.Mod)
_IN_PLACE_METHODS = frozenset("append extend insert sort reverse clear remove".split())
_DIVISION_CALLS = frozenset("divmod pow fmod mean".split())


# ---------------------------------------------------------------- the traceback


@dataclass(frozen=True)
class Frame:
    """One ``File "...", line N, in F`` entry of a traceback, with its source text."""

    file: str
    line: int
    function: str  # "" for a syntax error's location
    text: str
    carets: str = ""  # the ~~^^ line under the text (Python 3.11+), "" if none


@dataclass(frozen=True)
class Traceback:
    frames: tuple[Frame, ...]
    exception: str
    message: str


def parse_traceback(error_output: str) -> Traceback:
    """The frames, exception and message of the last traceback in `error_output`."""
    start = error_output.rfind("Traceback (most recent call last):")
    lines = error_output[max(start, 0) :].splitlines()
    frames: list[Frame] = []
    exception = message = ""
    index = 0
    while index < len(lines):
        match = _FRAME.match(lines[index])
        if match:
            text, carets, index = _frame_body(lines, index + 1)
            frames.append(
                Frame(match["file"], int(match["line"]), match["function"] or "", text, carets)
            )
            continue
        found = _EXCEPTION.match(lines[index])
        if found and frames and not lines[index].startswith(" "):
            exception, message = found["name"], found["message"] or ""
        index += 1
    return Traceback(tuple(frames), exception, message)


def _frame_body(lines: list[str], index: int) -> tuple[str, str, int]:
    """The source text and caret line that follow a frame header; the next index."""
    text = carets = ""
    if index < len(lines) and lines[index].startswith("    ") and not _FRAME.match(lines[index]):
        text = lines[index][4:]
        index += 1
        if index < len(lines) and _CARETS.match(lines[index]):
            carets = lines[index][4:]
            index += 1
    return text, carets, index


# ---------------------------------------------------------------- the program


@dataclass(frozen=True)
class Binding:
    """One place a name gets a value: an assignment, a parameter, a def, an import, ..."""

    name: str
    line: int
    kind: str  # assign, augassign, for, arg, def, class, import, other
    scope: ast.AST | None  # the enclosing function (None: module level)
    value: ast.expr | None = None  # for `name = value` with a single target


class Program:
    """A parsed program and the indexes the fact finders need."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.lines = code.splitlines()
        try:
            self.tree: ast.Module | None = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.tree = None  # facts then come from the traceback alone
        self.parents: dict[ast.AST, ast.AST] = {}
        self.bindings: dict[str, list[Binding]] = {}
        self.declared: set[str] = set()  # names in `global` / `nonlocal` statements
        if self.tree is not None:
            for node in ast.walk(self.tree):
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node
            for node in ast.walk(self.tree):
                self._index(node)

    def text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def scope_of(self, node: ast.AST) -> ast.AST | None:
        """The innermost function or lambda around `node` (None at module level)."""
        parent = self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return parent
            parent = self.parents.get(parent)
        return None

    def _bind(self, name: str, node: ast.AST, kind: str, value: ast.expr | None = None) -> None:
        line = getattr(node, "lineno", 0)
        scope = self.scope_of(node)
        self.bindings.setdefault(name, []).append(Binding(name, line, kind, scope, value))

    def _index(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            self._bind(node.id, node, *self._store_kind(node))
        elif isinstance(node, ast.arg):
            self._bind(node.arg, node, "arg")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._bind_outside(node.name, node, "def")
        elif isinstance(node, ast.ClassDef):
            self._bind_outside(node.name, node, "class")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                self._bind((alias.asname or alias.name).split(".")[0], node, "import")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._bind(node.name, node, "other")
        elif isinstance(node, ast.Global | ast.Nonlocal):
            self.declared.update(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            self._bind(node.name, node, "other")

    def _bind_outside(self, name: str, node: ast.AST, kind: str) -> None:
        """A def or class binds its name in the scope around it, not inside itself."""
        line = node.lineno
        self.bindings.setdefault(name, []).append(Binding(name, line, kind, self.scope_of(node)))

    def _store_kind(self, node: ast.Name) -> tuple[str, ast.expr | None]:
        parent = self.parents.get(node)
        if isinstance(parent, ast.Assign) and parent.targets == [node]:
            return "assign", parent.value
        if isinstance(parent, ast.AnnAssign) and parent.value is not None:
            return "assign", parent.value
        if isinstance(parent, ast.AugAssign):
            return "augassign", None
        if isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension):
            return "for", None
        return "other", None

    def only_binding(self, name: str) -> Binding | None:
        """The name's one binding in the whole program, or None (several, or declared)."""
        found = self.bindings.get(name, [])
        if len(found) != 1 or name in self.declared:
            return None
        return found[0]

    def only_binding_in(self, name: str, scope: ast.AST | None) -> Binding | None:
        """The name's one binding in `scope` (a function, None: module level), or None
        (several there, or named in a `global`/`nonlocal` statement)."""
        found = [b for b in self.bindings.get(name, []) if b.scope is scope]
        if len(found) != 1 or name in self.declared:
            return None
        return found[0]

    def statement_at(self, line: int) -> ast.stmt | None:
        """The innermost statement that starts on `line`."""
        if self.tree is None:
            return None
        best = None
        for node in ast.walk(self.tree):
            if isinstance(node, ast.stmt) and node.lineno == line:
                if best is None or _contains(best, node):
                    best = node
        return best

    def enclosing(self, line: int, kinds: tuple[type, ...]) -> list[ast.AST]:
        """Nodes of `kinds` whose span holds `line`, innermost first."""
        if self.tree is None:
            return []
        found = [
            node
            for node in ast.walk(self.tree)
            if isinstance(node, kinds) and node.lineno <= line <= (node.end_lineno or 0)
        ]
        return sorted(found, key=lambda n: n.lineno, reverse=True)

    def functions(self, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        if self.tree is None:
            return []
        kinds = ast.FunctionDef | ast.AsyncFunctionDef
        return [n for n in ast.walk(self.tree) if isinstance(n, kinds) and n.name == name]

    def names(self) -> list[str]:
        """Every name the program binds (variables, functions, parameters, imports)."""
        return sorted(self.bindings)


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    return any(node is inner for node in ast.walk(outer))


def _source(node: ast.AST) -> str:
    return ast.unparse(node)


# ---------------------------------------------------------------- the facts


@dataclass(frozen=True)
class Origin:
    """Where a variable on the failing line got its value, and the type that gives it."""

    name: str
    line: int
    source: str  # the assigned expression, e.g. "input()"
    type: str  # e.g. "str"
    parameter: str = ""  # set when `name` is the argument a parameter got in the call
    call_line: int | None = None


@dataclass(frozen=True)
class LoopRange:
    """A loop variable used on the failing line and the range it runs over."""

    variable: str
    line: int
    iterable: str  # e.g. "range(len(scores) + 1)"
    first: int | None = None
    last: int | None = None
    last_text: str = ""  # the last value as an expression, when it is not a fixed number


@dataclass(frozen=True)
class HintFacts:
    """What the traceback and the program say for certain; empty fields were not readable."""

    line: int | None = None
    line_text: str = ""
    exception: str = ""
    message: str = ""
    function: str = ""  # the function the failing line is in
    call_line: int | None = None  # the line of main.py that called it
    call_text: str = ""
    recursive: bool = False  # the function was called by itself; call_line is its first call
    raised_in: str = ""  # "choice in random.py" when raised outside the program
    caret_column: int | None = None  # syntax errors: 0-based column of the ^ in line_text
    offending: str = ""  # the undefined name, missing attribute, key or bad value
    close_names: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    origins: tuple[Origin, ...] = ()
    sequence: str = ""
    sequence_type: str = ""
    sequence_length: int | None = None
    index: str = ""
    loop: LoopRange | None = None
    notes: tuple[str, ...] = field(default=())  # further facts, each one sentence

    @property
    def empty(self) -> bool:
        return self.line is None and not self.exception

    def render(self) -> str:
        """A short plain-English block for the prompt ("" when nothing could be read)."""
        if self.empty:
            return ""
        items = [item for item in _render_items(self) if item]
        return "Facts from the traceback and the program:\n" + "\n".join(
            f"- {item}" for item in items
        )


def _code(text: str) -> str:
    return f"`{text}`"


def _names(names: tuple[str, ...] | list[str]) -> str:
    quoted = [_code(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _render_items(facts: HintFacts) -> list[str]:
    items = [_render_location(facts)]
    if facts.exception:
        message = f": {facts.message}" if facts.message else ""
        items.append(f"The error: {facts.exception}{message}")
    if facts.function and facts.call_line and facts.recursive:
        items.append(
            f"Line {facts.line} is inside the function {_code(facts.function)}, which calls "
            f"itself; its first call came from line {facts.call_line}: {_code(facts.call_text)}"
        )
    elif facts.function and facts.call_line:
        items.append(
            f"Line {facts.line} is inside the function {_code(facts.function)}, which was "
            f"called on line {facts.call_line}: {_code(facts.call_text)}"
        )
    if facts.raised_in and facts.line:
        items.append(
            f"The error was raised inside Python's own code ({facts.raised_in}), "
            f"called from line {facts.line} of the program"
        )
    if facts.close_names:
        items.append(f"Names closest to {_code(facts.offending)}: {_names(facts.close_names)}")
    if facts.types:
        items.append(f"The types involved: {_names(facts.types)}")
    for origin in facts.origins:
        items.append(_render_origin(origin))
    items += _render_index(facts)
    items += list(facts.notes)
    return items


def _render_origin(origin: Origin) -> str:
    kind = _TYPE_WORDS.get(origin.type, origin.type)
    if not origin.parameter:
        return (
            f"{_code(origin.name)} gets its value from {_code(origin.source)} on line "
            f"{origin.line}, so it is {kind}"
        )
    if origin.name == origin.source:  # a literal argument
        return (
            f"The parameter {_code(origin.parameter)} gets {_code(origin.source)} in the call "
            f"on line {origin.call_line}, so it is {kind}"
        )
    return (
        f"The parameter {_code(origin.parameter)} gets {_code(origin.name)} in the call on line "
        f"{origin.call_line}; {_code(origin.name)} gets its value from {_code(origin.source)} "
        f"on line {origin.line}, so it is {kind}"
    )


def _render_location(facts: HintFacts) -> str:
    if facts.line is None:
        return ""
    if facts.exception in _SYNTAX_ERRORS:
        text = f"Python could not read line {facts.line}: {_code(facts.line_text)}"
        column = facts.caret_column
        if column is not None and column >= len(facts.line_text):
            text += "; its ^ mark points just past the end of that line"
        elif column is not None:
            text += f"; its ^ mark points at {_code(facts.line_text[column])} "
            text += f"(character {column + 1} of the line)"
        return text
    if not facts.line_text:
        return f"Python stopped at line {facts.line}"
    return f"Python stopped at line {facts.line}: {_code(facts.line_text)}"


def _render_index(facts: HintFacts) -> list[str]:
    items = []
    if facts.exception == "ValueError" and facts.offending:
        items.append(f"The value Python could not use: {_code(facts.offending)}")
    if facts.sequence and facts.index:
        word = "key" if facts.exception == "KeyError" else "index"
        lookup = _code(f"{facts.sequence}[{facts.index}]")
        items.append(f"The {word} used on line {facts.line}: {_code(facts.index)} in {lookup}")
    if facts.sequence and facts.sequence_length is not None:
        items.append(_render_length(facts.sequence, facts.sequence_type, facts.sequence_length))
    loop = facts.loop
    if loop is not None:
        header = _code(f"for {loop.variable} in {loop.iterable}:")
        text = f"{_code(loop.variable)} is the loop variable of {header} on line {loop.line}"
        if loop.first is not None and loop.last is not None:
            text += f", so it takes the values {loop.first} to {loop.last}"
        elif loop.last_text:
            text += f", so its last value is {_code(loop.last_text)}"
            if loop.last_text == f"len({facts.sequence})" and facts.index == loop.variable:
                last_valid = _code(f"len({facts.sequence}) - 1")
                text += f"; the last valid index of {_code(facts.sequence)} is {last_valid}"
        items.append(text)
    return items


def _render_length(name: str, kind: str, length: int) -> str:
    noun = "character" if kind == "str" else "item"
    count = f"{length} {noun}{'' if length == 1 else 's'}"
    if length == 0:
        valid = "no index is valid"
    elif length == 1:
        valid = "the only valid index is 0"
    else:
        valid = f"valid indexes 0 to {length - 1}"
    return f"{_code(name)} is {_TYPE_WORDS.get(kind, 'a sequence')} of {count} ({valid})"


def facts_hint(facts: HintFacts, most: int = 2) -> str:
    """A hint made only of facts: what a hint command says when every hint a student wrote
    looks wrong (``evaluation.rerank``'s fallback).

    The failing line, then at most `most` of the facts nearest the cause (a close name for an
    undefined one, where the line's variables got their values, the index and its range), then
    a question that points the student at them. Every sentence restates a fact read for certain:
    the hint may fail to name the cause, but it states nothing false and writes no fix.
    """
    if facts.empty:
        return (
            "Read the last line of the error output: it names the problem, and the lines "
            "above it show where Python stopped."
        )
    if facts.exception in _SYNTAX_ERRORS:
        first = _render_location(facts)
        ask = "Compare that line with the lines just above it: what is missing or extra?"
    elif facts.line is None:  # a traceback without a frame of main.py
        first = f"Python stopped with {_article(facts.exception)}"
        ask = "Which line of your program does the traceback point at, and what does it use?"
    else:
        first = f"Python stopped at line {facts.line} with {_article(facts.exception)}"
        ask = "Where does each value that line uses come from, and is it what that line needs?"
    nearest: list[str] = []
    if facts.close_names and facts.exception == "AttributeError":
        # an attribute or method is not "defined before the line runs": ask only which was meant
        nearest.append(
            f"There is no attribute {_code(facts.offending)} there; the names closest to it "
            f"are {_names(facts.close_names)}"
        )
        ask = "Which of these did you mean?"
    elif facts.close_names:
        nearest.append(
            f"{_code(facts.offending)} is not defined there; the names closest to it are "
            f"{_names(facts.close_names)}"
        )
        ask = "Which of these did you mean, and is it defined before that line runs?"
    nearest += [_render_origin(origin) for origin in facts.origins]
    nearest += _render_index(facts)
    nearest += list(facts.notes)
    if facts.line and facts.function and facts.call_line and not facts.recursive:
        nearest.append(
            f"That line is inside {_code(facts.function)}, called on line {facts.call_line}"
        )
    sentences = [first, *nearest[:most], ask]
    return " ".join(_sentence(text) for text in sentences if text)


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "AEIOU" else f"a {word}"


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:] if not text.startswith("`") else text
    return text if text.endswith((".", "?", "!")) else text + "."


# ---------------------------------------------------------------- finding them


def hint_facts(code: str, error_output: str) -> HintFacts:
    """Every fact that can be read for certain from `code` and the error it printed."""
    traceback = parse_traceback(error_output)
    program = Program(code)
    own = [f for f in traceback.frames if f.file == PROGRAM]
    if not own and not traceback.exception:
        return HintFacts()
    facts = HintFacts(exception=traceback.exception, message=traceback.message)
    if not own:
        return facts
    last = own[-1]
    text = program.text(last.line) or last.text.strip()
    facts = _with(facts, line=last.line, line_text=text)
    if traceback.exception in _SYNTAX_ERRORS:
        return _with(facts, caret_column=_syntax_caret(last))
    if traceback.frames[-1].file != PROGRAM:
        outside = traceback.frames[-1]
        where = outside.file.rsplit("/", 1)[-1]
        name = f"{_code(outside.function)} in {where}" if outside.function else where
        facts = _with(facts, raised_in=name)
    if last.function and last.function != "<module>" and len(own) > 1:
        facts = _with(facts, **_caller(program, own))
    finder = _FINDERS.get(traceback.exception)
    if finder is not None and program.tree is not None:
        facts = finder(facts, program, last, traceback)
    return facts


def _caller(program: Program, own: list[Frame]) -> dict:
    """The failing function and the line that called it (for recursion: its first call)."""
    last = own[-1]
    recursive = own[-2].function == last.function
    outside = [f for f in own[:-1] if f.function != last.function]
    found: dict = {"function": last.function, "recursive": recursive}
    if recursive and not outside:
        return found
    caller = outside[-1] if recursive else own[-2]
    text = program.text(caller.line) or caller.text.strip()
    return found | {"call_line": caller.line, "call_text": text}


def _with(facts: HintFacts, **changes) -> HintFacts:
    return replace(facts, **changes)


def _syntax_caret(frame: Frame) -> int | None:
    """The ^ mark's column in the stripped line text (Python prints both dedented)."""
    if not frame.carets or "^" not in frame.carets:
        return None
    stripped = frame.text.strip()
    column = frame.carets.index("^") - (len(frame.text) - len(frame.text.lstrip()))
    return column if 0 <= column <= len(stripped) else None


def _quoted(message: str, pattern: str) -> str:
    match = re.search(pattern, message)
    return match.group(1) if match else ""


def _close(word: str, candidates: list[str]) -> tuple[str, ...]:
    pool = sorted({c for c in candidates if c != word})
    return tuple(difflib.get_close_matches(word, pool, n=3, cutoff=0.6))


def _name_error(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    name = _quoted(facts.message, r"name '(\w+)' is not defined")
    if not name:
        return facts
    notes = _where_name_lives(program, name, frame.line)
    if name in program.bindings:  # assigned somewhere: why it did not run, not a typo
        return _with(facts, offending=name, notes=notes or _not_run_yet(program, name, frame))
    close = _close(name, program.names() + list(_BUILTIN_NAMES))
    return _with(facts, offending=name, close_names=close, notes=notes)


def _not_run_yet(program: Program, name: str, frame: Frame) -> tuple[str, ...]:
    """`x = ...` inside an `if` at module level, read later at module level: that
    assignment had not run when the failing line needed `x` (it may be in a branch not
    taken or a loop that never ran)."""
    found = program.bindings.get(name, [])
    statement = program.statement_at(frame.line)
    here = program.scope_of(statement) if statement is not None else None
    deleted = any(
        isinstance(n, ast.Delete) and any(getattr(t, "id", "") == name for t in n.targets)
        for n in ast.walk(program.tree)
    )
    if deleted or here is not None or any(b.scope is not None for b in found):
        return ()
    lines = sorted(b.line for b in found if b.line < frame.line)
    if not lines or frame.function != "<module>":
        return ()
    where = ", ".join(str(n) for n in lines)
    return (
        f"{_code(name)} is given a value on line{'s' if len(lines) > 1 else ''} {where}, "
        f"which had not run when line {frame.line} needed it",
    )


def _where_name_lives(program: Program, name: str, line: int) -> tuple[str, ...]:
    """For a name the program does bind: why it is not defined at the failing line."""
    found = program.bindings.get(name, [])
    if not found:
        return ()
    statement = program.statement_at(line)
    here = program.scope_of(statement) if statement is not None else None
    if all(b.scope is None for b in found) and here is None:
        first = min(b.line for b in found)
        if first > line:
            return (f"{_code(name)} is first given a value on line {first}, after line {line}",)
    functions = {b.scope for b in found}
    if None not in functions and here not in functions and len(functions) == 1:
        scope = functions.pop()
        label = getattr(scope, "name", "a lambda")
        return (
            f"{_code(name)} is only given a value inside the function {_code(label)} "
            f"(line {scope.lineno}), so it does not exist outside it",
        )
    return ()


def _attribute_error(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    message = facts.message
    attribute = _quoted(message, r"has no attribute '(\w+)'")
    if not attribute:
        return facts
    owner_type = _quoted(message, r"^'(\w+)' object has no attribute")
    module = _quoted(message, r"^module '(\w+)' has no attribute")
    candidates: list[str] = []
    if owner_type in _BUILTIN_TYPES:
        candidates = [a for a in dir(_BUILTIN_TYPES[owner_type]) if not a.startswith("_")]
    elif owner_type:
        candidates = _class_attributes(program, owner_type)
    elif module in _SAFE_MODULES:
        candidates = [a for a in dir(__import__(module)) if not a.startswith("_")]
    facts = _with(facts, offending=attribute, close_names=_close(attribute, candidates))
    if owner_type:
        facts = _with(facts, types=(owner_type,))
        facts = _with(facts, origins=_origins(program, frame.line, {owner_type}, facts))
        facts = _with(facts, notes=_none_results(program, frame.line, {owner_type}))
    return facts


def _class_attributes(program: Program, class_name: str) -> list[str]:
    """Methods, class variables and `self.x` attributes of the program's class."""
    classes = [
        n for n in ast.walk(program.tree) if isinstance(n, ast.ClassDef) and n.name == class_name
    ]
    if len(classes) != 1:
        return []
    names = []
    for node in ast.walk(classes[0]):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                names.append(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            if program.scope_of(node) is None or program.parents.get(node) in classes[0].body:
                names.append(node.id)
    return names


def _type_error(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    types: list[str] = []
    for pattern in _TYPE_PATTERNS:
        match = pattern.search(facts.message)
        if match:
            types = [t for t in match.groups() if t]
            break
    types = list(dict.fromkeys(types))
    notes = _signature_note(program, facts.message)
    facts = _with(facts, types=tuple(types), notes=notes)
    if types:
        facts = _with(facts, origins=_origins(program, frame.line, set(types), facts))
        facts = _with(facts, notes=facts.notes + _none_results(program, frame.line, set(types)))
    return facts


def _signature_note(program: Program, message: str) -> tuple[str, ...]:
    """For a wrong number of arguments: the function's definition in the program."""
    name = _quoted(message, r"^(\w+)\(\) (?:missing|takes|got)")
    functions = program.functions(name) if name else []
    if len(functions) != 1:
        return ()
    function = functions[0]
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    listed = ", ".join(parameters) if parameters else "no parameters"
    return (f"{_code(name)} is defined on line {function.lineno} as {_code(f'{name}({listed})')}",)


def _origins(
    program: Program, line: int, types: set[str], facts: HintFacts | None = None
) -> tuple[Origin, ...]:
    """Variables on the failing line whose one assignment gives one of `types`.

    A parameter of the failing function is followed into the call that passed it (the
    caller's line, from the traceback) when that call can be read for certain.
    """
    statement = program.statement_at(line)
    if statement is None:
        return ()
    seen, origins = set(), []
    for node in ast.walk(statement):
        if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
            continue
        if node.lineno != line or node.id in seen:
            continue
        seen.add(node.id)
        origin = _assigned_origin(program, node.id)
        if origin is None and facts is not None:
            origin = _parameter_origin(program, node.id, facts)
        if origin is not None and origin.type in types:
            origins.append(origin)
    return tuple(origins)


def assigned_type(program: Program, name: str, first: bool = False) -> str:
    """The type `name`'s one assignment in the program certainly gives ("" if unknown).

    With `first`, the type of its first binding when that is an assignment (the starting
    value of ``total = 0.0`` then ``total += ...``).
    """
    if first:
        bindings = sorted(program.bindings.get(name, []), key=lambda binding: binding.line)
        if not bindings or bindings[0].kind != "assign" or bindings[0].value is None:
            return ""
        return _value_type(program, bindings[0].value)
    origin = _assigned_origin(program, name)
    return origin.type if origin is not None else ""


def _assigned_origin(program: Program, name: str) -> Origin | None:
    binding = program.only_binding(name)
    if binding is None or binding.kind != "assign" or binding.value is None:
        return None
    value_type = _value_type(program, binding.value)
    return Origin(name, binding.line, _source(binding.value), value_type) if value_type else None


def _parameter_origin(program: Program, name: str, facts: HintFacts) -> Origin | None:
    """`name` as a parameter of the failing function: what the one call on the caller's
    line passed to it, if that argument's type is certain."""
    if not facts.function or facts.recursive or facts.call_line is None:
        return None
    functions = program.functions(facts.function)
    if len(functions) != 1:
        return None
    function = functions[0]
    positional = [a.arg for a in function.args.posonlyargs + function.args.args]
    own = [b for b in program.bindings.get(name, []) if b.scope is function]
    if name not in positional or len(own) != 1 or name in program.declared:
        return None  # not a plain parameter, or reassigned inside the function
    argument = _argument(program, facts.call_line, facts.function, positional, name)
    if argument is None:
        return None
    call_line = facts.call_line
    if isinstance(argument, ast.Name):
        origin = _assigned_origin(program, argument.id)
        return None if origin is None else replace(origin, parameter=name, call_line=call_line)
    value_type = _value_type(program, argument) if isinstance(argument, ast.Constant) else ""
    text = _source(argument)
    return Origin(text, call_line, text, value_type, name, call_line) if value_type else None


def _argument(
    program: Program, line: int, function: str, parameters: list[str], name: str
) -> ast.expr | None:
    """The expression the one call of `function` on `line` passes for parameter `name`."""
    statement = program.statement_at(line)
    if statement is None:
        return None
    calls = [
        n
        for n in ast.walk(statement)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == function
    ]
    if len(calls) != 1 or calls[0].lineno != line:
        return None
    call = calls[0]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return None
    index = parameters.index(name)
    if index < len(call.args):
        return call.args[index]
    matches = [k.value for k in call.keywords if k.arg == name]
    return matches[0] if matches else None


def _none_results(program: Program, line: int, types: set[str]) -> tuple[str, ...]:
    """For a None on the failing line: its variables given the result of a list method."""
    statement = program.statement_at(line)
    if "NoneType" not in types or statement is None:
        return ()
    names = {
        n.id
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.lineno == line
    }
    notes = []
    for name in sorted(names):
        for binding in program.bindings.get(name, []):
            value = binding.value
            if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
                continue
            why = _why_none(program, value)
            if why:
                notes.append(
                    f"On line {binding.line} {_code(name)} is given the result of "
                    f"{_code(_source(value))}; {why}"
                )
    return tuple(notes)


def _why_none(program: Program, call: ast.Call) -> str:
    """Why `x.method(...)` gives None: the program's own method of that name returns
    nothing, or a list method works in place ("" when neither is certain). A method the
    program defines itself is never read as a list's: `shop.remove()` may be the class's."""
    method = call.func.attr  # type: ignore[attr-defined]
    own = [f for f in program.functions(method) if isinstance(program.parents.get(f), ast.ClassDef)]
    if own:
        if len(own) != 1 or not _gives_nothing(program, own[0]):
            return ""
        return (
            f"the method {_code(method)} of the program's own class (line {own[0].lineno}) "
            "has no `return` with a value, so it gives back None"
        )
    if method not in _IN_PLACE_METHODS:
        return ""
    receiver = call.func.value  # type: ignore[attr-defined]
    if _is_list(program, receiver):
        return f"a list's {_code(method + '()')} changes the list itself and returns None"
    return (
        f"if {_code(_source(receiver))} is a list, its {_code(method + '()')} changes the "
        "list itself and returns None"
    )


def _is_list(program: Program, value: ast.expr) -> bool:
    """A list literal, or a name every other binding of which in this scope gives it a list
    (`cart = []`, then `cart = cart.append(x)`: a list until that line makes it None)."""
    if _value_type(program, value) == "list":
        return True
    if not isinstance(value, ast.Name):
        return False
    scope = program.scope_of(value)
    others = [
        b
        for b in program.bindings.get(value.id, [])
        if b.scope is scope and not _in_place_on(b.value, value.id)
    ]
    return bool(others) and all(
        b.kind == "assign" and b.value is not None and _value_type(program, b.value) == "list"
        for b in others
    )


def _in_place_on(value: ast.expr | None, name: str) -> bool:
    """`name.append(...)` and the like: the call that replaced the list with None."""
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in _IN_PLACE_METHODS
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == name
    )


def _value_type(program: Program, value: ast.expr) -> str:
    """The type an expression certainly has ("" when it depends on anything else)."""
    if isinstance(value, ast.Constant):
        return type(value.value).__name__
    literal = {
        ast.List: "list",
        ast.ListComp: "list",
        ast.Dict: "dict",
        ast.DictComp: "dict",
        ast.Set: "set",
        ast.SetComp: "set",
        ast.Tuple: "tuple",
        ast.JoinedStr: "str",
    }
    for kind, name in literal.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        callee = value.func.id
        if callee in _CALL_TYPES and callee not in program.bindings:
            return _CALL_TYPES[callee]
        return "NoneType" if _returns_nothing(program, callee) else ""
    return ""


def _returns_nothing(program: Program, name: str) -> bool:
    """True for a function defined once whose body never returns a value."""
    functions = program.functions(name)
    if len(functions) != 1 or len(program.bindings.get(name, [])) != 1:
        return False
    return _gives_nothing(program, functions[0])


def _gives_nothing(program: Program, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True for a plain function or method whose body never returns a value."""
    if isinstance(function, ast.AsyncFunctionDef) or function.decorator_list:
        return False  # a coroutine, or whatever the decorator makes of it
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            if program.scope_of(node) is function:
                return False
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return False
    return True


def _index_error(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    if "index out of range" not in facts.message or facts.raised_in:
        return facts
    subscript = _failing_node(program, frame, ast.Subscript, _LOOKUP_CALLS)
    if subscript is None or not isinstance(subscript.value, ast.Name):
        return facts
    if isinstance(subscript.slice, ast.Slice):
        return facts
    sequence = subscript.value.id
    facts = _with(facts, sequence=sequence, index=_source(subscript.slice))
    known = _fixed_sequence(program, sequence)
    if known is not None:
        facts = _with(facts, sequence_type=known[0], sequence_length=known[1])
    return _with(facts, loop=_loop_range(program, subscript.slice, frame.line))


def _failing_node(
    program: Program, frame: Frame, kind: type, rivals: frozenset[str] = frozenset()
) -> ast.AST | None:
    """The node of `kind` on the failing line that raised, or None if that is not certain.

    Python's ~~^^ marks (3.11+) pick it among several; without them the node must be the
    only one of its kind on the line, and no call named in `rivals` (calls that raise
    the same error, such as ``pop``) may be there either.
    """
    statement = program.statement_at(frame.line)
    if statement is None:
        return None
    nodes = [n for n in ast.walk(statement) if isinstance(n, kind) and n.lineno == frame.line]
    span = _caret_span(program, frame)
    if span is not None:
        matching = [n for n in nodes if (n.col_offset, n.end_col_offset) == span]
        return matching[0] if len(matching) == 1 else None
    if len(nodes) != 1 or _calls(statement) & rivals:
        return None
    return nodes[0]


def _calls(statement: ast.AST) -> set[str]:
    """Names of the functions and methods a statement calls."""
    names = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            callee = node.func
            names.add(
                callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
            )
    return names


def _caret_span(program: Program, frame: Frame) -> tuple[int, int] | None:
    """The (start, end) columns in the program's line that Python's ~~^^ marks cover, in
    UTF-8 bytes as `ast` counts them: the marks count characters, so a `£` before or inside
    the marked part would otherwise shift the span off every node."""
    if not frame.carets.strip():
        return None
    raw = program.lines[frame.line - 1] if frame.line <= len(program.lines) else ""
    indent = len(raw) - len(raw.lstrip())
    if raw.strip() != frame.text.strip():
        return None
    marks = frame.carets
    start = len(marks) - len(marks.lstrip())
    shown_indent = len(frame.text) - len(frame.text.lstrip())
    begin = start - shown_indent + indent
    end = begin + len(marks.strip())
    if any(_wide(char) for char in raw[:end]):
        return None  # a wide character may take two marks: the columns are not certain
    return len(raw[:begin].encode()), len(raw[:end].encode())


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def marked_names(program: Program, frame: Frame) -> set[str]:
    """The names inside the part of the frame's line that Python's ~~^^ marks (empty when
    the traceback has no marks or they do not match the program's line)."""
    span = _caret_span(program, frame)
    statement = program.statement_at(frame.line)
    if span is None or statement is None:
        return set()
    begin, end = span
    return {
        node.id
        for node in ast.walk(statement)
        if isinstance(node, ast.Name)
        and node.lineno == frame.line
        and begin <= node.col_offset < end
    }


def _fixed_sequence(program: Program, name: str) -> tuple[str, int] | None:
    """(type, length) of a sequence assigned once from a literal and never changed."""
    binding = program.only_binding(name)
    if binding is None or binding.kind != "assign":
        return None
    value = binding.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return "str", len(value.value)
    if isinstance(value, ast.Tuple) and not _has_starred(value):
        return "tuple", len(value.elts)
    if isinstance(value, ast.List) and not _has_starred(value):
        if all(_only_read(program, node, stores=True) for node in _uses(program, name)):
            return "list", len(value.elts)
    return None


def _has_starred(value: ast.List | ast.Tuple) -> bool:
    return any(isinstance(e, ast.Starred) for e in value.elts)


def _uses(program: Program, name: str) -> list[ast.Name]:
    return [
        n
        for n in ast.walk(program.tree)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]


def _only_read(program: Program, node: ast.Name, stores: bool = False) -> bool:
    """True where this use of a list or dict cannot change it (indexing, len(), ...).

    With `stores`, ``xs[i] = v`` counts too: it changes an item, not the length.
    """
    parent = program.parents.get(node)
    if isinstance(parent, ast.Subscript):
        if parent.value is not node:
            return False
        if isinstance(parent.ctx, ast.Load):
            return True
        store = isinstance(parent.ctx, ast.Store) and not isinstance(parent.slice, ast.Slice)
        return stores and store
    if isinstance(parent, ast.Call):
        callee = parent.func
        return (
            node in parent.args
            and isinstance(callee, ast.Name)
            and callee.id in _READING_CALLS
            and callee.id not in program.bindings
        )
    if isinstance(parent, ast.Attribute):
        grand = program.parents.get(parent)
        return parent.attr in _READING_METHODS and isinstance(grand, ast.Call)
    if isinstance(parent, ast.For | ast.comprehension):
        return parent.iter is node
    return isinstance(parent, ast.Compare | ast.FormattedValue | ast.Expr)


def _loop_range(program: Program, index: ast.expr, line: int) -> LoopRange | None:
    """The `for NAME in range(...)` around `line` whose variable the index uses."""
    used = {n.id for n in ast.walk(index) if isinstance(n, ast.Name)}
    for loop in program.enclosing(line, (ast.For,)):
        target = loop.target
        if not (isinstance(target, ast.Name) and target.id in used):
            continue
        if program.only_binding_in(target.id, program.scope_of(loop)) is None:
            return None  # assigned elsewhere too: its value at the failing line is unclear
        iterable = loop.iter
        if not (
            isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Name)
            and iterable.func.id == "range"
            and "range" not in program.bindings
        ):
            return None
        bounds = _range_bounds(program, iterable)
        first, last = bounds if bounds else (None, None)
        last_text = "" if bounds else _symbolic_last(iterable)
        return LoopRange(target.id, loop.lineno, _source(iterable), first, last, last_text)
    return None


def _symbolic_last(call: ast.Call) -> str:
    """The last value of ``range(stop)`` or ``range(start, stop)``: ``stop - 1``."""
    if call.keywords or len(call.args) not in (1, 2):
        return ""
    stop = call.args[-1]
    if (
        isinstance(stop, ast.BinOp)
        and isinstance(stop.op, ast.Add)
        and isinstance(stop.right, ast.Constant)
        and stop.right.value == 1
        and type(stop.right.value) is int
    ):
        return _source(stop.left)
    return f"{_source(stop)} - 1"


def _range_bounds(program: Program, call: ast.Call) -> tuple[int, int] | None:
    if call.keywords or not 1 <= len(call.args) <= 3:
        return None
    values = [_static_int(program, a) for a in call.args]
    if any(v is None for v in values):
        return None
    numbers = range(*values)  # type: ignore[arg-type]
    return (numbers[0], numbers[-1]) if len(numbers) else None


def _static_int(program: Program, node: ast.expr) -> int | None:
    """An integer expression's value where it is fixed by the program's text."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _static_int(program, node.operand)
        return None if value is None else -value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
        left, right = _static_int(program, node.left), _static_int(program, node.right)
        if left is None or right is None:
            return None
        return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[type(node.op)]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and "len" not in program.bindings
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
    ):
        known = _fixed_sequence(program, node.args[0].id)
        return None if known is None else known[1]
    if isinstance(node, ast.Name):
        binding = program.only_binding(node.id)
        if binding is not None and binding.kind == "assign" and binding.value is not None:
            value = binding.value
            if isinstance(value, ast.Constant) and type(value.value) is int:
                return value.value
    return None


def _key_error(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    facts = _with(facts, offending=facts.message)
    if facts.raised_in:
        return facts
    subscript = _failing_node(program, frame, ast.Subscript, _LOOKUP_CALLS)
    if subscript is None or not isinstance(subscript.value, ast.Name):
        return facts
    name = subscript.value.id
    keys = _fixed_dict_keys(program, name)
    facts = _with(facts, sequence=name, index=_source(subscript.slice))
    if keys is None:
        return facts
    binding = program.only_binding(name)
    listed = ", ".join(repr(k) for k in keys) if keys else "none"
    note = f"{_code(name)} is created on line {binding.line} with the keys: {listed}"
    return _with(facts, notes=(note,))


def _fixed_dict_keys(program: Program, name: str) -> list | None:
    """The keys of a dict assigned once from a literal of constant keys and never changed."""
    binding = program.only_binding(name)
    if binding is None or binding.kind != "assign" or not isinstance(binding.value, ast.Dict):
        return None
    keys = binding.value.keys
    if not all(isinstance(k, ast.Constant) for k in keys):
        return None  # None (a ** spread) or a computed key
    if not all(_only_read(program, node) for node in _uses(program, name)):
        return None
    return [k.value for k in keys]


def _value_error(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    value = _quoted(facts.message, r": ('.*'|\".*\")$") or _quoted(
        facts.message, r"could not convert string to float: ('.*'|\".*\")$"
    )
    return _with(facts, offending=value) if value else facts


def _zero_division(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    statement = program.statement_at(frame.line)
    if isinstance(statement, ast.AugAssign) and isinstance(statement.op, _DIVISIONS):
        divisor = statement.value
    else:
        node = _failing_node(program, frame, ast.BinOp, _DIVISION_CALLS)
        if node is None or not isinstance(node.op, _DIVISIONS):
            return facts
        divisor = node.right
    return _with(facts, notes=(f"The divisor on line {frame.line} is {_code(_source(divisor))}",))


def _unbound_local(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    name = _quoted(facts.message, r"local variable '(\w+)'")
    functions = program.functions(frame.function) if name else []
    if len(functions) != 1:
        return _with(facts, offending=name)
    function = functions[0]
    lines = sorted(
        b.line for b in program.bindings.get(name, []) if b.scope is function and b.kind != "arg"
    )
    if not lines:
        return _with(facts, offending=name)
    note = (
        f"{_code(name)} is assigned on line {lines[0]} inside {_code(function.name)}, which "
        f"makes it a local variable everywhere in that function"
    )
    local = [b.name for found in program.bindings.values() for b in found if b.scope is function]
    return _with(facts, offending=name, notes=(note,), close_names=_close(name, local))


def _interrupted(facts: HintFacts, program: Program, frame: Frame, _tb: Traceback) -> HintFacts:
    loops = program.enclosing(frame.line, (ast.While, ast.For))
    if not loops:
        return facts
    loop = loops[0]
    word = "while" if isinstance(loop, ast.While) else "for"
    notes = [
        f"Line {frame.line} is in the {_code(word)} loop that starts on line {loop.lineno}: "
        f"{_code(program.text(loop.lineno))}"
    ]
    if isinstance(loop, ast.While):
        notes += _unchanged_in_loop(program, loop)
    return _with(facts, notes=tuple(notes))


def _unchanged_in_loop(program: Program, loop: ast.While) -> list[str]:
    """Condition variables that the loop's body never mentions and nothing else can change.

    A name qualifies only if no `global`/`nonlocal` statement names it and the body makes
    no calls (a called function could change a list it shares), or every value the name
    is ever given is an immutable number, string or bool.
    """
    if any(isinstance(n, ast.Call) for n in ast.walk(loop.test)):
        return []
    names = sorted({n.id for n in ast.walk(loop.test) if isinstance(n, ast.Name)})
    body = [node for statement in loop.body for node in ast.walk(statement)]
    calls = any(isinstance(n, ast.Call) for n in body)
    notes = []
    for name in names:
        bindings = program.bindings.get(name, [])
        if not bindings or name in program.declared:
            continue
        if any(isinstance(n, ast.Name) and n.id == name for n in body):
            continue
        if calls and not all(_immutable(program, b) for b in bindings):
            continue
        notes.append(f"No line inside that loop mentions {_code(name)}, so it never changes")
    return notes


def _immutable(program: Program, binding: Binding) -> bool:
    if binding.kind == "augassign":
        return True
    if binding.kind != "assign" or binding.value is None:
        return False
    return _value_type(program, binding.value) in {"int", "float", "str", "bool"}


def _recursion(facts: HintFacts, program: Program, frame: Frame, tb: Traceback) -> HintFacts:
    own = [f for f in tb.frames if f.file == PROGRAM]
    if len(own) < 3 or not frame.function:
        return facts
    repeated = own[-3:]
    if len({(f.function, f.line) for f in repeated}) != 1:
        return facts
    text = program.text(frame.line)
    if f"{frame.function}(" not in text:
        return facts
    note = (
        f"The traceback repeats line {frame.line} inside {_code(frame.function)} over and "
        f"over: {_code(frame.function)} keeps calling itself there"
    )
    return _with(facts, notes=(note,))


_FINDERS = {
    "NameError": _name_error,
    "AttributeError": _attribute_error,
    "TypeError": _type_error,
    "IndexError": _index_error,
    "KeyError": _key_error,
    "ValueError": _value_error,
    "ZeroDivisionError": _zero_division,
    "UnboundLocalError": _unbound_local,
    "KeyboardInterrupt": _interrupted,
    "RecursionError": _recursion,
}
