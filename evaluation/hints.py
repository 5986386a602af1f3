"""Hint evaluation: load a test set of buggy programs, let a student write hints, grade them.

A test set is JSON Lines; each line is one of:

- a line of ``llm-prune data build``'s ``test.jsonl``: ``prompt`` (the chat the student
  sees) plus the ground truth (``error_kind``, ``exception``, ``line``,
  ``original_line``, ``broken_line``, ``token``, ``code``, ``fixed_code``, ...); the
  ``chosen``/``rejected`` hints are ignored. Its stored prompt is used as it is, unless
  a prompt style is asked for: then the prompt is rebuilt from the line's ``code`` and
  ``error_output`` in that style. Lines with the same prompt count once;
- a user's own program, ``{"code": ..., "stdin": ..., "fixed_code": ...}`` (``stdin``,
  ``fixed_code`` and ``id`` optional): it is run in the sandbox
  (:func:`finetune.sandbox.run_program`) to get the real traceback, and the prompt is
  built with :func:`llm_prune_gym.prompts.hint_messages` like the training data's, in
  the grounded style unless another is asked for.
  With ``fixed_code`` the ground truth comes from diffing the two programs
  (:func:`evaluation.grader.truth_from_fix`); without it only the LLM judge can grade.

Rates are reported with 95% Wilson score intervals (Wilson, 1927), which stay inside
[0, 1] and keep their coverage for small samples and rates near 0 or 1, where the
normal approximation fails. Judge scores (1-5) get a percentile-bootstrap interval
of the mean (:func:`evaluation.stats.mean_interval`).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from llm_prune_gym.diagnosis import diagnose
from llm_prune_gym.generation import (
    HINT_MAX_NEW_TOKENS,
    Candidate,
    generate_answers,
    hint_candidates,
)
from llm_prune_gym.hintfacts import facts_hint, hint_facts
from llm_prune_gym.prompts import (
    DEFAULT_PROMPT_STYLE,
    Messages,
    hint_messages,
    load_prompts,
    read_jsonl,
)
from llm_prune_gym.students import Student

from . import report
from .endings import cut_off, repeats
from .grader import GroundTruth, grade, truth_from_fix, with_cause
from .rerank import Verdict, choose, verify_hint
from .stats import mean_interval

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class HintCase:
    """One buggy program to write a hint for, with whatever ground truth is known."""

    id: str
    messages: Messages
    code: str
    error_output: str
    kind: str = ""
    exception: str = ""
    truth: GroundTruth | None = None
    source: str = "dataset"  # "dataset" (prepared prompt) or "user" (run in the sandbox)

    @property
    def reference(self) -> str:
        """The known fix in words, for the LLM judge ("" when unknown)."""
        truth = self.truth
        if truth is None or not truth.lines:
            return ""
        lines = ", ".join(str(n) for n in truth.lines)
        broken = "\n".join(truth.broken_lines) or "(nothing)"
        fixed = "\n".join(truth.fixed_lines) or "(nothing: the line should be removed)"
        return f"Line {lines}. The student wrote:\n{broken}\nThe correct code is:\n{fixed}"


# -- loading --------------------------------------------------------------------------------


def _dataset_truth(record: dict) -> GroundTruth | None:
    """The ground truth of a `data build` line, or from its fix, or None."""
    code = record.get("code", "")
    kind, exception = record.get("error_kind", ""), record.get("exception", "")
    if isinstance(record.get("line"), int) and isinstance(record.get("original_line"), str):
        broken = record.get("broken_line")
        return GroundTruth(
            lines=(record["line"],),
            fixed_lines=(record["original_line"],),
            broken_lines=(broken,) if isinstance(broken, str) else (),
            token=record.get("token", ""),
            kind=kind,
            exception=exception,
            code=code,
            fixed_code=record.get("fixed_code", ""),
        )
    if code and record.get("fixed_code"):
        return truth_from_fix(code, record["fixed_code"], exception, kind)
    return None


def _with_cause(truth: GroundTruth | None, record: dict) -> GroundTruth | None:
    return None if truth is None else with_cause(truth, record)


def _dataset_case(record: dict, where: str, prompt_style: str | None = None) -> HintCase:
    if prompt_style is not None:
        code, output = record.get("code"), record.get("error_output")
        if not (isinstance(code, str) and isinstance(output, str)):
            raise ValueError(f"{where}: rebuilding the prompt needs 'code' and 'error_output'")
        record = record | {"prompt": hint_messages(code, output, prompt_style)}
    try:
        messages = load_prompts([record.get("prompt", record.get("messages"))])[0]
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return HintCase(
        id=str(record.get("id", where)),
        messages=messages,
        code=record.get("code", ""),
        error_output=record.get("error_output", ""),
        kind=record.get("error_kind", ""),
        exception=record.get("exception", ""),
        truth=_with_cause(_dataset_truth(record), record),
    )


def _user_cases(
    records: Sequence[tuple[str, dict]], timeout: float, prompt_style: str = DEFAULT_PROMPT_STYLE
) -> list[HintCase]:
    """Run users' programs in the sandbox and build their prompts from the real output."""
    if not records:
        return []
    from finetune.sandbox import Job, Limits, error_output, run_many

    limits = Limits(timeout=timeout)
    jobs = [Job(r["code"], r.get("stdin", "") or "", limits) for _, r in records]
    cases = []
    for (where, record), result in zip(records, run_many(jobs), strict=True):
        output = error_output(result)
        exception = result.exception or ""
        fixed = record.get("fixed_code")
        truth = (
            _with_cause(truth_from_fix(record["code"], fixed, exception), record) if fixed else None
        )
        cases.append(
            HintCase(
                id=str(record.get("id", where)),
                messages=hint_messages(record["code"], output, prompt_style),
                code=record["code"],
                error_output=output,
                exception=exception,
                truth=truth,
                source="user",
            )
        )
    return cases


