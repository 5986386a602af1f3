"""Calling: a function named but not called, a value called like a function (a built-in's
name reused, a missing comma between literals, a method hidden by an attribute), and
methods, constructors and functions called with the wrong arguments (TypeError); a text
method named without `()` that keeps a `while` loop asking until the input ends (EOFError)."""

from __future__ import annotations

import ast
import re

from ..hintfacts import (
    _BUILTIN_NAMES,
    _TYPE_WORDS,
    Program,
    _assigned_origin,
    _code,
    _failing_node,
    _names,
    _quoted,
    _source,
)
from ._common import (
    _CONTAINER_TYPES,
    Diagnosis,
    _Case,
    _classes_named,
    _is_input_call,
    _is_self_store,
    _method,
    _names_function,
    _typo_of,
)
from .returns import _own_method

_FUNCTION_TYPES = ("builtin_function_or_method", "method", "function")


def _function_not_called(case: _Case) -> Diagnosis | None:
    """A function or method used without `()`: set as a value, or used on the failing line."""
    message = case.facts.message
    if not any(f"{q}{kind}{q}" in message for kind in _FUNCTION_TYPES for q in "'\""):
        return None  # `'method'` in most messages, `"method"` in "can only concatenate"
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    found: list[tuple[str, int]] = []
    for node in ast.walk(statement) if statement is not None else ():
        if getattr(node, "lineno", line) != line or _is_called(program, node):
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            methods = _CONTAINER_TYPES.values()
            if any(hasattr(t, node.attr) for t in methods) or _own_method(program, node.attr):
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
            if (
                _names_function(program, value)
                or _names_own_function(program, value)
                or _names_own_method(program, value)
            ):
                found.append(
                    (
                        f"Line {binding.line} sets {_code(node.id)} to {_code(_source(value))} "
                        f"without round brackets after it, so {_code(node.id)} holds the "
                        "function itself, not the value the function gives back",
                        binding.line,
                    )
                )
    found = list(dict.fromkeys(found))  # `first.name` and `first.kind`: one name, one cause
    if len(found) != 1:
        return None
    where, cause_line = found[0]
    return Diagnosis(
        "function_not_called",
        cause_line,
        f"{where}; line {line} then uses it as a value",
        "What is the difference between naming a function and calling it?",
    )


def _names_own_function(program: Program, value: ast.expr | None) -> bool:
    """`human = dog_years`: the name of a function the program defines once with `def`
    (and binds no other way), not called."""
    if not isinstance(value, ast.Name):
        return False
    bindings = program.bindings.get(value.id, [])
    return (
        len(bindings) == 1
        and bindings[0].kind == "def"
        and len(program.functions(value.id)) == 1
        and value.id not in program.declared
    )


def _names_own_method(program: Program, value: ast.expr | None) -> bool:
    """`first = queue.adopt`: the program's own plain method (defined once, in a class,
    no decorator, no attribute of that name stored), not called."""
    if not isinstance(value, ast.Attribute):
        return False
    method = _own_method(program, value.attr)
    return method is not None and not method.decorator_list


def _is_called(program: Program, node: ast.AST) -> bool:
    parent = program.parents.get(node)
    return isinstance(parent, ast.Call) and parent.func is node


def _not_callable(case: _Case) -> Diagnosis | None:
    kind = _quoted(case.facts.message, r"^'(\w+)' object is not callable")
    call = _failing_node(case.program, case.frame, ast.Call)
    if not kind or call is None or not isinstance(call.func, ast.Name):
        return None
    name, program = call.func.id, case.program
    found = program.bindings.get(name, [])
    index_like = len(call.args) == 1 and isinstance(call.args[0], ast.Constant)
    if index_like and type(call.args[0].value) is int and name in _BUILTIN_NAMES:
        return None  # `list(0)`: round brackets where square ones were meant, perhaps
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
    mine = _classes_named(case.program, owner)
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


