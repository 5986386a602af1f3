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

:func:`diagnose` goes one step further, where the same reading settles the *cause* for
certain (a misspelt name and where the right one is set, a string from ``input()`` used as
a number, the None of a function without ``return``, an index equal to the length, ...): it
states that cause as a hint with a question and no fix, or returns None. Each rule abstains
unless every link of its argument is read from the program and the traceback.

Pure text analysis (``ast``, ``re``, ``difflib``): the program is never run here.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
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
    if facts.close_names:
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
    close = _close(name, program.names() + list(_BUILTIN_NAMES))
    notes = _where_name_lives(program, name, frame.line)
    return _with(facts, offending=name, close_names=close, notes=notes)


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
            method = value.func.attr
            if method in _IN_PLACE_METHODS:
                notes.append(
                    f"On line {binding.line} {_code(name)} is given the result of "
                    f"{_code(_source(value))}; a list's {_code(method + '()')} changes the "
                    "list itself and returns None"
                )
    return tuple(notes)


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
    function = functions[0]
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
    """The (start, end) columns in the program's line that Python's ~~^^ marks cover."""
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
    return begin, begin + len(marks.strip())


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


# ---------------------------------------------------------------- the diagnosis


@dataclass(frozen=True)
class Diagnosis:
    """A cause the program and its traceback settle for certain, worded as a hint.

    `rule` names the rule that found it, `line` is the line of the cause (not always the
    failing line), `cause` states it (every clause true by construction: read from the
    syntax tree and the traceback) and `question` points the student at the fix without
    writing it.
    """

    rule: str
    line: int
    cause: str
    question: str

    @property
    def hint(self) -> str:
        return f"{_sentence(self.cause)} {_sentence(self.question)}"


@dataclass(frozen=True)
class _Case:
    """What every diagnosis rule reads: the facts, the program and the failing frame."""

    facts: HintFacts
    program: Program
    frame: Frame
    traceback: Traceback


def diagnose(code: str, error_output: str) -> Diagnosis | None:
    """The error's cause where the program and its traceback settle it, else None.

    Each rule covers one pattern (a misspelt name, a string from ``input()`` used as a
    number, the None a function without ``return`` gives, an index equal to the length,
    ...) and abstains unless every link of its argument is read for certain; the first rule
    that fires wins. None means no rule was certain: say less rather than something false.
    """
    traceback = parse_traceback(error_output)
    program = Program(code)
    own = [f for f in traceback.frames if f.file == PROGRAM]
    if program.tree is None or not own or not traceback.exception:
        return None
    facts = hint_facts(code, error_output)
    case = _Case(facts, program, own[-1], traceback)
    for rule in _RULES.get(traceback.exception, ()):
        found = rule(case)
        if found is not None:
            return found
    return None


def _edit_distance(first: str, second: str) -> int:
    """Levenshtein distance with swaps of neighbours (a typo's size)."""
    previous2: list[int] = []
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        row = [i]
        for j, b in enumerate(second, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        previous2, previous = previous, row
    return previous[-1]


def _typo_of(name: str, candidates: list[str] | set[str]) -> str:
    """The one candidate that `name` is a small misspelling of ("" if none or several)."""
    limit = 1 if len(name) <= 4 else 2
    close = {
        c
        for c in candidates
        if c != name and len(c) >= 3 and _edit_distance(name.lower(), c.lower()) <= limit
    }
    return close.pop() if len(close) == 1 else ""


def _first_line(program: Program, name: str, scope: object = ...) -> int:
    """The first line that binds `name` (in `scope` when given)."""
    lines = [b.line for b in program.bindings.get(name, []) if scope is ... or b.scope is scope]
    return min(lines) if lines else 0


def _here(case: _Case) -> ast.AST | None:
    """The function the failing line is in (None at module level)."""
    statement = case.program.statement_at(case.frame.line)
    return case.program.scope_of(statement) if statement is not None else None


# -- NameError and UnboundLocalError


def _misspelt_name(case: _Case) -> Diagnosis | None:
    """An undefined name a letter or two from a name the program sets (or a built-in).

    The name must have no binding before the failing line in its scope: bound nowhere,
    or (at module level) first bound on or after that line, as `total = total + x`.
    """
    name, program, line = case.facts.offending, case.program, case.frame.line
    found = program.bindings.get(name, [])
    if not name or (found and (_here(case) is not None or _first_line(program, name) < line)):
        return None
    if found and not all(b.scope is None for b in found):
        return None
    if _compared_for_equality(program, line, name):
        return None  # `if colour == red`: missing quotes are as likely as a misspelt `reds`
    candidates = set(program.bindings) | {b for b in _BUILTIN_NAMES if b.lower() == name.lower()}
    right = _typo_of(name, candidates)
    if not right:
        return None
    if right in program.bindings:
        where = _first_line(program, right)
        verb = "defines" if _kinds(program, right) <= {"def", "class"} else "sets"
        told = f"the program {verb} {_code(right)} (first on line {where})"
    else:
        where, told = line, f"Python's built-in name is {_code(right)}"
    unset = (
        "never given a value anywhere in the program"
        if not found
        else f"not given a value before line {line} reads it"
    )
    return Diagnosis(
        "misspelt_name",
        where,
        f"{_code(name)} on line {line} is {unset}, but {told}; the two spellings differ by a "
        "letter or two",
        "Which spelling did you mean, and is it the same everywhere you use it?",
    )


def _compared_for_equality(program: Program, line: int, name: str) -> bool:
    """True if `name` on `line` is a side of ``==``, ``!=``, ``in`` or ``not in``."""
    statement = program.statement_at(line)
    for node in ast.walk(statement) if statement is not None else ():
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops
        ):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Name) and side.id == name for side in sides):
                return True
    return False


def _kinds(program: Program, name: str) -> set[str]:
    return {b.kind for b in program.bindings.get(name, [])}