def read_cases(
    path: str | Path,
    sandbox_timeout: float = 2.0,
    prompt_style: str | None = None,
    dedupe: bool = True,
) -> list[HintCase]:
    """Every distinct case of a test-set file, in file order (see the module docstring).

    `prompt_style` (``grounded``/``plain``) builds every prompt in that style; None keeps
    a data build's stored prompts and builds users' prompts grounded. With `dedupe` off,
    lines with the same prompt stay separate cases (to match hints to them by id).
    """
    prepared: list[tuple[int, HintCase]] = []
    user: list[tuple[str, dict]] = []
    user_order: list[int] = []
    for number, where, record in read_jsonl(path, "test set"):
        label = f"{Path(path).name}:{number}"  # the case's id when the line has none
        if "prompt" in record or "messages" in record:
            prepared.append((number, _dataset_case(record, label, prompt_style)))
        elif isinstance(record.get("code"), str):
            user.append((label, record))
            user_order.append(number)
        else:
            raise ValueError(f"{where}: needs a 'prompt' (data build) or a 'code' field")
    style = prompt_style or DEFAULT_PROMPT_STYLE
    ran = list(zip(user_order, _user_cases(user, sandbox_timeout, style), strict=True))
    ordered = [case for _, case in sorted(prepared + ran, key=lambda item: item[0])]
    seen, cases = set(), []
    for case in ordered:
        key = json.dumps(case.messages, sort_keys=True) if dedupe else id(case)
        if key not in seen:
            seen.add(key)
            cases.append(case)
    if not cases:
        raise ValueError(f"the test set {path} is empty")
    return cases


def select_cases(cases: Sequence[HintCase], limit: int | None, seed: int = 0) -> list[HintCase]:
    """At most `limit` cases, spread evenly over error kinds, in their original order.

    Each kind's cases are shuffled with the seed and the kinds are taken round-robin,
    so a small limit still covers every kind (the first N lines would cover a few
    programs only).
    """
    if limit is None or limit >= len(cases):
        return list(cases)
    groups: dict[str, list[int]] = {}
    for index, case in enumerate(cases):
        groups.setdefault(case.kind or case.exception, []).append(index)
    rng = random.Random(seed)
    for members in groups.values():
        rng.shuffle(members)
    chosen: list[int] = []
    while len(chosen) < limit:
        for members in groups.values():
            if members and len(chosen) < limit:
                chosen.append(members.pop())
    return [cases[i] for i in sorted(chosen)]


# -- generating and grading -------------------------------------------------------------------


