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
:mod:`llm_prune_gym.hintfacts`' (one parser); this module adds only the rules.

Pure text analysis (``ast``, ``re``, ``difflib``): the program is never run here.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import io
import re
import tokenize
from dataclasses import dataclass

from .hintfacts import (
    _BUILTIN_NAMES,
    _BUILTIN_TYPES,
    _DIVISION_CALLS,
    _DIVISIONS,
    _IN_PLACE_METHODS,
    _LOOKUP_CALLS,
    _SYNTAX_ERRORS,
    _TYPE_WORDS,
    PROGRAM,
    Binding,
    Frame,
    HintFacts,
    LoopRange,
    Origin,
    Program,
    Traceback,
    _argument,
    _assigned_origin,
    _class_attributes,
    _code,
    _contains,
    _failing_node,
    _fixed_dict_keys,
    _fixed_sequence,
    _loop_range,
    _names,
    _only_read,
    _parameter_origin,
    _quoted,
    _returns_nothing,
    _sentence,
    _source,
    _static_int,
    _unchanged_in_loop,
    _uses,
    _value_type,
    hint_facts,
    parse_traceback,
)


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
    if traceback.exception in _SYNTAX_ERRORS:
        return _diagnose_syntax(code, traceback)
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


def _conditional_bindings(program: Program, bindings: list[Binding], line: int) -> list[ast.If]:
    """The if/elif chains without an else that hold every binding, all before `line` and
    none around `line`, in order; [] if the bindings are not all of that shape."""
    if not bindings or any(b.kind not in ("assign", "augassign", "for") for b in bindings):
        return []
    if max(b.line for b in bindings) >= line:
        return []
    heads = set()
    for binding in bindings:
        ifs = [n for n in program.enclosing(binding.line, (ast.If,)) if n.lineno != binding.line]
        if not ifs:
            return []
        head = ifs[-1] if binding.scope is None else _chain_head(program, ifs[0])
        heads.add(head)
    for head in heads:
        if head.lineno <= line <= (head.end_lineno or 0):
            return []
        tail = head
        while len(tail.orelse) == 1 and isinstance(tail.orelse[0], ast.If):
            tail = tail.orelse[0]
        if tail.orelse:
            return []
    return sorted(heads, key=lambda h: h.lineno)


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
    heads = _conditional_bindings(program, found, line)
    if not heads or _misspelt_before(program, name, here, line):
        return None
    lines = sorted({b.line for b in found})
    listed = f"line {lines[0]}" if len(lines) == 1 else f"lines {_names([str(n) for n in lines])}"
    head = heads[0]
    if len(heads) > 1:  # separate `if` statements, none with an `else`
        starts = _names([str(h.lineno) for h in heads]).replace("`", "")
        return Diagnosis(
            "set_only_in_branches",
            head.lineno,
            f"{_code(name)} is only given a value inside the `if` statements that start on "
            f"lines {starts} (on {listed.replace('`', '')}), and none of them has an `else`: "
            f"this time none of their conditions held, so {_code(name)} has no value when "
            f"line {line} reads it",
            "Which values do the conditions not cover, and what should happen for them?",
        )
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


_PERCENT_PLACE = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


def _format_count(case: _Case) -> Diagnosis | None:
    """`"%d items, %.2f euros" % (name, count, cost)`: more or fewer values than places."""
    if not re.match(
        r"^%\w format: |^not all arguments converted|^not enough arguments for format",
        case.facts.message,
    ):
        return None
    node = _failing_node(case.program, case.frame, ast.BinOp)
    if node is None or not isinstance(node.op, ast.Mod) or not isinstance(node.right, ast.Tuple):
        return None
    text = node.left
    if not isinstance(text, ast.Constant) or not isinstance(text.value, str):
        return None
    places = [p for p in _PERCENT_PLACE.findall(text.value) if p != "%%"]
    values = node.right.elts
    if any("*" in p or "(" in p for p in places) or any(isinstance(v, ast.Starred) for v in values):
        return None
    if len(places) == len(values):
        return None
    return Diagnosis(
        "format_count",
        case.frame.line,
        f"The text on line {case.frame.line} has {len(places)} `%` places "
        f"({_names(places).replace('`', '')}), but the tuple after `%` gives "
        f"{len(values)} values, so the values and the places do not pair up",
        f"Which value belongs in which place on line {case.frame.line}, and does each "
        "place's letter suit its value?",
    )


def _dict_of_input_text(case: _Case) -> Diagnosis | None:
    """`heights[name] = input(...)` and later `heights[tallest] > 50`: every value stored in
    the dict is the text `input()` gave back."""
    node = _str_operand(case)
    if not isinstance(node, ast.Subscript) or not isinstance(node.value, ast.Name):
        return None
    name, program = node.value.id, case.program
    binding = program.only_binding(name)
    if binding is None or not isinstance(binding.value, ast.Dict) or binding.value.keys:
        return None
    stores = []
    for use in _uses(program, name):
        parent = program.parents.get(use)
        if isinstance(parent, ast.Subscript) and isinstance(parent.ctx, ast.Store):
            statement = program.parents.get(parent)
            if not isinstance(statement, ast.Assign) or statement.targets != [parent]:
                return None
            stores.append(statement)
        elif not _only_read(program, use):
            return None
    if not stores or not all(_is_input_call(s.value) for s in stores):
        return None
    lines = sorted({s.lineno for s in stores})
    shown = ("line " if len(lines) == 1 else "lines ") + _names([str(n) for n in lines])
    return Diagnosis(
        "text_from_input",
        lines[0],
        f"On line {case.frame.line}, {_code(_source(node))} is a string: every value stored in "
        f"{_code(name)} is the text {_code('input()')} gives back ({shown.replace('`', '')}"
        f"), even when the user types a number, and nothing turns it into a number",
        f"What has to happen to the text from `input()` before it is stored in {_code(name)}?",
    )