def _module_not_imported(case: _Case) -> Diagnosis | None:
    import sys

    name, program = case.facts.offending, case.program
    if not name or name in program.bindings or name not in sys.stdlib_module_names:
        return None
    if name in _BUILTIN_NAMES or _typo_of(name, set(program.bindings)):
        return None  # `time` next to a `times`: a misspelt variable is as likely
    statement = program.statement_at(case.frame.line)
    uses = [
        n
        for n in (ast.walk(statement) if statement is not None else ())
        if isinstance(n, ast.Name) and n.id == name
    ]
    if not uses or not all(isinstance(program.parents.get(n), ast.Attribute) for n in uses):
        return None  # a module is used as `math.sqrt`; a bare `stat` is some other name
    return Diagnosis(
        "module_not_imported",
        case.frame.line,
        f"{_code(name)} is one of Python's modules, and line {case.frame.line} uses it, but "
        f"no line of the program imports {_code(name)}",
        "What does a program have to do before it can use a module?",
    )


def _self_attribute(case: _Case) -> Diagnosis | None:
    name, program = case.facts.offending, case.program
    here = _here(case)
    if not name or name in program.bindings or here is None:
        return None
    classes = [c for c in program.enclosing(case.frame.line, (ast.ClassDef,))]
    if not classes or getattr(here, "args", None) is None or not here.args.args:
        return None
    if here.args.args[0].arg != "self" or program.parents.get(here) is not classes[0]:
        return None
    stored = [
        node.lineno
        for node in ast.walk(classes[0])
        if isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and node.attr == name
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ]
    if not stored:
        return None
    return Diagnosis(
        "self_attribute",
        case.frame.line,
        f"{_code('self.' + name)} is set on line {min(stored)}, but line {case.frame.line} "
        f"uses the plain name {_code(name)}, which is a different, undefined variable inside "
        f"the method {_code(here.name)}",
        f"How does a method reach the attributes stored on {_code('self')}?",
    )


def _defined_later(case: _Case) -> Diagnosis | None:
    name, program, line = case.facts.offending, case.program, case.frame.line
    found = program.bindings.get(name, [])
    if not name or not found or _here(case) is not None:
        return None
    if not all(b.scope is None for b in found) or min(b.line for b in found) <= line:
        return None
    first = min(b.line for b in found)
    what = "defined" if any(b.kind in ("def", "class") for b in found) else "given a value"
    return Diagnosis(
        "defined_later",
        line,
        f"Line {line} uses {_code(name)}, but {_code(name)} is first {what} on line {first}, "
        f"further down; Python runs a program from the top, so on line {line} it does not "
        "exist yet",
        "Which of the two lines has to run first?",
    )


def _only_in_function(case: _Case) -> Diagnosis | None:
    name, program, line = case.facts.offending, case.program, case.frame.line
    found = program.bindings.get(name, [])
    scopes = {b.scope for b in found}
    if not name or not found or None in scopes or len(scopes) != 1:
        return None
    scope = scopes.pop()
    if scope is _here(case) or not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    return Diagnosis(
        "only_in_function",
        _first_line(program, name),
        f"{_code(name)} is only given a value inside the function {_code(scope.name)} "
        f"(line {_first_line(program, name)}); a variable set inside a function exists only "
        f"while that function runs, so line {line} cannot see it",
        f"How can the value get from {_code(scope.name)} to the place that needs it?",
    )


def _conditional_bindings(program: Program, bindings: list[Binding], line: int) -> ast.If | None:
    """The one if/elif chain without an else that holds every binding, all before `line`
    and none around `line`; None if the bindings are not all of that shape."""
    if not bindings or any(b.kind not in ("assign", "augassign", "for") for b in bindings):
        return None
    if max(b.line for b in bindings) >= line:
        return None
    heads = set()
    for binding in bindings:
        ifs = [n for n in program.enclosing(binding.line, (ast.If,)) if n.lineno != binding.line]
        if not ifs:
            return None
        head = ifs[-1] if binding.scope is None else _chain_head(program, ifs[0])
        heads.add(head)
    if len(heads) != 1:
        return None
    head = heads.pop()
    if head.lineno <= line <= (head.end_lineno or 0):
        return None
    tail = head
    while len(tail.orelse) == 1 and isinstance(tail.orelse[0], ast.If):
        tail = tail.orelse[0]
    return head if not tail.orelse else None


def _chain_head(program: Program, node: ast.If) -> ast.If:
    """The `if` that starts the if/elif chain `node` belongs to."""
    parent = program.parents.get(node)
    while isinstance(parent, ast.If) and parent.orelse == [node]:
        node, parent = parent, program.parents.get(parent)
    return node


def _set_only_in_branches(case: _Case) -> Diagnosis | None:
    name, program, line = case.facts.offending, case.program, case.frame.line
    if case.facts.exception == "UnboundLocalError":
        name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here = _here(case)
    found = [b for b in program.bindings.get(name, []) if b.scope is here] if name else []
    others = [b for b in program.bindings.get(name, []) if b.scope is not here]
    if here is None and others:
        return None
    head = _conditional_bindings(program, found, line)
    if head is None or _misspelt_before(program, name, here, line):
        return None
    lines = sorted({b.line for b in found})
    listed = f"line {lines[0]}" if len(lines) == 1 else f"lines {_names([str(n) for n in lines])}"
    return Diagnosis(
        "set_only_in_branches",
        head.lineno,
        f"{_code(name)} is only given a value inside the `if`/`elif` branches that start on "
        f"line {head.lineno} (on {listed.replace('`', '')}), and that chain has no `else`: "
        f"this time none of those branches ran, so {_code(name)} has no value when line "
        f"{line} reads it",
        "Which values does the chain not cover, and what should happen for them?",
    )


def _misspelt_before(program: Program, name: str, scope: ast.AST | None, line: int) -> str:
    """A name a letter or two from `name`, assigned in `scope` before `line` ("" if none)."""
    earlier = {
        b.name
        for found in program.bindings.values()
        for b in found
        if b.scope is scope and b.line < line and b.kind == "assign"
    }
    return _typo_of(name, earlier)