def generate_hints(
    student: Student,
    cases: Sequence[HintCase],
    max_new_tokens: int = HINT_MAX_NEW_TOKENS,
    batch_size: int = 16,
    do_sample: bool = False,
    seed: int = 0,
    progress: bool = True,
    candidates: int = 1,
    fallback: bool = True,
    diagnosis: bool = False,
) -> list[str]:
    """The hint for each case (greedy unless `do_sample`), in the cases' order.

    With `candidates` N > 1 the hint is the best of N (:func:`best_of_n`: the greedy hint
    and N - 1 samples seeded with `seed`, scored by :mod:`evaluation.rerank`; with
    `fallback`, a hint of facts alone where every candidate looks wrong); `do_sample` is
    then ignored. With `diagnosis` (any N) the hint is the pipeline of ``llm-prune hint``:
    a certain diagnosis where there is one, else the best of N checked the same way.
    Prompts are batched by length, so a batch pads little; the answers come
    back in order. :func:`generate_choices` also says who wrote each hint.
    """
    chosen = generate_choices(
        student,
        cases,
        max_new_tokens,
        batch_size,
        do_sample,
        seed,
        progress,
        candidates,
        fallback,
        diagnosis,
    )
    return [choice.hint for choice in chosen]


def generate_choices(
    student: Student,
    cases: Sequence[HintCase],
    max_new_tokens: int = HINT_MAX_NEW_TOKENS,
    batch_size: int = 16,
    do_sample: bool = False,
    seed: int = 0,
    progress: bool = True,
    candidates: int = 1,
    fallback: bool = True,
    diagnosis: bool = False,
) -> list[Choice]:
    """:func:`generate_hints`, each hint as a :class:`Choice` (its `source`: diagnosis,
    student or facts). A plain greedy or sampled hint (N = 1, no `diagnosis`) is the
    student's, unchecked: a Choice without candidates or verdicts."""
    if candidates < 1:
        raise ValueError(f"candidates must be >= 1, got {candidates}")
    if candidates > 1 or diagnosis:
        return best_of_n(
            student,
            cases,
            candidates,
            seed,
            max_new_tokens,
            batch_size,
            progress,
            fallback,
            diagnosis,
        )
    order = _by_length(cases)
    answers = generate_answers(
        student.model,
        student.tokenizer,
        [cases[i].messages for i in order],
        max_new_tokens=max_new_tokens,
        batch_size=batch_size,
        do_sample=do_sample,
        seed=seed,
        progress=progress,
    )
    return [Choice(hint, 0, (), ()) for hint in _in_case_order(order, answers)]


# Who wrote a hint: a certain diagnosis (llm_prune_gym.diagnosis.diagnose), the student
# (its hint passed the verifier, evaluation.rerank), or the facts alone (every student hint
# looked wrong: llm_prune_gym.hintfacts.facts_hint).
DIAGNOSIS, STUDENT, FACTS = "diagnosis", "student", "facts"
SOURCES = (DIAGNOSIS, STUDENT, FACTS)


@dataclass(frozen=True)
class Choice:
    """The hint kept for a case, which candidate it was (None: no candidate was kept: a
    diagnosis or the facts wrote it), every candidate's verdict, who wrote the hint
    (`source`: diagnosis, student or facts) and the diagnosis rule, if one fired."""

    hint: str
    index: int | None
    candidates: tuple[Candidate, ...]
    verdicts: tuple[Verdict, ...]
    source: str = STUDENT
    rule: str = ""

    def row(self) -> list[dict]:
        """The candidates as JSON-ready dicts (text, finished, score, reasons, chosen)."""
        return [
            {
                "hint": candidate.text,
                "finished": candidate.finished,
                "score": verdict.score,
                "reasons": list(verdict.reasons),
                "looks_wrong": verdict.looks_wrong,
                "chosen": index == self.index,
            }
            for index, (candidate, verdict) in enumerate(
                zip(self.candidates, self.verdicts, strict=True)
            )
        ]


def final_hint(
    code: str,
    error_output: str,
    student_hint: str,
    diagnosis: bool = True,
    finished: bool | None = None,
) -> Choice:
    """The hint `llm-prune hint` gives for one program, from a hint the student already wrote.

    In order: the diagnosis, where the program and its traceback settle the cause
    (:func:`llm_prune_gym.diagnosis.diagnose`; skipped with ``diagnosis=False``); else
    `student_hint` if the verifier passes it (:func:`evaluation.rerank.verify_hint`); else a
    hint of facts alone (:func:`llm_prune_gym.hintfacts.facts_hint`). `finished` False says
    the token cap cut the student's hint (None: unknown). ``Choice.source`` says which wrote
    the hint. Nothing here runs the program or a model: apply it offline to stored hints.
    """
    if diagnosis:
        found = diagnose(code, error_output)
        if found is not None:
            return Choice(found.hint, None, (), (), DIAGNOSIS, found.rule)
    facts = hint_facts(code, error_output)
    verdict = verify_hint(student_hint, code, error_output, facts, finished)
    candidate = Candidate(student_hint, bool(finished) if finished is not None else True)
    if verdict.looks_wrong:
        return Choice(facts_hint(facts), None, (candidate,), (verdict,), FACTS)
    return Choice(student_hint, 0, (candidate,), (verdict,), STUDENT)