def _is_input_call(node: ast.expr) -> bool:
    """`input(...)`, or `input(...).strip()` and other text methods that keep it text."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr not in (
            "strip",
            "lower",
            "upper",
            "title",
            "capitalize",
            "rstrip",
            "lstrip",
        ):
            return False
        node = node.func.value
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "input"


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


def _range_counter_joined(case: _Case) -> Diagnosis | None:
    """`i + " x "` with `i` from `for i in range(...)`: an integer joined to text."""
    operands = _operator_node(case)
    if operands is None or "for +: 'int' and 'str'" not in case.facts.message:
        return None
    left, right, _types = operands
    if not isinstance(left, ast.Name) or not _built_from_literal_text(right):
        return None
    loop = _loop_over(case.program, left.id, case.frame.line)
    iterable = loop.iter if loop is not None else None
    if not isinstance(iterable, ast.Call) or getattr(iterable.func, "id", "") != "range":
        return None
    if "range" in case.program.bindings:
        return None
    return Diagnosis(
        "number_joined_to_text",
        case.frame.line,
        f"On line {case.frame.line}, `+` joins {_code(left.id)} to text, but {_code(left.id)} "
        f"is an integer (it counts through {_code(_source(iterable))} on line {loop.lineno}), "  # type: ignore[union-attr]
        "and `+` can only join text to text",
        f"How can {_code(left.id)} be turned into text before it is joined?",
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
    sources = sorted(_none_sources(case), key=lambda s: s[0].col_offset)
    if len({where for _, _, where in sources}) != 1:
        return None  # several Nones with one cause (one function) are as certain as one
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
    if facts.exception == "IndexError" and not sequence:
        sequence, index = _length_subscript(case)
    if facts.exception != "IndexError" or not sequence or not index:
        return None
    length = f"len({sequence})"
    if sequence == facts.sequence:
        reason = _past_end_reason(facts, program, line, length)
    else:  # read by _length_subscript: the index is the length itself
        reason = line, f"Line {line} uses {_code(length)} itself as an index"
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


def _length_subscript(case: _Case) -> tuple[str, str]:
    """`self.songs[len(self.songs)]`: (sequence, index) where the facts did not read them."""
    node = _failing_node(case.program, case.frame, ast.Subscript)
    if node is None or not isinstance(node.ctx, ast.Load):
        return "", ""
    sequence, index = _source(node.value), _source(node.slice)
    return (sequence, index) if index == f"len({sequence})" else ("", "")


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
    if (
        loop is not None
        and index == f"{loop.variable} + 1"
        and (loop.iterable == f"range({length})" or loop.last_text == f"{length} - 1")
        and facts.sequence.isidentifier()
        and all(_only_read(program, n) for n in _uses(program, facts.sequence))
    ):  # the sequence keeps its length, so the last pass is the one that fails
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
    if origin is not None and origin.type != kind:
        return None
    if isinstance(node.value, ast.Name) and _typo_of(node.value.id, set(program.bindings)):
        return None  # `rows.split` next to a `row`: a mixed-up name is as likely
    plural = {"str": "strings", "int": "integers"}.get(kind, kind + "s")
    if origin is None:  # the message says the type; where it came from is not read
        return Diagnosis(
            "wrong_type_method",
            case.frame.line,
            f"Line {case.frame.line} uses {_code('.' + attribute)} on "
            f"{_code(_source(node.value))}, which is {_TYPE_WORDS[kind]} there (the error "
            f"says so); {plural} have no {_code(attribute)}, it belongs to "
            f"{_names(having).replace('`', '')}",
            f"Should {_code(_source(node.value))} be another kind of value, or should line "
            f"{case.frame.line} use something {plural} have?",
        )
    where = f"it gets its value from {_code(origin.source)} on line {origin.line}"
    if origin.parameter:
        where = f"it gets {_code(origin.name)} in the call on line {origin.call_line}"
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
        r"^(\w+)\.(\w+)\(\) takes (\d+) positional arguments? but (\d+) (?:was|were) given$",
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
    listed = ", ".join(parameters)
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
    """`Calculator.add(a, b)` or `lib = Library` then `lib.lend(...)`: a method called
    through the class, so no object goes to `self`."""
    match = re.match(r"^(\w+)\.(\w+)\(\) missing \d+ required positional", case.facts.message)
    call = _failing_node(case.program, case.frame, ast.Call)
    if match is None or call is None or not isinstance(call.func, ast.Attribute):
        return None
    owner, name = match.groups()
    method = _method(case.program, owner, name)
    parameters = [a.arg for a in method.args.args] if method is not None else []
    if parameters[:1] != ["self"] or not isinstance(call.func.value, ast.Name):
        return None
    if call.func.value.id == owner and "'self'" in case.facts.message:
        how = ""
    elif call.func.value.id == owner and len(call.args) == len(parameters) - 1:
        how = (
            f"; the values passed fill the parameters from `self` on, so "
            f"{_code(_source(call.args[0]))} is taken as `self`"
            if call.args
            else ""
        )
    else:
        binding = case.program.only_binding(call.func.value.id)
        value = binding.value if binding is not None else None
        if not (isinstance(value, ast.Name) and value.id == owner) or binding is None:
            return None
        return Diagnosis(
            "called_on_class",
            binding.line,
            f"Line {binding.line} sets {_code(call.func.value.id)} to the class {_code(owner)} "
            "itself, without round brackets after it, so it is the class, not an object made "
            f"from it; line {case.frame.line} then calls {_code(name)} on it, and no object "
            "goes to `self`",
            f"How is an object made from the class {_code(owner)}?",
        )
    return Diagnosis(
        "called_on_class",
        case.frame.line,
        f"Line {case.frame.line} calls {_code(name)} on the class {_code(owner)} itself, not on "
        f"an object of that class, so there is no object to pass as `self`{how}",
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
    if (
        text
        and re.fullmatch(r"\s*-?\d+(\.\d+)?\s+[A-Za-z].*", text)
        and "int(" in case.program.text(line)
    ):
        return Diagnosis(
            "number_with_words",
            line,
            f"On line {line}, `int()` was given the text {_code(repr(text))}: a number "
            "followed by words, and `int()` reads only text that is a number and nothing else",
            "How can the line take only the number out of the text before converting it?",
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
        if origin is not None and origin.type == "dict":
            where = f"line {origin.line}"
            if origin.parameter:
                where += (
                    f", passed as {_code(origin.parameter)} in the call on line {origin.call_line}"
                )
            return Diagnosis(
                "dict_unpack",
                case.frame.line,
                f"{_code(origin.name)} is a dict ({where}), and a `for` loop over a "
                f"dict gives only its keys, one at a time, so line {case.frame.line} cannot "
                f"split each one into {expected} names",
                "Which method of a dict gives the keys together with their values?",
            )
    return _unpack_items(case, statement, int(expected))


def _unpack_items(case: _Case, statement: ast.stmt, expected: int) -> Diagnosis | None:
    """`name, minutes = recipe` where `recipe` goes through a list of 3-tuples."""
    if not (
        isinstance(statement, ast.Assign)
        and isinstance(statement.targets[0], ast.Tuple)
        and len(statement.targets[0].elts) == expected
        and isinstance(statement.value, ast.Name)
    ):
        return None
    item = statement.value.id
    loop = _loop_over(case.program, item, case.frame.line)
    source = loop.iter if loop is not None else None
    binding = case.program.only_binding(source.id) if isinstance(source, ast.Name) else None
    if binding is None or not isinstance(binding.value, ast.List | ast.Tuple):
        return None
    if not all(_only_read(case.program, n) for n in _uses(case.program, binding.name)):
        return None
    sizes = {len(e.elts) if isinstance(e, ast.Tuple | ast.List) else -1 for e in binding.value.elts}
    if len(sizes) != 1 or (size := sizes.pop()) <= expected:
        return None
    return Diagnosis(
        "unpack_count",
        case.frame.line,
        f"Every item of {_code(binding.name)} (line {binding.line}) holds {size} values, but "
        f"line {case.frame.line} unpacks {_code(item)} into only {expected} names",
        f"How many names does it take to unpack one item of {_code(binding.name)}?",
    )


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
    if not all(
        _only_read(program, node, stores=True) or _dict_reading(program, node)
        for node in _uses(program, name)
    ):
        return None
    return Diagnosis(
        "key_never_stored",
        case.frame.line,
        f"{_code(name)} starts empty (line {binding.line}), and line {case.frame.line} reads "
        f"{_code(f'{name}[{facts.index}]')} before any value was stored under that key "
        f"({_code(facts.message)})",
        "What should happen the first time a key is seen?",
    )


def _dict_reading(program: Program, node: ast.AST) -> bool:
    """`d.get`, `d.keys()`, ...: a use of a dict's method that adds no key."""
    parent = program.parents.get(node)
    return isinstance(parent, ast.Attribute) and parent.attr in (
        "get", "keys", "values", "items", "copy",
    )  # fmt: skip


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
    dropped = [
        s
        for s in ast.walk(function)
        if isinstance(s, ast.Expr)
        and isinstance(s.value, ast.BinOp)
        and {n.id for n in ast.walk(s.value) if isinstance(n, ast.Name)} & set(parameters)
    ]
    if len(dropped) == 1:
        shown = _source(dropped[0].value)
        return Diagnosis(
            "same_arguments",
            dropped[0].lineno,
            f"Line {dropped[0].lineno} computes {_code(shown)} but keeps the result nowhere, so "
            f"the recursive call {_code(_source(call))} on line {call.lineno} passes "
            f"{_code(name)} the same values it was given, and no call gets closer to a case "
            "that stops",
            f"Where should the result of {_code(shown)} go?",
        )
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


# -- values that cannot change, modules, formats, dicts in loops, what functions give back


def _text_type(program: Program, value: ast.expr) -> str:
    """`_value_type`, and also `"_" * n` or `"a" + b`: text joined or repeated is text."""
    found = _value_type(program, value)
    if found or not isinstance(value, ast.BinOp) or not isinstance(value.op, ast.Mult | ast.Add):
        return found
    sides = (value.left, value.right)
    return "str" if any(_value_type(program, side) == "str" for side in sides) else ""


def _item_assignment(case: _Case) -> Diagnosis | None:
    """`position[1] += 1` on a tuple, `word[0] = ...` on a string: they cannot change."""
    kind = _quoted(case.facts.message, r"^'(str|tuple)' object does not support item assignment$")
    statement = case.program.statement_at(case.frame.line)
    targets = [
        node
        for node in (ast.walk(statement) if kind and statement is not None else ())
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
    ]
    if len(targets) != 1 or not isinstance(targets[0].value, ast.Name):
        return None
    name = targets[0].value.id
    origin = _value_origin(case, targets[0].value)
    if origin is None and (binding := case.program.only_binding(name)) is not None:
        if binding.kind == "assign" and binding.value is not None:
            found = _text_type(case.program, binding.value)
            origin = Origin(name, binding.line, _source(binding.value), found) if found else None
    if origin is None or origin.type != kind:
        return None
    where = f"it gets {_code(origin.source)} on line {origin.line}"
    if origin.parameter:
        where = f"it gets {_code(origin.name)} in the call on line {origin.call_line}"
    shown = origin.parameter or name
    plural = {"str": "strings", "tuple": "tuples"}[kind]
    return Diagnosis(
        "item_assignment",
        origin.call_line if origin.parameter else origin.line,
        f"{_code(shown)} is {_TYPE_WORDS[kind]} ({where}), and line {case.frame.line} changes "
        f"one of its items, {_code(_source(targets[0]))}; {plural} cannot be changed once "
        "they are made",
        f"Which kind of value could {_code(shown)} be so that its items can change, or should "
        f"line {case.frame.line} build a new {'string' if kind == 'str' else 'tuple'} instead?",
    )


def _module_misspelt(case: _Case) -> Diagnosis | None:
    """`import statistic` where the program goes on to use `statistics.mean`."""
    import sys

    name = _quoted(case.facts.message, r"^No module named '(\w+)'$")
    statement = case.program.statement_at(case.frame.line)
    if not name or not isinstance(statement, ast.Import | ast.ImportFrom):
        return None
    used = {
        node.value.id
        for node in ast.walk(case.program.tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }  # the program's own uses must name the module it meant
    right = _typo_of(name, used & set(sys.stdlib_module_names))
    if not right or right in case.program.bindings:
        return None
    return Diagnosis(
        "module_misspelt",
        case.frame.line,
        f"Line {case.frame.line} imports {_code(name)}, but Python has no module of that name; "
        f"its module {_code(right)} differs by a letter or two (or only in capitals), and "
        f"that is the name the rest of the program uses",
        "How exactly is the module's name spelt?",
    )


def _module_attribute_typo(case: _Case) -> Diagnosis | None:
    """`random.randInt`: Python names the module's attribute a letter or two away."""
    match = re.match(
        r"^module '(\w+)' has no attribute '(\w+)'\. Did you mean: '(\w+)'\?$", case.facts.message
    )
    if match is None:
        return None
    module, wrong, right = match.groups()
    imports = case.program.bindings.get(module, [])
    node = _failing_node(case.program, case.frame, ast.Attribute)
    if not imports or any(b.kind != "import" for b in imports) or node is None:
        return None
    if node.attr != wrong or _source(node.value) != module:
        return None
    if _edit_distance(wrong.lower(), right.lower()) > 2:
        return None
    return Diagnosis(
        "module_attribute_typo",
        case.frame.line,
        f"Line {case.frame.line} asks the module {_code(module)} for {_code(wrong)}, which it "
        f"does not have; its name that differs by a letter or two (or only in capitals) is "
        f"{_code(right)}, and Python's names are spelt exactly, capitals included",
        f"Which of the module's names did line {case.frame.line} mean?",
    )


def _format_code(case: _Case) -> Diagnosis | None:
    """`f"{text:.1f}"` on a str from `input()`, `f"{hours:02d}"` on a float from `/`."""
    match = re.match(
        r"^Unknown format code '(\w)' for object of type '(str|float)'$", case.facts.message
    )
    statement = case.program.statement_at(case.frame.line)
    if match is None or statement is None:
        return None
    code, kind = match.groups()
    fields = {
        node.value.id: _format_spec(node)
        for node in ast.walk(statement)
        if isinstance(node, ast.FormattedValue)
        and isinstance(node.value, ast.Name)
        and _format_spec(node).endswith(code)
        and _format_reason(case, node.value, kind) is not None
    }
    if len(fields) != 1:
        return None
    name, spec = fields.popitem()
    line, why = _format_reason(case, ast.Name(name), kind)  # type: ignore[misc]
    need = "a number" if kind == "str" else "a whole number"
    return Diagnosis(
        "format_code",
        line,
        f"Line {case.frame.line} formats {_code(name)} with {_code(':' + spec)}, a format for "
        f"{need}, but {why}",
        f"What kind of value does {_code(':' + spec)} need, and where should {_code(name)} "
        "become one?",
    )


def _format_spec(node: ast.FormattedValue) -> str:
    """The text after the colon of an f-string field ("" if none or not plain text)."""
    spec = node.format_spec
    if not isinstance(spec, ast.JoinedStr) or not all(
        isinstance(v, ast.Constant) for v in spec.values
    ):
        return ""
    return "".join(str(v.value) for v in spec.values)  # type: ignore[attr-defined]


def _format_reason(case: _Case, name: ast.Name, kind: str) -> tuple[int, str] | None:
    """(line, why) `name` is certainly of `kind`: text from input(), a float from `/`."""
    if kind == "str":
        origin = _value_origin(case, name)
        if not _is_input(origin):
            return None
        return origin.line, (  # type: ignore[union-attr]
            f"{_code(name.id)} gets its value from {_code(origin.source)} on line "  # type: ignore[union-attr]
            f"{origin.line}, and `input()` always gives back text, even when the user types "  # type: ignore[union-attr]
            "a number"
        )
    binding = _from_division(case.program, name.id)
    if binding is None:
        return None
    return binding.line, (
        f"{_code(name.id)} is computed on line {binding.line} as "
        f"{_code(_source(binding.value))}, and `/` always gives a float (a number with a "  # type: ignore[arg-type]
        "decimal point), even when it divides evenly"
    )


def _from_division(program: Program, name: str) -> Binding | None:
    """The one binding of `name` if it is `a / b`, else None."""
    binding = program.only_binding(name)
    value = binding.value if binding is not None else None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div):
        return binding
    return None


