"""Teachers write the preferred ("chosen") hint for a buggy program.

- `OracleTeacher` knows the injected bug, so it can always name the right line and
  the real problem. It phrases hints from templates (several per error kind, chosen
  with the seed) that point at the mistake without ever writing the fix.
- `OpenAITeacher` asks any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, ...)
  through the `openai` client, with the report's rubric and the ground truth in its
  prompt. Rate limits and server errors are retried by the client (exponential
  backoff); every request is bounded in total time and reply size
  (:func:`finetune.openai_api.bounded_http_client`); an answer that is malformed,
  refused or gives the fix away is returned as a failure with a reason, never
  raised, so one bad answer cannot stop a long build.

Both return `TeacherAnswer`. The API key is read from the options or the
environment, handed to the client and never printed, logged or stored: failure
reasons go through :func:`finetune.openai_api.redact`.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from finetune.bugs import INJECTOR_BY_KIND, Case
from finetune.openai_api import bounded_http_client, first_choice_text, redact
from llm_prune_gym.extras import require_extra
from llm_prune_gym.prompts import hint_messages


@dataclass(frozen=True)
class TeacherAnswer:
    """A hint, or why there is none (`error`), from one teacher for one case."""

    hint: str | None
    error: str | None = None


# ---------------------------------------------------------------- the oracle

LOCATE = {
    True: [
        "Look closely at line {line}.",
        "The problem is on line {line}.",
        "Check line {line}.",
        "Line {line} is where things go wrong.",
    ],
    False: [
        "Python stops on line {reported}, but the real cause is on line {line}.",
        "The error shows up on line {reported}; the mistake that causes it is on line {line}.",
        "Don't only look at line {reported} where Python complains: the cause is on line {line}.",
    ],
}

EXPLAIN: dict[str, list[str]] = {
    "undefined_name": [
        "Python has never seen a name called `{token}`. Compare its spelling, letter by "
        "letter, with the name you created earlier.",
        "`{token}` is not defined anywhere in your program. Is it spelled exactly like the "
        "variable or function you meant?",
        "Python doesn't know `{token}`. Names must match exactly, including capital letters "
        "and every letter in between.",
    ],
    "missing_colon": [
        "A line that starts a block (like if, for, while, def or else) must end with a "
        "special character before the indented part. Something is missing at its end.",
        "Python expects the header of a block to end with a colon. Check the end of that line.",
        "The statement on that line opens an indented block, but its last character is "
        "missing. What do if/for/def lines always end with?",
    ],
    "unclosed_bracket": [
        "Count the opening and closing brackets on that line: one `{open}` is never closed.",
        "Every `{open}` needs a matching `{token}`. One is missing on that line, so Python "
        "keeps reading the next lines as part of it.",
        "That line opens more brackets than it closes. Match each one up.",
    ],
    "unclosed_string": [
        "A string on that line starts with a quote but never ends with one.",
        "Python reached the end of the line while still inside a string. Check that every "
        "text in quotes has both its opening and its closing `{token}`.",
        "One of the strings on that line is missing its closing quote mark.",
    ],
    "bad_indentation": [
        "The indentation of that line doesn't fit with the lines around it. Lines in the "
        "same block must start at exactly the same column.",
        "Python uses indentation to see which lines belong together, and that line is "
        "indented differently from what the block around it needs.",
        "Compare how far that line is indented with the line above it and with the block "
        "it belongs to.",
    ],
    "assign_in_condition": [
        "In a condition you want to compare two values, but a single `=` means 'store a "
        "value'. Comparison needs a different operator.",
        "A single `=` assigns; it can't be used to test whether two things are equal.",
        "That condition uses the assignment sign. How do you ask Python whether two values "
        "are equal?",
    ],
    "str_plus_int": [
        "`+` can join two strings or add two numbers, but not a string and a number. "
        "`{token}` is a number here; it has to become text before you join it.",
        "You are gluing text and the number `{token}` together with `+`. Python won't mix "
        "the two types by itself.",
        "Python can't add a number to a string. Think about what type `{token}` has on that "
        "line, and how to turn it into text.",
    ],
    "missing_int_conversion": [
        "input() always gives you text, even when the user types digits. That value is "
        "later used as a number.",
        "The value read with input() is a string. You need to turn it into a number before "
        "you do math or comparisons with it.",
        "Remember that input() returns a string. The program treats it as a number later, "
        "and that's what Python is complaining about.",
    ],
    "wrong_arg_count": [
        "Count the arguments you pass to `{token}` and compare that with the parameters in "
        "its definition.",
        "`{token}` is called with a different number of arguments than its def line asks for.",
        "The call to `{token}` doesn't match the function's definition: check how many "
        "values it expects.",
    ],
    "off_by_one": [
        "The index goes one step too far. Remember that a list of length n has indexes 0 to n - 1.",
        "Valid positions in a list stop one before its length. Work out the last index "
        "this code uses.",
        "Trace the index by hand for the last step: it ends up one past the end of the list.",
    ],
    "missing_key": [
        "The dictionary has no key {message} at that moment. Print its keys, or compare the "
        "spelling with the keys you put in.",
        "You look up the key {message} in a dictionary that doesn't contain it (yet).",
        "A lookup with square brackets fails when the key is missing. Is {message} really "
        "one of the dictionary's keys when that line runs?",
    ],
    "int_of_text": [
        "int() can only convert text made of digits. The value given to it there is "
        "something else; print it to see.",
        "The text you pass to int() is not a whole number. Check which value ends up "
        "inside the parentheses.",
        "int() fails when the string isn't a whole number. Look at exactly what you convert.",
    ],
    "division_by_zero": [
        "Something you divide by is 0 at that moment. Work out what values the divisor takes.",
        "A division (or %) by zero happens. Trace which value the bottom of the division "
        "has when it runs.",
        "Python can't divide by zero. Check how the number you divide by got its value.",
    ],
    "not_callable": [
        "Parentheses after a value mean 'call it as a function', but `{token}` is not a "
        "function there.",
        "You put `()` right after something that isn't a function. To get an item, or to "
        "multiply, Python needs different syntax.",
        "Python tried to call a value as if it were a function. Check the brackets and "
        "operators on that line.",
    ],
    "attribute_typo": [
        "That kind of object has no attribute or method called `{token}`. Check the name: "
        "is it spelled right, and does this type really have it?",
        "`{token}` doesn't exist for that object. Look up the right method name for this type.",
        "Python can't find `{token}` on that object. Compare it with the methods this type "
        "actually has.",
    ],
    "none_value": [
        "A value there is None: something that should hand back a result doesn't return anything.",
        "The value you use is None. Check that the function or method really returns a "
        "result instead of only printing or changing something.",
        "None appears because a call gives back nothing. Think about what that call returns.",
    ],
    "unbound_local": [
        "`{token}` is used before it gets a value on the path your program took. Check "
        "every place where it should be assigned.",
        "Inside the function, `{token}` is read before anything was stored in it. Look for "
        "the assignment that should have happened first.",
        "On this run the function never stores a value in `{token}` before using it. Which "
        "assignment did you expect to happen?",
    ],
    "no_base_case": [
        "The recursive call never gets closer to the case that stops the recursion, so "
        "`{token}` calls itself forever.",
        "Each call of `{token}` should work on a smaller problem. Check the argument of the "
        "recursive call.",
        "`{token}` keeps calling itself without ever reaching its stopping condition. What "
        "should change between one call and the next?",
    ],
    "infinite_loop": [
        "The loop's condition never becomes false, so it runs forever. Check how the "
        "variable in the condition changes on each pass.",
        "Your while loop never ends: the value it tests doesn't move toward the stopping point.",
        "Trace a few passes of the loop by hand and watch the variable in its condition; it "
        "never reaches the value that ends the loop.",
    ],
}


def _fields(case: Case) -> dict[str, object]:
    bug = case.bug
    token = bug.token
    return {
        "line": bug.line,
        "reported": case.reported_line or bug.line,
        "token": token,
        "open": {")": "(", "]": "[", "}": "{"}.get(token, "("),
        "message": case.message or repr(token),
    }


def oracle_hint(
    case: Case, rng: random.Random, kind: str | None = None, line: int | None = None
) -> str:
    """A hint naming the line and the problem; `kind`/`line` let pairs.py lie on purpose."""
    fields = _fields(case)
    if line is not None:
        fields.update(line=line, reported=line)
    same = fields["reported"] == fields["line"]
    where = rng.choice(LOCATE[same]).format(**fields)
    what = rng.choice(EXPLAIN[kind or case.bug.kind]).format(**fields)
    return f"{where} {what}"


class OracleTeacher:
    """Writes hints from the ground truth; deterministic for a seed and a case id."""

    name = "oracle"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def hints(self, cases: Sequence[Case]) -> list[TeacherAnswer]:
        return [TeacherAnswer(self.hint(case)) for case in cases]

    def hint(self, case: Case) -> str:
        return oracle_hint(case, random.Random(f"{self.seed}/oracle/{case.bug.id}"))


# ---------------------------------------------------------------- OpenAI-compatible

RUBRIC = """You write hints for beginners learning Python. A student's program failed.
A good hint is graded on four things:
1. Identifies the error: it names the line that must be fixed and what is wrong there.
2. Helpful: it helps the student find and understand the mistake themselves.
3. Clear: one to three short sentences in plain language, no jargon.
4. Does not give away code: never write the corrected line, the corrected program,
   or any code block. Describe the problem; let the student write the fix.