def _input_method_uncalled(case: _Case) -> Diagnosis | None:
    """`attempt = input(...).strip` inside `while attempt != word:`: the method itself is
    never equal to the word, so the loop asks until the input runs out (EOFError)."""
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    if case.facts.message != "EOF when reading a line" or not isinstance(statement, ast.Assign):
        return None
    value, targets = statement.value, statement.targets
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return None
    if not isinstance(value, ast.Attribute) or not hasattr(str, value.attr):
        return None
    if not _is_input_call(value.value):
        return None
    name = targets[0].id
    loops = [
        loop
        for loop in program.enclosing(line, (ast.While,))
        if any(_compares_with(n, name) for n in ast.walk(loop.test))  # type: ignore[attr-defined]
    ]
    if len(loops) != 1:
        return None
    test = _source(loops[0].test)  # type: ignore[attr-defined]
    return Diagnosis(
        "function_not_called",
        line,
        f"Line {line} gives {_code(name)} {_code(_source(value))}, with no round brackets "
        f"after {_code(value.attr)}, so {_code(name)} is the method itself, never the typed "
        f"text, and a method is never equal to text: the loop on line {loops[0].lineno} "
        f"({_code('while ' + test)}) asks again and again until the input runs out",
        "What is the difference between naming a method and calling it?",
    )


def _compares_with(node: ast.AST, name: str) -> bool:
    """`name == ...` or `... != name`: a comparison for equality with `name` on one side."""
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return False
    sides = (node.left, node.comparators[0])
    return isinstance(node.ops[0], ast.Eq | ast.NotEq) and any(
        isinstance(side, ast.Name) and side.id == name for side in sides
    )


def _text_compared_with_number(case: _Case) -> Diagnosis | None:
    """`called = input(...)` in a `while` loop that stops only `if called == my_ticket:`,
    `my_ticket` a whole number: text is never equal to a number, so the loop asks until the
    input runs out (EOFError)."""
    program, line = case.program, case.frame.line
    statement = program.statement_at(line)
    if case.facts.message != "EOF when reading a line" or not isinstance(statement, ast.Assign):
        return None
    targets = statement.targets
    if len(targets) != 1 or not isinstance(targets[0], ast.Name):
        return None
    if not _is_input_call(statement.value) or "input" in program.bindings:
        return None
    name, loops = targets[0].id, program.enclosing(line, (ast.While,))
    if len(loops) != 1:
        return None
    loop = loops[0]
    inside = [
        b for b in program.bindings.get(name, []) if loop.lineno <= b.line <= (loop.end_lineno or 0)
    ]
    if len(inside) != 1:
        return None  # `name` set again in the loop: which value is compared is unsure
    tests = [n for n in ast.walk(loop) if isinstance(n, ast.Compare) and _compares_with(n, name)]
    numbers = [(t, why) for t in tests if (why := _number_side(program, t, name))]
    if len(numbers) != 1 or (len(tests) != 1 and not _only_way_out(program, loop, numbers[0][0])):
        return None
    test, why = numbers[0]
    holds = "is never true" if isinstance(test.ops[0], ast.Eq) else "is always true"
    return Diagnosis(
        "text_compared_with_number",
        test.lineno,
        f"Line {test.lineno} compares {_code(name)}, the text {_code('input()')} gives back on "
        f"line {line}, with {why}; text is never equal to a number, even when it holds the "
        f"same digits, so {_code(_source(test))} {holds} and the loop on line "
        f"{loop.lineno} asks again and again until the input runs out",
        "What has to happen to the typed text before it can be compared with a number?"
        if len(tests) == 1
        else f"The other tests of {_code(name)} in the loop compare it with text; what does "
        f"line {test.lineno} compare it with?",
    )


def _only_way_out(program: Program, loop: ast.While, test: ast.Compare) -> bool:
    """`while True:` whose every `break` (and `return`) sits in the `if` (or `elif`) whose
    test is `test`: a menu comparing the choice with text "1", "2", "3" and with the number
    4 can end only through the branch that is never taken."""
    branch = program.parents.get(test)
    if not isinstance(loop.test, ast.Constant) or loop.test.value is not True or loop.orelse:
        return False
    if not isinstance(branch, ast.If) or branch.test is not test:
        return False
    exits = [n for n in ast.walk(loop) if isinstance(n, ast.Break | ast.Return | ast.Raise)]
    exits += [
        n
        for n in ast.walk(loop)
        if isinstance(n, ast.Call)
        and (getattr(n.func, "id", "") in ("exit", "quit") or getattr(n.func, "attr", "") == "exit")
    ]
    inner = [n for n in ast.walk(loop) if isinstance(n, ast.For | ast.While) and n is not loop]
    if inner or not exits:
        return False  # a `break` of an inner loop would need sorting out
    inside = {id(n) for stmt in branch.body for n in ast.walk(stmt)}
    return all(id(n) in inside for n in exits)


