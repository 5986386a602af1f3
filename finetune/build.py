"""Build the preference data set: corpus -> bugs -> sandbox runs -> hints -> pairs.

Output folder:

- `train.jsonl`, `test.jsonl`: one pair per line, in trl's conversational format
  (`prompt` = `hint_messages(..., prompt_style)`, `chosen`/`rejected` = one assistant message) plus
  the ground truth (error kind, line, original and broken line, token, program id,
  code, stdin, error output, fixed code). Split by source program.
- `skipped.jsonl`: every candidate bug that did not become a pair, and why (it ran
  cleanly, failed some other way, or the teacher's answer was unusable).
- `programs.jsonl`: every corpus program the build chose, with its origin, source,
  licence and split, and whether it printed its expected stdout when run (one that
  does not is dropped before any bug is injected, and counted).
- `stats.md`: programs per origin, counts per error kind and split, rejected-hint
  sources, lengths.
- `manifest.json`: the options; a build refuses to continue a folder made with others.

Resumable and append-safe: every line is written with one write and flushed, in a
fixed order (candidate order). On a restart a trailing partial line is cut off and
bugs already in any of the three files are skipped, so an interrupted and resumed
build ends with the same bytes as an uninterrupted one. Every random choice is seeded
by (seed, bug id), never by a shared stream, for the same reason.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from tqdm import tqdm

from finetune.bugs import Bug, Case
from finetune.corpus import load_corpus, select_programs, verify_programs
from finetune.kinds import KIND_BY_NAME, KINDS, candidates
from finetune.pairs import rejected_hints
from finetune.sandbox import Job, Limits, RunResult, error_output, run_many
from finetune.settings import FORMAT, BuildOptions  # noqa: F401 (finetune.build's names)
from finetune.split import split_programs
from finetune.teachers import TeacherAnswer, make_teacher
from llm_prune_gym.prompts import DEFAULT_PROMPT_STYLE, hint_messages

FILES = {"train": "train.jsonl", "test": "test.jsonl", "skipped": "skipped.jsonl"}
PROGRAMS_FILE = "programs.jsonl"
CHECK_LIMITS = Limits(timeout=5.0)  # a correct program's one check run: generous, no Ctrl-C


# ---------------------------------------------------------------- append-safe files


def repair(path: Path) -> set[str]:
    """Cut a trailing partial line off a JSONL file; return the ids it holds."""
    if not path.exists():
        return set()
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]
        with path.open("r+b") as handle:
            handle.truncate(len(data))
    return {json.loads(line)["id"] for line in data.splitlines() if line.strip()}


def append_line(handle, record: dict) -> None:
    """One record, one write, flushed: a crash leaves at most one partial last line."""
    data = memoryview((json.dumps(record) + "\n").encode("utf-8"))
    while data:  # an unbuffered file: each write is one system call
        data = data[handle.write(data) :]


def _check_manifest(out: Path, options: BuildOptions) -> None:
    path = out / "manifest.json"
    wanted = options.manifest()
    if path.exists():
        found = json.loads(path.read_text("utf-8"))
        found.setdefault("prompt_style", "plain")  # built before the option existed
        if found != wanted:
            raise ValueError(
                f"{out} holds a build made with other options ({found}); "
                "use a new --out folder or the same options"
            )
    else:
        path.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- records


def example(
    case: Case,
    split: str,
    chosen: str,
    source: str,
    rejected: str,
    teacher: str,
    prompt_style: str = DEFAULT_PROMPT_STYLE,
) -> dict:
    """One line of train/test.jsonl: the pair plus its ground truth."""
    bug = case.bug
    return {
        "id": bug.id,
        "split": split,
        "prompt": hint_messages(bug.code, case.error_output, prompt_style),
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "rejected_source": source,
        "teacher": teacher,
        "error_kind": bug.kind,
        "exception": case.exception,
        "line": bug.line,
        "reported_line": case.reported_line,
        "original_line": bug.original_line,
        "broken_line": bug.broken_line,
        "token": bug.token,
        "program_id": bug.program_id,
        "code": bug.code,
        "stdin": bug.stdin,
        "error_output": case.error_output,
        "fixed_code": bug.fixed_code,
    }


def why_dropped(bug: Bug, result: RunResult) -> str:
    if result.ok:
        return "ran without error"
    if result.timed_out:
        return "timed out"
    if result.exception is None:
        return f"exit status {result.exit_code} without a traceback"
    where = f" on line {result.line}" if result.line else ""
    return f"raised {result.exception}{where}, not {KIND_BY_NAME[bug.kind].exception}"


def to_case(bug: Bug, result: RunResult) -> Case | None:
    """The case for a bug whose run failed as its injector claims, else None."""
    if not KIND_BY_NAME[bug.kind].accepts(result, bug):
        return None
    return Case(bug, error_output(result), result.exception, result.message, result.line)


# ---------------------------------------------------------------- the build


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Builder:
    """Runs one build; see the module docstring for the files and guarantees."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.out = Path(options.out)
        chosen = select_programs(
            load_corpus()[: options.max_programs], options.seed, options.sources, options.programs
        )
        self.split = split_programs([p.id for p in chosen], options.seed)
        programs, self.dropped = verify_programs(chosen, CHECK_LIMITS, options.workers)
        self.programs = [
            {"id": p.id, "origin": p.origin, "source": p.source, "licence": p.licence}
            | {"split": self.split[p.id], "dropped": self.dropped.get(p.id)}
            for p in chosen
        ]
        self.bugs = candidates(programs, options.seed, options.per_kind)
        teacher_options = dict(options.teacher_options)
        if options.teacher == "openai":
            teacher_options.setdefault("model", options.teacher_model)
            teacher_options.setdefault("base_url", options.teacher_base_url)
        self.teacher = make_teacher(options.teacher, options.seed, **teacher_options)
        self.limits = Limits(timeout=options.timeout, max_lines=options.max_lines)

    def run(self) -> dict[str, int]:
        self.out.mkdir(parents=True, exist_ok=True)
        _check_manifest(self.out, self.options)
        lines = "".join(json.dumps(record) + "\n" for record in self.programs)
        (self.out / PROGRAMS_FILE).write_text(lines, encoding="utf-8")
        done = set().union(*(repair(self.out / name) for name in FILES.values()))
        todo = [bug for bug in self.bugs if bug.id not in done]
        handles = {key: (self.out / name).open("ab", buffering=0) for key, name in FILES.items()}
        bar = tqdm(
            total=len(self.bugs),
            initial=len(self.bugs) - len(todo),
            unit="bug",
            desc="build",
            disable=not self.options.progress,
        )
        try:
            for chunk in _chunks(todo, self.options.chunk):
                for key, record in self.process(chunk):
                    append_line(handles[key], record)
                bar.update(len(chunk))
        finally:
            bar.close()
            for handle in handles.values():
                handle.close()
        stats = collect_stats(self.out)
        (self.out / "stats.md").write_text(stats_markdown(stats, self.options), encoding="utf-8")
        return {name: stats["pairs"][name] for name in ("train", "test")}

    def process(self, chunk: Sequence[Bug]) -> list[tuple[str, dict]]:
        """Run, judge, hint and pair one chunk; records come back in chunk order."""
        results = run_many([Job(b.code, b.stdin, self.limits) for b in chunk], self.options.workers)
        cases = {b.id: to_case(b, r) for b, r in zip(chunk, results, strict=True)}
        good = [c for c in cases.values() if c is not None]
        answers = dict(zip((c.bug.id for c in good), self.teacher.hints(good), strict=True))
        hinted = [c for c in good if answers[c.bug.id].hint]
        chosen = [answers[c.bug.id].hint for c in hinted]
        pairs = rejected_hints(
            hinted,
            chosen,
            self.options.seed,
            self.options.student,
            self.options.student_tokens,
            prompt_style=self.options.prompt_style,
        )
        rejected = dict(zip((c.bug.id for c in hinted), pairs, strict=True))
        records = []
        for bug, result in zip(chunk, results, strict=True):
            records.append(
                self._record(bug, result, cases[bug.id], answers.get(bug.id), rejected.get(bug.id))
            )
        return records

    def _record(
        self,
        bug: Bug,
        result: RunResult,
        case: Case | None,
        answer: TeacherAnswer | None,
        rejected: tuple[str, str] | None,
    ):
        if case is None:
            return "skipped", {"id": bug.id, "kind": bug.kind, "reason": why_dropped(bug, result)}
        if answer is None or not answer.hint:
            reason = f"teacher: {answer.error if answer else 'no answer'}"
            return "skipped", {"id": bug.id, "kind": bug.kind, "reason": reason}
        split = self.split[bug.program_id]
        source, text = rejected
        teacher = self.teacher.name
        style = self.options.prompt_style
        return split, example(case, split, answer.hint, source, text, teacher, style)