def _global_assigned_locally(case: _Case) -> Diagnosis | None:
    name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here, program = _here(case), case.program
    if not name or here is None or name in program.declared:
        return None
    inside = sorted(b.line for b in program.bindings.get(name, []) if b.scope is here)
    # a module-level value set before the function is defined: a global the function means
    outside = [
        b for b in program.bindings.get(name, []) if b.scope is None and b.line < here.lineno
    ]
    if not inside or not outside or any(b.kind == "arg" for b in program.bindings[name]):
        return None
    return Diagnosis(
        "global_assigned_locally",
        inside[0],
        f"{_code(name)} is set at the top level of the program (line "
        f"{min(b.line for b in outside)}), but line {inside[0]} assigns to it inside "
        f"{_code(here.name)}, and an assignment makes {_code(name)} a new local variable for "
        f"the whole function; that local has no value yet when line {case.frame.line} reads it",
        f"How can {_code(here.name)} say it means the {_code(name)} outside the function?",
    )


def _local_misspelt(case: _Case) -> Diagnosis | None:
    name = _quoted(case.facts.message, r"local variable '(\w+)'")
    here, program, line = _here(case), case.program, case.frame.line
    if not name or here is None:
        return None
    inside = [b for b in program.bindings.get(name, []) if b.scope is here]
    if not inside or min(b.line for b in inside) < line:
        return None
    earlier = {
        b.name: b.line
        for found in program.bindings.values()
        for b in found
        if b.scope is here and b.line < line and b.kind == "assign"
    }
    typo = _typo_of(name, set(earlier))
    if not typo:
        return None
    return Diagnosis(
        "local_misspelt",
        earlier[typo],
        f"Inside {_code(here.name)}, line {line} reads {_code(name)} before any line of the "
        f"function gives it a value; line {earlier[typo]} sets {_code(typo)}, a name that "
        f"differs by a letter or two",
        "Are those two names meant to be the same variable?",
    )


# -- TypeError: values of the wrong type


_OPERAND_TYPES = (
    re.compile(r"unsupported operand type\(s\) for \S+: '(\w+)' and '(\w+)'"),
    re.compile(r"not supported between instances of '(\w+)' and '(\w+)'"),
    re.compile(r'can only concatenate (str) \(not "(\w+)"\) to str'),
)


def _operator_node(case: _Case) -> tuple[ast.expr, ast.expr, tuple[str, str]] | None:
    """(left, right, their types) of the operator that raised, from the message."""
    types = None
    for pattern in _OPERAND_TYPES:
        match = pattern.search(case.facts.message)
        if match:
            types = (match.group(1), match.group(2))
            break
    if types is None:
        return None
    node = _failing_node(case.program, case.frame, ast.BinOp)
    if node is not None and "not supported between" not in case.facts.message:
        return node.left, node.right, types
    compare = _failing_node(case.program, case.frame, ast.Compare)
    if compare is not None and len(compare.ops) == 1 and "not supported" in case.facts.message:
        return compare.left, compare.comparators[0], types
    return None


def _value_origin(case: _Case, node: ast.expr) -> Origin | None:
    """Where a name on the failing line got its value, if one assignment settles it
    (a parameter is followed into the call that passed it)."""
    if not isinstance(node, ast.Name):
        return None
    origin = _assigned_origin(case.program, node.id)
    return origin or _parameter_origin(case.program, node.id, case.facts)


def _is_input(origin: Origin | None) -> bool:
    return origin is not None and origin.type == "str" and origin.source.startswith("input(")


