"""Modules and imports: a module used but never imported, a name used alone after
`import math` or not among those imported `from` a module, the module's own name used after
`from math import sqrt`, a module's name or one of its names misspelt (ModuleNotFoundError,
ImportError, NameError, AttributeError)."""

from __future__ import annotations

import ast
import re

from ..hintfacts import _BUILTIN_NAMES, Program, _code, _failing_node, _names, _quoted, _source
from ._common import Diagnosis, _Case, _edit_distance, _typo_of


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
    partial = _imported_from(program, name)
    if any(a.name == "*" for node in partial for a in node.names):
        return None
    if partial:
        names = _names([a.asname or a.name for node in partial for a in node.names])
        first = partial[0]
        return Diagnosis(
            "module_not_imported",
            first.lineno,
            f"Line {first.lineno} imports only {names} from {_code(name)}; "
            f"{_code(_source(first))} makes those names, not the name {_code(name)} itself, "
            f"which line {case.frame.line} uses",
            f"How can line {case.frame.line} reach what it needs from {_code(name)}, given "
            f"what line {first.lineno} brings in?",
        )
    return Diagnosis(
        "module_not_imported",
        case.frame.line,
        f"{_code(name)} is one of Python's modules, and line {case.frame.line} uses it, but "
        f"no line of the program imports {_code(name)}",
        "What does a program have to do before it can use a module?",
    )


def _imported_from(program: Program, name: str) -> list[ast.ImportFrom]:
    """The program's `from name import ...` statements, first first."""
    found = [
        n
        for n in ast.walk(program.tree)
        if isinstance(n, ast.ImportFrom) and n.module == name and n.level == 0
    ]
    return sorted(found, key=lambda n: n.lineno)


# Modules beginners import: a missing module a letter away from one of these is a typo.
_BEGINNER_MODULES = (
    "math random string statistics datetime time turtle os sys collections itertools json "
    "csv re fractions decimal calendar tkinter"
).split()


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
    lower = name.lower()
    if (
        not right
        and lower != name
        and lower in sys.stdlib_module_names
        and lower not in case.program.bindings
    ):
        return Diagnosis(  # `from Random import choice`: the one module it can be
            "module_misspelt",
            case.frame.line,
            f"Line {case.frame.line} imports {_code(name)}, but Python has no module of that "
            f"name; Python's module {_code(lower)} differs only in capitals, and module names "
            "are case-sensitive",
            f"How exactly is the module's name spelt on line {case.frame.line}?",
        )
    if not right and name in used and name not in sys.stdlib_module_names:
        right = _typo_of(name, _BEGINNER_MODULES)
        if right and right not in case.program.bindings:
            return Diagnosis(
                "module_misspelt",
                case.frame.line,
                f"Line {case.frame.line} imports {_code(name)}, but Python has no module of "
                f"that name; Python's module {_code(right)} differs by a letter or two (or only "
                "in capitals)",
                f"How exactly is the module's name spelt, on line {case.frame.line} and "
                "wherever the program uses it?",
            )
    if not right and isinstance(statement, ast.ImportFrom):
        return _from_misspelt(case, statement, name)
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


def _from_misspelt(case: _Case, statement: ast.ImportFrom, name: str) -> Diagnosis | None:
    """`from maths import sqrt`: no such module, one beginner's module a letter or two away,
    and that module has every name the line imports."""
    import importlib
    import sys

    right = _typo_of(name, _BEGINNER_MODULES)
    if not right or name in sys.stdlib_module_names or right in case.program.bindings:
        return None
    try:
        module = importlib.import_module(right)
    except Exception:  # noqa: BLE001  (tkinter without a display library, ...)
        return None
    imported = [alias.name for alias in statement.names]
    if "*" in imported or not all(hasattr(module, n) for n in imported):
        return None
    return Diagnosis(
        "module_misspelt",
        case.frame.line,
        f"Line {case.frame.line} imports from {_code(name)}, but Python has no module of that "
        f"name; Python's module {_code(right)} differs by a letter or two (or only in "
        f"capitals), and it has {_names(imported)}",
        f"How exactly is the module's name spelt on line {case.frame.line}?",
    )


# Names a beginner brings from other languages or from maths, that the module spells otherwise
# (the module has no such name in any Python): `statistics.average` is `mean` (r12-041, r13-047).
_OTHER_NAMES = {
    ("statistics", "average"): "mean",
    ("statistics", "avg"): "mean",
    ("math", "power"): "pow",
}


def _module_name_other(case: _Case) -> Diagnosis | None:
    """`from statistics import average` (or `statistics.average(...)`): the module has the
    function under another name, one the table above settles."""
    match = re.match(r"^cannot import name '(\w+)' from '(\w+)'", case.facts.message)
    statement = case.program.statement_at(case.frame.line)
    if match is not None and isinstance(statement, ast.ImportFrom):
        wrong, module = match.groups()
        if statement.module != module:
            return None
        asks = f"imports {_code(wrong)} from {_code(module)}"
    else:
        match = re.match(r"^module '(\w+)' has no attribute '(\w+)'$", case.facts.message)
        node = _failing_node(case.program, case.frame, ast.Attribute)
        if match is None or node is None:
            return None
        module, wrong = match.groups()
        imports = case.program.bindings.get(module, [])
        if not imports or any(b.kind != "import" for b in imports):
            return None
        if node.attr != wrong or _source(node.value) != module:
            return None
        asks = f"asks the module {_code(module)} for {_code(wrong)}"
    right = _OTHER_NAMES.get((module, wrong))
    if right is None:
        return None
    return Diagnosis(
        "module_name_other",
        case.frame.line,
        f"Line {case.frame.line} {asks}, but {_code(module)} has no name {_code(wrong)}: "
        f"the function it has for that is called {_code(right)}",
        f"Which lines of the program use {_code(wrong)}?",
    )