def build(options: BuildOptions) -> dict[str, int]:
    """Build (or resume) the data set in `options.out`; returns pairs per split."""
    return Builder(options).run()


# ---------------------------------------------------------------- stats


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def collect_stats(out: Path) -> dict:
    """Counts and lengths from the files themselves (so a resumed build is described too)."""
    records = {name: _read(out / FILES[name]) for name in ("train", "test")}
    skipped = _read(out / FILES["skipped"])
    programs = _read(out / PROGRAMS_FILE)
    return {
        "origins": _origins(programs, records),
        "pairs": {name: len(rows) for name, rows in records.items()},
        "programs": {n: len({r["program_id"] for r in rows}) for n, rows in records.items()},
        "kinds": {n: Counter(r["error_kind"] for r in rows) for n, rows in records.items()},
        "sources": {n: Counter(r["rejected_source"] for r in rows) for n, rows in records.items()},
        "lengths": _lengths(records["train"] + records["test"]),
        "skipped": Counter(_reason_group(s["reason"]) for s in skipped),
    }


def _origins(programs: list[dict], records: dict[str, list[dict]]) -> dict[str, Counter]:
    """Per origin: programs chosen, dropped by their check run, and pairs per split."""
    origin_of = {p["id"]: p["origin"] for p in programs}
    counts: dict[str, Counter] = {}
    for program in programs:
        row = counts.setdefault(program["origin"], Counter())
        row["programs"] += 1
        row["dropped"] += program["dropped"] is not None
        row[f"{program['split']} programs"] += program["dropped"] is None
    for name, rows in records.items():
        for record in rows:
            counts.setdefault(origin_of.get(record["program_id"], "unknown"), Counter())[name] += 1
    return counts