def _repeated_name(node: ast.expr) -> ast.expr:
    """`text * 3` is still the text: the name whose str a repetition keeps."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        if isinstance(node.right, ast.Constant) and type(node.right.value) is int:
            return _repeated_name(node.left)
    return node


def _text_from_input(case: _Case) -> Diagnosis | None:
    """A str from `input()` used where a number is needed (operator, index, range, %d)."""
    node = _str_operand(case)
    origin = _value_origin(case, node) if node is not None else None
    if not _is_input(origin):
        return None
    line = case.frame.line
    where = f"{_code(origin.name)} gets its value from {_code(origin.source)} on line {origin.line}"
    if origin.parameter:
        where = (
            f"the parameter {_code(origin.parameter)} gets {_code(origin.name)} in the call on "
            f"line {origin.call_line}, and {where}"
        )
    shown = origin.parameter or origin.name
    return Diagnosis(
        "text_from_input",
        origin.line,
        f"On line {line}, {_code(shown)} is still a string: {where}, and `input()` always "
        "gives back text, even when the user types a number; nothing turns it into a number "
        f"before line {line} uses it as one",
        f"What has to happen to the text from `input()` before {_code(shown)} can be used as a "
        "number?",
    )


def _str_operand(case: _Case) -> ast.expr | None:
    """The expression on the failing line that the message says is a str used as a number."""
    message, program, frame = case.facts.message, case.program, case.frame
    operands = _operator_node(case)
    if operands is not None:
        left, right, types = operands
        if message.startswith("can only concatenate") and not isinstance(right, ast.Constant):
            return None  # `name + age`: the text, or the number joined to it, may be the slip
        if types[0] == "str" and types[1] in ("int", "float"):
            return _repeated_name(left)
        if types[1] == "str" and types[0] in ("int", "float"):
            return _repeated_name(right)
        return None
    if re.search(r"indices must be integers(?: or slices)?, not '?str'?$", message):
        node = _failing_node(program, frame, ast.Subscript, _LOOKUP_CALLS)
        return node.slice if node is not None else None
    if message.startswith("can't multiply sequence by non-int of type 'float'"):
        node = _failing_node(program, frame, ast.BinOp)
        if node is None or not isinstance(node.op, ast.Mult):
            return None
        sides = [s for s in (node.left, node.right) if _is_input(_value_origin(case, s))]
        return sides[0] if len(sides) == 1 else None
    if message == "'str' object cannot be interpreted as an integer":
        call = _failing_node(program, frame, ast.Call)
        if call is None or getattr(call.func, "id", "") != "range" or "range" in program.bindings:
            return None
        texts = [a for a in call.args if _is_input(_value_origin(case, a))]
        return texts[0] if len(texts) == 1 else None
    if re.match(r"%[dif] format: a real number is required, not str", message):
        node = _failing_node(program, frame, ast.BinOp)
        if node is not None and isinstance(node.op, ast.Mod):
            return node.right
    return None


_FLOAT_USES = (
    re.compile(r"indices must be integers(?: or slices)?, not '?float'?$"),
    re.compile(r"^'float' object cannot be interpreted as an integer$"),
    re.compile(r"^can't multiply sequence by non-int of type 'float'$"),
)


def _float_from_division(case: _Case) -> Diagnosis | None:
    """A name set once from `a / b` (always a float) used as an index, a count or a range."""
    if not any(p.search(case.facts.message) for p in _FLOAT_USES):
        return None
    statement = case.program.statement_at(case.frame.line)
    found = []
    for node in ast.walk(statement) if statement is not None else ():
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            binding = case.program.only_binding(node.id)
            value = binding.value if binding is not None else None
            if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div):
                found.append((node.id, binding))
    if len({name for name, _ in found}) != 1:
        return None
    name, binding = found[0]
    return Diagnosis(
        "float_from_division",
        binding.line,
        f"{_code(name)} is computed on line {binding.line} as "
        f"{_code(_source(binding.value))}, and `/` always gives a float (a number with a "
        f"decimal point), even when it divides evenly; line {case.frame.line} needs a whole "
        "number there",
        "Which kind of division gives a whole number?",
    )


_FUNCTION_TYPES = ("builtin_function_or_method", "method", "function")


def _function_not_called(case: _Case) -> Diagnosis | None:
    """A function or method used without `()`: set as a value, or used on the failing line."""
    if not any(f"'{kind}'" in case.facts.message for kind in _FUNCTION_TYPES):
        return None
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    found: list[tuple[str, int]] = []
    for node in ast.walk(statement) if statement is not None else ():
        if getattr(node, "lineno", line) != line or _is_called(program, node):
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            if any(hasattr(t, node.attr) for t in _CONTAINER_TYPES.values()):
                found.append(
                    (
                        f"{_code(_source(node))} on line {line} has no round brackets after "
                        "it, so it is the method itself, not the value the method gives back",
                        line,
                    )
                )
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            binding = program.only_binding(node.id)
            value = binding.value if binding is not None else None
            if _names_function(program, value):
                found.append(
                    (
                        f"Line {binding.line} sets {_code(node.id)} to {_code(_source(value))} "
                        f"without round brackets after it, so {_code(node.id)} holds the "
                        "function itself, not the value the function gives back",
                        binding.line,
                    )
                )
    if len(found) != 1:
        return None
    where, cause_line = found[0]
    return Diagnosis(
        "function_not_called",
        cause_line,
        f"{where}; line {line} then uses it as a value",
        "What is the difference between naming a function and calling it?",
    )


def _is_called(program: Program, node: ast.AST) -> bool:
    parent = program.parents.get(node)
    return isinstance(parent, ast.Call) and parent.func is node


def _names_function(program: Program, value: ast.expr | None) -> bool:
    """`input` or `word.upper` as a value: a built-in function or a method, not called."""
    if isinstance(value, ast.Name):
        return (
            value.id in _BUILTIN_NAMES
            and value.id not in program.bindings
            and callable(getattr(builtins, value.id))
            and not isinstance(getattr(builtins, value.id), type)
        )
    if isinstance(value, ast.Attribute):
        return any(hasattr(t, value.attr) for t in _CONTAINER_TYPES.values())
    return False


def _number_joined_to_text(case: _Case) -> Diagnosis | None:
    """`"text" + number`: the number is certainly the right operand of the `+` that failed."""
    operands = _operator_node(case)
    match = re.search(r'can only concatenate str \(not "(int|float)"\)', case.facts.message)
    if operands is None or match is None:
        return None
    left, right, _types = operands
    if not _built_from_literal_text(left) or isinstance(right, ast.Constant):
        return None  # text that may have been meant as a number (`total = ""`), or `+ 1`
    shown = _source(right)
    if len(shown) > 30:
        return None
    kind = _TYPE_WORDS[match.group(1)]
    return Diagnosis(
        "number_joined_to_text",
        case.frame.line,
        f"On line {case.frame.line}, `+` joins text with {_code(shown)}, which is {kind} (a "
        "number), and `+` can only join text to text",
        f"How can {_code(shown)} be turned into text before it is joined?",
    )


def _built_from_literal_text(node: ast.expr) -> bool:
    """`"Total: "`, an f-string, `str(x)`, or a `+` chain that has one of them: text by
    intent, so the number joined to it is the odd one out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "str":
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _built_from_literal_text(node.left) or _built_from_literal_text(node.right)
    return False


def _none_sources(case: _Case) -> list[tuple[ast.expr, str, int]]:
    """Expressions on the failing line that are certainly None: (node, why, cause line)."""
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    if statement is None:
        return []
    found = []
    for node in ast.walk(statement):
        if getattr(node, "lineno", line) != line:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            callee = node.func.id
            if _returns_nothing(program, callee):
                where = program.functions(callee)[0].lineno
                why = "it calls " + _no_return_text(callee, where, _source(node))
                found.append((node, why, where))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found += [(node, why, at) for why, at in _name_is_none(program, node.id)]
    return found


def _no_return_text(callee: str, where: int, call: str) -> str:
    return (
        f"{_code(call)}, and the function {_code(callee)} (line {where}) has no `return` "
        "with a value, so the call gives back None"
    )


def _name_is_none(program: Program, name: str) -> list[tuple[str, int]]:
    """Why `name` is None, where one of its bindings certainly makes it None and every
    other binding certainly does not."""
    bindings = program.bindings.get(name, [])
    if not bindings or name in program.declared:
        return []
    causes, others = [], []
    for binding in bindings:
        value = binding.value
        if binding.kind != "assign" or value is None:
            return []
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr in _IN_PLACE_METHODS:
                causes.append(
                    (
                        f"line {binding.line} gives {_code(name)} the result of "
                        f"{_code(_source(value))}, and a list's {_code(value.func.attr + '()')} "
                        "changes the list itself and gives back None",
                        binding.line,
                    )
                )
                continue
        value_type = _value_type(program, value)
        if value_type == "NoneType" and isinstance(value, ast.Call):
            callee = value.func.id  # type: ignore[attr-defined]
            where = program.functions(callee)[0].lineno
            text = _no_return_text(callee, where, _source(value))
            causes.append((f"{_code(name)} is set on line {binding.line} from {text}", where))
            continue
        if value_type in ("", "NoneType"):
            return []
        others.append(binding)
    return causes if len(causes) == 1 else []