def _dict_changed_in_loop(case: _Case) -> Diagnosis | None:
    """`for k in d:` whose body deletes or adds keys of `d`."""
    if case.facts.message != "dictionary changed size during iteration":
        return None
    loop = case.program.statement_at(case.frame.line)
    if not isinstance(loop, ast.For):
        return None
    iterable = loop.iter
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute):
        if iterable.func.attr not in ("keys", "values", "items") or iterable.args:
            return None
        iterable = iterable.func.value
    if not isinstance(iterable, ast.Name):
        return None
    name = iterable.id
    changes = [
        node for statement in loop.body for node in ast.walk(statement) if _changes_size(node, name)
    ]
    if len(changes) != 1:
        return None
    change = changes[0]
    return Diagnosis(
        "dict_changed_in_loop",
        change.lineno,
        f"The loop on line {loop.lineno} goes through the dict {_code(name)}, and line "
        f"{change.lineno} changes which keys {_code(name)} has while the loop is still going "
        f"({_code(_source(change))}); a dict must not grow or shrink while a `for` loop goes "
        "through it",
        f"What could the loop go through instead, so that changing {_code(name)} does not "
        "disturb it?",
    )


def _changes_size(node: ast.AST, name: str) -> bool:
    """`del d[k]`, `d.pop(k)`, `d.popitem()`, `d.clear()`: a statement that drops keys of d."""
    if isinstance(node, ast.Delete):
        return any(
            isinstance(t, ast.Subscript) and getattr(t.value, "id", None) == name
            for t in node.targets
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and getattr(node.func.value, "id", None) == name
        and node.func.attr in ("pop", "popitem", "clear")
    )


def _str_method_result(case: _Case) -> Diagnosis | None:
    """`__str__` that prints instead of returning, or returns a number."""
    kind = _quoted(case.facts.message, r"^__str__ returned non-string \(type (\w+)\)$")
    methods = [
        node
        for node in ast.walk(case.program.tree)
        if isinstance(node, ast.FunctionDef)
        and node.name == "__str__"
        and isinstance(case.program.parents.get(node), ast.ClassDef)
    ]
    if not kind or len(methods) != 1:
        return None
    method = methods[0]
    owner = case.program.parents[method].name  # type: ignore[attr-defined]
    returns = [
        node
        for node in ast.walk(method)
        if isinstance(node, ast.Return) and case.program.scope_of(node) is method
    ]
    valued = [r for r in returns if r.value is not None]
    if kind == "NoneType" and not valued:
        prints = [
            node.lineno
            for node in ast.walk(method)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print"
        ]
        also = f"; it prints on line {prints[0]} instead" if len(prints) == 1 else ""
        return Diagnosis(
            "str_method_result",
            method.lineno,
            f"The method `__str__` of {_code(owner)} (line {method.lineno}) has no `return` "
            f"with a value{also}, so it gives back None, and line {case.frame.line} needs "
            "`__str__` to give back a string",
            "What should `__str__` do with the text instead of printing it?",
        )
    if len(returns) != 1 or len(valued) != 1 or kind == "NoneType":
        return None
    value = valued[0]
    word = _TYPE_WORDS.get(kind, f"a value of type {_code(kind)}")
    return Diagnosis(
        "str_method_result",
        value.lineno,
        f"The method `__str__` of {_code(owner)} gives back {_code(_source(value.value))} "
        f"(line {value.lineno}), which is {word}, not a string, and line {case.frame.line} "
        "needs `__str__` to give back a string",
        "How can `__str__` turn what it gives back into text?",
    )


def _own_function(program: Program, node: ast.expr | None) -> ast.FunctionDef | None:
    """The plain function (defined once, no decorator, not a generator) that `node` calls."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return None
    functions = program.functions(node.func.id)
    if len(functions) != 1 or len(program.bindings.get(node.func.id, [])) != 1:
        return None
    function = functions[0]
    if not isinstance(function, ast.FunctionDef) or function.decorator_list:
        return None
    if any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(function)):
        return None
    return function


def _returns(program: Program, function: ast.FunctionDef) -> list[ast.Return]:
    return [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and program.scope_of(node) is function
    ]


def _never_none(program: Program, function: ast.FunctionDef, value: ast.expr) -> bool:
    """True if `value`, returned by `function`, is certainly not None: a literal, an
    arithmetic result, or a local name every assignment of which is one."""
    if isinstance(value, ast.BinOp | ast.Compare | ast.UnaryOp):
        return True
    if isinstance(value, ast.Name):
        bindings = program.bindings.get(value.id, [])
        own = [b for b in bindings if b.scope is function]
        if not own or len(own) != len(bindings) or value.id in program.declared:
            return False
        return all(
            b.kind == "augassign"
            or (b.kind == "assign" and _never_none(program, function, b.value))  # type: ignore[arg-type]
            for b in own
        )
    return _value_type(program, value) not in ("", "NoneType")


def _call_giving_none(case: _Case) -> ast.Call | None:
    """The call on the failing line (or the one assignment of a name there) that the
    message says gave None: a side of an operator, or the value unpacked."""
    program = case.program
    node: ast.expr | None = None
    if "cannot unpack non-iterable NoneType object" == case.facts.message:
        statement = program.statement_at(case.frame.line)
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Tuple):
            node = statement.value
    else:
        operands = _operator_node(case)
        if operands is not None:
            left, right, types = operands
            sides = [s for s, t in zip((left, right), types, strict=True) if t == "NoneType"]
            node = sides[0] if len(sides) == 1 else None
    if isinstance(node, ast.Name):
        binding = program.only_binding(node.id)
        node = binding.value if binding is not None and binding.kind == "assign" else None
    return node if isinstance(node, ast.Call) else None


def _ends_without_return(case: _Case) -> Diagnosis | None:
    """A function whose every `return` gives a value gave None: it reached its end."""
    call = _call_giving_none(case)
    function = _own_function(case.program, call)
    if function is None:
        return None
    returns = _returns(case.program, function)
    if not returns or any(
        r.value is None or not _never_none(case.program, function, r.value) for r in returns
    ):
        return None
    last = function.body[-1]
    name = function.name
    if isinstance(last, ast.Expr) and _own_function(case.program, last.value) is function:
        where, detail = (
            last.lineno,
            (
                f"line {last.lineno} calls {_code(name)} again but does nothing with what that "
                "call gives back"
            ),
        )
    elif len(returns) == 1:
        blocks = [
            b
            for b in case.program.enclosing(returns[0].lineno, (ast.If, ast.For, ast.While))
            if _contains(function, b)
        ]
        if not blocks:
            return None
        where, detail = (
            returns[0].lineno,
            (
                f"its only `return` (line {returns[0].lineno}) is {_place(blocks[0], returns[0])}, "
                "and this time the function did not get to it"
            ),
        )
    else:
        return None
    return Diagnosis(
        "ends_without_return",
        where,
        f"On line {case.frame.line}, {_code(_source(call))} gave back None: every `return` in "
        f"{_code(name)} (line {function.lineno}) gives a value, so the call reached the end of "
        f"the function without passing one; {detail}",
        f"What should {_code(name)} give back in that case, and which line has to say so?",
    )


def _place(block: ast.If | ast.For | ast.While, node: ast.stmt) -> str:
    """Where `node` sits in `block`: "inside the `for` on line 3", "in the `else` part of
    the `if` on line 2"."""
    if isinstance(block, ast.If) and any(_contains(s, node) for s in block.orelse):
        return f"in the `else` part of the `if` on line {block.lineno}"
    word = {ast.If: "if", ast.For: "for", ast.While: "while"}[type(block)]
    return f"inside the `{word}` on line {block.lineno}"


def _unpack_one_value(case: _Case) -> Diagnosis | None:
    """`e, c = split_price(p)` where the function's one `return` gives a single number."""
    kind = _quoted(case.facts.message, r"^cannot unpack non-iterable (int|float|bool) object$")
    statement = case.program.statement_at(case.frame.line)
    if not kind or not isinstance(statement, ast.Assign):
        return None
    target = statement.targets[0]
    function = _own_function(case.program, statement.value)
    if function is None or not isinstance(target, ast.Tuple) or len(statement.targets) != 1:
        return None
    returns = _returns(case.program, function)
    sized = (ast.Tuple, ast.List, ast.Starred)
    bare = [r for r in returns if not isinstance(r.value, sized)]
    if (
        len(returns) > 1
        and len(bare) == 1
        and all(
            isinstance(r.value, ast.Tuple) and len(r.value.elts) == len(target.elts)
            for r in returns
            if r is not bare[0]
        )
    ):
        returns = bare  # the pairs unpack; the one bare value is what failed
    if len(returns) != 1 or returns[0].value is None:
        return None
    mixed = len(_returns(case.program, function)) > 1
    value = returns[0].value
    if isinstance(value, ast.Tuple | ast.List | ast.Starred):
        return None
    names = len(target.elts)
    shown = ", ".join(_source(e) for e in target.elts)
    return Diagnosis(
        "unpack_one_value",
        returns[0].lineno,
        f"Line {case.frame.line} unpacks what {_code(_source(statement.value))} gives back into "
        f"{names} names ({_code(shown)}), but {_code(function.name)} gives back one "
        f"value, {_code(_source(value))} (line {returns[0].lineno}), which is "
        f"{_TYPE_WORDS[kind]}" + (f"; its other returns give {names} values" if mixed else ""),
        f"How many values should {_code(function.name)} give back, and how?",
    )