def _reason_group(reason: str) -> str:
    return "teacher" if reason.startswith("teacher") else reason.split(" on line")[0]


def _lengths(rows: list[dict]) -> dict[str, tuple[float, float, int]]:
    fields = {
        "program code": lambda r: r["code"],
        "error output": lambda r: r["error_output"],
        "prompt (all messages)": lambda r: "".join(m["content"] for m in r["prompt"]),
        "chosen hint": lambda r: r["chosen"][0]["content"],
        "rejected hint": lambda r: r["rejected"][0]["content"],
    }
    result = {}
    for name, get in fields.items():
        sizes = [len(get(r)) for r in rows] or [0]
        result[name] = (statistics.mean(sizes), statistics.median(sizes), max(sizes))
    return result


def stats_markdown(stats: dict, options: BuildOptions) -> str:
    """The stats table a person reads after a build."""
    pairs, kinds, sources = stats["pairs"], stats["kinds"], stats["sources"]
    lines = [
        f"# Preference data (seed {options.seed}, teacher {options.teacher}"
        f"{', student ' + options.student if options.student else ''})",
        "",
        "| split | pairs | programs | error kinds |",
        "|---|---:|---:|---:|",
    ]
    for name in ("train", "test"):
        lines.append(f"| {name} | {pairs[name]} | {stats['programs'][name]} | {len(kinds[name])} |")
    lines += [
        "",
        "## Programs by origin",
        "",
        "Dropped: the program did not print its expected stdout when run, so no bug was "
        "injected into it. Sources and licences per program: programs.jsonl.",
        "",
        "| origin | programs | dropped | train programs | test programs | train pairs "
        "| test pairs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for origin, row in sorted(stats["origins"].items()):
        lines.append(
            f"| {origin} | {row['programs']} | {row['dropped']} | {row['train programs']} | "
            f"{row['test programs']} | {row['train']} | {row['test']} |"
        )
    lines += [
        "",
        "## Pairs per error kind",
        "",
        "| error kind | exception | train | test |",
        "|---|---|---:|---:|",
    ]
    for bug_kind in KINDS:
        k = bug_kind.kind
        lines.append(
            f"| {k} | {bug_kind.exception.replace('|', ' or ')} | "
            f"{kinds['train'][k]} | {kinds['test'][k]} |"
        )
    lines += ["", "## Rejected hints by source", "", "| source | train | test |", "|---|---:|---:|"]
    for source in sorted(set(sources["train"]) | set(sources["test"])):
        lines.append(f"| {source} | {sources['train'][source]} | {sources['test'][source]} |")
    lines += [
        "",
        "## Lengths in characters (train and test)",
        "",
        "| field | mean | median | max |",
        "|---|---:|---:|---:|",
    ]
    for name, (mean, median, top) in stats["lengths"].items():
        lines.append(f"| {name} | {mean:.0f} | {median:.0f} | {top} |")
    lines += ["", "## Candidate bugs not kept", "", "| reason | count |", "|---|---:|"]
    for reason, count in sorted(stats["skipped"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"| {reason} | {count} |")
    return "\n".join(lines) + "\n"