Answer with the hint only."""

REFUSALS = re.compile(r"\b(I can(no|')t help|I'm sorry, but|I am unable|as an AI)\b", re.I)
MAX_HINT_CHARS = 800


def teacher_messages(case: Case) -> list[dict[str, str]]:
    """The teacher sees the student's chat plus the ground truth it must not reveal."""
    injector = INJECTOR_BY_KIND[case.bug.kind]
    student = hint_messages(case.bug.code, case.error_output)[1]["content"]
    truth = (
        f"(For you, not the student: the mistake is on line {case.bug.line}: "
        f"{injector.description}. Do not reveal the corrected code.)"
    )
    return [
        {"role": "system", "content": RUBRIC},
        {"role": "user", "content": f"{student}\n\n{truth}"},
    ]


def check_hint(hint: object, case: Case) -> str | None:
    """Why an answer can't be used as a chosen hint, or None if it can."""
    if not isinstance(hint, str) or not hint.strip():
        return "malformed: empty or missing content"
    if len(hint) > MAX_HINT_CHARS:
        return "too long"
    if REFUSALS.search(hint):
        return "refused"
    fixed = case.bug.original_line.strip()
    if "```" in hint or (len(fixed) > 3 and fixed in hint):
        return "gives away code"
    return None


class OpenAITeacher:
    """Hints from an OpenAI-compatible chat endpoint, with retries and recorded failures.

    Options fall back to the environment: `OPENAI_API_KEY`, `OPENAI_BASE_URL` and
    `LLM_PRUNE_TEACHER_MODEL` (default "gpt-4o", the model of the original report).
    """

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        retries: int = 5,
        timeout: float = 60.0,
        workers: int = 4,
        temperature: float = 0.0,
    ) -> None:
        openai = require_extra("judge", "openai")  # the [judge] extra brings the client

        self.model = model or os.environ.get("LLM_PRUNE_TEACHER_MODEL") or "gpt-4o"
        self.name = f"openai:{self.model}"
        self.workers = workers
        self.temperature = temperature
        self._secret = api_key or os.environ.get("OPENAI_API_KEY") or ""
        self._client = openai.OpenAI(
            api_key=self._secret or "not-needed",  # local servers often take any key
            base_url=base_url or os.environ.get("OPENAI_BASE_URL") or None,
            max_retries=retries,  # rate limits, 5xx, time-outs: retried by the client
            timeout=timeout,
            http_client=bounded_http_client(openai, timeout),
        )
        self._transient = (
            openai.RateLimitError,
            openai.APIConnectionError,
            openai.InternalServerError,
        )

    def __repr__(self) -> str:  # never show the key
        return f"OpenAITeacher(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    def hints(self, cases: Sequence[Case]) -> list[TeacherAnswer]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(self.answer, cases))

    def answer(self, case: Case) -> TeacherAnswer:
        """One hint; failures come back as `TeacherAnswer(None, reason)`."""
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=teacher_messages(case),
                temperature=self.temperature,
                max_tokens=200,
            )
        except self._transient as error:  # the client's retries are spent
            return TeacherAnswer(None, redact(f"gave up: {error}", self._secret))
        # Whatever else one request raises (a refusal, a reply cut at its bound, an
        # unreadable reply) fails this case only: record why, go on.
        except Exception as error:  # noqa: BLE001
            return TeacherAnswer(None, redact(f"api error: {error}", self._secret))
        hint = first_choice_text(response)
        problem = check_hint(hint, case)
        return TeacherAnswer(None, problem) if problem else TeacherAnswer(hint.strip())


def make_teacher(name: str, seed: int = 0, **options) -> OracleTeacher | OpenAITeacher:
    if name == "oracle":
        return OracleTeacher(seed)
    if name == "openai":
        return OpenAITeacher(**options)
    raise ValueError(f"unknown teacher {name!r}; choose 'oracle' or 'openai'")
