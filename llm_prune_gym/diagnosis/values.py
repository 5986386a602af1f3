"""ValueError and ZeroDivisionError: text `int()` or `float()` cannot read, too many values
to unpack, a split at a separator the text lacks, a format code for another type, an item
not in a list (a number among text), and a divisor that is certainly 0 (never changed,
rounded down by `//`, or the length of a list that no item got into)."""

from __future__ import annotations

import ast
import re

from ..hintfacts import (
    _DIVISION_CALLS,
    _DIVISIONS,
    Binding,
    LoopRange,
    Program,
    _argument,
    _code,
    _failing_node,
    _fixed_dict_keys,
    _fixed_sequence,
    _has_starred,
    _loop_range,
    _only_read,
    _quoted,
    _source,
    _static_int,
    _uses,
)
from ._common import (
    Diagnosis,
    _Case,
    _is_input,
    _is_input_call,
    _loop_over,
    _names_function,
    _typed_as_is,
    _typo_of,
    _value_origin,
)
from .indexing import _literal_keys


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


def _empty_divisor(case: _Case) -> Diagnosis | None:
    """`sum(warm) / len(warm)` where `warm = []` gets items only under an `if` (no item
    passed its test), or `len(riders)` for `riders` of a dict literal with an empty list
    among its values: the length divided by is 0 because the list is empty."""
    divisor = _divisor(case)
    if (
        not isinstance(divisor, ast.Call)
        or getattr(divisor.func, "id", "") != "len"
        or "len" in case.program.bindings
        or len(divisor.args) != 1
        or not isinstance(divisor.args[0], ast.Name)
    ):
        return None
    name, line = divisor.args[0].id, case.frame.line
    found = (
        _filled_under_if(case.program, name)
        or _filtered_comprehension(case.program, name)
        or _empty_entry(case.program, name, line)
    )
    if found is None:
        return None
    where, why, question = found
    return Diagnosis(
        "empty_divisor",
        where,
        f"The divisor on line {line} is {_code(_source(divisor))}, and {_code(name)} is empty "
        f"there, so its length is 0: {why}",
        question.format(line=line),
    )


def _filled_under_if(program: Program, name: str) -> tuple[int, str, str] | None:
    """`warm = []`, then `warm.append(t)` only inside an `if`: the test let no item in."""
    binding = program.only_binding(name)
    if binding is None or binding.kind != "assign":
        return None
    if not isinstance(binding.value, ast.List) or binding.value.elts:
        return None
    appends = []
    for use in _uses(program, name):
        call = program.parents.get(program.parents.get(use))
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "append":
            if call.func.value is use:  # type: ignore[attr-defined]
                appends.append(call)
                continue
        if not _only_read(program, use):
            return None
    tests = {
        id(test): test for call in appends for test in program.enclosing(call.lineno, (ast.If,))[:1]
    }
    if not appends or len(tests) != 1:
        return None
    test = next(iter(tests.values()))
    if any(program.parents.get(call) not in test.body for call in appends):
        return None  # in the `else` part, or nested deeper: the test alone does not decide
    condition = _source(test.test)
    return (
        test.lineno,
        f"it starts empty on line {binding.line} and gets items only under "
        f"{_code(f'if {condition}:')} (line {test.lineno}), so no item passed that test",
        f"Is {_code(condition)} the test you meant, and what should line {{line}} do when no "
        "item passes it?",
    )


def _filtered_comprehension(program: Program, name: str) -> tuple[int, str, str] | None:
    """`weekend = [log[d] for d in log if d in ("sat", "sun")]` with `log` written out with
    items and never changed: the list is built only from the items that pass the one `if`,
    there were items, and the list is empty, so none passed."""
    binding = program.only_binding(name)
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.ListComp) or len(value.generators) != 1:
        return None
    loop = value.generators[0]
    if len(loop.ifs) != 1 or loop.is_async or not isinstance(loop.iter, ast.Name):
        return None
    own = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    read = {n.id for n in ast.walk(loop.ifs[0]) if isinstance(n, ast.Name)}
    if read - own - {source := loop.iter.id}:
        return None  # `lap < limit`: the slip may be where `limit` is set, not in the test
    keys = _literal_keys(program, source)
    known = _fixed_sequence(program, source)
    if not (keys or (known is not None and known[1] > 0)):
        return None
    if not all(_only_read(program, use) for use in _uses(program, name)):
        return None
    condition = _source(loop.ifs[0])
    return (
        binding.line,  # type: ignore[union-attr]
        f"line {binding.line} builds it only from the items of {_code(source)} that pass "  # type: ignore[union-attr]
        f"{_code(f'if {condition}')}, and {_code(source)} (written out, never changed) has "
        "items, so none of them passed that test",
        f"Is {_code(condition)} the test you meant, and what should line {{line}} do when no "
        "item passes it?",
    )