# -- attributes an object never got, values a set or a loop cannot take, keys and items


def _attribute_never_set(case: _Case) -> Diagnosis | None:
    """`self.gold` read, but `__init__` set a plain `gold`, or a subclass's `__init__`
    replaced the one that sets it."""
    owner = _quoted(case.facts.message, r"^'(\w+)' object has no attribute '\w+'$")
    attribute, program = case.facts.offending, case.program
    classes = [n for n in ast.walk(program.tree) if isinstance(n, ast.ClassDef)]
    mine = [c for c in classes if c.name == owner]
    if not owner or not attribute or len(mine) != 1 or owner in _BUILTIN_TYPES:
        return None
    init = _method(program, owner, "__init__")
    if init is None or _stores_self(init, attribute):
        return None
    local = [
        b.line
        for b in program.bindings.get(attribute, [])
        if b.scope is init and b.kind == "assign"
    ]
    if local and mine[0].bases == []:
        return Diagnosis(
            "attribute_never_set",
            min(local),
            f"`__init__` of {_code(owner)} sets the plain variable {_code(attribute)} on line "
            f"{min(local)}, which exists only while `__init__` runs; it never sets "
            f"{_code('self.' + attribute)}, so the object has no {_code(attribute)} when line "
            f"{case.frame.line} reads it",
            "How does `__init__` store a value on the object itself?",
        )
    bases = [b.id for b in mine[0].bases if isinstance(b, ast.Name)]
    parent = _method(program, bases[0], "__init__") if len(bases) == 1 else None
    if parent is None or len(mine[0].bases) != 1 or not _stores_self(parent, attribute):
        return None
    if _stores_self(mine[0], attribute) or any(
        isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "__init__"
        for n in ast.walk(init)
    ):
        return None  # the parent's `__init__` is called, or the class sets it itself
    line = min(n.lineno for n in ast.walk(parent) if _is_self_store(n, attribute))
    return Diagnosis(
        "attribute_never_set",
        init.lineno,
        f"{_code(owner)} has its own `__init__` (line {init.lineno}), which replaces the one of "
        f"{_code(bases[0])}; {_code(bases[0])}'s `__init__` sets "
        f"{_code('self.' + attribute)} (line {line}), but {_code(owner)}'s never calls it, so "
        f"an object of {_code(owner)} has no {_code(attribute)}",
        f"How can {_code(owner)}'s `__init__` let {_code(bases[0])}'s `__init__` do its part?",
    )


def _is_self_store(node: ast.AST, attribute: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and node.attr == attribute
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _stores_self(scope: ast.AST, attribute: str) -> bool:
    """True if `self.<attribute> = ...` (or `setattr`) appears anywhere in `scope`."""
    return any(
        _is_self_store(n, attribute)
        or (isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setattr")
        for n in ast.walk(scope)
    )


def _unhashable_list(case: _Case) -> Diagnosis | None:
    """A list put in a set, used as a dict key or looked up with `in` a dict or set."""
    if case.facts.message != "unhashable type: 'list'":
        return None
    statement = case.program.statement_at(case.frame.line)
    found: list[tuple[ast.expr, str]] = []
    for node in ast.walk(statement) if statement is not None else ():
        if getattr(node, "lineno", case.frame.line) != case.frame.line:
            continue  # the body of an `if` or a loop that starts on the failing line
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add":
            found += [(a, "puts it in a set with `.add()`") for a in node.args[:1]]
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
            found.append((node.left, "looks it up with `in` among a dict's keys or a set's items"))
        elif isinstance(node, ast.Subscript):
            found.append((node.slice, "uses it as a dict's key"))
    lists = []
    for node, how in found:
        if isinstance(node, ast.Name):
            binding = _reaching_binding(case.program, node.id, case.frame.line)
            if binding is not None and isinstance(binding.value, ast.List | ast.ListComp):
                lists.append((node.id, binding, how))
    if len({name for name, _, _ in lists}) != 1 or len({how for _, _, how in lists}) != 1:
        return None
    name, binding, how = lists[0]
    return Diagnosis(
        "unhashable_list",
        binding.line,
        f"{_code(name)} is a list (line {binding.line}), and line {case.frame.line} {how}; "
        "the keys of a dict and the items of a set must be values that can never change, and "
        "a list can change",
        f"Which kind of sequence, one that cannot change, could {_code(name)} be instead?",
    )


def _reaching_binding(program: Program, name: str, line: int) -> Binding | None:
    """The name's one binding at or before `line` where every other binding comes later and
    outside each loop around `line` (so none of them can reach it)."""
    found = program.bindings.get(name, [])
    before = [b for b in found if b.line <= line]
    if len(before) != 1 or name in program.declared:
        return None
    loops = program.enclosing(line, (ast.For, ast.While))
    for later in found:
        if later is not before[0] and any(
            loop.lineno <= later.line <= (loop.end_lineno or 0) for loop in loops
        ):
            return None
    return before[0]


def _number_as_sequence(case: _Case) -> Diagnosis | None:
    """`for d in number:`, `len(number)` or `for i in len(xs):`: a number where a sequence
    is needed."""
    message, program = case.facts.message, case.program
    statement = program.statement_at(case.frame.line)
    if message == "'int' object is not iterable" and isinstance(statement, ast.For):
        node, how = statement.iter, "goes through it with a `for` loop"
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "len"
            and "len" not in program.bindings
        ):
            return Diagnosis(
                "number_as_sequence",
                case.frame.line,
                f"The loop on line {case.frame.line} goes through {_code(_source(node))}, which "
                "is one number, the length, and a `for` loop needs a sequence of values to go "
                "through",
                "Which built-in function gives the whole numbers from 0 up to a length?",
            )
    elif message == "object of type 'int' has no len()":
        call = _failing_node(program, case.frame, ast.Call)
        if call is None or getattr(call.func, "id", "") != "len" or len(call.args) != 1:
            return None
        node, how = call.args[0], "asks for its length"
    else:
        return None
    origin = _value_origin(case, node)
    if origin is None or origin.type != "int" or not origin.source.startswith("int("):
        return None
    return Diagnosis(
        "number_as_sequence",
        origin.line,
        f"{_code(origin.name)} is an integer (it gets {_code(origin.source)} on line "
        f"{origin.line}), and line {case.frame.line} {how}; a number is one value, with no "
        "items and no length",
        f"What should line {case.frame.line} use there: the digits of {_code(origin.name)} as "
        "text, a range of numbers, or something else?",
    )


def _key_of_wrong_type(case: _Case) -> Diagnosis | None:
    """`menu[choice]` with text from `input()` where the keys are numbers; `d[v]` with `v`
    from `d.values()`."""
    facts, program = case.facts, case.program
    name = facts.sequence
    keys = _fixed_dict_keys(program, name) if name else None
    node = _failing_node(program, case.frame, ast.Subscript)
    if keys is None or node is None or not isinstance(node.slice, ast.Name):
        return None
    key = node.slice.id
    binding = program.only_binding(name)
    origin = _value_origin(case, node.slice)
    number = re.fullmatch(r"-?\d+", facts.message)
    if number and keys and all(type(k) is str for k in keys) and facts.message in keys:
        return Diagnosis(
            "key_of_wrong_type",
            binding.line,  # type: ignore[union-attr]
            f"The keys of {_code(name)} (line {binding.line}) are text, such as "  # type: ignore[union-attr]
            f"{_code(repr(facts.message))}, but line {case.frame.line} looks one up with "
            f"{_code(key)}, the integer {facts.message} (the error shows it without quotes), "
            "and a number never equals text",
            f"Should the keys be numbers, or should {_code(key)} be turned into text first?",
        )
    digits = _quoted(facts.message, r"^'(\d+)'$")
    if digits and _is_input(origin) and keys and all(type(k) is int for k in keys):
        return Diagnosis(
            "key_of_wrong_type",
            origin.line,  # type: ignore[union-attr]
            f"{_code(key)} gets its value from {_code(origin.source)} on line {origin.line}, "  # type: ignore[union-attr]
            f"so it is the text {_code(repr(digits))}, but the keys of {_code(name)} (line "
            f"{binding.line}) are numbers, and text never equals a number",  # type: ignore[union-attr]
            f"What has to happen to {_code(key)} before it can find a number among the keys?",
        )
    loops = [
        loop
        for loop in program.enclosing(case.frame.line, (ast.For,))
        if isinstance(loop.target, ast.Name) and loop.target.id == key
    ]
    if not loops or len(program.bindings.get(key, [])) != 1:
        return None
    iterable = loops[0].iter
    if not (
        isinstance(iterable, ast.Call)
        and getattr(iterable.func, "attr", "") == "values"
        and _source(iterable.func.value) == name  # type: ignore[attr-defined]
    ):
        return None
    return Diagnosis(
        "key_of_wrong_type",
        loops[0].lineno,
        f"The loop on line {loops[0].lineno} goes through {_code(_source(iterable))}, so "
        f"{_code(key)} is one of the values of {_code(name)}, not a key; line "
        f"{case.frame.line} then looks that value up as a key",
        f"What should the loop go through so that {_code(key)} is a key?",
    )


def _item_not_in_list(case: _Case) -> Diagnosis | None:
    """`xs.remove(min)`: a function where its value was meant; `xs.remove("bananna")` next
    to a "banana" in the list's literal."""
    message, program = case.facts.message, case.program
    call = _failing_node(program, case.frame, ast.Call)
    if call is None or not isinstance(call.func, ast.Attribute) or len(call.args) != 1:
        return None
    method, argument = call.func.attr, call.args[0]
    if not (
        (method == "remove" and message == "list.remove(x): x not in list")
        or (method == "index" and message.endswith(" is not in list"))
    ):
        return None
    if isinstance(argument, ast.Name) and _names_function(program, argument):
        return Diagnosis(
            "item_not_in_list",
            case.frame.line,
            f"Line {case.frame.line} passes {_code(argument.id)} to {_code(method + '()')} "
            f"without round brackets after it, so it passes the function {_code(argument.id)} "
            "itself, not the value the function gives back, and no item of the list is that "
            "function",
            "What is the difference between naming a function and calling it?",
        )
    literal = program.only_binding(_source(call.func.value))
    items = literal.value if literal is not None else None
    text = argument.value if isinstance(argument, ast.Constant) else None
    if isinstance(argument, ast.Name) and method == "index" and isinstance(items, ast.List):
        return _item_case(case, argument.id, literal, items)  # type: ignore[arg-type]
    if not isinstance(items, ast.List) or not isinstance(text, str):
        return None
    words = [
        e.value for e in items.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
    ]
    right = _typo_of(text, words) or next(
        (w for w in words if w.lower() == text.lower() and w != text), ""
    )
    if not right or text in words:
        return None
    return Diagnosis(
        "item_not_in_list",
        case.frame.line,
        f"Line {case.frame.line} looks for {_code(repr(text))} in {_code(_source(call.func.value))}"
        f", but the list made on line {literal.line} has {_code(repr(right))}, "  # type: ignore[union-attr]
        "which differs from it by a letter or two (or only in capitals)",
        "How is that item written in the list?",
    )


def _item_case(case: _Case, name: str, literal: Binding, items: ast.List) -> Diagnosis | None:
    """`ranks.index(first)` where the value ('k') is in the list only in other capitals."""
    text = _quoted(case.facts.message, r"^'(.*)' is not in list$")
    words = [
        e.value for e in items.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
    ]
    if len(words) != len(items.elts) or not text or text in words:
        return None
    if not all(_only_read(case.program, n) for n in _uses(case.program, literal.name)):
        return None
    same = [w for w in words if w.lower() == text.lower()]
    if len(same) != 1:
        return None
    line, typed = _typed_as_is(case, ast.Name(name))
    return Diagnosis(
        "item_not_in_list",
        line,
        f"{_code(name)} is {_code(repr(text))} on line {case.frame.line}{typed}, but the list "
        f"made on line {literal.line} has {_code(repr(same[0]))}, which differs from it only "
        "in capitals, and Python compares text exactly",
        f"Where does {_code(name)} get its value, and how does it have to be written to "
        "match the list?",
    )


def _typed_as_is(case: _Case, node: ast.expr) -> tuple[int, str]:
    """(line, clause) where `node` names the text `input()` gave (maybe stripped), its
    capitals untouched; else the failing line and no clause."""
    binding = case.program.only_binding(node.id) if isinstance(node, ast.Name) else None
    if binding is None or binding.kind != "assign" or binding.value is None:
        return case.frame.line, ""
    source = _source(binding.value)
    if not _is_input_call(binding.value) or re.search(
        r"\.(lower|upper|title|capitalize)\(", source
    ):
        return case.frame.line, ""
    return binding.line, f" (typed at {_code(source)} on line {binding.line}, capitals as typed)"


def _join_numbers(case: _Case) -> Diagnosis | None:
    """`", ".join(numbers)` where the items are numbers: join only joins text."""
    match = re.match(r"^sequence item (\d+): expected str instance, (int|float) found$",
                     case.facts.message)  # fmt: skip
    call = _failing_node(case.program, case.frame, ast.Call)
    if match is None or call is None or getattr(call.func, "attr", "") != "join":
        return None
    if len(call.args) != 1 or not isinstance(call.func.value, ast.Constant):  # type: ignore[attr-defined]
        return None
    items = _source(call.args[0])
    return Diagnosis(
        "join_numbers",
        case.frame.line,
        f"Line {case.frame.line} joins the items of {_code(items)} with `.join()`, which can "
        f"only join text, but item {match.group(1)} of {_code(items)} is "
        f"{_TYPE_WORDS[match.group(2)]}, a number",
        f"What has to happen to each item of {_code(items)} before it can be joined?",
    )


_LENGTH_WORDS = ("length", "lenght", "len", "size", "lengh")


def _length_attribute(case: _Case) -> Diagnosis | None:
    """`word.length` or `xs.size()`: Python finds a length with a built-in function."""
    kind, attribute = (case.facts.types or ("",))[0], case.facts.offending
    node = _failing_node(case.program, case.frame, ast.Attribute)
    if kind not in ("str", "list", "dict", "tuple", "set") or attribute not in _LENGTH_WORDS:
        return None
    if node is None or node.attr != attribute:
        return None
    plural = {"str": "strings", "dict": "dicts"}.get(kind, kind + "s")
    return Diagnosis(
        "length_attribute",
        case.frame.line,
        f"Line {case.frame.line} asks {_code(_source(node.value))}, {_TYPE_WORDS[kind]}, for "
        f"{_code('.' + attribute)}, but Python's {plural} have no such attribute or method: "
        "the length of a string, list or dict is found with a built-in function",
        "Which built-in function gives the number of items in a sequence?",
    )


# -- Python 2 names, random indexes, text one step from `input()`

_PYTHON2 = {
    ("dict", "iteritems"),
    ("dict", "iterkeys"),
    ("dict", "itervalues"),
    ("dict", "has_key"),
}
_PYTHON2_NAMES = {"raw_input", "xrange", "unicode"}


def _python2_name(case: _Case) -> Diagnosis | None:
    """`d.iteritems()`, `raw_input()`, `xrange()`: names Python 3 no longer has."""
    facts = case.facts
    kind = (facts.types or ("",))[0]
    name = facts.offending
    if facts.exception == "AttributeError" and (kind, name) in _PYTHON2:
        node = _failing_node(case.program, case.frame, ast.Attribute)
        if node is None or node.attr != name:
            return None
        what = f"{_code('.' + name + '()')} of {_TYPE_WORDS[kind]}"
    elif facts.exception == "NameError" and name in _PYTHON2_NAMES:
        if name in case.program.bindings:
            return None
        what = _code(name)
    else:
        return None
    return Diagnosis(
        "python2_name",
        case.frame.line,
        f"Line {case.frame.line} uses {what}, which only Python 2 had; the program runs on "
        "Python 3, which does the same under another name",
        "What is its name in Python 3?",
    )


def _random_index(case: _Case) -> Diagnosis | None:
    """`xs[random.randint(0, len)]`: randint includes its upper end."""
    facts, program = case.facts, case.program
    length = facts.sequence_length
    node = _failing_node(program, case.frame, ast.Subscript)
    if not length or node is None or _source(node.value) != facts.sequence:
        return None
    index = node.slice
    if isinstance(index, ast.Name):
        binding = program.only_binding(index.id)
        index = binding.value if binding is not None and binding.kind == "assign" else None
    if not (
        isinstance(index, ast.Call)
        and _source(index.func) == "random.randint"
        and len(index.args) == 2
        and "random" in program.bindings
        and all(b.kind == "import" for b in program.bindings["random"])
    ):
        return None
    top = _static_int(program, index.args[1])
    if top is None or top < length:
        return None
    return Diagnosis(
        "random_index",
        index.lineno,
        f"{_code(_source(index))} on line {index.lineno} can give {top}: `randint` includes "
        f"both ends; but {_code(facts.sequence)} has {length} items, with indexes from 0 to "
        f"{length - 1}",
        "Which upper end keeps the random index inside the list?",
    )


def _text_operands(case: _Case) -> list[ast.expr]:
    """The operands on the failing line that the message says may be text."""
    node = _str_operand(case)
    if node is not None:
        return [node]
    if case.facts.message.startswith("can't multiply sequence by non-int"):
        operator = _failing_node(case.program, case.frame, ast.BinOp)
        if operator is not None and isinstance(operator.op, ast.Mult):
            return [operator.left, operator.right]
    return []


def _one_step(case: _Case, node: ast.expr) -> tuple | None:
    """(name, its binding, the value, [the input() name]) where `node` is a name set once
    from `*` or `+` with exactly one side the text of `input()`."""
    if not isinstance(node, ast.Name):
        return None
    binding = case.program.only_binding(node.id)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.BinOp) or not isinstance(value.op, ast.Mult | ast.Add):
        return None
    sides = [s for s in (value.left, value.right) if _is_input(_value_origin(case, s))]
    if len(sides) != 1 or not isinstance(sides[0], ast.Name):
        return None
    return node, binding, value, sides