def _none_used(case: _Case) -> Diagnosis | None:
    """None from a function without `return` or from a list method, used on the failing line."""
    message = case.facts.message
    if "NoneType" not in message and "'NoneType' object" not in message:
        return None
    sources = _none_sources(case)
    if len(sources) != 1:
        return None
    node, why, where = sources[0]
    why = why[0].lower() + why[1:]
    attribute = _quoted(message, r"has no attribute '(\w+)'")
    if attribute:
        parent = case.program.parents.get(node)
        if not (isinstance(parent, ast.Attribute) and parent.attr == attribute):
            return None
    return Diagnosis(
        "none_used",
        where,
        f"Line {case.frame.line} gets None where it needs a value: {why}",
        "What should that value be instead of None, and which line has to provide it?",
    )


# -- IndexError and ZeroDivisionError


def _index_past_end(case: _Case) -> Diagnosis | None:
    facts, program, line = case.facts, case.program, case.frame.line
    sequence, index = facts.sequence, facts.index
    if facts.exception != "IndexError" or not sequence or not index:
        return None
    length = f"len({sequence})"
    reason = _past_end_reason(facts, program, line, length)
    if reason is None:
        return None
    where, text = reason
    return Diagnosis(
        "index_past_end",
        where,
        f"{text}; the indexes of {_code(sequence)} go from 0 to {_code(length + ' - 1')}, so "
        f"{_code(f'{sequence}[{index}]')} on line {line} reads past its end",
        "Which values should the index take so that it stays inside the sequence?",
    )


def _past_end_reason(
    facts: HintFacts, program: Program, line: int, length: str
) -> tuple[int, str] | None:
    index, loop = facts.index, facts.loop
    if index == length:
        return line, f"Line {line} uses {_code(length)} itself as an index"
    if loop is not None and index == loop.variable and loop.last_text == length:
        header = _code(f"for {loop.variable} in {loop.iterable}:")
        return loop.line, f"{header} on line {loop.line} lets {_code(index)} reach {_code(length)}"
    fixed = facts.sequence_length
    if loop is not None and index == loop.variable and loop.last is not None and fixed:
        if loop.last >= fixed:
            header = _code(f"for {loop.variable} in {loop.iterable}:")
            return (
                loop.line,
                f"{_code(facts.sequence)} has {fixed} items, and {header} on line {loop.line} "
                f"lets {_code(index)} reach {loop.last}",
            )
    if loop is not None and loop.last_text == f"{length} - 1" and index == f"{loop.variable} + 1":
        header = _code(f"for {loop.variable} in {loop.iterable}:")
        return (
            loop.line,
            f"{header} on line {loop.line} ends with {_code(loop.variable)} equal to "
            f"{_code(length + ' - 1')}, so on that last pass {_code(index)} is {_code(length)}",
        )
    if facts.sequence_length is not None and index.lstrip("-").isdigit():
        number = int(index)
        if number >= facts.sequence_length:
            binding = program.only_binding(facts.sequence)
            return (
                binding.line if binding else line,
                f"{_code(facts.sequence)} is created with {facts.sequence_length} items "
                f"(line {binding.line if binding else line}) and never changes size, and "
                f"line {line} asks for index {number}",
            )
    return _while_past_end(program, line, index, length)


def _while_past_end(program: Program, line: int, index: str, length: str) -> tuple[int, str] | None:
    """`while i <= len(xs):` around `xs[i]`: the last pass has i == len(xs)."""
    for loop in program.enclosing(line, (ast.While,)):
        test = loop.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            continue
        if (
            isinstance(test.ops[0], ast.LtE)
            and _source(test.left) == index
            and _source(test.comparators[0]) == length
        ):
            return (
                loop.lineno,
                f"{_code(f'while {index} <= {length}:')} on line {loop.lineno} still runs when "
                f"{_code(index)} equals {_code(length)}",
            )
    return None


def _divisor(case: _Case) -> ast.expr | None:
    program, frame = case.program, case.frame
    statement = program.statement_at(frame.line)
    if isinstance(statement, ast.AugAssign) and isinstance(statement.op, _DIVISIONS):
        return statement.value
    node = _failing_node(program, frame, ast.BinOp, _DIVISION_CALLS)
    if node is None or not isinstance(node.op, _DIVISIONS):
        return None
    return node.right


def _zero_divisor(case: _Case) -> Diagnosis | None:
    divisor = _divisor(case)
    reason = _why_zero(case, divisor) if divisor is not None else None
    if reason is None:
        return None
    where, text = reason
    return Diagnosis(
        "zero_divisor",
        where,
        f"The divisor on line {case.frame.line} is {_code(_source(divisor))}, and {text}",
        "Which value should the divisor have there, and which line decides it?",
    )


def _why_zero(case: _Case, divisor: ast.expr) -> tuple[int, str] | None:
    program = case.program
    if (
        isinstance(divisor, ast.Call)
        and getattr(divisor.func, "id", "") == "len"
        and "len" not in program.bindings
        and len(divisor.args) == 1
        and isinstance(divisor.args[0], ast.Name)
    ):
        return _empty_sequence(case, divisor.args[0].id)
    if not isinstance(divisor, ast.Name):
        return None
    name = divisor.id
    binding = program.only_binding(name)
    if binding is not None and binding.kind == "assign" and _static_int(program, divisor) == 0:
        return binding.line, f"{_code(name)} is set to 0 on line {binding.line} and never changed"
    loop = _loop_range(program, divisor, case.frame.line)
    if loop is not None and loop.first == 0 or _range_starts_at_zero(loop):
        return (
            loop.line,
            f"it is the loop variable of {_code(f'for {name} in {loop.iterable}:')} on line "
            f"{loop.line}, whose first value is 0",
        )
    return None


def _range_starts_at_zero(loop: LoopRange | None) -> bool:
    """`range(n)` or `range(0, n)`: the first value is 0 whatever n is."""
    if loop is None:
        return False
    call = ast.parse(loop.iterable, mode="eval").body
    if not isinstance(call, ast.Call) or call.keywords or not 1 <= len(call.args) <= 2:
        return False
    start = call.args[0] if len(call.args) == 2 else ast.Constant(0)
    return isinstance(start, ast.Constant) and start.value == 0 and type(start.value) is int


