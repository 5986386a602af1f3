"""Claims a hint makes that the program and its traceback can refute (issue 15).

The verifier (:mod:`evaluation.rerank`) passed student hints that the hand labels call
misleading in 7 of 10 cases on the development sets. Reading them showed claims the program
settles, made in the students' own templates; each check here states the fact that refutes
the claim, never a particular hint:

- :func:`input_claims`: "input() returns a string, convert it" where the line blamed reads no
  unconverted ``input()``, where the program converts every ``input()``, or where the error
  is not a text used as a number (a failed ``float()``, assigning into a string);
- :func:`value_type_claims`: "`total` is written as a string" where the name's one
  assignment gives another type (``total = 0.0``);
- :func:`rename_claims`: "the method you meant has another name" for an AttributeError on a
  name that is a real method of Python's types or a name the program sets (``append`` on an
  int, ``self.gold`` never set), with no close name on the object's type;
- :func:`key_claims`: a KeyError's key called a misspelling when no key of the program is
  close to it, or a key named that is neither the missing one nor the variable holding it;
- :func:`call_claims`: "that call passes N argument(s)" or "defined with the parameters
  (...)" where the call or the ``def`` says otherwise;
- :func:`index_claims`: "one past the end" for an IndexError at the constant index 0 or -1
  (it fails only on an empty sequence), or one with no index (``pop from empty list``);
- :func:`name_claims`: a NameError's name called misspelt where the program binds that very
  name on another line (in another function, or later), or where it is a module the
  program never imports;
- :func:`none_claims`: a value called None for an error that involves no None;
- :func:`none_source_claims`: "a call returns nothing" where the None was assigned as such;
- :func:`argument_claims`: counting arguments for an error that is not about arguments, or
  other call syntax for a function the program rebound to a value;
- :func:`definition_claims`: "`f` is defined on that line (without `self`)" where the
  program defines it elsewhere, or with ``self``;
- :func:`layout_claims`: indentation counts, or a missing quote, that the failing line
  contradicts;
- :func:`cause_line_claims`: "the mistake is on line N" for an error about a value, where
  no value the failing expression uses is set, changed or tested on line N;
- :func:`line_content_claims`: what "that line" holds (it stores into `x`, uses `/`, is a
  loop, a condition, uses the assignment sign, opens more brackets than it closes) where the
  line named says otherwise;
- :func:`misspelt_name_claims`: a NameError's name called a misspelling of a built-in name
  with no built-in close to it, or of a name the program defines with none close, or any
  misspelling where the program sets that very name as an attribute (``self.rate``);
- :func:`print_return_claims`: "the function `f` prints its result instead of returning
  it" where `f` is no function of the program, or never prints;
- :func:`shadow_claims`: "your value hides Python's `sum()`" where the program never binds
  that name; "`x` is not a function" for an error that is not about calling;
- :func:`method_type_claims`: "the method you meant has another name" where the object is
  one of Python's types and none of its methods is close to the name;
- :func:`meaning_claims`: "this means that the `x` variable ..." explaining the error with a
  name of the program that neither the failing line, its caller nor the message uses.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import sys

from llm_prune_gym.hintfacts import (
    HintFacts,
    Program,
    assigned_type,
    marked_names,
    parse_traceback,
)

# Types whose methods a hint may name as real (a method of one of them is not a misspelling).
_TYPES = (str, list, dict, set, tuple, int, float)
_BUILTIN_FUNCTIONS = frozenset(n for n in dir(builtins) if callable(getattr(builtins, n)))
BUILTIN_METHODS = frozenset(name for t in _TYPES for name in dir(t) if not name.startswith("_"))
# Words that claim a type, and the type names (as the facts write them) each allows.
TYPE_WORDS = {
    "string": {"str"},
    "str": {"str"},
    "text": {"str"},
    "integer": {"int"},
    "int": {"int"},
    "whole number": {"int"},
    "number": {"int", "float"},
    "numeric": {"int", "float"},
    "float": {"float"},
    "decimal": {"float"},
    "list": {"list"},
    "dictionary": {"dict"},
    "dict": {"dict"},
    "tuple": {"tuple"},
    "none": {"NoneType"},
    "nonetype": {"NoneType"},
    "boolean": {"bool"},
    "bool": {"bool"},
}
TYPE_WORD = "|".join(sorted((re.escape(w) for w in TYPE_WORDS), key=len, reverse=True))
# Errors about a value: its cause is where the value is made, tested or passed on.
_VALUE_ERRORS = {"IndexError", "KeyError", "TypeError", "ValueError", "ZeroDivisionError"}
_CAUSE_LINE = re.compile(r"\b(?:cause|mistake)\b[^.:;]*?\bline (\d+)", re.IGNORECASE)
_INPUT_STORY = re.compile(
    r"input\(\)[^.]*\b(?:string|text|str|number)\b|\b(?:string|text)\b[^.]*input\(\)",
    re.IGNORECASE,
)
# Messages of a text used where a number is needed (what converting input() would fix).
_TEXT = re.compile(r"'str'|\bstr\b|\bsequence\b")
_NUMBER = re.compile(r"\bint\b|\bfloat\b|integer|real number|non-int|Unknown format code")
_NOT_TEXT_AS_NUMBER = re.compile(
    r"item assignment|not callable|could not convert|invalid literal", re.IGNORECASE
)
_RENAME_STORY = re.compile(
    r"another name|misspel|typo|right method name|the method you meant|name written differently",
    re.IGNORECASE,
)
_KEY_MISSPELT = re.compile(
    r"misspel|spelled|typo|letter is missing|wrong case|a letter\b", re.IGNORECASE
)
_KEY_NAMED = re.compile(r"\bkey\s+[`'\"]([^`'\"\s]+)[`'\"]", re.IGNORECASE)
_SPELLING = re.compile(
    r"misspel|spelling|spelled|typo|must match exactly|letter by letter", re.IGNORECASE
)
_NONE_STORY = re.compile(
    r"gives? (?:back )?None|returns? None|\bis None\b|\bthat None\b|\ba None\b", re.IGNORECASE
)
_QUOTE_STORY = re.compile(r"\bquote", re.IGNORECASE)
_STARTS_IN = re.compile(r"starts (\d+) spaces? in", re.IGNORECASE)
_FURTHER = re.compile(r"indented (\d+) spaces? further than", re.IGNORECASE)
_ARGUMENT_STORY = re.compile(
    r"how many values it expects|count the arguments|number of arguments|argument\(s\)",
    re.IGNORECASE,
)
_CREATED_EARLIER = re.compile(r"(?:created|defined|made) (?:it )?earlier", re.IGNORECASE)
_RETURNS_NOTHING = re.compile(
    r"returns? (?:a result|anything|nothing)|gives? back nothing|hand back a result|"
    r"doesn't return|does not return|no return value|instead of returning",
    re.IGNORECASE,
)
_OTHER_SYNTAX = re.compile(r"different syntax|get an item|to multiply|check the brackets", re.I)
_NOT_CALLABLE = re.compile(r"'(\w+)' object is not callable")
_DEFINED_ON = re.compile(r"`(\w+)`[^.]*?\bdefined on (?:line (\d+)|that line)", re.IGNORECASE)
_LINE_NUMBER = re.compile(r"\bline (\d+)", re.IGNORECASE)
_PASSES = re.compile(r"passes (\d+) argument", re.IGNORECASE)
_PARAMETERS = re.compile(r"defined with the parameters \(([^)]*)\)", re.IGNORECASE)
_OFF_BY_ONE = re.compile(
    r"one past (?:the|its) (?:end|last)|last index|one before its length|n - 1|"
    r"off by one|off-by-one",
    re.IGNORECASE,
)


def refuted_claims(hint: str, code: str, error_output: str, facts: HintFacts) -> list[str]:
    """Every claim of `hint` that the program, its error output and the facts refute, one
    reason each."""
    program = Program(code)
    found = cause_line_claims(hint, program, facts, _marked(program, error_output, facts))
    for check in CHECKS:
        found += check(hint, program, facts)
    return found


def _marked(program: Program, error_output: str, facts: HintFacts) -> set[str]:
    """The names in the part of the failing line that Python marked with ~~^^."""
    frames = [f for f in parse_traceback(error_output).frames if f.line == facts.line]
    return marked_names(program, frames[-1]) if frames and facts.line else set()


def cause_line_claims(hint: str, program: Program, facts: HintFacts, marked: set[str]) -> list[str]:
    """ "The mistake that causes it is on line N" where nothing the failing expression uses
    gets its value on line N (:func:`dependency_lines`). Only for errors about values
    (a wrong index, key, type or value), where the cause is where a value is made."""
    if facts.exception not in _VALUE_ERRORS or program.tree is None or not facts.line:
        return []
    claimed = cause_lines(hint) - {facts.line}
    if not claimed:
        return []
    wrong = sorted(claimed - dependency_lines(program, facts, marked))
    if not wrong:
        return []
    return [f"says the cause is on line {wrong[0]}; no value the failing line uses is set there"]


def dependency_lines(program: Program, facts: HintFacts, marked: set[str]) -> set[int]:
    """Lines the failing expression's values depend on: where the names Python marked (or,
    with no marks, every name of the failing line) are set, changed (``xs.append(x)``,
    ``d[k] = v``) or tested (``if pos > len(track)``), and so on back through the names
    those lines read; the functions whose results those lines take; the functions, methods
    and classes the failing line (and its caller) calls; the function around the failing
    line and the line that called it."""
    start = marked or _line_names(program, facts.line)
    if facts.call_line:
        start |= _line_names(program, facts.call_line)
    setters = _setters(program)
    names, todo, lines = set(), list(start), set()
    while todo:
        name = todo.pop()
        if name in names:
            continue
        names.add(name)
        for line, read in setters.get(name, []):
            lines.add(line)
            todo += sorted(read - names)
    lines |= _tests_of(program, names)
    for name in names:
        for function in program.functions(name):
            lines |= set(range(function.lineno, (function.end_lineno or function.lineno) + 2))
    for anchor in (facts.line, facts.call_line):
        lines |= _called_definitions(program, anchor) if anchor else set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for function in program.enclosing(facts.line, functions)[:1]:
        lines |= set(range(function.lineno, (function.end_lineno or function.lineno) + 2))
    return lines | ({facts.call_line} if facts.call_line else set())


def _called_definitions(program: Program, line: int) -> set[int]:
    """The lines of the functions, methods and classes the statement on `line` calls."""
    statement = program.statement_at(line)
    if statement is None:
        return set()
    called = {
        getattr(node.func, "id", "") or getattr(node.func, "attr", "")
        for node in ast.walk(statement)
        if isinstance(node, ast.Call)
    }
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        number
        for node in ast.walk(program.tree)
        if isinstance(node, kinds) and node.name in called
        for number in range(node.lineno, (node.end_lineno or node.lineno) + 2)
    }


def _line_names(program: Program, line: int) -> set[str]:
    statement = program.statement_at(line)
    if statement is None:
        return set()
    return {
        node.id
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and getattr(node, "lineno", 0) == line
    }


def _setters(program: Program) -> dict[str, list[tuple[int, set[str]]]]:
    """{name: [(line, names read there)]} for each statement that binds or changes it."""
    found: dict[str, list[tuple[int, set[str]]]] = {}
    for node in ast.walk(program.tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            read = _reads(node.value) if node.value is not None else set()
            for target in targets:
                for name in _target_names(target):
                    found.setdefault(name, []).append((node.lineno, read | _index_reads(target)))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            line = getattr(node, "lineno", getattr(node.iter, "lineno", 0))
            for name in _target_names(node.target):
                found.setdefault(name, []).append((line, _reads(node.iter)))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                found.setdefault(func.value.id, []).append((node.lineno, _reads(node.value)))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                found.setdefault(arg.arg, []).append((node.lineno, set()))
    return found


def _target_names(target: ast.expr) -> set[str]:
    """The variables an assignment target binds or changes (``d`` of ``d[k] = v``)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return {name for element in target.elts for name in _target_names(element)}
    if isinstance(target, ast.Subscript | ast.Attribute | ast.Starred):
        return _target_names(target.value)
    return set()


