"""``llm-prune hint PROGRAM.py``: run one program in the sandbox, print its real error and a hint.

The program runs through :mod:`finetune.sandbox` like every untrusted program here (its
own session and folder, no secrets in its environment, limits on time, memory, files and
processes). If it fails, the student writes one greedy hint from the same prompt the
training data and the evaluation use (:func:`llm_prune_gym.prompts.hint_messages`), and
:mod:`evaluation.rerank` checks it against the program, the error and the hint facts (never a
known answer): a hint that looks wrong (states something the facts contradict, names a line or
name the program does not support, or writes the fix) is replaced by a hint made of the facts
alone. ``--candidates N`` adds N - 1 seeded samples and keeps the best-scored one.

Before any of that, :func:`llm_prune_gym.diagnosis.diagnose` reads the program and its
traceback: where they settle the cause for certain (a misspelt name, a string from
``input()`` used as a number, the None of a function without ``return``, an index equal to
the length, ...), the hint states that cause and asks a question, and no model runs
(``--no-diagnosis`` turns this off). ``--no-student-hint`` never shows the student's words:
where no diagnosis is certain, the facts hint stands (fewer hints name the cause, far fewer
mislead). The output's ``source`` says who wrote the hint: ``diagnosis``, ``student`` or
``facts``.

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
# The greedy hint, checked by the verifier (facts-only hint where it looks wrong). Measured by
# hand on the 80 blind programs (results/hint-labels-v3): sft-v4 greedy identifies 30% and
# misleads 78%; greedy + this check 30% / 52%; best of 8 samples 28% / 74%: samples did not
# help, and each costs another generation (SmolLM2 on 1 CPU thread: 6.0 s greedy, 13.0 s for
# best of 3).
DEFAULT_CANDIDATES = 1


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
    candidates: int = 1
    chosen: int | None = 0  # the candidate kept (0: greedy; None: a diagnosis or the facts)
    scores: tuple[float, ...] = ()  # the verifier's score of each candidate
    source: str | None = None  # who wrote the hint: diagnosis, student or facts (None: no hint)
    rule: str = ""  # the diagnosis rule that fired ("" when the hint is not a diagnosis)

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
    candidates: int = DEFAULT_CANDIDATES,
    seed: int = 0,
    diagnosis: bool = True,
    student_hint: bool = True,
) -> HintReport:
    """Run `code` in the sandbox; if it fails, a hint for its error: with `diagnosis`, the
    cause where the program and its traceback settle it (no model runs); else the student's
    best of `candidates` (the greedy one and seeded samples; 1: the greedy hint, checked: the
    facts hint if it looks wrong), on `device`. Without `student_hint` the student never
    writes: the facts hint stands in for it (no model runs)."""
    from finetune.sandbox import Limits, error_output, run_program
    from llm_prune_gym.diagnosis import diagnose
    from llm_prune_gym.hintfacts import facts_hint, hint_facts

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
        none = {"hint": None, "student": None, "student_source": None, "facts": "", "chosen": None}
        return HintReport(
            **report, **none, candidates=candidates, seconds=time.perf_counter() - started
        )
    facts = hint_facts(code, output).render() if prompt_style == "grounded" else ""
    found = diagnose(code, output) if diagnosis else None
    if found is not None or not student_hint:  # no model runs: a diagnosis or the facts
        return HintReport(
            **report,
            hint=found.hint if found else facts_hint(hint_facts(code, output)),
            student=None,
            student_source=None,
            facts=facts,
            seconds=time.perf_counter() - started,
            candidates=candidates,
            chosen=None,
            source="diagnosis" if found else "facts",
            rule=found.rule if found else "",
        )
    spec, source = (student, "from --student") if student else default_student()
    messages = hint_messages(code, output, prompt_style)
    chosen = _best_hint(spec, messages, code, output, max_new_tokens, device, candidates, seed)
    return HintReport(
        **report,
        hint=chosen.hint,
        student=spec,
        student_source=source,
        facts=facts,
        seconds=time.perf_counter() - started,
        candidates=candidates,
        chosen=chosen.index,
        scores=tuple(verdict.score for verdict in chosen.verdicts),
        source=chosen.source,
    )


def _best_hint(
    spec: str,
    messages: list[dict[str, str]],
    code: str,
    output: str,
    max_new_tokens: int,
    device: str,
    candidates: int,
    seed: int,
):
    """The student's best of `candidates` hints (an :class:`evaluation.hints.Choice`)."""
    from llm_prune_gym.students import load_student

    from .hints import HintCase, best_of_n

    loaded = load_student(spec, device=device)
    case = HintCase("program", messages, code, output)
    return best_of_n(loaded, [case], candidates, seed, max_new_tokens, batch_size=1)[0]


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
    author = f"student {report.student}, {report.student_source}"
    if report.source == "diagnosis":
        author = (
            f"diagnosis {report.rule}: read from the program and its error, the cause is certain"
        )
    elif report.source == "facts" and report.student is None:
        author = "read from the program and its error (--no-student-hint)"
    elif report.source == "facts":
        author = f"read from the program and its error: every hint of {author} looked wrong"
    return (
        f"{report.program} stopped with an error. Python printed:\n\n"
        f"{report.error_output.rstrip()}\n\n"
        f"Hint ({author}):\n"
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
    candidates: int = DEFAULT_CANDIDATES,
    seed: int = 0,
    diagnosis: bool = True,
    student_hint: bool = True,
    device: Device = "auto",
    threads: Threads = None,
) -> int:
    """Run PROGRAM in the sandbox and, if it fails, write one short hint (best of --candidates).

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
    candidates
        write this many hints (the greedy one and seeded samples) and keep the one a verifier
        scores best from the program, its error and the hint facts (if all look wrong, a hint
        of facts alone); 1: the greedy hint, checked the same way
    seed
        seed of the sampled candidates (same seed, same hint)
    diagnosis
        where the program and its traceback settle the cause for certain, state it (a hint
        that names the cause and asks a question, no fix) instead of asking the student;
        --no-diagnosis: always the student's hint, checked
    student_hint
        --no-student-hint: never show the student's words; where no diagnosis is certain,
        the hint is made of facts read from the program and its error (no model loads; on
        blind set 3, results/hint-labels-v4: 46% name the cause, 2% mislead; with SmolLM2's
        checked hints 46% / 5%)
    """
    if candidates < 1:
        raise ValueError(f"--candidates must be >= 1, got {candidates}")
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
        candidates=candidates,
        seed=seed,
        diagnosis=diagnosis,
        student_hint=student_hint,
    )
    log(render_text(report))
    fields = asdict(report) | {"ran_without_error": not report.failed}
    fields["seconds"] = round(report.seconds, 3)
    return print_json(fields)