def _empty_sequence(case: _Case, name: str) -> tuple[int, str] | None:
    program = case.program
    known = _fixed_sequence(program, name)
    if known is not None and known[1] == 0:
        line = program.only_binding(name).line  # type: ignore[union-attr]
        return line, f"{_code(name)} is created empty on line {line} and nothing adds to it"
    functions = program.functions(case.facts.function) if case.facts.function else []
    if len(functions) != 1 or case.facts.call_line is None or case.facts.recursive:
        return None
    function = functions[0]
    positional = [a.arg for a in function.args.posonlyargs + function.args.args]
    own = [b for b in program.bindings.get(name, []) if b.scope is function]
    if name not in positional or len(own) != 1:
        return None
    argument = _argument(program, case.facts.call_line, function.name, positional, name)
    if isinstance(argument, ast.List | ast.Tuple) and not argument.elts:
        return (
            case.facts.call_line,
            f"the call on line {case.facts.call_line} passes an empty "
            f"{'list' if isinstance(argument, ast.List) else 'tuple'} "
            f"{_code(_source(argument))} as {_code(name)}, so its length is 0",
        )
    return None


# -- calling, attributes and arguments


def _not_callable(case: _Case) -> Diagnosis | None:
    kind = _quoted(case.facts.message, r"^'(\w+)' object is not callable")
    call = _failing_node(case.program, case.frame, ast.Call)
    if not kind or call is None or not isinstance(call.func, ast.Name):
        return None
    name, program = call.func.id, case.program
    found = program.bindings.get(name, [])
    index_like = len(call.args) == 1 and isinstance(call.args[0], ast.Constant)
    if index_like and type(call.args[0].value) is int:
        return None  # `text(0)`: round brackets where square ones were meant, perhaps
    if name in _BUILTIN_NAMES and found and all(b.kind not in ("def", "class") for b in found):
        first = min(b.line for b in found)
        return Diagnosis(
            "shadowed_builtin",
            first,
            f"Line {first} gives the name {_code(name)} a value ({_code(program.text(first))}), "
            f"which hides Python's built-in function {_code(name)}; so on line "
            f"{case.frame.line} {_code(name)} is {_TYPE_WORDS.get(kind, 'a ' + kind)}, not "
            "the function",
            f"What other name could that variable have, so that {_code(name)} stays the "
            "built-in function?",
        )
    origin = _assigned_origin(program, name)
    if origin is None or origin.type != kind or kind not in ("list", "dict", "str", "tuple"):
        return None
    return Diagnosis(
        "called_a_value",
        case.frame.line,
        f"{_code(name)} is {_TYPE_WORDS[kind]} (it gets {_code(origin.source)} on line "
        f"{origin.line}), and line {case.frame.line} puts round brackets after it, "
        f"{_code(_source(call))}, which calls it like a function",
        f"How do you read one item of {_TYPE_WORDS[kind]}?",
    )


_CONTAINER_TYPES = {"str": str, "list": list, "dict": dict, "tuple": tuple, "set": set, "int": int}


def _wrong_type_method(case: _Case) -> Diagnosis | None:
    """`x.append` where `x` certainly got a string (or a dict, a tuple, ...) on its one line."""
    facts, program = case.facts, case.program
    kind, attribute = (facts.types or ("",))[0], facts.offending
    if kind not in _CONTAINER_TYPES or not attribute:
        return None
    owners = [name for name, t in _CONTAINER_TYPES.items() if t is not _CONTAINER_TYPES[kind]]
    having = [name for name in owners if hasattr(_CONTAINER_TYPES[name], attribute)]
    node = _failing_node(program, case.frame, ast.Attribute)
    if not having or node is None or node.attr != attribute:
        return None
    origin = _value_origin(case, node.value)
    if origin is None or origin.type != kind:
        return None
    if isinstance(node.value, ast.Name) and _typo_of(node.value.id, set(program.bindings)):
        return None  # `rows.split` next to a `row`: a mixed-up name is as likely
    where = f"it gets its value from {_code(origin.source)} on line {origin.line}"
    if origin.parameter:
        where = f"it gets {_code(origin.name)} in the call on line {origin.call_line}"
    plural = {"str": "strings", "int": "integers"}.get(kind, kind + "s")
    shown = origin.parameter or origin.name
    return Diagnosis(
        "wrong_type_method",
        origin.call_line if origin.parameter else origin.line,
        f"Line {case.frame.line} uses {_code('.' + attribute)} on {_code(shown)}, which is "
        f"{_TYPE_WORDS[kind]}: {where}; {plural} have no {_code(attribute)}, it belongs to "
        f"{_names(having).replace('`', '')}",
        f"Should {_code(shown)} be another kind of value, or should line {case.frame.line} use "
        f"something {plural} have?",
    )


def _attribute_typo(case: _Case) -> Diagnosis | None:
    facts, program = case.facts, case.program
    owner = _quoted(facts.message, r"^'(\w+)' object has no attribute")
    if not owner or owner in _BUILTIN_TYPES or not facts.offending:
        return None
    defined = _class_attributes(program, owner)
    right = _typo_of(facts.offending, set(defined))
    if not right:
        return None
    classes = [n for n in ast.walk(program.tree) if isinstance(n, ast.ClassDef)]
    spots = [
        n.lineno
        for c in classes
        if c.name == owner
        for n in ast.walk(c)
        if (isinstance(n, ast.FunctionDef) and n.name == right)
        or (isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) and n.attr == right)
    ]
    if not spots:
        return None
    return Diagnosis(
        "attribute_typo",
        min(spots),
        f"The class {_code(owner)} has {_code(right)} (line {min(spots)}), but line "
        f"{case.frame.line} asks for {_code(facts.offending)}; the two spellings differ by a "
        "letter or two",
        "Which spelling is the one you meant, and is it the same in both places?",
    )