def best_of_n(
    student: Student,
    cases: Sequence[HintCase],
    candidates: int,
    seed: int = 0,
    max_new_tokens: int = HINT_MAX_NEW_TOKENS,
    batch_size: int = 16,
    progress: bool = False,
    fallback: bool = True,
    diagnosis: bool = False,
) -> list[Choice]:
    """Each case's best of `candidates` hints (the greedy one and seeded samples).

    The verifier (:func:`evaluation.rerank.choose`) reads the case's program, its error
    output and the hint facts only, never the ground truth. Same seed, same choice. With
    `fallback`, a case whose every candidate looks wrong gets a hint made of the facts
    alone (:func:`llm_prune_gym.hintfacts.facts_hint`): it may miss the cause but states
    nothing false. With `diagnosis`, a case whose cause the program and its traceback settle
    (:func:`llm_prune_gym.diagnosis.diagnose`) gets that diagnosis, and the student writes
    nothing for it.
    """
    found = [diagnose(c.code, c.error_output) if diagnosis else None for c in cases]
    asked = [case for case, known in zip(cases, found, strict=True) if known is None]
    order = _by_length(asked)
    written = (
        hint_candidates(
            student.model,
            student.tokenizer,
            [asked[i].messages for i in order],
            candidates,
            seed=seed,
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
            progress=progress,
        )
        if asked
        else []
    )
    answers = iter(_in_case_order(order, written))
    choices = []
    for case, known in zip(cases, found, strict=True):
        if known is not None:
            choices.append(Choice(known.hint, None, (), (), DIAGNOSIS, known.rule))
            continue
        options = next(answers)
        index, verdicts = choose(options, case.code, case.error_output, fallback)
        if index is None:
            hint, source = facts_hint(hint_facts(case.code, case.error_output)), FACTS
        else:
            hint, source = options[index].text, STUDENT
        choices.append(Choice(hint, index, tuple(options), tuple(verdicts), source))
    return choices


def _by_length(cases: Sequence[HintCase]) -> list[int]:
    """Case indexes, shortest prompt first (batches of similar length pad little)."""
    return sorted(range(len(cases)), key=lambda i: len(json.dumps(cases[i].messages)))


def _in_case_order(order: Sequence[int], answers: Sequence) -> list:
    """`answers` (one per index of `order`) put back in the cases' order."""
    placed = [None] * len(order)
    for index, answer in zip(order, answers, strict=True):
        placed[index] = answer
    return placed


def grade_rows(
    cases: Sequence[HintCase],
    hints: Sequence[str],
    judge: Callable[[Sequence[HintCase], Sequence[str]], list] | None = None,
    **columns,
) -> list[dict]:
    """One row per hint: the case, the offline grade (if ground truth) and the judge's verdict.

    `columns` (say ``student=..., level=...``) are put first in every row.
    """
    verdicts = judge(cases, hints) if judge is not None else [None] * len(cases)
    rows = []
    for case, hint, verdict in zip(cases, hints, verdicts, strict=True):
        row = {**columns, "id": case.id, "source": case.source, "error_kind": case.kind}
        row |= {
            "exception": case.exception,
            "line": ",".join(map(str, case.truth.lines)) if case.truth else "",
            "hint": hint,
            # how the hint ends (evaluation/endings.py), from the text alone
            "repeats": repeats(hint),
            "cut_off": cut_off(hint),
        }
        if case.truth is not None:
            result = grade(hint, replace(case.truth, traceback=case.error_output))
            row |= {
                "identifies_error": result.identifies_error,
                "names_line": result.names_line,
                "misleading": result.misleading,
                "gives_away": result.gives_away,
                "evidence": "; ".join(result.evidence),
            }
        else:
            row |= {"identifies_error": None, "names_line": None, "misleading": None}
            row["gives_away"] = None
            row["evidence"] = "no ground truth"
        if verdict is not None:
            row |= verdict.row()
        rows.append(row)
    return rows