def _index_reads(target: ast.expr) -> set[str]:
    return _reads(target.slice) if isinstance(target, ast.Subscript) else set()


def _tests_of(program: Program, names: set[str]) -> set[int]:
    """Lines of ``if``/``while`` tests and ``for`` headers that read one of `names`."""
    found = set()
    for node in ast.walk(program.tree):
        if isinstance(node, ast.If | ast.While) and _reads(node.test) & names:
            found.add(node.lineno)
    return found


def cause_lines(hint: str) -> set[int]:
    """The lines a hint says the cause is on ("the mistake that causes it is on line 2")."""
    return {int(number) for number in _CAUSE_LINE.findall(hint)}


def unconverted_input_lines(program: Program) -> set[int]:
    """Lines with an ``input()`` call whose text is not passed straight to a conversion."""
    if program.tree is None:
        return set()
    lines = set()
    for node in ast.walk(program.tree):
        if not (isinstance(node, ast.Call) and _called(node) == "input"):
            continue
        parent = program.parents.get(node)
        if isinstance(parent, ast.Call) and _called(parent) in {"int", "float", "eval"}:
            continue
        lines.add(node.lineno)
    return lines


def _called(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else ""


def name_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """A NameError's name called misspelt where the program binds that very name on another
    line (in another function, or later), where it is a module (``math.sqrt``) never
    imported, or compared with a name "created earlier" where the program binds none close."""
    name = facts.offending
    if facts.exception != "NameError" or not name or not _SPELLING.search(hint):
        return []
    elsewhere = [b for b in program.bindings.get(name, []) if b.line != facts.line]
    if elsewhere:
        return [f"says {name} is misspelt; the program binds {name} on line {elsewhere[0].line}"]
    if name in sys.stdlib_module_names and _used_as_module(program, name):
        return [f"says {name} is misspelt; it is a module the program never imports"]
    if _CREATED_EARLIER.search(hint) and not set(facts.close_names) & set(program.bindings):
        return [f"says a name like {name} was created earlier; the program has none close"]
    return []


def _used_as_module(program: Program, name: str) -> bool:
    """Whether the program reads an attribute of `name` (``math.sqrt``)."""
    return program.tree is not None and any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        for node in ast.walk(program.tree)
    )