def _missing_self(case: _Case) -> Diagnosis | None:
    match = re.match(
        r"^(\w+)\.(\w+)\(\) takes (\d+) positional arguments? but (\d+) were given$",
        case.facts.message,
    )
    if match is None or int(match.group(4)) != int(match.group(3)) + 1:
        return None
    owner, method = match.group(1), match.group(2)
    function = _method(case.program, owner, method)
    if function is None:
        return None
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    if parameters[:1] == ["self"]:
        return None
    listed = ", ".join(parameters) or "no parameters"
    return Diagnosis(
        "missing_self",
        function.lineno,
        f"{_code(method)} is a method of {_code(owner)}: calling it on an object passes the "
        f"object itself as the first argument, but its definition on line {function.lineno} "
        f"({_code(f'def {method}({listed})')}) has no parameter for it",
        "What does every method's first parameter stand for?",
    )


def _method(program: Program, owner: str, name: str) -> ast.FunctionDef | None:
    """The plain method `name` of the program's one class `owner` (no decorators)."""
    classes = [n for n in ast.walk(program.tree) if isinstance(n, ast.ClassDef)]
    found = [
        item
        for c in classes
        if c.name == owner
        for item in c.body
        if isinstance(item, ast.FunctionDef) and item.name == name and not item.decorator_list
    ]
    return found[0] if len(classes) and len(found) == 1 else None


def _called_on_class(case: _Case) -> Diagnosis | None:
    match = re.match(
        r"^(\w+)\.(\w+)\(\) missing 1 required positional argument: 'self'$", case.facts.message
    )
    call = _failing_node(case.program, case.frame, ast.Call)
    if match is None or call is None or not isinstance(call.func, ast.Attribute):
        return None
    owner = match.group(1)
    if _source(call.func.value) != owner or _method(case.program, owner, match.group(2)) is None:
        return None
    return Diagnosis(
        "called_on_class",
        case.frame.line,
        f"Line {case.frame.line} calls {_code(match.group(2))} on the class {_code(owner)} "
        "itself, not on an object of that class, so there is no object to pass as `self`",
        f"Which object made from {_code(owner)} should the method be called on?",
    )


def _init_misspelt(case: _Case) -> Diagnosis | None:
    owner = _quoted(case.facts.message, r"^(\w+)\(\) takes no arguments$")
    classes = [n for n in ast.walk(case.program.tree) if isinstance(n, ast.ClassDef)]
    mine = [c for c in classes if c.name == owner]
    if not owner or len(mine) != 1 or mine[0].bases:
        return None
    methods = {item.name: item.lineno for item in mine[0].body if isinstance(item, ast.FunctionDef)}
    if "__init__" in methods:
        return None
    typo = _typo_of("__init__", set(methods))
    if not typo:
        return None
    return Diagnosis(
        "init_misspelt",
        methods[typo],
        f"The class {_code(owner)} defines {_code(typo)} on line {methods[typo]}, which is not "
        f"the constructor's name, so {_code(owner)} has no constructor that takes arguments",
        "How exactly is the method that Python runs when an object is created spelt?",
    )


def _argument_count(case: _Case) -> Diagnosis | None:
    message = case.facts.message
    name = _quoted(message, r"^(\w+)\(\) (?:missing \d+ required positional|takes \d+ positional)")
    functions = case.program.functions(name) if name else []
    if len(functions) != 1 or functions[0].decorator_list:
        return None
    function = functions[0]
    arguments = function.args
    if arguments.vararg or arguments.kwarg or arguments.defaults or arguments.kwonlyargs:
        return None
    if case.program.scope_of(function) is not None or len(case.program.bindings[name]) != 1:
        return None
    calls = [
        n
        for n in ast.walk(case.program.statement_at(case.frame.line) or ast.Pass())
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == name
    ]
    if len(calls) != 1 or any(isinstance(a, ast.Starred) for a in calls[0].args):
        return None
    if calls[0].keywords or isinstance(case.program.parents.get(function), ast.ClassDef):
        return None
    parameters = [a.arg for a in arguments.posonlyargs + arguments.args]
    given = len(calls[0].args)
    count = f"{len(parameters)} parameter{'s' if len(parameters) != 1 else ''}"
    listed = f" ({_names(parameters)})" if parameters else ""
    return Diagnosis(
        "argument_count",
        case.frame.line,
        f"{_code(name)} is defined on line {function.lineno} with {count}{listed}, but the "
        f"call on line {case.frame.line} passes {given} value{'s' if given != 1 else ''}",
        f"Which values should the call on line {case.frame.line} pass?",
    )


# -- ValueError


def _unreadable_number(case: _Case) -> Diagnosis | None:
    message, line = case.facts.message, case.frame.line
    text = _quoted(message, r"^invalid literal for int\(\) with base 10: '(.*)'$")
    if text and _is_float(text) and "int(" in case.program.text(line):
        return Diagnosis(
            "decimal_into_int",
            line,
            f"On line {line}, `int()` was given the text {_code(repr(text))}, a number with a "
            "decimal point, and `int()` only reads whole numbers",
            "Which conversion reads a number with a decimal point?",
        )
    text = _quoted(message, r"^could not convert string to float: '(.*)'$")
    if text and "," in text and _is_float(text.replace(",", ".")):
        return Diagnosis(
            "comma_decimal",
            line,
            f"On line {line}, `float()` was given {_code(repr(text))}, which uses a comma, and "
            "`float()` only reads a decimal point",
            "What has to happen to the comma before the text is converted?",
        )
    return None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unpack_count(case: _Case) -> Diagnosis | None:
    expected = _quoted(case.facts.message, r"^too many values to unpack \(expected (\d+)\)$")
    statement = case.program.statement_at(case.frame.line)
    if not expected or statement is None:
        return None
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Tuple):
        value = statement.value
        if isinstance(value, ast.Call) and getattr(value.func, "attr", "") == "split":
            return Diagnosis(
                "split_unpack",
                case.frame.line,
                f"On line {case.frame.line}, {_code(_source(value))} split the text into more "
                f"than {expected} pieces, but only {expected} names on the left take them",
                "How many pieces does the text typed really split into, and what should "
                "happen to the extra ones?",
            )
    if isinstance(statement, ast.For) and isinstance(statement.target, ast.Tuple):
        origin = _value_origin(case, statement.iter)
        if origin is not None and origin.type == "dict" and not origin.parameter:
            return Diagnosis(
                "dict_unpack",
                case.frame.line,
                f"{_code(origin.name)} is a dict (line {origin.line}), and a `for` loop over a "
                f"dict gives only its keys, one at a time, so line {case.frame.line} cannot "
                f"split each one into {expected} names",
                "Which method of a dict gives the keys together with their values?",
            )
    return None