def _empty_entry(program: Program, name: str, line: int) -> tuple[int, str, str] | None:
    """`for day, riders in trips.items():` where `trips` is a dict literal, never changed,
    with an empty list among its values."""
    loops = [
        loop
        for loop in program.enclosing(line, (ast.For,))
        if isinstance(loop.target, ast.Tuple | ast.Name)
        and any(getattr(t, "id", "") == name for t in ast.walk(loop.target))
    ]
    if len(loops) != 1 or len(program.bindings.get(name, [])) != 1:
        return None
    loop = loops[0]
    iterable = loop.iter
    method = getattr(iterable, "func", None)
    if not (
        isinstance(iterable, ast.Call)
        and isinstance(method, ast.Attribute)
        and method.attr in ("items", "values")
        and isinstance(method.value, ast.Name)
        and not iterable.args
    ):
        return None
    target = loop.target
    if method.attr == "items" and not (
        isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and getattr(target.elts[1], "id", "") == name
    ):
        return None
    if method.attr == "values" and not isinstance(target, ast.Name):
        return None
    owner = method.value.id
    binding = program.only_binding(owner)
    literal = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(literal, ast.Dict) or None in literal.keys:
        return None
    if not all(_only_read(program, use) for use in _uses(program, owner)):
        return None
    empty = [
        (k, v)
        for k, v in zip(literal.keys, literal.values, strict=True)
        if isinstance(v, ast.List | ast.Tuple) and not v.elts
    ]
    if not empty:
        return None
    key, value = empty[0]
    return (
        line,
        f"{_code(owner)} (line {binding.line}) has {_code(_source(key) + ': ' + _source(value))}, "  # type: ignore[union-attr]
        f"an empty list, among its values, and the loop on line {loop.lineno} reaches it",
        "What should line {line} do for an entry that has no items?",
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
        compared = _compared_statements(program, name)
        if len(compared) == 1:
            return compared[0].lineno, (
                f"{_code(name)} is set to 0 on line {binding.line}; line "
                f"{compared[0].lineno} is {_code(_source(compared[0].value))}, a comparison "
                f"(`==`) that changes nothing, so {_code(name)} never changes"
            )
        dropped = _dropped_steps(program, name)
        if len(dropped) == 1:
            return dropped[0].lineno, (
                f"{_code(name)} is set to 0 on line {binding.line}; line {dropped[0].lineno} "
                f"computes {_code(_source(dropped[0].value))} but keeps the result nowhere, so "
                f"{_code(name)} never changes"
            )
        return binding.line, f"{_code(name)} is set to 0 on line {binding.line} and never changed"
    floor = binding.value if binding is not None and binding.kind == "assign" else None
    if (
        isinstance(floor, ast.BinOp)
        and isinstance(floor.op, ast.FloorDiv)
        and isinstance(floor.right, ast.Constant)
        and type(floor.right.value) is int
        and floor.right.value > 1
    ):
        return binding.line, (  # type: ignore[union-attr]
            f"{_code(name)} is computed on line {binding.line} as {_code(_source(floor))}; "  # type: ignore[union-attr]
            f"`//` rounds down to a whole number, so anything below {floor.right.value} "
            "gives 0"
        )
    loop = _loop_range(program, divisor, case.frame.line)
    if loop is not None and loop.first == 0 or _range_starts_at_zero(loop):
        return (
            loop.line,
            f"it is the loop variable of {_code(f'for {name} in {loop.iterable}:')} on line "
            f"{loop.line}, whose first value is 0",
        )
    return None


def _dropped_steps(program: Program, name: str) -> list[ast.Expr]:
    """Statements such as `count + 1` alone on their line: the new value is kept nowhere."""
    return [
        node
        for node in ast.walk(program.tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.BinOp)
        and isinstance(node.value.op, ast.Add | ast.Sub | ast.Mult)
        and any(
            isinstance(side, ast.Name) and side.id == name
            for side in (node.value.left, node.value.right)
        )
    ]


def _compared_statements(program: Program, name: str) -> list[ast.Expr]:
    """Statements such as `count == count + 1` alone on their line: `==` compares, so the
    assignment the line looks like never happens."""
    return [
        node
        for node in ast.walk(program.tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Compare)
        and len(node.value.ops) == 1
        and isinstance(node.value.ops[0], ast.Eq)
        and isinstance(node.value.left, ast.Name)
        and node.value.left.id == name
    ]


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
            typed = _typed_text(case, value.func.value)[0] is not None  # type: ignore[attr-defined]
            text = "the text typed" if typed else "that text"
            return Diagnosis(
                "split_unpack",
                case.frame.line,
                f"On line {case.frame.line}, {_code(_source(value))} split the text into more "
                f"than {expected} pieces, but only {expected} names on the left take them",
                f"How many pieces does {text} really split into, and what should "
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
    items = _letters_listed(program, literal.value) if literal is not None else None
    text = argument.value if isinstance(argument, ast.Constant) else None
    if isinstance(argument, ast.Name) and method == "index" and isinstance(items, ast.List):
        return _item_case(case, argument.id, literal, items) or _text_among_numbers(  # type: ignore[arg-type]
            case,
            argument.id,
            literal,
            items,  # type: ignore[arg-type]
        )
    if isinstance(argument, ast.Name) and method == "remove" and isinstance(items, ast.List):
        return _number_among_text(case, argument, literal, items)  # type: ignore[arg-type]
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


def _number_among_text(
    case: _Case, argument: ast.Name, literal: Binding, items: ast.List
) -> Diagnosis | None:
    """`todo.remove(done)` with `done = int(input(...))` and a list written all of text (and
    only read or shortened after): a number is never equal to text."""
    origin = _value_origin(case, argument)
    if origin is None or origin.type not in ("int", "float") or origin.parameter:
        return None
    if not items.elts or not all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in items.elts
    ):
        return None
    for use in _uses(case.program, literal.name):
        parent = case.program.parents.get(use)
        shortens = isinstance(parent, ast.Attribute) and parent.attr in ("remove", "pop")
        if not (shortens or _only_read(case.program, use)):
            return None
    name, line = literal.name, case.frame.line
    return Diagnosis(
        "item_not_in_list",
        line,
        f"On line {line}, {_code(f'{name}.remove({argument.id})')} looks for "
        f"an item equal to {_code(argument.id)}, a number ({_code(origin.source)}, line "
        f"{origin.line}), but every item of {_code(name)} is text (line {literal.line}), and "
        "a number is never equal to text",
        f"Is {_code(argument.id)} meant to be one of the items of {_code(name)}, or a "
        "position in it?",
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
    if not typed:
        line, typed = _typed_through_loops(case, name)
    return Diagnosis(
        "item_not_in_list",
        line,
        f"{_code(name)} is {_code(repr(text))} on line {case.frame.line}{typed}, but the list "
        f"made on line {literal.line} has {_code(repr(same[0]))}, which differs from it only "
        "in capitals, and Python compares text exactly",
        f"Where does {_code(name)} get its value, and how does it have to be written to "
        "match the list?",
    )


def _letters_listed(program: Program, value: ast.expr | None) -> ast.expr | None:
    """`list("abcdefghijklmnopqrstuvwxyz")` read as the list of its letters written out (the
    program does not rebind `list`); any other value as it is."""
    if not (
        isinstance(value, ast.Call)
        and getattr(value.func, "id", "") == "list"
        and "list" not in program.bindings
        and len(value.args) == 1
        and isinstance(value.args[0], ast.Constant)
        and isinstance(value.args[0].value, str)
    ):
        return value
    return ast.List(elts=[ast.Constant(char) for char in value.args[0].value], ctx=ast.Load())


def _typed_through_loops(case: _Case, name: str) -> tuple[int, str]:
    """(line, clause) where `name` is a letter of a word of the typed text, capitals kept:
    `for letter in word:` inside `for word in coded.split(" "):`, `coded = input(...)`."""
    program, line, steps = case.program, case.frame.line, 0
    node: ast.expr | None = ast.Name(name)
    for _ in range(3):
        loop = _loop_over(program, node.id, line) if isinstance(node, ast.Name) else None
        if loop is None:
            break
        steps += 1
        node, line = loop.iter, loop.lineno
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "split":
            node = node.func.value  # type: ignore[attr-defined]
    if not steps or not isinstance(node, ast.Name):
        return case.frame.line, ""
    found, typed = _typed_as_is(case, node)
    if not typed:
        return case.frame.line, ""
    return found, f" (taken from {_code(node.id)}, {typed.strip()[1:-1]})"


def _text_among_numbers(
    case: _Case, name: str, literal: Binding, items: ast.List
) -> Diagnosis | None:
    """`uk.index(size)` where Python quotes `size` as the text '6' and the list is written all
    of numbers, one of them 6, and only read after (r13-018): the number is there, the text
    never equals it."""
    text = _quoted(case.facts.message, r"^'(.*)' is not in list$")
    numbers = [
        e.value for e in items.elts if isinstance(e, ast.Constant) and type(e.value) in (int, float)
    ]
    if not text or not numbers or len(numbers) != len(items.elts) or not _is_float(text):
        return None
    if float(text) not in numbers:
        return None
    if not all(_only_read(case.program, n) for n in _uses(case.program, literal.name)):
        return None
    line, typed = _typed_as_is(case, ast.Name(name))
    typed = typed.replace(", capitals as typed", "")
    return Diagnosis(
        "item_not_in_list",
        line,
        f"{_code(name)} is the text {_code(repr(text))} on line {case.frame.line}{typed}, but "
        f"every item of {_code(literal.name)} (line {literal.line}) is a number, and text is "
        "never equal to a number, even when it shows the same digits",
        f"Where does {_code(name)} get its value, and what type does it have there?",
    )


def _split_missed(case: _Case) -> Diagnosis | None:
    """`int(lap)` for each `lap` of `text.split(", ")`, where `int()` got '61,59,63': the
    text has no `", "`, so the split left it whole."""
    text = _quoted(
        case.facts.message,
        r"^(?:invalid literal for int\(\) with base 10|could not convert string to float): "
        r"'(.*)'$",
    )
    call = _failing_node(case.program, case.frame, ast.Call)
    if not text or call is None or getattr(call.func, "id", "") not in ("int", "float"):
        return None
    if len(call.args) != 1:
        return None
    name, pieces = _split_source(case, call.args[0])
    if not isinstance(pieces, ast.Call) or getattr(pieces.func, "attr", "") != "split":
        return None
    if pieces.keywords or len(pieces.args) > 1:
        return None
    if not pieces.args:  # `split()`: at spaces, which this text lacks
        marks = {c for c in text if not c.isdigit() and c not in ".-+"}
        why = "`split()` with nothing in its brackets splits at spaces, and that text has none"
        if len(marks) != 1 or not _numbers_apart(text, marks.pop()):
            return None
    elif isinstance(pieces.args[0], ast.Constant):
        separator = pieces.args[0].value
        why = f"that text has no {_code(repr(separator))} in it"
        if not isinstance(separator, str) or not separator.strip() or separator in text:
            return None
        marks = {c for c in text if not c.isdigit() and c not in ".+"} - set(separator)
        if len(marks) == 1 and _numbers_apart(text, mark := marks.pop()):
            why += f", only {_code(repr(mark))} between its numbers"
        elif not _numbers_apart(text, separator.strip()):
            return None
    else:
        return None
    return Diagnosis(
        "split_missed",
        pieces.lineno,
        f"On line {case.frame.line}, {_code(name)} is a piece of {_code(_source(pieces))} "
        f"(line {pieces.lineno}), yet it is {_code(repr(text))}: {why}, so the split left "
        "several numbers in one piece",
        f"Which separator does the text really use, and which one does line {pieces.lineno} "
        "split at?",
    )


def _split_missed_key(case: _Case) -> Diagnosis | None:
    """`values[ball]` for each `ball` of `text.split(", ")` fails on 'red,black,red': the
    text has no `", "`, only `","`, and every part between the commas is a key of the dict
    (written out, only read), so the split at `", "` left several keys in one piece."""
    text = _quoted(case.facts.message, r"^'(.*)'$")
    node = _failing_node(case.program, case.frame, ast.Subscript)
    if not text or node is None or not isinstance(node.value, ast.Name):
        return None
    keys = _fixed_dict_keys(case.program, node.value.id)
    name, pieces = _split_source(case, node.slice)
    if not keys or not isinstance(pieces, ast.Call) or getattr(pieces.func, "attr", "") != "split":
        return None
    separator = pieces.args[0] if len(pieces.args) == 1 and not pieces.keywords else None
    if not isinstance(separator, ast.Constant) or not isinstance(separator.value, str):
        return None
    mark = separator.value.strip()
    if not mark or mark == separator.value or separator.value in text or mark not in text:
        return None
    if not all(part.strip() in keys for part in text.split(mark)):
        return None
    return Diagnosis(
        "split_missed",
        pieces.lineno,
        f"On line {case.frame.line}, {_code(name)} is a piece of {_code(_source(pieces))} "
        f"(line {pieces.lineno}), yet it is {_code(repr(text))}: that text has no "
        f"{_code(repr(separator.value))} in it, only {_code(repr(mark))} between its words, so "
        f"the split left several keys of {_code(node.value.id)} in one piece",
        f"Which separator does the text really use, and which one does line {pieces.lineno} "
        "split at?",
    )


def _split_source(case: _Case, node: ast.expr) -> tuple[str, ast.expr | None]:
    """(the piece as written, the `split` call it is a piece of): `lap` looped over
    `text.split(...)` (or a name set once to it), or `parts[0]` where `parts` is set once to
    `text.split(...)`."""
    program, line = case.program, case.frame.line
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        index = node.slice
        if not isinstance(index, ast.Constant) or type(index.value) is not int:
            return "", None
        binding = program.only_binding(node.value.id)
        return _source(node), binding.value if binding and binding.kind == "assign" else None
    if not isinstance(node, ast.Name):
        return "", None
    loop = _loop_over(program, node.id, line)
    pieces = loop.iter if loop is not None else None
    if isinstance(pieces, ast.Name) and (binding := program.only_binding(pieces.id)):
        pieces = binding.value if binding.kind == "assign" else None
    return node.id, pieces


def _numbers_apart(text: str, separator: str) -> bool:
    """True if `text` is two or more numbers with `separator` between them."""
    parts = text.split(separator)
    return len(parts) >= 2 and all(_is_float(p.strip()) for p in parts)


_UNPACK_SHORT = re.compile(
    r"^(?:not enough|too many) values to unpack \(expected (\d+), got (\d+)\)$"
)


def _odd_item_unpacked(case: _Case) -> Diagnosis | None:
    """`for name, age, stops in passengers:` where `passengers` is a list written out, only
    read, whose items all hold 3 values but one, which holds as many as the error says."""
    match = _UNPACK_SHORT.match(case.facts.message)
    statement, program = case.program.statement_at(case.frame.line), case.program
    if match is None or not isinstance(statement, ast.For):
        return None
    expected, got = int(match.group(1)), int(match.group(2))
    target, iterable = statement.target, statement.iter
    if not (isinstance(target, ast.Tuple) and len(target.elts) == expected):
        return None
    binding = program.only_binding(iterable.id) if isinstance(iterable, ast.Name) else None
    value = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(value, ast.List | ast.Tuple):
        return None
    items = value.elts
    if not all(isinstance(i, ast.Tuple | ast.List) and not _has_starred(i) for i in items):
        return None
    odd = [i for i in items if len(i.elts) != expected]  # type: ignore[attr-defined]
    if len(odd) != 1 or len(odd[0].elts) != got or len(items) - 1 < 2:  # type: ignore[attr-defined]
        return None
    if not all(_only_read(program, node) for node in _uses(program, iterable.id)):  # type: ignore[union-attr]
        return None
    name, item = iterable.id, odd[0]  # type: ignore[union-attr]
    return Diagnosis(
        "odd_item_unpacked",
        item.lineno,
        f"Line {case.frame.line} splits each item of {_code(name)} into {expected} names, and "
        f"every item of {_code(name)} holds {expected} values except {_code(_source(item))} on "
        f"line {item.lineno}, which holds {got}",
        f"What should {_code(_source(item))} hold so that it matches the other items?",
    )


_PROMPT_FORMAT = re.compile(r"\(([A-Za-z0-9]+(?:([^\w\s()])[A-Za-z0-9]+)+)\)")


def _separator_not_in_prompt(case: _Case) -> Diagnosis | None:
    """`hours, minutes = time_text.split(":")` where `time_text = input("Time (HH.MM): ")`:
    the split got one piece, so the text had no `":"`, and the program's own prompt asks for
    the parts with another separator between them."""
    expected = _quoted(
        case.facts.message, r"^not enough values to unpack \(expected (\d+), got 1\)$"
    )
    statement = case.program.statement_at(case.frame.line)
    if not expected or not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return None
    split = statement.value
    if not isinstance(statement.targets[0], ast.Tuple) or not isinstance(split, ast.Call):
        return None
    if getattr(split.func, "attr", "") != "split" or len(split.args) > 1 or split.keywords:
        return None
    separator = split.args[0] if split.args else ast.Constant(" ")  # `split()`: at spaces
    if not isinstance(separator, ast.Constant) or not isinstance(separator.value, str):
        return None
    typed, line = _typed_text(case, split.func.value)  # type: ignore[attr-defined]
    prompt = typed.args[0] if typed is not None and len(typed.args) == 1 else None
    if not isinstance(prompt, ast.Constant) or not isinstance(prompt.value, str):
        return None
    formats = _PROMPT_FORMAT.findall(prompt.value)
    if len(formats) != 1:
        return None
    shown, mark = formats[0]
    if len(re.findall(r"[A-Za-z0-9]+", shown)) != int(expected) or set(
        re.findall(r"[^\w\s]", shown)
    ) != {mark}:
        return None
    if split.args and not separator.value.strip():
        return None  # `split(" ")`: two spaces give an empty piece, not one piece
    if separator.value.strip() == mark or mark in separator.value:
        return None
    at, no = (
        (_code(repr(separator.value)), _code(repr(separator.value)))
        if split.args
        else ("spaces (`split()` with nothing in the brackets)", "space between its parts")
    )
    return Diagnosis(
        "separator_not_in_prompt",
        case.frame.line,
        f"Line {case.frame.line} splits {_code(_source(split.func.value))} at {at}, but the "  # type: ignore[attr-defined]
        f"prompt on line {line} asks for it as {_code(shown)}, with {_code(repr(mark))} between "
        f"the parts; the text had no {no}, so the split gave one piece for {expected} names",
        f"Which separator does the typed text have, and which one does line {case.frame.line} "
        "split at?",
    )


def _typed_text(case: _Case, node: ast.expr) -> tuple[ast.Call | None, int]:
    """(the `input(...)` call, its line) where `node` is that call (maybe `.strip()`ped) or
    a name set once to it; else (None, 0)."""
    if not _is_input_call(node) and isinstance(node, ast.Name):
        binding = case.program.only_binding(node.id)
        node = binding.value if binding is not None and binding.kind == "assign" else None  # type: ignore[assignment]
    if node is None or not _is_input_call(node) or "input" in case.program.bindings:
        return None, 0
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return node, node.lineno  # type: ignore[return-value]


def _length_always_true(case: _Case) -> Diagnosis | None:
    """`while len(queue) >= 0:` (or `if`) around `queue.pop(0)` or `sum(s) / len(s)`: a
    length is never below 0, so the test lets the empty list through, and the failing use
    (an emptied list's first or last item, or its length as divisor) fails only when empty."""
    line = case.frame.line
    for block in case.program.enclosing(line, (ast.If, ast.While)):
        body = block.body  # type: ignore[attr-defined]
        sequence = _never_negative_length(block.test)  # type: ignore[attr-defined]
        inside = body[0].lineno <= line <= (body[-1].end_lineno or 0)
        if sequence is None or not inside or not _fails_only_empty(case, sequence):
            continue
        test, shown = block.lineno, _code(sequence)
        kind = "while" if isinstance(block, ast.While) else "if"
        return Diagnosis(
            "length_always_true",
            test,
            f"The `{kind}` test on line {test}, {_code(_source(block.test))}, is true for "  # type: ignore[attr-defined]
            f"every length, even 0 (a length is never below 0), so line {line} runs when "
            f"{shown} is empty",
            f"Which lengths of {shown} should the test on line {test} let through?",
        )
    return None


def _never_negative_length(test: ast.expr) -> str | None:
    """The sequence `x` (as written) of a test `len(x) >= 0` or `0 <= len(x)`."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left, right, op = test.left, test.comparators[0], test.ops[0]
    if isinstance(op, ast.LtE):
        left, right = right, left
    elif not isinstance(op, ast.GtE):
        return None
    if not isinstance(right, ast.Constant) or right.value != 0 or type(right.value) is not int:
        return None
    if not isinstance(left, ast.Call) or getattr(left.func, "id", "") != "len":
        return None
    return _source(left.args[0]) if len(left.args) == 1 and not left.keywords else None


def _fails_only_empty(case: _Case, sequence: str) -> bool:
    """The failing line divides by `len(sequence)`, or takes `sequence.pop()`, `.pop(0)`,
    `[0]` or `[-1]` (errors an empty list alone can give)."""
    if "len" in case.program.bindings:
        return False
    if case.facts.exception == "ZeroDivisionError":
        divisor = _divisor(case)
        return divisor is not None and _source(divisor) == f"len({sequence})"
    statement = case.program.statement_at(case.frame.line)
    if case.facts.exception != "IndexError" or statement is None:
        return False
    ends = {"0", "-1"}
    for node in ast.walk(statement):
        if isinstance(node, ast.Subscript) and _source(node.value) == sequence:
            return _source(node.slice) in ends and "index out of range" in case.facts.message
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "pop":
            owner = _source(node.func.value)  # type: ignore[attr-defined]
            if owner == sequence and [_source(a) for a in node.args] in ([], ["0"], ["-1"]):
                return "pop from empty" in case.facts.message
    return False


def _replace_missed(case: _Case) -> Diagnosis | None:
    """`digits = isbn.replace(" ", "")` with `isbn = "0-306-40615-2"`, then `int(digits[i])`
    fails on '-': the written-out text has no space, so the replace removed nothing and the
    character it meets is one the text does have."""
    text = _quoted(
        case.facts.message,
        r"^(?:invalid literal for int\(\) with base 10|could not convert string to float): "
        r"'(.*)'$",
    )
    call = _failing_node(case.program, case.frame, ast.Call)
    if len(text) != 1 or text.isdigit() or call is None or len(call.args) != 1:
        return None
    callee = getattr(call.func, "id", "")
    if callee not in ("int", "float") or callee in case.program.bindings:
        return None
    name = _character_of(case, call.args[0])
    binding = case.program.only_binding(name) if name else None
    replace = binding.value if binding is not None and binding.kind == "assign" else None
    if not isinstance(replace, ast.Call) or getattr(replace.func, "attr", "") != "replace":
        return None
    args = [a.value if isinstance(a, ast.Constant) else None for a in replace.args]
    source = _written_text(case.program, replace.func.value)  # type: ignore[attr-defined]
    if len(args) != 2 or args[1] != "" or not isinstance(args[0], str) or not args[0]:
        return None
    if source is None or args[0] in source[1] or text not in source[1]:
        return None
    shown, (where, written) = _code(_source(call.args[0])), source
    return Diagnosis(
        "replace_missed",
        binding.line,  # type: ignore[union-attr]
        f"On line {case.frame.line}, {shown} is {_code(repr(text))}: line {binding.line} "  # type: ignore[union-attr]
        f"sets {_code(name)} to {_code(_source(replace))}, but the text {_code(repr(written))} "
        f"(line {where}) has no {_code(repr(args[0]))} in it, so the replace removed nothing "
        f"and the {_code(repr(text))} characters stayed",
        f"Which character does the text have between its digits, and which one does line "
        f"{binding.line} remove?",  # type: ignore[union-attr]
    )


def _character_of(case: _Case, node: ast.expr) -> str:
    """`digits` for `digits[i]` (an item, not a slice) or for `d` looped over `digits`."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return "" if isinstance(node.slice, ast.Slice) else node.value.id
    if not isinstance(node, ast.Name):
        return ""
    loop = _loop_over(case.program, node.id, case.frame.line)
    return loop.iter.id if loop is not None and isinstance(loop.iter, ast.Name) else ""


def _written_text(program: Program, node: ast.expr) -> tuple[int, str] | None:
    """(line, text) of a string written out, directly or in a name set once to it."""
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Name) and (binding := program.only_binding(node.id)):
        node, line = binding.value, binding.line  # type: ignore[assignment]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return line, node.value
    return None
