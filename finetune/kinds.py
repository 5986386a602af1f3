"""Bug kinds: one record per kind of beginner mistake, read by every part that needs one.

A :class:`BugKind` holds all that the project knows about one kind of mistake:

- how to inject it (``find``: the sites in a correct program, see :mod:`finetune.bugs`),
- how it must fail when run (``exception``, ``message``; :meth:`BugKind.accepts`),
- what the offline grader counts as naming its cause (``cause``: words beyond the error
  message, read by :mod:`evaluation.grader`),
- how the oracle teacher phrases a hint for it (``hints``: templates read by
  :mod:`finetune.teachers`; ``{line}`` is the line to fix, ``{reported}`` the line
  Python reported, ``{token}`` the piece involved; other fields come from the injector
  (``Edit.fields``) or from :mod:`llm_prune_gym.hintfacts`, and a template whose fields
  a case lacks is not used for it).

``KINDS`` is the table, in the order the data build visits kinds (an order that keeps
old builds reproducible: new kinds go at the end). ``propose`` and ``candidates`` turn
programs into bugs of these kinds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from finetune import bugs
from finetune.bugs import TIMEOUT, Bug, Edit, Source, rng_for
from finetune.corpus import Program
from finetune.sandbox import RunResult

# Cause words several kinds share (regular expressions, matched case-insensitively).
CONVERT_WORDS = (
    r"convert|conversion|\bcast|\bint\(|\bfloat\(|turn\w* .{0,30}into (?:a |"
    r"an )?(?:number|integer|float)"
)
SPELLING_WORDS = (
    r"misspel|typo|spell|capital|upper ?case|lower ?case|did you mean|meant|match exactly"
)
NEVER_SET_WORDS = (
    r"never (?:been )?(?:defined|created|assigned|stores?|sets?)"
    r"|before .{0,30}(?:defined|assigned|created)|not (?:yet )?(?:assigned|defined|created)"
)


@dataclass(frozen=True)
class BugKind:
    """One kind of mistake: its injector, how it fails, its grader words, its hints.

    ``exception`` is the exception class it raises ("A|B" when either can happen);
    ``message`` a regex its message must match. ``fallback_words``: whether ``cause``
    also counts for a program of unknown kind that raised the same exception (not for
    spelling words, which a paraphrased message contains too, nor for kinds whose words
    were not checked against the hand labels). ``calibration``: whether the shipped
    calibration prompts draw from it (kinds added later are not, so the file stays
    what it was).
    """

    kind: str
    exception: str
    find: Callable[[Source, int], Iterator[Edit]]
    description: str
    message: str = ""
    cause: str = ""
    hints: tuple[str, ...] = ()
    fallback_words: bool = True
    calibration: bool = True

    def accepts(self, result: RunResult, bug: Bug) -> bool:
        """Whether a run failed the way this mistake makes Python fail."""
        if self.exception == TIMEOUT:
            return result.timed_out and result.exception == "KeyboardInterrupt"
        if result.timed_out or result.line is None:
            return False
        if not re.fullmatch(self.exception, result.exception or ""):
            return False
        if self.message and not re.search(self.message, result.message):
            return False
        return not bug.same_line or result.line == bug.line

    def raises(self, exception: str) -> bool:
        """Whether a program that raised `exception` may have this kind of mistake."""
        if self.exception == TIMEOUT and exception == "KeyboardInterrupt":
            return True  # what a program stopped with Ctrl-C raises
        return re.fullmatch(self.exception, exception) is not None


KINDS: tuple[BugKind, ...] = (
    BugKind(
        "undefined_name",
        "NameError",
        bugs.undefined_name,
        "a misspelled or undefined name",
        message=r"is not defined",
        cause=SPELLING_WORDS + "|" + NEVER_SET_WORDS,
        hints=(
            (
                "Python has never seen a name called `{token}`. Compare its spelling, letter by "
                "letter, with the name you created earlier."
            ),
            (
                "`{token}` is not defined anywhere in your program. Is it spelled exactly like "
                "the variable or function you meant?"
            ),
            (
                "Python doesn't know `{token}`. Names must match exactly, including capital "
                "letters and every letter in between."
            ),
        ),
        fallback_words=False,
    ),
    BugKind(
        "missing_colon",
        "SyntaxError",
        bugs.missing_colon,
        "a missing colon at the end of a compound statement header",
        cause=r"colon",
        hints=(
            (
                "A line that starts a block (like if, for, while, def or else) must end with a "
                "special character before the indented part. Something is missing at its end."
            ),
            "Python expects the header of a block to end with a colon. Check the end of that line.",
            (
                "The statement on that line opens an indented block, but its last character is "
                "missing. What do if/for/def lines always end with?"
            ),
        ),
    ),
    BugKind(
        "unclosed_bracket",
        "SyntaxError",
        bugs.unclosed_bracket,
        "a bracket or parenthesis that is opened but never closed",
        cause=r"parenthes[ie]s|bracket|closing|\)",
        hints=(
            "Count the opening and closing brackets on that line: one `{open}` is never closed.",
            (
                "Every `{open}` needs a matching `{token}`. One is missing on that line, so "
                "Python keeps reading the next lines as part of it."
            ),
            "That line opens more brackets than it closes. Match each one up.",
        ),
    ),
    BugKind(
        "unclosed_string",
        "SyntaxError",
        bugs.unclosed_string,
        "a string literal whose closing quote is missing",
        cause=r"quot(?:e|ation|es)|closing",
        hints=(
            "A string on that line starts with a quote but never ends with one.",
            (
                "Python reached the end of the line while still inside a string. Check that every"
                " text in quotes has both its opening and its closing `{token}`."
            ),
            "One of the strings on that line is missing its closing quote mark.",
        ),
    ),
    BugKind(
        "bad_indentation",
        "IndentationError",
        bugs.bad_indentation,
        "a line with the wrong indentation",
        cause=r"indent|spaces|lined? up|align|block",
        hints=(
            (
                "The indentation of that line doesn't fit with the lines around it. Lines in the "
                "same block must start at exactly the same column."
            ),
            (
                "Python uses indentation to see which lines belong together, and that line is "
                "indented differently from what the block around it needs."
            ),
            (
                "Compare how far that line is indented with the line above it and with the block "
                "it belongs to."
            ),
        ),
    ),
    BugKind(
        "assign_in_condition",
        "SyntaxError",
        bugs.assign_in_condition,
        "a single = (assignment) used where == (comparison) is needed",
        cause=r"double equals|comparison|compare|assignment|single (?:equals|=)|==",
        hints=(
            (
                "In a condition you want to compare two values, but a single `=` means 'store a "
                "value'. Comparison needs a different operator."
            ),
            "A single `=` assigns; it can't be used to test whether two things are equal.",
            (
                "That condition uses the assignment sign. How do you ask Python whether two "
                "values are equal?"
            ),
        ),
    ),
    BugKind(
        "str_plus_int",
        "TypeError",
        bugs.str_plus_int,
        "a string and a number joined with + without converting the number",
        message=r"can only concatenate str|unsupported operand type",
        cause=CONVERT_WORDS + r"|\bstr\(|into (?:a )?(?:string|text)|f-string|comma",
        hints=(
            (
                "`+` can join two strings or add two numbers, but not a string and a number. "
                "`{token}` is a number here; it has to become text before you join it."
            ),
            (
                "You are gluing text and the number `{token}` together with `+`. Python won't mix"
                " the two types by itself."
            ),
            (
                "Python can't add a number to a string. Think about what type `{token}` has on "
                "that line, and how to turn it into text."
            ),
        ),
    ),
    BugKind(
        "missing_int_conversion",
        "TypeError",
        bugs.missing_int_conversion,
        "text from input() used as a number without converting it with int() or float()",
        message=r"str|sequence",
        cause=CONVERT_WORDS
        + r"|input\(?\)? (?:returns|gives|is) (?:a |always a )?(?:string|text|str)"
        + r"|is (?:a |still a )?(?:string|text)",
        hints=(
            (
                "input() always gives you text, even when the user types digits. That value is "
                "later used as a number."
            ),
            (
                "The value read with input() is a string. You need to turn it into a number "
                "before you do math or comparisons with it."
            ),
            (
                "Remember that input() returns a string. The program treats it as a number later,"
                " and that's what Python is complaining about."
            ),
        ),
    ),
    BugKind(
        "wrong_arg_count",
        "TypeError",
        bugs.wrong_arg_count,
        "a function called with the wrong number of arguments",
        message=r"positional argument",
        cause=r"parameter|\bself\b|(?:one|two|three|\d) arguments?",
        hints=(
            (
                "Count the arguments you pass to `{token}` and compare that with the parameters "
                "in its definition."
            ),
            "`{token}` is called with a different number of arguments than its def line asks for.",
            (
                "The call to `{token}` doesn't match the function's definition: check how many "
                "values it expects."
            ),
        ),
    ),
    BugKind(
        "off_by_one",
        "IndexError",
        bugs.off_by_one,
        "an index that goes one past the end of a list or string",
        message=r"out of range",
        cause=(
            r"off[- ]by[- ]one|past the end|last (?:item|element|index|position)|"
            r"one too (?:many|far)|starts? (?:at|from) (?:0|zero)|len\(\w*\) ?- ?1|<=|"
            r"one before|stops? one|last (?:valid )?index"
        ),
        hints=(
            (
                "The index goes one step too far. Remember that a list of length n has indexes 0 "
                "to n - 1."
            ),
            (
                "Valid positions in a list stop one before its length. Work out the last index "
                "this code uses."
            ),
            "Trace the index by hand for the last step: it ends up one past the end of the list.",
        ),
    ),
    BugKind(
        "missing_key",
        "KeyError",
        bugs.missing_key,
        "a dictionary lookup with a key that is not in the dictionary",
        cause=r"\bkeys?\b|dictionary|\bdict\b|capital|spell",
        hints=(
            (
                "The dictionary has no key {message} at that moment. Print its keys, or compare "
                "the spelling with the keys you put in."
            ),
            "You look up the key {message} in a dictionary that doesn't contain it (yet).",
            (
                "A lookup with square brackets fails when the key is missing. Is {message} really"
                " one of the dictionary's keys when that line runs?"
            ),
        ),
    ),
    BugKind(
        "int_of_text",
        "ValueError",
        bugs.int_of_text,
        "int() applied to text that is not a whole number",
        message=r"invalid literal for int\(\)",
        cause=(
            r"not a (?:whole |valid )?number|isn'?t a (?:whole |valid )?number|digits|"
            r"numeric|decimal|letters|text"
        ),
        hints=(
            (
                "int() can only convert text made of digits. The value given to it there is "
                "something else; print it to see."
            ),
            (
                "The text you pass to int() is not a whole number. Check which value ends up "
                "inside the parentheses."
            ),
            "int() fails when the string isn't a whole number. Look at exactly what you convert.",
        ),
    ),
    BugKind(
        "division_by_zero",
        "ZeroDivisionError",
        bugs.division_by_zero,
        "a division or modulo by a value that is zero",
        cause=(
            r"empty|no (?:items|elements|numbers|values)|is (?:0|zero)|becomes (?:0|"
            r"zero)|equal to (?:0|zero)|\[\]"
        ),
        hints=(
            "Something you divide by is 0 at that moment. Work out what values the divisor takes.",
            (
                "A division (or %) by zero happens. Trace which value the bottom of the division "
                "has when it runs."
            ),
            "Python can't divide by zero. Check how the number you divide by got its value.",
        ),
    ),
    BugKind(
        "not_callable",
        "TypeError",
        bugs.not_callable,
        "parentheses used on a value that is not a function",
        message=r"is not callable",
        cause=(
            r"multipl|\*|call(?:ing)? (?:a |an )?(?:number|int|integer|value)|"
            r"parenthes|not a function"
        ),
        hints=(
            (
                "Parentheses after a value mean 'call it as a function', but `{token}` is not a "
                "function there."
            ),
            (
                "You put `()` right after something that isn't a function. To get an item, or to "
                "multiply, Python needs different syntax."
            ),
            (
                "Python tried to call a value as if it were a function. Check the brackets and "
                "operators on that line."
            ),
        ),
    ),
    BugKind(
        "attribute_typo",
        "AttributeError",
        bugs.attribute_typo,
        "a method or attribute name that does not exist on that object",
        message=r"has no attribute",
        cause=SPELLING_WORDS,
        hints=(
            (
                "That kind of object has no attribute or method called `{token}`. Check the name:"
                " is it spelled right, and does this type really have it?"
            ),
            "`{token}` doesn't exist for that object. Look up the right method name for this type.",
            (
                "Python can't find `{token}` on that object. Compare it with the methods this "
                "type actually has."
            ),
        ),
        fallback_words=False,
    ),
    BugKind(
        "none_value",
        "TypeError|AttributeError",
        bugs.none_value,
        "a value that is None because a function or method returns nothing",
        message=r"NoneType",
        cause=r"\bNone\b|\breturn|nothing",
        hints=(
            (
                "A value there is None: something that should hand back a result doesn't return "
                "anything."
            ),
            (
                "The value you use is None. Check that the function or method really returns a "
                "result instead of only printing or changing something."
            ),
            "None appears because a call gives back nothing. Think about what that call returns.",
        ),
    ),
    BugKind(
        "unbound_local",
        "UnboundLocalError",
        bugs.unbound_local,
        "a local variable used before it is given a value on every path",
        cause=(
            r"before .{0,40}(?:assign|defin|set|given)|misspel|typo|spell|global|"
            r"first (?:time|use)"
        ),
        hints=(
            (
                "`{token}` is used before it gets a value on the path your program took. Check "
                "every place where it should be assigned."
            ),
            (
                "Inside the function, `{token}` is read before anything was stored in it. Look "
                "for the assignment that should have happened first."
            ),
            (
                "On this run the function never stores a value in `{token}` before using it. "
                "Which assignment did you expect to happen?"
            ),
        ),
    ),
    BugKind(
        "no_base_case",
        "RecursionError",
        bugs.no_base_case,
        "a recursive function that never reaches its base case",
        cause=(
            r"base case|never stops|infinite|forever|stop(?:s|ping)? (?:condition|"
            r"calling)|keeps calling|smaller"
        ),
        hints=(
            (
                "The recursive call never gets closer to the case that stops the recursion, so "
                "`{token}` calls itself forever."
            ),
            (
                "Each call of `{token}` should work on a smaller problem. Check the argument of "
                "the recursive call."
            ),
            (
                "`{token}` keeps calling itself without ever reaching its stopping condition. "
                "What should change between one call and the next?"
            ),
        ),
    ),
    BugKind(
        "infinite_loop",
        TIMEOUT,
        bugs.infinite_loop,
        "a while loop whose condition never becomes false",
        cause=(
            r"infinite|forever|never (?:ends|stops|finishes|becomes false|changes)|"
            r"loop condition|condition .{0,40}(?:true|false)|update|increment|"
            r"decrement|indent"
        ),
        hints=(
            (
                "The loop's condition never becomes false, so it runs forever. Check how the "
                "variable in the condition changes on each pass."
            ),
            (
                "Your while loop never ends: the value it tests doesn't move toward the stopping "
                "point."
            ),
            (
                "Trace a few passes of the loop by hand and watch the variable in its condition; "
                "it never reaches the value that ends the loop."
            ),
        ),
    ),
)
KIND_BY_NAME = {kind.kind: kind for kind in KINDS}


def propose(program: Program, kind: BugKind, seed: int, src: Source | None = None) -> list[Bug]:
    """All distinct bugs of one kind for one program, in source order."""
    src = src or Source(program)
    found, seen, per_line = [], set(), {}
    for edit in kind.find(src, seed):
        old = src.lines[edit.line - 1]
        if edit.new_text == old:
            continue
        lines = list(src.lines)
        lines[edit.line - 1] = edit.new_text
        for line, text in edit.also:
            lines[line - 1] = text
        code = "\n".join(lines) + "\n"
        if code in seen:
            continue
        seen.add(code)
        n = per_line[edit.line] = per_line.get(edit.line, 0) + 1
        found.append(
            Bug(
                id=f"{program.id}/{kind.kind}/L{edit.line}-{n}",
                program_id=program.id,
                kind=kind.kind,
                exception=kind.exception,
                line=edit.line,
                original_line=old,
                broken_line=edit.new_text,
                token=edit.token,
                code=code,
                fixed_code=program.code,
                stdin=program.stdin,
                same_line=edit.same_line,
                fields=edit.fields,
            )
        )
    return found


def candidates(
    programs: Iterable[Program], seed: int, per_kind: int = 8, kinds: Iterable[BugKind] = KINDS
) -> list[Bug]:
    """Up to `per_kind` bugs of every kind for every program, chosen with the seed.

    Programs are taken in the order given, kinds in `kinds` order, and the bugs
    kept for one (program, kind) stay in source order, so the list is stable.
    The same broken code reached by two kinds is kept once, under the first kind.
    """
    kinds = tuple(kinds)
    chosen, seen = [], set()
    for program in programs:
        src = Source(program)
        for kind in kinds:
            found = [b for b in propose(program, kind, seed, src) if b.code not in seen]
            if len(found) > per_kind:
                rng = rng_for(seed, "pick", program.id, kind.kind)
                keep = set(rng.sample(range(len(found)), per_kind))
                found = [b for i, b in enumerate(found) if i in keep]
            seen.update(b.code for b in found)
            chosen.extend(found)
    return chosen