def none_claims(hint: str, _program: Program, facts: HintFacts) -> list[str]:
    """A value called None for an error that involves no None."""
    if not _NONE_STORY.search(hint) or "None" in facts.message or "NoneType" in facts.types:
        return []
    if not facts.exception or facts.exception in {"SyntaxError", "IndentationError"}:
        return []
    return [f"says a value is None; the {facts.exception} involves no None"]


def none_source_claims(hint: str, _program: Program, facts: HintFacts) -> list[str]:
    """ "A function returns nothing" where the None on the failing line was written as
    ``None`` in an assignment, not returned by a call."""
    nones = [origin for origin in facts.origins if origin.type == "NoneType"]
    if not nones or not _RETURNS_NOTHING.search(hint):
        return []
    if all(origin.source == "None" for origin in nones):
        first = nones[0]
        return [f"says a call returns nothing; {first.name} is set to None on line {first.line}"]
    return []


def argument_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """Counting arguments for an error that is not about arguments, and other call syntax
    advised for a function the program rebinds (``input = input()`` then ``input()``)."""
    found = []
    if _ARGUMENT_STORY.search(hint) and facts.exception and "argument" not in facts.message:
        found.append(f"says the arguments are wrong; the {facts.exception} is not about them")
    shadowed = _rebound_callee(program, facts)
    if shadowed and _OTHER_SYNTAX.search(hint):
        name, line = shadowed
        found.append(f"advises other syntax; {name} is a function rebound on line {line}")
    return found