def _number_side(program: Program, test: ast.Compare, name: str) -> str:
    """How the side of `test` that is not `name` is known to be a whole number ("" if not):
    written out, or a name set once to one."""
    other = test.comparators[0] if getattr(test.left, "id", "") == name else test.left
    if isinstance(other, ast.Constant) and type(other.value) is int:
        return f"the number {_code(_source(other))}"
    binding = program.only_binding(other.id) if isinstance(other, ast.Name) else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if isinstance(value, ast.Constant) and type(value.value) is int:
        return (
            f"{_code(other.id)}, a number (line {binding.line} sets it to {_code(_source(value))})"  # type: ignore[union-attr]
        )
    return ""


def _method_not_called(case: _Case) -> Diagnosis | None:
    """`tasks[0].finish` alone on a line (r14-033): a statement that only names a method
    does nothing. Fires where that method of the program's one class of it is called
    nowhere, it stores `self.done`, nothing else stores `.done`, and the failing line reads
    `.done` (or a name whose one binding does): what it reads never got the method's value."""
    program, line = case.program, case.frame.line
    named = [
        n
        for n in ast.walk(program.tree)  # type: ignore[arg-type]
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Attribute) and n.lineno < line
    ]
    if len(named) != 1:
        return None
    statement, name = named[0], named[0].value.attr  # type: ignore[attr-defined]
    classes = [
        c
        for c in ast.walk(program.tree)  # type: ignore[arg-type]
        if isinstance(c, ast.ClassDef) and _method(program, c.name, name) is not None
    ]
    if len(classes) != 1:
        return None
    method = _method(program, classes[0].name, name)
    if _called_anywhere(program, name) or method is None:
        return None
    stored = {n.attr for n in ast.walk(method) if _attribute_store(n)}
    start = _init(classes[0])
    elsewhere = {
        n.attr
        for n in ast.walk(program.tree)  # type: ignore[arg-type]
        if _attribute_store(n) and not _inside(method, n) and not _inside(start, n)
    }
    read = sorted((stored - elsewhere) & _attributes_read(program, line))
    if not read:
        return None
    return Diagnosis(
        "method_not_called",
        statement.lineno,
        f"Line {statement.lineno} only names the method {_code(_source(statement.value))} "
        f"without brackets, so it is never called and {_code(name)} (line {method.lineno}) "
        f"never sets {_code('.' + read[0])}; what line {line} reads through "
        f"{_code('.' + read[0])} is still the value from before line {statement.lineno}",
        f"What does line {statement.lineno} need so that the method really runs?",
    )


def _called_anywhere(program: Program, name: str) -> bool:
    """Whether any call in the program is of a function or method called `name`."""
    return any(
        isinstance(n, ast.Call)
        and (getattr(n.func, "attr", None) == name or getattr(n.func, "id", None) == name)
        for n in ast.walk(program.tree)  # type: ignore[arg-type]
    )


def _inside(outer: ast.AST | None, node: ast.AST) -> bool:
    return outer is not None and any(n is node for n in ast.walk(outer))


def _attribute_store(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)


def _init(owner: ast.ClassDef) -> ast.AST | None:
    """The class's `__init__`, where a start value (`self.done = False`) is set."""
    found = [f for f in owner.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
    return found[0] if found else None


def _attributes_read(program: Program, line: int) -> set[str]:
    """Attribute names read by the statement on `line`, and by the one binding of each name
    it reads (one step back: `done = [t for t in tasks if t.done]` for `done[0]`)."""
    statement = program.statement_at(line)
    if statement is None:
        return set()
    nodes: list[ast.AST] = [statement]
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            binding = program.only_binding(node.id)
            if binding is not None and binding.kind == "assign" and binding.value is not None:
                nodes.append(binding.value)
    return {
        n.attr
        for node in nodes
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)
    }