def _text_one_step(case: _Case) -> Diagnosis | None:
    """`total = people * slices` with `slices` from `input()`: `total` is text too, and
    line N uses it as a number."""
    found = [step for node in _text_operands(case) if (step := _one_step(case, node))]
    if len(found) != 1:
        return None
    node, binding, value, sides = found[0]
    origin = _value_origin(case, sides[0])
    line = case.frame.line
    return Diagnosis(
        "text_one_step",
        origin.line,  # type: ignore[union-attr]
        f"On line {line}, {_code(node.id)} is text, not a number: line {binding.line} "  # type: ignore[union-attr]
        f"computes it as {_code(_source(value))}, and {_code(sides[0].id)} gets its value "
        f"from {_code(origin.source)} on line {origin.line}, which always gives back text; "  # type: ignore[union-attr]
        "`*` or `+` with text repeats or joins the text instead of doing arithmetic",
        f"What has to happen to the text from `input()` before {_code(sides[0].id)} can be used "
        "as a number?",
    )


def _key_case(case: _Case) -> Diagnosis | None:
    """A key with capitals looked up in a dict whose every stored key is lower case
    (`d[name.lower()] = ...`, or the letters of a lower-case string)."""
    facts, program = case.facts, case.program
    name, key = facts.sequence, _quoted(facts.message, r"^'(.*)'$")
    binding = program.only_binding(name) if name else None
    if not key or key == key.lower() or binding is None or binding.kind != "assign":
        return None
    fixed = _literal_keys(program, name)
    if fixed and all(type(k) is str and k == k.lower() for k in fixed) and key.lower() in fixed:
        node = _failing_node(program, case.frame, ast.Subscript)
        line, typed = _typed_as_is(case, node.slice) if node is not None else (case.frame.line, "")
        return Diagnosis(
            "key_case",
            line,
            f"Every key of {_code(name)} is lower case (the dict is written on line "
            f"{binding.line} and never changed), but line {case.frame.line} looks up "
            f"{_code(repr(key))}{typed}, which has capitals, and keys must match exactly",
            "Where does the key come from, and how does it have to be written to match?",
        )
    if not isinstance(binding.value, ast.Dict) or binding.value.keys:
        return None
    failing = program.statement_at(case.frame.line)
    uses = [n for n in _uses(program, name) if not _deleted_here(program, n, failing)]
    if not all(_only_read(program, n, stores=True) or _dict_reading(program, n) for n in uses):
        return None
    stores = [
        node
        for node in ast.walk(program.tree)
        if isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Store)
        and getattr(node.value, "id", None) == name
        and not _stores_what_it_read(failing, node)
    ]
    reasons = [_lower_key(program, node) for node in stores]
    if not stores or not all(reasons):
        return None
    numbers = sorted({node.lineno for node in stores})
    lines = ("line " if len(numbers) == 1 else "lines ") + _names(
        [str(n) for n in numbers]
    ).replace("`", "")
    return Diagnosis(
        "key_case",
        case.frame.line,
        f"Every key stored in {_code(name)} is lower case ({lines}: {reasons[0]}), but line "
        f"{case.frame.line} looks up {_code(repr(key))}, which has capitals, and keys must "
        "match exactly",
        "Where does the key come from, and how does it have to be written to match?",
    )