def with_sources(rows: Sequence[dict], choices: Sequence[Choice]) -> list[dict]:
    """`rows` (one per hint, :func:`grade_rows`) with who wrote each hint, right after it:
    ``hint_source`` (diagnosis, student or facts; "" where not known) and ``diagnosis_rule``
    (the rule that fired, else "")."""
    placed = []
    for row, choice in zip(rows, choices, strict=True):
        keys = list(row)
        at = keys.index("hint") + 1
        written = {"hint_source": choice.source, "diagnosis_rule": choice.rule}
        placed.append({k: row[k] for k in keys[:at]} | written | {k: row[k] for k in keys[at:]})
    return placed


def source_counts(rows: Sequence[dict]) -> dict[str, int]:
    """How many of `rows`' hints each source (diagnosis, student, facts) wrote."""
    return {s: sum(1 for r in rows if r.get("hint_source") == s) for s in SOURCES}


def sources_cell(summary: dict) -> str:
    """``12 / 80 / 3``: hints the diagnosis, the student and the facts wrote."""
    return " / ".join(str(summary.get(f"hints_by_{s}", 0)) for s in SOURCES)


def shows_sources(summaries: Sequence[dict]) -> bool:
    """Whether a table needs the sources column: some hint was not the student's own."""
    return any(s.get(f"hints_by_{k}") for s in summaries for k in (DIAGNOSIS, FACTS))


SOURCES_HEADER = "written by diagnosis / student / facts"


# -- summaries ----------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float, float]:
    """(rate, low, high): the Wilson score interval of a binomial rate (nan when n = 0)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _rate(rows: Sequence[dict], key: str) -> dict[str, float | int | None]:
    """The rate of a yes/no column with its interval; None (JSON null) when nothing was graded."""
    values = [bool(r[key]) for r in rows if r.get(key) is not None and r.get(key) != ""]
    if not values:
        return {f"{key}_n": 0, key: None, f"{key}_low": None, f"{key}_high": None}
    rate, low, high = wilson_interval(sum(values), len(values))
    return {f"{key}_n": len(values), key: rate, f"{key}_low": low, f"{key}_high": high}


def _mean(rows: Sequence[dict], key: str, seed: int) -> dict[str, float | None]:
    values = [float(r[key]) for r in rows if r.get(key) not in (None, "")]
    if not values:
        return {key: None, f"{key}_low": None, f"{key}_high": None}
    return mean_interval(values, seed=seed).to_dict(key)


def summarise(rows: Sequence[dict], seed: int = 0) -> dict:
    """Rates (Wilson 95%) and judge score means (bootstrap 95%) of a group of hint rows.

    A rate or mean with nothing to measure is None, so a summary is valid JSON (no NaN).
    """
    summary: dict = {"n": len(rows)}
    summary |= _rate(rows, "identifies_error") | _rate(rows, "names_line")
    summary |= _rate(rows, "misleading") | _rate(rows, "gives_away")
    summary["empty_hints"] = sum(1 for r in rows if not str(r["hint"]).strip())
    summary |= _rate(rows, "repeats") | _rate(rows, "cut_off")
    if any("hint_source" in r for r in rows):
        summary |= {f"hints_by_{s}": n for s, n in source_counts(rows).items()}
    if any("judge_status" in r for r in rows):
        judged = [r for r in rows if r.get("judge_status") == "ok"]
        summary |= _rate(judged, "judge_identifies_error") | _rate(judged, "judge_gives_away_code")
        summary |= _mean(judged, "judge_helpfulness", seed) | _mean(judged, "judge_clarity", seed)
        for status in ("unparsable", "error"):
            summary[f"judge_{status}"] = sum(1 for r in rows if r.get("judge_status") == status)
    return summary


def summarise_groups(rows: Sequence[dict], keys: Sequence[str], seed: int = 0) -> list[dict]:
    """One summary per distinct value of `keys`, in first-seen order, keys first."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return [
        dict(zip(keys, group, strict=True)) | summarise(members, seed)
        for group, members in groups.items()
    ]


def percent_cell(summary: dict, key: str) -> str:
    """``42.0% [35.1, 49.2]`` (n/a when nothing was graded)."""
    if not summary.get(f"{key}_n"):
        return "n/a"
    return (
        f"{summary[key]:.1%} [{100 * summary[f'{key}_low']:.1f}, "
        f"{100 * summary[f'{key}_high']:.1f}]"
    )


def score_cell(summary: dict, key: str) -> str:
    """``3.20 [2.90, 3.50]`` (n/a when nothing was scored)."""
    value = summary.get(key)
    if value is None or math.isnan(value):
        return "n/a"
    return f"{summary[key]:.2f} [{summary[f'{key}_low']:.2f}, {summary[f'{key}_high']:.2f}]"


