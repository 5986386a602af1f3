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

from finetune import bugs, runtime_bugs
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
                "`{token}` is a misspelling of {misspelt}: a letter is missing, doubled, swapped "
                "or in the wrong case, so Python treats it as a new name that was never defined."
            ),
            (
                "Python knows no name `{token}` because it is spelled differently from "
                "{misspelt}. Compare it letter by letter, capital letters included, with the name"
                " you meant."
            ),
            (
                "`{token}` looks like {misspelt}, but its spelling differs, and names must match "
                "exactly for Python to find them."
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
                "That `{keyword}` line opens an indented block, but it does not end with the "
                "colon that every block header needs."
            ),
            (
                "Python expects the header of a block to end with a colon. Check the end of that "
                "line."
            ),
            (
                "The `{keyword}` header has no colon at its end, so Python cannot tell where the "
                "block starts."
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
                "Every `{open}` needs a matching closing `{token}`. One is missing on that line, "
                "so Python keeps reading the next lines as part of it."
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
            "A string on that line starts with a quote but has no closing quote.",
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
                "That line is the first line inside the `{header}` block just above it, so it "
                "must be indented further than the `{header}` line; here it starts at the same "
                "column."
            ),
            (
                "The body of the `{header}` block has to be indented under its header line, and "
                "that line, the first of the block, is not."
            ),
            (
                "That line is indented {deeper} spaces further than the statement just before "
                "it, but that statement does not open a new block, so nothing allows the extra "
                "indentation."
            ),
            (
                "That line starts {spaces} spaces in, which matches no block around it: it is "
                "indented less than the other lines of its block but more than the block "
                "outside it."
            ),
            (
                "Python uses indentation to see which lines belong together, and that line is "
                "indented differently from what the block around it needs."
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
                "`+` can join two strings or add two numbers, but not a string and {value_type}. "
                "On that line `{token}` is {value_type}; it has to be turned into a string "
                "before you join it."
            ),
            (
                "`{token}` is not a string, and `+` only joins a string with another string. It "
                "needs to be turned into text before it is joined."
            ),
            (
                "Python won't join text and {value_type} with `+` by itself. `{token}` is "
                "{value_type} there: think about how to turn it into text."
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
                "input() returns a string, even when the user types digits. That value is "
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
            "`{token}` is called with a different number of arguments than its definition takes.",
            (
                "The call to `{token}` doesn't match its definition: check how many values it "
                "expects."
            ),
            (
                "That call passes {passed} argument(s) to `{token}`, but `{token}` is defined "
                "with the parameters ({params}){besides}. Count the values the call should "
                "pass."
            ),
            (
                "The definition of `{token}` takes ({params}){besides}; the call on that line "
                "gives it {passed} argument(s), which does not fit."
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
                "The index goes one past the end. Remember that a list or string of length n has "
                "indexes 0 to n - 1."
            ),
            (
                "Valid positions in a list or string stop one before its length. Work out the "
                "last index this code uses."
            ),
            (
                "Work out the largest index this code uses: it ends up one past the end of the "
                "sequence."
            ),
            (
                "`{past_end}` asks for the item at position len(...), which is one past the end: "
                "in a sequence of length n the last item is at position n - 1."
            ),
            (
                "Positions start at 0, so a sequence has no item at position len(...); "
                "`{past_end}` reaches one past its last item."
            ),
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
                "The key {misspelt_key} is a misspelling of a key the dictionary really has: a "
                "letter is missing, doubled, swapped or in the wrong case."
            ),
            (
                "{misspelt_key} is not one of the dictionary's keys. Compare its spelling, letter"
                " by letter, with the keys you put into the dictionary."
            ),
            (
                "`{dict_name}[...]` with square brackets fails for a key the dictionary does not "
                "have yet, and {message} has not been added to `{dict_name}` when that line runs."
            ),
            (
                "The key {message} is not in `{dict_name}` yet when that line reads it with "
                "square brackets. A lookup that must also work for new keys needs a way to give a"
                " default value."
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
                "int() gets the text {offending} from `{decimal_arg}`. int() reads only whole "
                "numbers, and this text is written as a decimal number, so it needs the "
                "conversion for decimal numbers."
            ),
            (
                "`{part}` picks the wrong piece of the text: it holds {offending}, which is not "
                "the number you meant to convert."
            ),
            (
                "`{wrong_name}` holds {offending}, not the number you meant to convert. Check "
                "which variable should go into int() there."
            ),
            (
                "int() can only convert text made of digits. The value given to it there is "
                "something else; print it to see."
            ),
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
            (
                "The loop on that line starts `{loop_var}` at 0, and the loop divides by "
                "`{loop_var}`, so on its very first pass the divisor is 0."
            ),
            (
                "`{loop_var}` starts at 0 in that loop's range, but the loop body divides by "
                "`{loop_var}`, which is 0 on the first pass. Where should it start?"
            ),
            (
                "That call gives `{function}` an empty list, and `{function}` divides by the "
                "length of that list; an empty list has length 0."
            ),
            (
                "`{function}` divides by the length of the list it gets, and the call on that "
                "line passes it a list with no items."
            ),
            (
                "Something you divide by is 0 at that moment. Work out what values the divisor "
                "takes."
            ),
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
                "`{token}` is followed by parentheses, which tell Python to call it as a "
                "function, but `{token}` is not a function. To {meant} you need different "
                "symbols."
            ),
            (
                "Parentheses right after `{token}` mean 'call it'. `{token}` is a value, not a "
                "function; you wanted to {meant}, which is written differently."
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
                "`{misspelt_attr}` is a misspelling of an attribute or method the object really "
                "has: a letter is missing, doubled, swapped or in the wrong case."
            ),
            (
                "The object on that line has no `{misspelt_attr}`, because the name is spelled "
                "differently from the attribute or method you meant. Compare them letter by "
                "letter."
            ),
            (
                "`{confused_attr}` is not a method of this kind of object, although it sounds "
                "like the one you meant: in Python that method has another name. Look it up for "
                "this type."
            ),
            (
                "This kind of object has no method called `{confused_attr}`; the method you "
                "meant has another name in Python."
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
                "The function `{printing_function}` prints its result instead of returning it, so"
                " a call that ends there gives back None, and the program then uses that None."
            ),
            (
                "`{printing_function}` shows the value with print() but hands nothing back to its"
                " caller, so the caller gets None."
            ),
            (
                "The result of `{sorted_list}.sort()` is stored there, but `.sort()` sorts the "
                "list itself and returns None, so the variable holds None."
            ),
            (
                "`{target}` is given the result of `.{method}()`, but `{method}()` changes the "
                "list itself and returns None, so `{target}` becomes None."
            ),
            (
                "The value you use is None. Check that the function or method really returns a "
                "result instead of only printing or changing something."
            ),
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
                "That line is meant to give `{token}` its value, but the name written there is "
                "`{typo}`, spelled differently, so `{token}` still has no value when it is read."
            ),
            (
                "`{token}` is read before it ever gets a value, because the assignment meant for "
                "it stores into `{typo}`, a differently spelled name."
            ),
            (
                "That loop never runs: `{loop_range}` has its start and end the wrong way round, "
                "so `{offending}` is never given a value before it is read."
            ),
            (
                "`{loop_range}` is an empty range (its start is not below its end), so the loop "
                "body never runs and `{offending}` gets no value."
            ),
            (
                "`{token}` is used before it gets a value on the path your program took. Check "
                "every place where it should be assigned."
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
    BugKind(
        "shadowed_builtin",
        "TypeError",
        runtime_bugs.shadowed_builtin,
        "a variable named after a built-in function that the program later calls",
        message=r"object is not callable",
        cause=(
            r"shadow|built-?in|hides|hidden|overwrit|replac|same name|named after|rename|"
            r"(?:a|the|your) variable (?:called|named)|no longer (?:the|a) function"
        ),
        hints=(
            "That line stores a value in a variable called `{builtin}`. From then on the name "
            "`{builtin}` means your value, not Python's built-in function `{builtin}()`, so "
            "calling `{builtin}(...)` later tries to call that value. The variable needs a "
            "name of its own, everywhere it is used.",
            "Naming a variable `{builtin}` hides the built-in function of the same name. "
            "After that line, `{builtin}(...)` calls your variable's value, which is not a "
            "function.",
            "Your variable `{builtin}` has the same name as Python's `{builtin}()` function and "
            "replaces it, so the later call of `{builtin}(...)` fails. Choose another name for "
            "the variable.",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "missing_self",
        "TypeError",
        runtime_bugs.missing_self,
        "a method defined without the self parameter",
        message=r"positional argument",
        cause=r"\bself\b|first parameter|the object itself|the instance",
        hints=(
            "The method `{method}` of `{klass}` is defined on that line without `self` as its "
            "first parameter. Python always passes the object itself as the first argument "
            "of a method call, so the call gets one argument more than the definition "
            "accepts.",
            "Every method of a class receives the object it is called on as its first "
            "parameter, usually named `self`. The definition of `{method}` leaves that "
            "parameter out, so its call does not fit it.",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "method_on_class",
        "TypeError",
        runtime_bugs.method_on_class,
        "a method called on the class instead of on an object of it",
        message=r"missing \d+ required positional argument",
        cause=(
            r"on the class|the class itself|instead of (?:on )?(?:the|an|your) (?:object|"
            r"instance)|\bself\b|instance"
        ),
        hints=(
            "That line calls `{method}` on the class `{klass}` itself, not on the object "
            "`{obj}` you made from it. Python passes the object as `self` only when a method "
            "is called on an object, so here the arguments do not line up with the "
            "parameters.",
            "`{klass}.{method}(...)` calls the method on the class itself, so Python has no "
            "object to pass as `self`. The method should be called on `{obj}`, the object "
            "you created.",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "str_start_value",
        "AttributeError|TypeError",
        runtime_bugs.str_start_value,
        "a variable that starts as a string where a list or a number was meant",
        message=r"str",
        cause=(
            r"starts? (?:out )?(?:as|with) (?:a |an )?(?:string|text|empty string)|"
            r"(?:is|as) (?:a |an )?(?:string|text)\b|quot|empty string|start(?:ing)? value|"
            r"initial"
        ),
        hints=(
            "`{name}` starts out on that line as a string (text in quotes), not as the {meant} "
            "the rest of the program treats it as. When it is later used as a {meant}, "
            "Python finds text instead.",
            "The cause is the starting value of `{name}`: it is a string. The program later "
            "uses `{name}` as a {meant}, and that is what fails.",
            "Look at the value `{name}` gets first: it is written as a string, but the code "
            "that uses `{name}` afterwards needs a {meant}.",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "missing_return",
        "TypeError|AttributeError",
        runtime_bugs.missing_return,
        "a function that stores its result in a variable instead of returning it",
        message=r"NoneType",
        cause=r"\breturn|\bNone\b|nothing|hand\w* back|give\w* back",
        hints=(
            "The function `{function}` computes its result on that line but only stores it "
            "in `{token}`, a local variable that disappears when the function ends. A "
            "function without a return statement gives back None, and the caller then uses "
            "that None.",
            "`{function}` never returns anything: the value on that line is stored in "
            "`{token}` and then forgotten. So every call of `{function}` gives None.",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "float_division",
        "TypeError",
        runtime_bugs.float_division,
        "a division with / that gives a float where a whole number is needed",
        message=r"float",
        cause=r"float|decimal|floor|whole number|integer division|\B/\B|`/`",
        hints=(
            "The division on that line uses `/`, which always gives a float (like 2.0), even "
            "when both numbers are whole. The result is then used where Python needs a whole "
            "number (an int), such as an index, a count or a range.",
            "In Python 3, `/` makes a float even from two whole numbers. The value computed "
            "on that line is a float, but it is later used where only an int works.",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "similar_name",
        "TypeError|AttributeError|IndexError|KeyError|ValueError",
        runtime_bugs.similar_name,
        "the wrong one of two variables with similar names",
        cause=r"similar|same name|wrong (?:one|variable)|other variable|mix(?:ed)? up|confus|meant",
        hints=(
            "That line uses `{token}`, but the value it needs is held by another variable "
            "whose name is very similar; `{token}` holds something else.",
            "Two of your variables have almost the same name, and that line uses the wrong "
            "one: `{token}` is not the value this line works with.",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "global_assigned",
        "UnboundLocalError",
        runtime_bugs.global_assigned,
        "a variable of the main program assigned inside a function that also reads it",
        cause=r"\blocal\b|global|assign\w* .{0,40}inside|outside the function|main program",
        hints=(
            "That line assigns a value to `{name}` inside the function `{function}`. Any "
            "assignment makes `{name}` a local variable in the whole function, so reading "
            "`{name}` there no longer sees the `{name}` of the main program, and the local "
            "one has no value yet. Check which variable that line should store its result "
            "in.",
            "Because `{function}` assigns to `{name}` on that line, Python treats `{name}` as "
            "local to `{function}` everywhere in it, and the `{name}` defined outside the "
            "function is not used. Does that line really need to change `{name}`?",
        ),
        fallback_words=False,
        calibration=False,
    ),
    BugKind(
        "swapped_args",
        "TypeError|AttributeError|IndexError|KeyError|ValueError|ZeroDivisionError",
        runtime_bugs.swapped_args,
        "two arguments of a call passed in the wrong order",
        cause=r"\border\b|swap|(?:wrong|other) way round|switched|reversed|position",
        hints=(
            "The call to `{function}` on that line passes two arguments in the wrong order. "
            "`{function}` is defined with the parameters ({params}), so two of them get each "
            "other's values.",
            "Compare the order of the arguments in that call with the parameters of "
            "`{function}` ({params}): two of them are swapped.",
        ),
        fallback_words=False,
        calibration=False,
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