def _literal_keys(program: Program, name: str) -> list | None:
    """The constant keys of a dict written once as a literal and only read after (printing
    or joining its keys reads it too)."""
    binding = program.only_binding(name)
    if binding is None or binding.kind != "assign" or not isinstance(binding.value, ast.Dict):
        return None
    keys = binding.value.keys
    if not all(isinstance(k, ast.Constant) for k in keys):
        return None
    for node in _uses(program, name):
        parent = program.parents.get(node)
        joined = isinstance(parent, ast.Call) and getattr(parent.func, "attr", "") == "join"
        if not (_only_read(program, node) or (joined and node in parent.args)):  # type: ignore[union-attr]
            return None
    return [k.value for k in keys]  # type: ignore[union-attr]


def _deleted_here(program: Program, node: ast.Name, failing: ast.stmt | None) -> bool:
    """`del d[k]` in the failing statement: it raised, so it removed nothing."""
    parent = program.parents.get(node)
    return (
        isinstance(parent, ast.Subscript)
        and isinstance(parent.ctx, ast.Del)
        and failing is not None
        and _contains(failing, parent)
    )


def _stores_what_it_read(failing: ast.stmt | None, store: ast.Subscript) -> bool:
    """`d[k] += 1` or `d[k] = d[k] + 1` as the failing statement: it stores only under a key
    it first read, so it never adds a key."""
    if failing is None or not _contains(failing, store):
        return False
    if isinstance(failing, ast.AugAssign) and failing.target is store:
        return True
    return isinstance(failing, ast.Assign) and any(
        isinstance(n, ast.Subscript)
        and isinstance(n.ctx, ast.Load)
        and _source(n) == _source(store)
        for n in ast.walk(failing.value)
    )


def _lower_key(program: Program, store: ast.Subscript) -> str:
    """Why the key of `d[key] = ...` is certainly lower case ("" if it is not certain)."""
    key = store.slice
    if isinstance(key, ast.Call) and getattr(key.func, "attr", "") in ("lower", "casefold"):
        return f"{_code(_source(key))}"
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.islower():
        return f"{_code(repr(key.value))}"
    if not isinstance(key, ast.Name):
        return ""
    for loop in program.enclosing(store.lineno, (ast.For,)):
        if isinstance(loop.target, ast.Name) and loop.target.id == key.id:
            text = loop.iter
            if isinstance(text, ast.Name):
                found = program.only_binding(text.id)
                text = found.value if found is not None and found.kind == "assign" else None
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                if text.value == text.value.lower():
                    return f"the letters of {_code(_source(loop.iter))}"
            return ""
    return ""


# -- SyntaxError, IndentationError and TabError: read from the program's lines and the
# message alone (a program that does not parse has no syntax tree)


@dataclass(frozen=True)
class _Syntax:
    """What a syntax rule reads: the program's lines, the reported line and the message."""

    lines: list[str]
    line: int
    message: str
    frame: Frame

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    @property
    def caret(self) -> int:
        """The column in `frame.text` (the line without its indentation) of the first ^."""
        return self.frame.carets.find("^")


_BLOCK_WORDS = (
    "if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with",
)  # fmt: skip


def _code_tokens(text: str) -> list[tokenize.TokenInfo] | None:
    """The tokens of one line without comments and line ends (None if it does not tokenize
    alone, as a line that opens a bracket or a string it does not close)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    skip = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)
    return [t for t in tokens if t.type not in skip]


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _assign_in_condition(case: _Syntax) -> Diagnosis | None:
    """`if guess = password:`: one `=` in the condition of an if, elif or while."""
    if "Maybe you meant '==' " not in case.message:
        return None
    tokens = _code_tokens(case.text(case.line))
    if not tokens or tokens[0].string not in ("if", "elif", "while") or tokens[-1].string != ":":
        return None
    if [t.string for t in tokens if t.type == tokenize.OP].count("=") != 1:
        return None
    keyword = tokens[0].string
    condition = case.text(case.line).strip()[len(keyword) : -1].strip()
    return Diagnosis(
        "assign_in_condition",
        case.line,
        f"The condition of the `{keyword}` on line {case.line}, {_code(condition)}, uses a "
        "single `=`, which gives a variable a value; it cannot ask whether two values are equal",
        "Which operator asks whether two values are equal?",
    )


def _missing_colon(case: _Syntax) -> Diagnosis | None:
    """`for x in xs` with nothing after it: a block's first line without its colon."""
    tokens = _code_tokens(case.text(case.line))
    if case.message != "expected ':'" or not tokens:
        return None
    keyword = tokens[0].string
    if keyword == "else" and len(tokens) > 1 and tokens[1].string == "if":
        return Diagnosis(
            "else_if",
            case.line,
            f"Line {case.line} starts with `else if`, which Python does not have: after `else` "
            "it expects the colon at once, and a further condition after an `if` is written "
            "with a keyword of its own",
            "Which keyword does Python use for another condition after an `if`?",
        )
    shown = case.frame.text.rstrip()
    if keyword not in _BLOCK_WORDS or tokens[-1].string == ":":
        return None
    if case.caret < len(shown.split("#")[0].rstrip()):
        return None  # the caret must point past the header's end: nothing else is missing
    return Diagnosis(
        "missing_colon",
        case.line,
        f"Line {case.line} starts a `{keyword}` block, {_code(case.text(case.line).strip())}, "
        "but it does not end with a colon, and every line that opens a block (`if`, `for`, "
        "`while`, `def`, ...) has to",
        f"What is missing at the end of line {case.line}?",
    )


def _bracket_never_closed(case: _Syntax) -> Diagnosis | None:
    bracket = _quoted(case.message, r"^'([(\[{])' was never closed$")
    if not bracket or not 0 <= case.caret < len(case.frame.text):
        return None
    if case.frame.text[case.caret] != bracket:
        return None
    shown = case.text(case.line).strip()
    closer = {"(": ")", "[": "]", "{": "}"}[bracket]
    return Diagnosis(
        "bracket_never_closed",
        case.line,
        f"The `{bracket}` opened on line {case.line} ({_code(shown)}) is never closed: no "
        f"`{closer}` matches it, so Python reads the lines after it as part of the same "
        "statement until the program ends",
        f"Where should the `{bracket}` of line {case.line} be closed?",
    )


def _unterminated_string(case: _Syntax) -> Diagnosis | None:
    found = _quoted(case.message, r"^unterminated string literal \(detected at line (\d+)\)$")
    if not found or int(found) != case.line or case.caret < 0:
        return None
    rest = case.frame.text[case.caret :]
    quote = re.match(r"[rRbBfFuU]{0,2}(['\"])", rest)
    if quote is None:
        return None
    mark = quote.group(1)
    return Diagnosis(
        "unterminated_string",
        case.line,
        f"On line {case.line}, the text {_code(rest.rstrip())} starts with {_code(mark)}, but "
        f"no {_code(mark)} on that line closes it, so Python reads the rest of the line, "
        "brackets included, as part of the text",
        "Where should that text end?",
    )


def _print_statement(case: _Syntax) -> Diagnosis | None:
    if not case.message.startswith("Missing parentheses in call to 'print'"):
        return None
    tokens = _code_tokens(case.text(case.line))
    if not tokens or tokens[0].string != "print" or len(tokens) < 2:
        return None
    return Diagnosis(
        "print_statement",
        case.line,
        f"Line {case.line} writes `print` followed by a space and the values "
        f"({_code(case.text(case.line).strip())}), the way Python 2 did; in Python 3 `print` "
        "is a function, called like every other function",
        "How are the values given to a function when it is called?",
    )


def _block_not_indented(case: _Syntax) -> Diagnosis | None:
    match = re.match(
        r"^expected an indented block after (?:'(\w+)' statement|(function|class) definition)"
        r" on line (\d+)$",
        case.message,
    )
    if match is None:
        return None
    keyword = match.group(1) or {"function": "def", "class": "class"}[match.group(2)]
    head = int(match.group(3))
    if len(_indent(case.text(case.line))) > len(_indent(case.text(head))):
        return None
    if "\t" in _indent(case.text(case.line)) + _indent(case.text(head)):
        return None
    return Diagnosis(
        "block_not_indented",
        case.line,
        f"The `{keyword}` on line {head} ends with `:`, so the lines of its body have to be "
        f"indented further than it, but line {case.line} is not",
        f"Which lines belong inside the `{keyword}` of line {head}, and how does Python see "
        "that they do?",
    )


def _unexpected_indent(case: _Syntax) -> Diagnosis | None:
    if case.message != "unexpected indent":
        return None
    before = [n for n in range(case.line - 1, 0, -1) if case.text(n).strip()]
    before = [n for n in before if not case.text(n).strip().startswith("#")]
    if not before:
        return None
    previous = before[0]
    tokens = _code_tokens(case.text(previous))
    here, there = _indent(case.text(case.line)), _indent(case.text(previous))
    if tokens is None or not tokens or tokens[-1].string == ":" or "\t" in here + there:
        return None  # a line that continues a bracket, or one that opens a block
    if len(here) <= len(there) or case.text(previous).rstrip().endswith("\\"):
        return None
    found = _dedented_line(case, before, here, there)
    if found is not None:
        return found
    return Diagnosis(
        "unexpected_indent",
        case.line,
        f"Line {case.line} is indented further than line {previous} before it, but line "
        f"{previous} does not start a block (it does not end with `:`), so there is nothing "
        f"for line {case.line} to be inside",
        f"Which block should line {case.line} be part of, and how far is that block indented?",
    )


def _dedented_line(case: _Syntax, before: list[int], here: str, there: str) -> Diagnosis | None:
    """`return` indented as the function's body right after a line at the left margin,
    while the line before that was inside the function: that line left the function."""
    word = case.text(case.line).split()
    if there or not word or word[0] not in ("return", "yield") or len(before) < 2:
        return None
    previous, earlier = before[0], before[1]
    inside = _indent(case.text(earlier))
    if len(inside) < len(here) or "\t" in inside:
        return None
    blocks = [n for n in before[1:] if case.text(n).lstrip().startswith("def ")]
    if not blocks or _indent(case.text(blocks[0])):
        return None  # the function the return belongs to starts at the left margin
    between = [n for n in before[1:] if blocks[0] < n]
    if not all(_indent(case.text(n)) for n in between):
        return None  # another line at the margin: the function may have ended earlier
    return Diagnosis(
        "unexpected_indent",
        previous,
        f"Line {previous} starts at the left margin, between lines of the function that "
        f"starts on line {blocks[0]} (line {earlier} before it and line {case.line} after it "
        f"are indented), so line {previous} ends the function; the {_code(word[0])} on line "
        f"{case.line} is then indented with nothing to be inside",
        f"Which block should line {previous} be part of, and how far is it indented?",
    )


