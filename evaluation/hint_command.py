"""``llm-prune hint PROGRAM.py``: run one program in the sandbox, print its real error and a hint.

The program runs through :mod:`finetune.sandbox` like every untrusted program here (its
own session and folder, no secrets in its environment, limits on time, memory, files and
processes). If it fails, the student writes one greedy hint from the same prompt the
training data and the evaluation use (:func:`llm_prune_gym.prompts.hint_messages`).

Which student: ``--student SPEC`` if given; else ``$LLM_PRUNE_HINT_STUDENT``; else the
model folder at ``$LLM_PRUNE_GYM_CACHE/students/best`` (by default
``~/.cache/llm_prune_gym/students/best``; put or link your best fine-tuned student there);
else SmolLM2-135M-Instruct. The output says which was used and why.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from llm_prune_gym.cli import Device, Threads
from llm_prune_gym.prompts import DEFAULT_PROMPT_STYLE, hint_messages

STUDENT_ENV = "LLM_PRUNE_HINT_STUDENT"
FALLBACK_STUDENT = "smollm2"


def best_student_path() -> Path:
    """Where `hint` looks for the user's best student: ``<cache>/students/best``."""
    from llm_prune_gym.students import cache_dir

    return cache_dir() / "students" / "best"


def default_student() -> tuple[str, str]:
    """(student spec, why it was chosen) when ``--student`` is not given."""
    chosen = os.environ.get(STUDENT_ENV, "").strip()
    if chosen:
        return chosen, f"from ${STUDENT_ENV}"
    best = best_student_path()
    if (best / "config.json").is_file():
        return str(best), f"the best student at {best}"
    return FALLBACK_STUDENT, f"the default: no ${STUDENT_ENV} and no model folder at {best}"


@dataclass(frozen=True)
class HintReport:
    """What `hint` found: the run, the error Python printed and the hint (None if no error)."""

    program: str
    exit_code: int
    timed_out: bool
    exception: str | None
    line: int | None
    error_output: str
    hint: str | None
    student: str | None
    student_source: str | None
    prompt_style: str
    facts: str
    seconds: float

    @property
    def failed(self) -> bool:
        return self.exit_code != 0 or self.timed_out


def _read_text(path: str, what: str) -> str:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{what} {path} is not UTF-8 text") from None


def write_hint(
    code: str,
    stdin: str = "",
    student: str | None = None,
    prompt_style: str = DEFAULT_PROMPT_STYLE,
    max_new_tokens: int = 96,
    timeout: float = 5.0,
    program: str = "main.py",
    device: str = "cpu",
) -> HintReport:
    """Run `code` in the sandbox; if it fails, the student's greedy hint for its error
    (the student runs on `device`)."""
    from finetune.sandbox import Limits, error_output, run_program
    from llm_prune_gym.hintfacts import hint_facts

    started = time.perf_counter()
    result = run_program(code, stdin, Limits(timeout=timeout))
    output = error_output(result)
    report = {
        "program": program,
        "exit_code": result.exit_code,
        "timed_out": result.timed_out,
        "exception": result.exception,
        "line": result.line,
        "error_output": output,
        "prompt_style": prompt_style,
    }
    if result.ok or (result.exception is None and not result.timed_out):
        # nothing to hint at: no error, or an exit status without a traceback
        none = {"hint": None, "student": None, "student_source": None, "facts": ""}
        return HintReport(**report, **none, seconds=time.perf_counter() - started)
    spec, source = (student, "from --student") if student else default_student()
    hint = _generate(spec, hint_messages(code, output, prompt_style), max_new_tokens, device)
    facts = hint_facts(code, output).render() if prompt_style == "grounded" else ""
    return HintReport(
        **report,
        hint=hint,
        student=spec,
        student_source=source,
        facts=facts,
        seconds=time.perf_counter() - started,
    )


def _generate(spec: str, messages: list[dict[str, str]], max_new_tokens: int, device: str) -> str:
    from llm_prune_gym.generation import generate_answers
    from llm_prune_gym.students import load_student

    loaded = load_student(spec, device=device)
    answers = generate_answers(
        loaded.model, loaded.tokenizer, [messages], max_new_tokens=max_new_tokens, batch_size=1
    )
    return answers[0]


def render_text(report: HintReport) -> str:
    """The plain-text answer a person reads in the terminal."""
    if not report.failed:
        return f"{report.program} ran without an error (exit status 0): nothing to hint at."
    if report.hint is None:
        shown = f"\n\n{report.error_output.rstrip()}" if report.error_output.strip() else ""
        return (
            f"{report.program} stopped with exit status {report.exit_code} but printed no "
            f"traceback: nothing to hint at.{shown}"
        )
    return (
        f"{report.program} stopped with an error. Python printed:\n\n"
        f"{report.error_output.rstrip()}\n\n"
        f"Hint (student {report.student}, {report.student_source}):\n"
        f"{report.hint or '(the student wrote nothing)'}"
    )


def hint(
    program: Path,
    /,
    *,
    stdin: Path | None = None,
    student: str | None = None,
    prompt_style: Literal["grounded", "plain"] = DEFAULT_PROMPT_STYLE,
    max_new_tokens: int = 96,
    sandbox_timeout: float = 5.0,
    device: Device = "auto",
    threads: Threads = None,
) -> int:
    """Run PROGRAM in the sandbox and, if it fails, write one short greedy hint.

    The sandbox gives it its own folder and session, no secrets, limits on time, memory,
    files and processes. Prints one JSON line (the error Python printed, the hint, the
    student and why it was chosen); the same as plain text goes to stderr. Student:
    --student, else $LLM_PRUNE_HINT_STUDENT, else the model folder at
    $LLM_PRUNE_GYM_CACHE/students/best, else smollm2.

    Parameters
    ----------
    program
        the Python program to run
    stdin
        a file of the text typed into the program
    student
        smollm2, stub, a .gguf or a Hugging Face folder
    prompt_style
        grounded: the prompt adds facts read from the program and its traceback
    max_new_tokens
        hint length cap
    sandbox_timeout
        seconds before the program gets its Ctrl-C
    """
    from llm_prune_gym.cli import log, print_json, resolve_device, set_threads

    set_threads(threads)
    code = _read_text(str(program), "program")
    typed = _read_text(str(stdin), "stdin file") if stdin else ""
    report = write_hint(
        code,
        typed,
        student=student,
        prompt_style=prompt_style,
        max_new_tokens=max_new_tokens,
        timeout=sandbox_timeout,
        program=str(program),
        device=resolve_device(device),
    )
    log(render_text(report))
    fields = asdict(report) | {"ran_without_error": not report.failed}
    fields["seconds"] = round(report.seconds, 3)
    return print_json(fields)