def _rebound_callee(program: Program, facts: HintFacts) -> tuple[str, int] | None:
    """(name, line) where the failing line calls a function (Python's or the program's) that
    the program rebound to a value on `line` (``str = ...``, ``self.area = 0``)."""
    if not _NOT_CALLABLE.search(facts.message) or not facts.line or program.tree is None:
        return None
    statement = program.statement_at(facts.line)
    calls = [n for n in ast.walk(statement) if isinstance(n, ast.Call)] if statement else []
    for call in calls:
        name = getattr(call.func, "id", "") or getattr(call.func, "attr", "")
        is_function = bool(program.functions(name)) or name in _BUILTIN_FUNCTIONS
        stores = [
            node.lineno
            for node in ast.walk(program.tree)
            if (isinstance(node, ast.Name) and node.id == name)
            or (isinstance(node, ast.Attribute) and node.attr == name)
            if isinstance(node.ctx, ast.Store)
        ]
        if is_function and stores:
            return name, stores[0]
    return None


def definition_claims(hint: str, program: Program, _facts: HintFacts) -> list[str]:
    """ "`f` is defined on that line (without `self`)" where the program binds `f` on other
    lines, or its ``def`` does have ``self`` first."""
    found = []
    for match in _DEFINED_ON.finditer(hint):
        name = match.group(1)
        earlier = _LINE_NUMBER.findall(hint[: match.start()])
        line = int(match.group(2) or (earlier[-1] if earlier else 0))
        lines = {binding.line for binding in program.bindings.get(name, [])}
        if not line or not lines:
            continue
        if line not in lines:
            found.append(f"says {name} is defined on line {line}; it is on line {min(lines)}")
            continue
        rest = hint[match.end() : match.end() + 60]
        functions = [f for f in program.functions(name) if f.lineno == line]
        if functions and re.match(r"\s*without `?self`? as its first", rest):
            arguments = functions[0].args.posonlyargs + functions[0].args.args
            if arguments and arguments[0].arg == "self":
                found.append(f"says {name} lacks self; its def on line {line} has it")
    return found