def _unindent_mismatch(case: _Syntax) -> Diagnosis | None:
    if case.message != "unindent does not match any outer indentation level":
        return None
    here = _indent(case.text(case.line))
    open_blocks = _open_indents(case.lines[: case.line - 1])
    if open_blocks is None or "\t" in here or len(here) in open_blocks:
        return None
    widths = _names([str(w) for w in open_blocks]).replace("`", "")
    return Diagnosis(
        "unindent_mismatch",
        case.line,
        f"Line {case.line} is indented by {len(here)} spaces, but the blocks open at that "
        f"point are indented by {widths} spaces, and a line that ends a block has to line up "
        "with one of the blocks around it",
        f"Which block should line {case.line} belong to?",
    )


def _open_indents(lines: list[str]) -> list[int] | None:
    """The indentation widths of the blocks open after `lines` (None if they do not
    tokenize, or indent with tabs)."""
    widths = [0]
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if token.start[0] > len(lines):
                break  # the end of the text closes every block; the program goes on
            if token.type == tokenize.INDENT:
                if "\t" in token.string:
                    return None
                widths.append(len(token.string))
            elif token.type == tokenize.DEDENT:
                widths.pop()
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return widths


def _tabs_and_spaces(case: _Syntax) -> Diagnosis | None:
    if not case.message.startswith("inconsistent use of tabs and spaces"):
        return None
    here = _indent(case.text(case.line))
    before = [n for n in range(case.line - 1, 0, -1) if case.text(n).strip()]
    if not before or not here:
        return None
    previous = before[0]
    there = _indent(case.text(previous))
    kinds = {"\t" in here and " " not in here, "\t" in there and " " not in there}
    if kinds != {True, False} or not there:
        return None  # one line indented with tabs only, the other with spaces only
    tabs, spaces = (case.line, previous) if "\t" in here else (previous, case.line)
    return Diagnosis(
        "tabs_and_spaces",
        case.line,
        f"Line {tabs} is indented with a tab, and line {spaces} with spaces; Python cannot "
        f"tell whether a tab lines up with a number of spaces, so it cannot tell which block "
        f"line {case.line} belongs to",
        "Which one kind of indentation should every line of the program use?",
    )


# -- Widened on set 3 (task diag4): names from other languages and modules, loops over a
# dict or over range(len(...)), literals run together, methods hidden by attributes,
# recursion through `self`


_CONSTANT_SPELLINGS = {
    "true": "True",
    "false": "False",
    "none": "None",
    "null": "None",
    "nil": "None",
}


def _lowercase_constant(case: _Case) -> Diagnosis | None:
    """`false`, `TRUE`, `null`: Python's constants are `True`, `False` and `None`."""
    name, program = case.facts.offending, case.program
    right = _CONSTANT_SPELLINGS.get(name.lower())
    if not right or name == right or name in program.bindings:
        return None
    what = "truth values are keywords" if right != "None" else "value for nothing is a keyword"
    return Diagnosis(
        "constant_spelling",
        case.frame.line,
        f"Line {case.frame.line} uses {_code(name)}, which is no name in this program nor in "
        f"Python: Python's {what} spelt with a capital first letter, and Python "
        "tells capitals apart",
        f"How does Python spell the value {_code(name)} was meant to be?",
    )


# Modules whose names can be listed by importing them (no side effects, in every Python).
_SAFE_MODULES = (
    "math", "random", "statistics", "string", "time", "datetime", "collections", "itertools",
    "functools", "fractions",
)  # fmt: skip


def _module_names(module: str) -> set[str]:
    """The public names of a safe standard module (empty for any other)."""
    import importlib

    if module not in _SAFE_MODULES:
        return set()
    return {n for n in dir(importlib.import_module(module)) if not n.startswith("_")}


