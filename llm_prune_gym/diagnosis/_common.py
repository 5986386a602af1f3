"""What every rule shares: :class:`Diagnosis`, the case a rule reads, and the helpers rules
of more than one family use (a typo's size, where a value came from, the operands of the
operator that failed, a class's methods, the loop that sets a name, ...)."""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from ..hintfacts import (
    _BUILTIN_NAMES,
    Frame,
    HintFacts,
    Origin,
    Program,
    Traceback,
    _assigned_origin,
    _code,
    _failing_node,
    _parameter_origin,
    _sentence,
    _source,
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
    if re.match(r"unsupported operand type\(s\) for \S+=:", case.facts.message):
        statement = case.program.statement_at(case.frame.line)  # `total += piece`
        if isinstance(statement, ast.AugAssign):
            return statement.target, statement.value, types
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


_CONTAINER_TYPES = {"str": str, "list": list, "dict": dict, "tuple": tuple, "set": set, "int": int}


def _classes_named(program: Program, owner: str) -> list[ast.ClassDef]:
    """The program's classes called `owner` (a name may be defined twice)."""
    return [n for n in ast.walk(program.tree) if isinstance(n, ast.ClassDef) and n.name == owner]


def _method(program: Program, owner: str, name: str) -> ast.FunctionDef | None:
    """The plain method `name` of the program's one class `owner` (no decorators)."""
    found = [
        item
        for c in _classes_named(program, owner)
        for item in c.body
        if isinstance(item, ast.FunctionDef) and item.name == name and not item.decorator_list
    ]
    return found[0] if len(found) == 1 else None


def _is_self_attribute(node: ast.AST, attribute: str, ctx: type[ast.expr_context]) -> bool:
    """`self.<attribute>` stored (`ctx` ast.Store) or read (ast.Load)."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ctx)
        and node.attr == attribute
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _is_self_store(node: ast.AST, attribute: str) -> bool:
    return _is_self_attribute(node, attribute, ast.Store)


def _asked_attribute(case: _Case) -> tuple[str, str, ast.Attribute | None]:
    """(the type an AttributeError names, the attribute it lacks, and the failing line's
    `value.attribute` that asked for it: None where that node is not certain)."""
    kind, attribute = (case.facts.types or ("",))[0], case.facts.offending
    node = _failing_node(case.program, case.frame, ast.Attribute)
    return (
        kind,
        attribute,
        node if isinstance(node, ast.Attribute) and node.attr == attribute else None,
    )


def _plural(kind: str) -> str:
    """ "strings", "integers", "lists", ...: the values of a built-in type, for a sentence."""
    return {"str": "strings", "int": "integers"}.get(kind, kind + "s")


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