def layout_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """Indentation counts and missing quotes that the failing line contradicts."""
    if not facts.line or facts.line > len(program.lines):
        return []
    raw = program.lines[facts.line - 1]
    indent = len(raw) - len(raw.lstrip())
    found = []
    starts = _STARTS_IN.search(hint)
    if starts and int(starts.group(1)) != indent:
        found.append(f"says line {facts.line} starts {starts.group(1)} spaces in; it is {indent}")
    further = _FURTHER.search(hint)
    before = [line for line in program.lines[: facts.line - 1] if line.strip()]
    if further and before:
        step = indent - (len(before[-1]) - len(before[-1].lstrip()))
        if step != int(further.group(1)):
            found.append(f"says line {facts.line} is {further.group(1)} spaces further in; {step}")
    unterminated = "string literal" in facts.message or "EOL" in facts.message
    balanced = raw.count('"') % 2 == 0 and raw.count("'") % 2 == 0
    if _QUOTE_STORY.search(hint) and facts.exception == "SyntaxError" and balanced:
        if not unterminated:
            found.append(f"says a quote is wrong on line {facts.line}; its quotes are balanced")
    return found


def input_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """The "input() gives a string" story where the program or its error refutes it."""
    if not _INPUT_STORY.search(hint) or program.tree is None:
        return []
    unconverted = unconverted_input_lines(program)
    if not unconverted:
        return ["says input() text is the cause, but every input() is converted"]
    message = facts.message
    if (
        facts.exception not in {"TypeError", "ValueError"}
        or not text_as_number(message)
        or _NOT_TEXT_AS_NUMBER.search(message)
    ):
        return [f"says input() text is the cause of a {facts.exception} that is not about text"]
    wrong = sorted(cause_lines(hint) - text_lines(program, unconverted) - {facts.line})
    return [f"blames input() on line {wrong[0]}, where no input() text is set"] if wrong else []


def text_as_number(message: str) -> bool:
    """Whether an error message is about text used where a number is needed: an operator
    between text and numbers (or two texts), or text where a number or format code is."""
    if "operand type" in message or "not supported between" in message:
        types = set(re.findall(r"'(\w+)'", message))
        return "str" in types and types <= {"str", "int", "float"}
    return bool(_TEXT.search(message) and _NUMBER.search(message))