def _name_not_imported(case: _Case) -> Diagnosis | None:
    """`sqrt(x)` after `from math import pi` or after `import math`: the name is the
    module's, but the import does not make it a name of the program."""
    import sys

    name, program = case.facts.offending, case.program
    if not name or name in program.bindings or name in _BUILTIN_NAMES or program.tree is None:
        return None
    if len(name) < 3 or _typo_of(name, set(program.bindings)):
        return None  # a misspelt variable is as likely
    if name in sys.stdlib_module_names:
        return None  # `time()` after `import datetime`: the module `time` may be meant
    imports = [n for n in ast.walk(program.tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    having = []
    for node in imports:
        if isinstance(node, ast.ImportFrom):
            modules = [node.module]
        else:
            modules = [a.name for a in node.names if a.asname is None]
        having += [(node, m) for m in modules if m and name in _module_names(m)]
    if len(having) != 1:
        return None
    node, module = having[0]
    if isinstance(node, ast.ImportFrom):
        got = _names([a.asname or a.name for a in node.names])
        cause = (
            f"Line {node.lineno} imports only {got} from {_code(module)}, so {_code(name)}, "
            f"which {_code(module)} also has, is not defined when line {case.frame.line} uses it"
        )
    else:
        cause = (
            f"Line {node.lineno} imports the module {_code(module)}, which gives the program "
            f"the one name {_code(module)}, not the names inside it; so {_code(name)} alone on "
            f"line {case.frame.line} is not defined"
        )
    return Diagnosis(
        "name_not_imported",
        node.lineno,
        cause,
        f"How can line {case.frame.line} reach the {_code(name)} of {_code(module)}?",
    )


def _import_name_typo(case: _Case) -> Diagnosis | None:
    """`from random import randInt`: the module's name differs by a letter or capitals."""
    match = re.match(r"^cannot import name '(\w+)' from '(\w+)'", case.facts.message)
    statement = case.program.statement_at(case.frame.line)
    if match is None or not isinstance(statement, ast.ImportFrom):
        return None
    wrong, module = match.groups()
    if statement.module != module:
        return None
    right = _typo_of(wrong, _module_names(module))
    if not right:
        return None
    return Diagnosis(
        "import_name_typo",
        case.frame.line,
        f"Line {case.frame.line} imports {_code(wrong)} from {_code(module)}, which has no "
        f"name spelt that way; its name {_code(right)} differs by a letter or two (or only in "
        "capitals), and Python's names are spelt exactly",
        f"How is that name spelt in {_code(module)}, and is it spelt the same where the "
        "program calls it?",
    )


def _loop_over(program: Program, name: str, line: int) -> ast.For | None:
    """The `for name in ...:` around `line` that gives `name` its only values there."""
    loops = [
        loop
        for loop in program.enclosing(line, (ast.For,))
        if isinstance(loop.target, ast.Name) and loop.target.id == name
    ]
    if len(loops) != 1:
        return None
    inside = [
        b
        for b in program.bindings.get(name, [])
        if loops[0].lineno < b.line <= (loops[0].end_lineno or 0)
    ]
    return None if inside else loops[0]


def _dict_literal(program: Program, node: ast.expr) -> tuple[str, ast.Dict, int] | None:
    """A name whose one binding is a dict literal with constant str keys and values of one
    container type that is only read: (name, literal, line)."""
    if not isinstance(node, ast.Name):
        return None
    keys = _fixed_dict_keys(program, node.id)
    binding = program.only_binding(node.id)
    if not keys or binding is None or not all(type(k) is str for k in keys):
        return None
    return node.id, binding.value, binding.line  # type: ignore[return-value]


def _dict_loop_keys(case: _Case) -> Diagnosis | None:
    """`for name in gradebook: name.items()`: looping over a dict gives its keys (strings),
    and the method belongs to the dict's values."""
    facts, program = case.facts, case.program
    kind, attribute = (facts.types or ("",))[0], facts.offending
    node = _failing_node(program, case.frame, ast.Attribute)
    if kind != "str" or node is None or node.attr != attribute:
        return None
    if not isinstance(node.value, ast.Name):
        return None
    loop = _loop_over(program, node.value.id, case.frame.line)
    found = _dict_literal(program, loop.iter) if loop is not None else None
    if found is None or hasattr(str, attribute):
        return None
    name, literal, line = found
    values = {type(v).__name__ for v in literal.values}
    kinds = {"Dict": dict, "List": list, "Set": set, "Tuple": tuple}
    if len(values) != 1 or not hasattr(kinds.get(values.pop(), str), attribute):
        return None
    variable = node.value.id
    return Diagnosis(
        "dict_loop_keys",
        loop.lineno,  # type: ignore[union-attr]
        f"{_code(f'for {variable} in {name}:')} on line {loop.lineno} goes through the keys "  # type: ignore[union-attr]
        f"of the dict {_code(name)} (line {line}), which are strings, so {_code(variable)} is "
        f"a string and line {case.frame.line} cannot use {_code('.' + attribute)} on it; the "
        f"values stored under the keys have {_code(attribute)}",
        "How can the loop give each key together with its value?",
    )


def _index_as_item(case: _Case) -> Diagnosis | None:
    """`for row in range(len(rows)): row.split()`: the loop gives indexes, not items."""
    facts, program = case.facts, case.program
    kind, attribute = (facts.types or ("",))[0], facts.offending
    node = _failing_node(program, case.frame, ast.Attribute)
    if kind != "int" or node is None or node.attr != attribute or hasattr(int, attribute):
        return None
    if not isinstance(node.value, ast.Name):
        return None
    loop = _loop_over(program, node.value.id, case.frame.line)
    iterable = loop.iter if loop is not None else None
    if not (
        isinstance(iterable, ast.Call)
        and getattr(iterable.func, "id", "") == "range"
        and "range" not in program.bindings
        and len(iterable.args) == 1
        and isinstance(iterable.args[0], ast.Call)
        and getattr(iterable.args[0].func, "id", "") == "len"
        and len(iterable.args[0].args) == 1
    ):
        return None
    variable, sequence = node.value.id, _source(iterable.args[0].args[0])
    return Diagnosis(
        "index_as_item",
        loop.lineno,  # type: ignore[union-attr]
        f"{_code(f'for {variable} in {_source(iterable)}:')} on line {loop.lineno} gives "  # type: ignore[union-attr]
        f"{_code(variable)} the positions 0, 1, 2, ... of {_code(sequence)}, which are "
        f"integers, not its items; so line {case.frame.line} uses {_code('.' + attribute)} on "
        "an integer",
        f"Should the loop go through the items of {_code(sequence)} themselves, or should "
        f"line {case.frame.line} read the item at that position?",
    )


# (type, method of another language): the question that points at Python's way.
_FOREIGN_METHODS = {
    ("list", "push"): "Which list method adds an item at the end?",
    ("list", "contains"): "Which operator tells whether a list holds an item?",
    ("list", "indexOf"): "Which list method gives the position of an item?",
    ("str", "contains"): "Which operator tells whether a string holds another?",
    ("str", "trim"): "Which string method removes the spaces at both ends?",
    ("str", "toUpperCase"): "Which string method gives the text in capitals?",
    ("str", "toLowerCase"): "Which string method gives the text in small letters?",
    ("str", "toUpper"): "Which string method gives the text in capitals?",
    ("str", "toLower"): "Which string method gives the text in small letters?",
    ("str", "charAt"): "How do you read one character of a string?",
    ("str", "equals"): "Which operator compares two strings?",
    ("str", "indexOf"): "Which string method gives the position of a piece of text?",
    ("dict", "containsKey"): "Which operator tells whether a dict has a key?",
}


def _foreign_method(case: _Case) -> Diagnosis | None:
    """`stack.push(x)`, `s.trim()`: a method name from another language."""
    kind, attribute = (case.facts.types or ("",))[0], case.facts.offending
    question = _FOREIGN_METHODS.get((kind, attribute))
    node = _failing_node(case.program, case.frame, ast.Attribute)
    if question is None or node is None or node.attr != attribute:
        return None
    plural = {"str": "strings", "dict": "dicts"}.get(kind, kind + "s")
    return Diagnosis(
        "foreign_method",
        case.frame.line,
        f"Line {case.frame.line} calls {_code('.' + attribute)} on {_code(_source(node.value))}"
        f", {_TYPE_WORDS[kind]}, but Python's {plural} have no method of that name (other "
        "languages have it); Python does the same under another name",
        question,
    )


def _missing_comma(case: _Case) -> Diagnosis | None:
    """`[("a", 1) ("b", 2)]`: no comma after a literal, so the next item's brackets call it."""
    kind = _quoted(case.facts.message, r"^'(\w+)' object is not callable")
    literals = ast.Tuple | ast.List | ast.Constant | ast.JoinedStr
    calls = [
        n
        for n in ast.walk(case.program.tree)  # type: ignore[arg-type]
        if isinstance(n, ast.Call) and n.lineno == case.frame.line and isinstance(n.func, literals)
    ]  # the statement may start lines above, inside a list that spans several lines
    if kind not in ("tuple", "list", "str") or len(calls) != 1:
        return None
    call = calls[0]
    literal = call.func
    parent = case.program.parents.get(call)
    if not isinstance(parent, ast.List | ast.Tuple | ast.Set | ast.Call):
        return None  # an item of a list, tuple, set or call's arguments
    end = literal.end_lineno or call.lineno
    return Diagnosis(
        "missing_comma",
        end,
        f"No comma follows {_code(_source(literal))} on line {end}, so Python reads the "
        f"brackets after it as a call of {_TYPE_WORDS[kind]}, with the next item as its arguments",
        f"What should separate the items on line {end} from the next one?",
    )


def _method_hidden(case: _Case) -> Diagnosis | None:
    """`self.switch = False` in a class with a method `switch`: the attribute hides it."""
    kind = _quoted(case.facts.message, r"^'(\w+)' object is not callable")
    call = _failing_node(case.program, case.frame, ast.Call)
    if not kind or call is None or not isinstance(call.func, ast.Attribute):
        return None
    method, program = call.func.attr, case.program
    classes = [
        c
        for c in ast.walk(program.tree)  # type: ignore[arg-type]
        if isinstance(c, ast.ClassDef) and _method(program, c.name, method) is not None
    ]
    if len(classes) != 1:
        return None
    stores = [n for n in ast.walk(classes[0]) if _is_self_store(n, method)]
    everywhere = [n for n in ast.walk(program.tree) if _is_self_store(n, method)]  # type: ignore[arg-type]
    if not stores or len(everywhere) != len(stores):
        return None  # another class's own attribute of that name may be the one called
    line = min(n.lineno for n in stores)
    return Diagnosis(
        "method_hidden",
        line,
        f"Line {line} stores a value in {_code('self.' + method)}, the same name as the "
        f"method {_code(method)} of {_code(classes[0].name)}; the object's own value hides "
        f"the method, so on line {case.frame.line} {_code(_source(call.func))} is "
        f"{_TYPE_WORDS.get(kind, 'a ' + kind)}, not the method",
        "How can the value and the method both keep a name of their own?",
    )


def _recursion_through_self(case: _Case) -> Diagnosis | None:
    """`__str__` that formats `{self}`; a property setter that assigns `self.<itself>`."""
    if "maximum recursion depth" not in case.facts.message:
        return None
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    function = program.scope_of(statement) if statement is not None else None
    if not isinstance(function, ast.FunctionDef) or function.name != case.frame.function:
        return None
    name = function.name
    if name == "__str__":
        uses = [n for n in ast.walk(statement) if _self_as_text(n)]  # type: ignore[arg-type]
        if not uses:
            return None
        return Diagnosis(
            "recursion_through_self",
            line,
            f"Line {line}, inside {_code(name)}, puts {_code('self')} itself into the text; "
            f"turning {_code('self')} into text calls {_code(name)} again, which does the same, "
            "without end",
            f"Which of the object's attributes should line {line} put into the text instead?",
        )
    setter = any(
        isinstance(d, ast.Attribute) and d.attr == "setter" and _source(d.value) == name
        for d in function.decorator_list
    )
    stores = [n for n in ast.walk(statement) if _is_self_store(n, name)]  # type: ignore[arg-type]
    getter = any(getattr(d, "id", "") == "property" for d in function.decorator_list)
    if getter and any(_is_self_read(n, name) for n in ast.walk(statement)):  # type: ignore[arg-type]
        return Diagnosis(
            "recursion_through_self",
            line,
            f"Line {line}, inside the property {_code(name)}, reads {_code('self.' + name)}, "
            "and reading that property calls the same method again, which does the same, "
            "without end",
            "Under which other attribute name is the value kept?",
        )
    if not setter or not stores:
        return None
    return Diagnosis(
        "recursion_through_self",
        line,
        f"Line {line}, inside the setter of the property {_code(name)}, assigns "
        f"{_code('self.' + name)}, and assigning that property calls the same setter again, "
        "which does the same, without end",
        "Under which other attribute name should the setter keep the value?",
    )


def _is_self_read(node: ast.AST, attribute: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Load)
        and node.attr == attribute
        and getattr(node.value, "id", "") == "self"
    )


def _self_as_text(node: ast.AST) -> bool:
    """`{self}` (no format), `{self!s}` or `str(self)`: text that calls `__str__`."""
    if isinstance(node, ast.FormattedValue):
        plain = node.conversion in (-1, ord("s")) and node.format_spec is None
        return plain and getattr(node.value, "id", "") == "self"
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "str"
        and len(node.args) == 1
        and getattr(node.args[0], "id", "") == "self"
    )


def _mismatched_bracket(case: _Syntax) -> Diagnosis | None:
    """`["Art", "PE")`: a closing bracket of another kind than the one still open."""
    match = re.match(
        r"^closing parenthesis '([)\]}])' does not match opening parenthesis '([(\[{])'"
        r"(?: on line (\d+))?$",
        case.message,
    )
    if match is None:
        return None
    closer, opener, where = match.groups()
    opened = int(where) if where else case.line
    place = f"on line {opened}" if opened != case.line else "earlier on the same line"
    return Diagnosis(
        "mismatched_bracket",
        case.line,
        f"On line {case.line} a `{closer}` comes while the `{opener}` opened {place} is still "
        f"open, and a `{opener}` is closed only by its own kind of bracket",
        f"Is a closing bracket missing before the `{closer}` on line {case.line}, or is the "
        f"`{closer}` the wrong kind?",
    )


_SYNTAX_RULES = (
    _assign_in_condition,
    _mismatched_bracket,
    _missing_colon,
    _bracket_never_closed,
    _unterminated_string,
    _print_statement,
    _block_not_indented,
    _unexpected_indent,
    _unindent_mismatch,
    _tabs_and_spaces,
)


def _diagnose_syntax(code: str, traceback: Traceback) -> Diagnosis | None:
    """The syntax rules' diagnosis of a program that does not parse, else None."""
    own = [f for f in traceback.frames if f.file == PROGRAM]
    if len(own) != 1:
        return None
    case = _Syntax(code.splitlines(), own[0].line, traceback.message, own[0])
    if not case.text(case.line).strip():
        return None
    for rule in _SYNTAX_RULES:
        found = rule(case)
        if found is not None:
            return found
    return None


_RULES = {
    "NameError": (
        _defined_later,
        _only_in_function,
        _set_only_in_branches,
        _module_not_imported,
        _self_attribute,
        _misspelt_name,
        _python2_name,
        _lowercase_constant,
        _name_not_imported,
    ),
    "UnboundLocalError": (_local_misspelt, _global_assigned_locally, _set_only_in_branches),
    "TypeError": (
        _format_count,
        _text_from_input,
        _dict_of_input_text,
        _text_one_step,
        _item_assignment,
        _str_method_result,
        _unpack_one_value,
        _unhashable_list,
        _number_as_sequence,
        _join_numbers,
        _float_from_division,
        _function_not_called,
        _number_joined_to_text,
        _range_counter_joined,
        _none_used,
        _missing_comma,
        _method_hidden,
        _not_callable,
        _missing_self,
        _called_on_class,
        _init_misspelt,
        _argument_count,
        _ends_without_return,
    ),
    "AttributeError": (
        _none_used,
        _function_not_called,
        _length_attribute,
        _dict_loop_keys,
        _index_as_item,
        _wrong_type_method,
        _attribute_typo,
        _attribute_never_set,
        _module_attribute_typo,
        _python2_name,
        _foreign_method,
    ),
    "IndexError": (_index_past_end, _random_index),
    "ZeroDivisionError": (_zero_divisor,),
    "ValueError": (_unreadable_number, _unpack_count, _format_code, _item_not_in_list),
    "ModuleNotFoundError": (_module_misspelt,),
    "ImportError": (_import_name_typo,),
    "RuntimeError": (_dict_changed_in_loop,),
    "KeyError": (_key_not_in_dict, _key_never_stored, _key_of_wrong_type, _key_case),
    "KeyboardInterrupt": (_endless_while,),
    "RecursionError": (_same_arguments, _recursion_through_self),
}