# -- KeyError, infinite loops and recursion


def _key_not_in_dict(case: _Case) -> Diagnosis | None:
    facts, program = case.facts, case.program
    name = facts.sequence
    keys = _fixed_dict_keys(program, name) if name else None
    key = _quoted(facts.message, r"^'(.*)'$")
    if keys is None or not key:
        return None
    same = [k for k in keys if isinstance(k, str) and k.lower() == key.lower() and k != key]
    close = same or difflib.get_close_matches(key, [k for k in keys if isinstance(k, str)], 1)
    binding = program.only_binding(name)
    if not close or binding is None:
        return None
    how = "only in upper and lower case" if same else "by a letter or two"
    return Diagnosis(
        "key_not_in_dict",
        case.frame.line,
        f"Line {case.frame.line} looks up the key {_code(repr(key))} in {_code(name)}, but "
        f"{_code(name)} (line {binding.line}) has the key {_code(repr(close[0]))}, which "
        f"differs from it {how}",
        "Where does the key come from, and how does it have to be written to match?",
    )


def _key_never_stored(case: _Case) -> Diagnosis | None:
    """`counts[word] += 1` on a dict that starts empty and gets keys nowhere else."""
    facts, program = case.facts, case.program
    name = facts.sequence
    binding = program.only_binding(name) if name else None
    if binding is None or binding.kind != "assign" or not isinstance(binding.value, ast.Dict):
        return None
    if binding.value.keys:
        return None
    statement = program.statement_at(case.frame.line)
    writes = [
        node
        for node in ast.walk(program.tree)
        if isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Store)
        and getattr(node.value, "id", None) == name
    ]
    if any(not _contains(statement, node) for node in writes):
        return None
    if not all(_only_read(program, node, stores=True) for node in _uses(program, name)):
        return None
    return Diagnosis(
        "key_never_stored",
        case.frame.line,
        f"{_code(name)} starts empty (line {binding.line}), and line {case.frame.line} reads "
        f"{_code(f'{name}[{facts.index}]')} before any value was stored under that key "
        f"({_code(facts.message)})",
        "What should happen the first time a key is seen?",
    )


def _endless_while(case: _Case) -> Diagnosis | None:
    loops = case.program.enclosing(case.frame.line, (ast.While,))
    if not loops:
        return None
    loop = loops[0]
    unchanged = _unchanged_in_loop(case.program, loop)
    named = sorted({n.id for n in ast.walk(loop.test) if isinstance(n, ast.Name)})
    if not named or len(unchanged) != len(named):
        return None  # some name of the condition does change: why it never ends is unclear
    listed = _names(named).replace(" and ", " or ")
    return Diagnosis(
        "endless_while",
        loop.lineno,
        f"The loop {_code(f'while {_source(loop.test)}:')} on line {loop.lineno} keeps going "
        f"while its condition holds, and no line inside the loop changes {listed}, so the "
        "condition never changes and the loop never ends",
        "Which line should change the condition's value, and is it inside the loop?",
    )


def _same_arguments(case: _Case) -> Diagnosis | None:
    """A recursive call that passes the function's own parameters unchanged (or swapped)."""
    name = case.frame.function
    functions = case.program.functions(name) if name else []
    if len(functions) != 1 or "maximum recursion depth" not in case.facts.message:
        return None
    function = functions[0]
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    calls = [
        n
        for n in ast.walk(function)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == name
    ]
    if not calls or not parameters or function.args.vararg or function.args.kwarg:
        return None
    reassigned = {
        b.name
        for p in parameters
        for b in case.program.bindings.get(p, [])
        if b.scope is function and b.kind != "arg"
    }
    if reassigned & set(parameters) or _changes_state(function, set(parameters)):
        return None
    for call in calls:
        passed = [_whole(a) for a in call.args]
        if call.keywords or sorted(passed) != sorted(parameters):
            return None
    call = calls[0]
    return Diagnosis(
        "same_arguments",
        call.lineno,
        f"The recursive call {_code(_source(call))} on line {call.lineno} passes "
        f"{_code(name)} the same values it was given, so every call is like the one before "
        "and none gets closer to a case that stops",
        "What should change in the arguments so that each call is a smaller problem?",
    )


def _changes_state(function: ast.AST, parameters: set[str]) -> bool:
    """True if the function could make the same arguments mean something new: it changes a
    parameter in place (`stack.pop()`, `xs[0] = 1`) or declares a global or nonlocal."""
    for node in ast.walk(function):
        if isinstance(node, ast.Global | ast.Nonlocal):
            return True
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) in parameters:
            return True  # a method of a parameter: it may change it (pop, append, ...)
        if isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            if getattr(node.value, "id", None) in parameters:
                return True
    return False


def _whole(node: ast.expr) -> str:
    """The parameter an argument passes unchanged (`words`, `words[0:]`, `words[:]`), or ""."""
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Slice)
        and node.slice.upper is None
        and node.slice.step is None
        and (node.slice.lower is None or _source(node.slice.lower) == "0")
    ):
        return node.value.id
    return ""


_RULES = {
    "NameError": (
        _defined_later,
        _only_in_function,
        _set_only_in_branches,
        _module_not_imported,
        _self_attribute,
        _misspelt_name,
    ),
    "UnboundLocalError": (_local_misspelt, _global_assigned_locally, _set_only_in_branches),
    "TypeError": (
        _text_from_input,
        _float_from_division,
        _function_not_called,
        _number_joined_to_text,
        _none_used,
        _not_callable,
        _missing_self,
        _called_on_class,
        _init_misspelt,
        _argument_count,
    ),
    "AttributeError": (_none_used, _function_not_called, _wrong_type_method, _attribute_typo),
    "IndexError": (_index_past_end,),
    "ZeroDivisionError": (_zero_divisor,),
    "ValueError": (_unreadable_number, _unpack_count),
    "KeyError": (_key_not_in_dict, _key_never_stored),
    "KeyboardInterrupt": (_endless_while,),
    "RecursionError": (_same_arguments,),
}