def summary_table(summaries: Sequence[dict], keys: Sequence[str]) -> str:
    """A Markdown table of summaries: grouping keys, counts, rates and judge scores."""
    judged = any("judge_identifies_error" in s for s in summaries)
    headers = [
        *keys,
        "hints",
        "identifies error (offline)",
        "names the line",
        "misleading (offline)",
        "gives away (offline)",
    ]
    if judged:
        headers += [
            "identifies error (judge)",
            "gives away (judge)",
            "helpfulness",
            "clarity",
            "judge unparsable / failed",
        ]
    headers += ["repeats itself", "cut off"]  # evaluation/endings.py
    sources = shows_sources(summaries)
    headers += [SOURCES_HEADER] if sources else []
    rows = []
    for s in summaries:
        row = [
            *(s[k] for k in keys),
            s["n"],
            percent_cell(s, "identifies_error"),
            percent_cell(s, "names_line"),
            percent_cell(s, "misleading"),
            percent_cell(s, "gives_away"),
        ]
        if judged:
            row += [
                percent_cell(s, "judge_identifies_error"),
                percent_cell(s, "judge_gives_away_code"),
                score_cell(s, "judge_helpfulness"),
                score_cell(s, "judge_clarity"),
                f"{s.get('judge_unparsable', 0)} / {s.get('judge_error', 0)}",
            ]
        row += [percent_cell(s, "repeats"), percent_cell(s, "cut_off")]
        row += [sources_cell(s)] if sources else []
        rows.append(row)
    return report.markdown_table(headers, rows)


def write_outputs(
    out: Path, rows: Sequence[dict], group_keys: Sequence[str], facts: dict, seed: int = 0
) -> list[dict]:
    """``hints.csv`` (every hint), ``summary.csv`` and ``summary.md`` (with a per-kind table)."""
    out.mkdir(parents=True, exist_ok=True)
    report.write_csv(out / "hints.csv", rows)
    summaries = summarise_groups(rows, group_keys, seed)
    report.write_csv(out / "summary.csv", summaries)
    by_kind = summarise_groups(
        [r | {"kind": r["error_kind"] or r["exception"] or "?"} for r in rows],
        [*group_keys, "kind"],
        seed,
    )
    sections = [
        "# Hint evaluation",
        "Rates with 95% Wilson intervals; judge scores (1-5) with 95% bootstrap intervals of "
        "the mean. Offline grading rules: `evaluation/grader.py`. Every hint: `hints.csv`.",
        summary_table(summaries, group_keys),
        "## By error kind",
        summary_table(by_kind, [*group_keys, "kind"]),
        "## Run",
        report.facts_markdown(facts),
    ]
    (out / "summary.md").write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return summaries


# -- hints written elsewhere --------------------------------------------------------------------


def read_hints(path: str | Path) -> dict[str, str]:
    """``{"id": ..., "hint": ...}`` lines as a dict of id -> hint; a bad line is an error."""
    hints: dict[str, str] = {}
    for _, where, record in read_jsonl(path, "hints file"):
        case_id, hint = record.get("id"), record.get("hint")
        if not isinstance(case_id, str | int) or isinstance(case_id, bool) or case_id == "":
            raise ValueError(f"{where}: needs an 'id' (the case's id in the test set)")
        if not isinstance(hint, str):
            raise ValueError(f"{where}: needs a 'hint' string")
        if str(case_id) in hints:
            raise ValueError(f"{where}: id {case_id!r} appears twice")
        hints[str(case_id)] = hint
    if not hints:
        raise ValueError(f"the hints file {path} is empty")
    return hints


def _listed(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def match_hints(
    cases: Sequence[HintCase], hints: dict[str, str], partial: bool = False
) -> tuple[list[HintCase], list[str]]:
    """The cases that have a hint, and their hints, in the cases' order.

    A hint whose id is no case's is an error; so is a case without a hint, unless
    `partial` (then only the cases with hints are graded).
    """
    known = {case.id for case in cases}
    unknown = [case_id for case_id in hints if case_id not in known]
    if unknown:
        raise ValueError(f"hints for ids that are not in the test set: {_listed(unknown)}")
    missing = [case.id for case in cases if case.id not in hints]
    if missing and not partial:
        raise ValueError(
            f"{len(missing)} of {len(cases)} cases have no hint ({_listed(missing)}); "
            "pass --partial to grade only the cases that have one"
        )
    chosen = [case for case in cases if case.id in hints]
    return chosen, [hints[case.id] for case in chosen]