def text_lines(program: Program, unconverted: set[int]) -> set[int]:
    """The lines with an unconverted ``input()`` and the assignments that pass its text on
    unconverted (``numbers = line.split()`` after ``line = input()``)."""
    assignments = [
        (node.lineno, _target_names(target), node.value)
        for node in ast.walk(program.tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
    ]
    lines = set(unconverted)
    while True:
        text_names = {name for line, names, _ in assignments if line in lines for name in names}
        more = {
            line
            for line, _, value in assignments
            if not _converted(value) and _reads(value) & text_names
        }
        if more <= lines:
            return lines
        lines |= more


def _converted(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and _called(value) in {"int", "float", "eval", "len"}


def _reads(value: ast.expr) -> set[str]:
    return {node.id for node in ast.walk(value) if isinstance(node, ast.Name)}


def value_type_claims(hint: str, program: Program, _facts: HintFacts) -> list[str]:
    """ "`total` ...: it is written as a string" where `total`'s one assignment gives a
    type the claim does not allow."""
    text = hint.replace("`", "")
    found = []
    starting = bool(re.search(r"\bfirst\b|\bstart", hint, re.IGNORECASE))
    for name in set(re.findall(r"`(\w+)`", hint)):
        actual = assigned_type(program, name) or (
            assigned_type(program, name, first=True) if starting else ""
        )
        if not actual:
            continue
        pattern = (
            rf"\b{re.escape(name)}\b(?:[^.;]*?\b(?:it|{re.escape(name)}))?\s+(?:is|was)\s+"
            rf"(?:written as\s+|still\s+|actually\s+|read as\s+)?(not\s+)?(?:a|an)\s+"
            rf"({TYPE_WORD})\b"
        )
        match = contradicted(pattern, text, actual)
        if match:
            found.append(f"says {name} is {match.group(2)} ({actual})")
    return found


def contradicted(pattern: str, text: str, actual: str) -> re.Match | None:
    """The first match of a type claim `pattern` (group 1: a "not", group 2: the type word)
    in `text` that the actual type name contradicts."""
    for match in re.finditer(pattern, text, re.IGNORECASE):
        if (actual in TYPE_WORDS[match.group(2).lower()]) == bool(match.group(1)):
            return match
    return None


def rename_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """ "The method you meant has another name" for an attribute whose name is real."""
    attribute = facts.offending
    if facts.exception != "AttributeError" or not attribute or facts.close_names:
        return []
    if attribute not in hint or not _RENAME_STORY.search(hint):
        return []
    if attribute in BUILTIN_METHODS:
        return [f"says {attribute} is a wrong name; it is a method of Python's types"]
    if attribute in _program_attributes(program):
        return [f"says {attribute} is a wrong name; the program sets or defines it"]
    return []


def _program_attributes(program: Program) -> set[str]:
    """Names the program binds, defines, or sets as attributes (``self.gold = ...``)."""
    names = set(program.bindings)
    if program.tree is None:
        return names
    for node in ast.walk(program.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


def key_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """A KeyError's key called misspelt with no key close to it, or a wrong key named."""
    if facts.exception != "KeyError" or not facts.message:
        return []
    key = facts.message.strip("'\"")
    found = []
    if _KEY_MISSPELT.search(hint) and not _close_string(key, program):
        found.append(f"says the key {facts.message} is misspelt; no key of the program is close")
    allowed = {key} | set(re.findall(r"\w+", facts.index))
    named = [k for k in _KEY_NAMED.findall(hint) if k not in allowed]
    if named and facts.index:
        found.append(f"names the key {named[0]}; the missing key is {facts.message}")
    return found


def _close_string(key: str, program: Program) -> bool:
    """Whether a string constant of the program is close to `key` (and not equal to it)."""
    if program.tree is None:
        return True  # unknown: do not refute
    strings = {
        node.value
        for node in ast.walk(program.tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value != key
    }
    if any(s.casefold() == key.casefold() for s in strings):
        return True
    return bool(difflib.get_close_matches(key, sorted(strings), n=1, cutoff=0.6))


def call_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """Argument counts and parameter lists the failing call or the ``def`` contradicts."""
    if facts.exception != "TypeError" or program.tree is None or not facts.line:
        return []
    found = []
    name = _called_name(hint)
    calls = _calls_on_line(program, facts.line, name) if name else []
    passes = _PASSES.search(hint)
    if (
        passes
        and len(calls) == 1
        and len(calls[0].args) + len(calls[0].keywords) != int(passes.group(1))
    ):
        count = len(calls[0].args) + len(calls[0].keywords)
        found.append(f"says the call passes {passes.group(1)} argument(s); it passes {count}")
    listed = _PARAMETERS.search(hint)
    functions = program.functions(name) if name else []
    if listed and len(functions) == 1:
        claimed = [p.strip() for p in listed.group(1).split(",") if p.strip()]
        claimed = [] if claimed == ["no parameters"] else claimed
        actual = [a.arg for a in functions[0].args.posonlyargs + functions[0].args.args]
        besides_self = re.search(r"besides\s+`?self\b", hint, re.IGNORECASE)
        if besides_self or (actual[:1] == ["self"] and claimed[:1] != ["self"]):
            claimed = ["self", *claimed]
        if claimed != actual:
            found.append(
                f"says {name} takes ({', '.join(claimed)}); it takes ({', '.join(actual)})"
            )
    return found


def _called_name(hint: str) -> str:
    """The function a call claim is about: "... argument(s) to `lend`"."""
    match = re.search(r"argument\(?s?\)? to `(\w+)`", hint) or re.search(
        r"`(\w+)` is defined", hint
    )
    return match.group(1) if match else ""


def _calls_on_line(program: Program, line: int, name: str) -> list[ast.Call]:
    """Calls of `name` (a function or a method) that start on `line`."""
    statement = program.statement_at(line)
    if statement is None:
        return []
    return [
        node
        for node in ast.walk(statement)
        if isinstance(node, ast.Call)
        and node.lineno == line
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def index_claims(hint: str, _program: Program, facts: HintFacts) -> list[str]:
    """An off-by-one story for an IndexError at index 0 or -1: only an empty sequence fails."""
    if facts.exception != "IndexError" or not _OFF_BY_ONE.search(hint):
        return []
    if "index out of range" not in facts.message:
        return [f"says an index runs past the end; the error is {facts.message!r}"]
    if facts.index.strip() not in {"0", "-1"}:
        return []
    return [f"says the index runs past the end; index {facts.index} fails only when empty"]


_STORES_INTO = re.compile(
    r"(?:stores (?:a value |its result |it )?in(?:to)?|assigns it to) (?:a |your )?"
    r"(?:variable called )?`(\w+)`",
    re.IGNORECASE,
)
_USES_CODE = re.compile(r"\bon that line uses `([^`]+)`", re.IGNORECASE)
_DIVISION = re.compile(r"\bthe division on that line\b", re.IGNORECASE)
_LOOP_ON = re.compile(r"\bthe loop (?:on that line|starts)\b", re.IGNORECASE)
_CONDITION = re.compile(r"\bthat condition\b|\bin a condition\b", re.IGNORECASE)
_ASSIGNMENT_SIGN = re.compile(r"\buses the assignment sign\b", re.IGNORECASE)
_MORE_OPEN = re.compile(r"opens more brackets than it closes", re.IGNORECASE)
_OPENING, _CLOSING = "([{", ")]}"


def _line_before(hint: str, position: int) -> int:
    """The line a phrase at `position` refers to: the last "line N" written before it."""
    numbers = _LINE_NUMBER.findall(hint[:position])
    return int(numbers[-1]) if numbers else 0


def _code_tokens(text: str) -> list[str]:
    """Python's tokens of one line of code, strings and comments left out (read from the
    text, so a line of a program that does not parse has tokens too)."""
    text = re.sub(r"#.*", "", re.sub(r"'[^']*'|\"[^\"]*\"", " '' ", text))
    return re.findall(r"\w+|==|!=|<=|>=|//|\*\*|->|[-+*/%]=|\S", text)


def line_content_claims(hint: str, program: Program, _facts: HintFacts) -> list[str]:
    """What a hint says "that line" holds, against the line it refers to (the last "line N"
    before the phrase): a name stored into there, code it uses, a division, a loop, a
    condition, the assignment sign, more opening than closing brackets."""
    found = []
    for match in _STORES_INTO.finditer(hint):
        line, name = _line_before(hint, match.start()), match.group(1)
        if program.tree is not None and line and not _binds_on(program, name, line):
            found.append(f"says line {line} stores into {name}; it does not")
    checks = (
        (_USES_CODE, lambda tokens, m: _contains(tokens, _code_tokens(m.group(1)))),
        (_DIVISION, lambda tokens, m: bool({"/", "//", "%", "/=", "//=", "divmod"} & set(tokens))),
        (_LOOP_ON, lambda tokens, m: bool({"for", "while"} & set(tokens))),
        (_CONDITION, lambda tokens, m: bool({"if", "elif", "while"} & set(tokens))),
        (_ASSIGNMENT_SIGN, lambda tokens, m: "=" in tokens),
        (_MORE_OPEN, lambda tokens, m: _opened(tokens) > 0),
    )
    for pattern, holds in checks:
        for match in pattern.finditer(hint):
            line = _line_before(hint, match.start())
            if not 0 < line <= len(program.lines):
                continue
            if not holds(_code_tokens(program.lines[line - 1]), match):
                found.append(f"says line {line}: {match.group(0)!r}; the line does not hold it")
                break
    return found


def _binds_on(program: Program, name: str, line: int) -> bool:
    """Whether the statement on `line` binds or changes `name`."""
    if any(binding.line == line for binding in program.bindings.get(name, [])):
        return True
    return any(at == line for at, _ in _setters(program).get(name, []))


def _contains(tokens: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return bool(needle) and any(tokens[i : i + n] == needle for i in range(len(tokens) - n + 1))


def _opened(tokens: list[str]) -> int:
    """Brackets opened on a line and not closed there."""
    return sum(t in _OPENING for t in tokens) - sum(t in _CLOSING for t in tokens)


_BUILTIN_MISSPELT = re.compile(r"misspel\w* of (?:one of )?Python's built-in", re.IGNORECASE)
_PROGRAM_MISSPELT = re.compile(
    r"(?:misspel\w* of|looks like) (?:one of )?(?:a |the )?names? (?:your|the) program "
    r"(?:defines|uses)",
    re.IGNORECASE,
)


def misspelt_name_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """A NameError's name called a misspelling of a built-in name with
    no built-in close to it, of a name the program defines with none of those close, or
    called misspelt at all where the program sets that name as an attribute (``self.rate =``:
    the name lacks ``self.``, its spelling is right)."""
    name = facts.offending
    if not name or facts.exception != "NameError":
        return []
    close = set(facts.close_names)
    if _BUILTIN_MISSPELT.search(hint) and not close & set(dir(builtins)):
        return [f"says {name} misspells a built-in name; no built-in name is close to it"]
    if _PROGRAM_MISSPELT.search(hint) and not close & set(program.bindings):
        return [f"says {name} misspells a name of the program; the program has none close"]
    attributes = _program_attributes(program) - set(program.bindings)
    if _SPELLING.search(hint) and name in attributes:
        return [f"says {name} is misspelt; the program sets it as an attribute (self.{name})"]
    return []


_PRINTS_INSTEAD = re.compile(
    r"`(\w+)`[^.]*?\bprints (?:its|the) result instead of returning", re.IGNORECASE
)


def print_return_claims(hint: str, program: Program, _facts: HintFacts) -> list[str]:
    """ "The function `f` prints its result instead of returning it" where the program
    defines no function `f`, or `f` calls no ``print``."""
    if program.tree is None:
        return []
    for match in _PRINTS_INSTEAD.finditer(hint):
        name = match.group(1)
        functions = program.functions(name)
        if not functions:
            return [f"says {name} prints instead of returning; the program defines no {name}"]
        if not any(_calls_print(function) for function in functions):
            return [f"says {name} prints instead of returning; {name} never prints"]
    return []


def _calls_print(function: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and _called(node) == "print" for node in ast.walk(function)
    )


_HIDES_BUILTIN = re.compile(r"not Python's built-in function `(\w+)\(\)`", re.IGNORECASE)
_NOT_A_FUNCTION = re.compile(r"`(\w+)` is not a function|call it as a function", re.IGNORECASE)


def shadow_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """ "Your value now hides Python's built-in `f()`" where the program never binds `f`,
    and "`x` is not a function" for an error that is not about calling a value."""
    found = []
    for name in _HIDES_BUILTIN.findall(hint):
        if program.tree is not None and name not in program.bindings:
            found.append(f"says a variable hides {name}(); the program never binds {name}")
            break
    if _NOT_A_FUNCTION.search(hint) and facts.exception and "callable" not in facts.message:
        found.append(f"says a value is called as a function; the {facts.exception} is not that")
    return found


_METHOD_CUTOFF = 0.7  # closer than `lower` to `clear`: a real slip of spelling


def method_type_claims(hint: str, _program: Program, facts: HintFacts) -> list[str]:
    """ "The method you meant has another name" where the object is one of Python's types
    and none of that type's methods is close to the attribute (a dict has no `name`-like
    method: the value is the wrong kind, or wants ``d["name"]``)."""
    attribute = facts.offending
    if facts.exception != "AttributeError" or not attribute or attribute not in hint:
        return []
    if not _RENAME_STORY.search(hint) or len(facts.types) != 1:
        return []
    kind = {t.__name__: t for t in _TYPES}.get(facts.types[0])
    if kind is None:
        return []
    methods = [name for name in dir(kind) if not name.startswith("_")]
    if difflib.get_close_matches(attribute, methods, n=1, cutoff=_METHOD_CUTOFF):
        return []
    return [f"says {attribute} is a {kind.__name__} method with another name; none is close"]


_MEANS = re.compile(r"\bThis (?:means|tells you) that\b[^.\n]*", re.IGNORECASE)


def meaning_claims(hint: str, program: Program, facts: HintFacts) -> list[str]:
    """ "This means that the `total` variable ..." where `total` is a name of the program that
    the error is not about: neither the failing line, nor the line that called it, nor the
    message uses it (an explanation of the error about another value)."""
    if not facts.line or program.tree is None:
        return []
    used = set(re.findall(r"\w+", facts.message))
    for line in (facts.line, facts.call_line):
        used |= set(_code_tokens(program.text(line))) if line else set()
    for sentence in _MEANS.findall(hint):
        for name in re.findall(r"`(\w+)`", sentence):
            if name in program.bindings and name not in used:
                return [f"explains the error with {name}; the failing line does not use it"]
    return []


# The checks :func:`refuted_claims` runs besides the cause line, each ``(hint, program, facts)``
# to its reasons (named here so a measure can count each one alone).
CHECKS = (
    name_claims,
    none_claims,
    none_source_claims,
    argument_claims,
    definition_claims,
    layout_claims,
    input_claims,
    value_type_claims,
    rename_claims,
    key_claims,
    call_claims,
    index_claims,
    line_content_claims,
    misspelt_name_claims,
    print_return_claims,
    shadow_claims,
    method_type_claims,
    meaning_claims,
)
