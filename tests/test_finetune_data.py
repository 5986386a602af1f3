"""The fine-tuning data pipeline: corpus, injectors, teachers, pairs, build, calibration."""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from finetune.bugs import INJECTOR_BY_KIND, INJECTORS, Case, candidates
from finetune.build import BuildOptions, build, repair
from finetune.calibration import DEFAULT_PATH as CALIBRATION_FILE
from finetune.cli import register
from finetune.corpus import load_corpus, parse_corpus
from finetune.pairs import giveaway_hint, rejected_hints, wrong_error_hint, wrong_line_hint
from finetune.sandbox import Job, Limits, run_many
from finetune.split import split_programs
from finetune.teachers import EXPLAIN, OpenAITeacher, OracleTeacher, oracle_hint
from llm_prune_gym.prompts import hint_messages

SMALL = 8  # programs in the small builds below
QUICK = 0.5  # seconds before a test run gets its Ctrl-C


def mentions_line(text: str, line: int) -> bool:
    return re.search(rf"\b[Ll]ine {line}\b", text) is not None


def fake_case(bug, reported_line=None) -> Case:
    return Case(
        bug,
        "Traceback (most recent call last):\n...",
        bug.exception,
        "'key'",
        reported_line or bug.line,
    )


@pytest.fixture(scope="module")
def all_bugs():
    return candidates(load_corpus(), seed=0, per_kind=8)


@pytest.fixture(scope="module")
def small_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data") / "build"
    build(BuildOptions(out=out, seed=0, max_programs=SMALL, timeout=QUICK, progress=False))
    return out


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def file_bytes(folder: Path) -> dict[str, bytes]:
    names = ("train.jsonl", "test.jsonl", "skipped.jsonl", "stats.md", "manifest.json")
    return {name: (folder / name).read_bytes() for name in names}


# ---------------------------------------------------------------- corpus


def test_corpus_is_large_ascii_and_function_heavy():
    programs = load_corpus()
    assert len(programs) >= 80
    assert len({p.id for p in programs}) == len(programs)
    assert all(p.code.isascii() and p.stdout for p in programs)
    assert sum("def " in p.code for p in programs) >= 60
    assert sum("input(" in p.code for p in programs) >= 30
    assert sum("class " in p.code for p in programs) >= 8
    assert sum("open(" in p.code for p in programs) >= 4


def test_every_corpus_program_runs_cleanly_with_its_stdin():
    programs = load_corpus()
    results = run_many([Job(p.code, p.stdin, Limits(timeout=5)) for p in programs])
    failures = [
        (p.id, r.stderr[-200:], r.stdout)
        for p, r in zip(programs, results, strict=True)
        if not r.ok or r.stdout != p.stdout
    ]
    assert failures == []


def test_corpus_parser_rejects_malformed_text():
    with pytest.raises(ValueError, match="outside a section"):
        parse_corpus("stray text\n")
    with pytest.raises(ValueError, match="no code"):
        parse_corpus("=== empty\n--- stdin\n1\n")


# ---------------------------------------------------------------- injectors


def test_ground_truth_is_the_one_line_that_differs(all_bugs):
    assert len(all_bugs) >= 3000
    assert len({b.id for b in all_bugs}) == len(all_bugs)
    assert len({b.code for b in all_bugs}) == len(all_bugs)
    for bug in all_bugs:
        fixed, broken = bug.fixed_code.splitlines(), bug.code.splitlines()
        differing = [i for i, (a, b) in enumerate(zip(fixed, broken, strict=True)) if a != b]
        assert differing == [bug.line - 1], bug.id
        assert fixed[bug.line - 1] == bug.original_line
        assert broken[bug.line - 1] == bug.broken_line
        assert bug.token


def test_candidates_are_deterministic_and_seeded():
    programs = load_corpus()[:10]
    first = [b.code for b in candidates(programs, seed=3)]
    assert first == [b.code for b in candidates(programs, seed=3)]
    assert first != [b.code for b in candidates(programs, seed=4)]


def test_every_injector_yields_the_error_it_claims(all_bugs):
    """A seeded sample of each kind is run; most must fail exactly as claimed."""
    rng = random.Random(0)
    sample = []
    for injector in INJECTORS:
        bugs = [b for b in all_bugs if b.kind == injector.kind]
        sample += rng.sample(bugs, min(8, len(bugs)))
    results = run_many([Job(b.code, b.stdin, Limits(timeout=QUICK)) for b in sample])
    accepted = Counter()
    for bug, result in zip(sample, results, strict=True):
        if INJECTOR_BY_KIND[bug.kind].accepts(result, bug):
            accepted[bug.kind] += 1
            if bug.same_line:
                assert result.line == bug.line
    assert {i.kind for i in INJECTORS} == set(accepted), accepted
    assert all(count >= 2 for count in accepted.values()), accepted


# ---------------------------------------------------------------- teachers and pairs


def test_oracle_names_the_line_and_never_shows_the_fix(all_bugs):
    teacher = OracleTeacher(seed=0)
    for bug in all_bugs:
        for reported in (bug.line, bug.line + 2):
            hint = teacher.hint(fake_case(bug, reported))
            assert mentions_line(hint, bug.line), (bug.id, hint)
            assert bug.original_line.strip() not in hint, (bug.id, hint)
            assert "```" not in hint


def test_oracle_phrasings_vary_with_the_seed(all_bugs):
    case = fake_case(all_bugs[0])
    hints = {OracleTeacher(seed).hint(case) for seed in range(12)}
    assert len(hints) >= 3


def test_rejected_hints_are_wrong_in_the_way_they_claim(all_bugs):
    rng = random.Random(1)
    for bug in rng.sample(all_bugs, 300):
        case = fake_case(bug)
        leak = giveaway_hint(case, rng)
        assert bug.original_line.strip() in leak or bug.fixed_code.rstrip() in leak
        elsewhere = wrong_line_hint(case, rng)
        assert not mentions_line(elsewhere, bug.line)
        assert re.search(r"\b[Ll]ine \d+\b", elsewhere)
        confused = wrong_error_hint(case, rng)
        assert mentions_line(confused, bug.line)
        own = [t.split("{")[0][:30] for t in EXPLAIN[bug.kind]]
        assert not any(len(part) >= 10 and part in confused for part in own)


def test_student_answers_become_rejected_hints(all_bugs):
    """DPO-KD, offline: the stub student's own answers are used as rejected hints."""
    pytest.importorskip("llm_prune_gym.students")
    cases = [fake_case(b) for b in all_bugs[:6]]
    chosen = [oracle_hint(c, random.Random(0)) for c in cases]
    pairs = rejected_hints(cases, chosen, seed=0, student="stub", student_tokens=6)
    sources = Counter(source for source, _ in pairs)
    assert sources["student"] >= 1 and all(text for _, text in pairs)


# ---------------------------------------------------------------- the build


def test_build_writes_trl_pairs_with_ground_truth(small_build):
    train, test = rows(small_build / "train.jsonl"), rows(small_build / "test.jsonl")
    assert train and test
    for record in train + test:
        assert record["prompt"] == hint_messages(record["code"], record["error_output"])
        for side in ("chosen", "rejected"):
            assert [m["role"] for m in record[side]] == ["assistant"]
        assert record["chosen"][0]["content"] != record["rejected"][0]["content"]
        assert record["error_kind"] in INJECTOR_BY_KIND
        assert record["fixed_code"].splitlines()[record["line"] - 1] == record["original_line"]
        assert record["code"].splitlines()[record["line"] - 1] == record["broken_line"]
        assert 'File "main.py", line' in record["error_output"]
        assert mentions_line(record["chosen"][0]["content"], record["line"])
    train_programs = {r["program_id"] for r in train}
    assert train_programs.isdisjoint({r["program_id"] for r in test})
    assert len({r["error_kind"] for r in train}) >= 8
    stats = (small_build / "stats.md").read_text()
    assert "| undefined_name | NameError |" in stats and f"| train | {len(train)} |" in stats


def test_same_seed_gives_the_same_bytes(small_build, tmp_path):
    again = tmp_path / "again"
    build(BuildOptions(out=again, seed=0, max_programs=SMALL, timeout=QUICK, progress=False))
    assert file_bytes(again) == file_bytes(small_build)
    other = tmp_path / "other"
    build(BuildOptions(out=other, seed=1, max_programs=SMALL, timeout=QUICK, progress=False))
    assert (other / "train.jsonl").read_bytes() != (small_build / "train.jsonl").read_bytes()


def test_an_interrupted_build_resumes_to_the_same_bytes(small_build, tmp_path):
    resumed = tmp_path / "resumed"
    shutil.copytree(small_build, resumed)
    for name, keep in (("train.jsonl", 0.6), ("test.jsonl", 0.3), ("skipped.jsonl", 0.5)):
        path = resumed / name
        data = path.read_bytes()
        cut = int(len(data) * keep)
        assert data[cut - 1 : cut] != b"\n"
        path.write_bytes(data[:cut])  # a crash in the middle of a line
    (resumed / "stats.md").unlink()
    before = len(repair(resumed / "train.jsonl"))
    assert (resumed / "train.jsonl").read_bytes().endswith(b"\n") and before > 0
    build(BuildOptions(out=resumed, seed=0, max_programs=SMALL, timeout=QUICK, progress=False))
    assert file_bytes(resumed) == file_bytes(small_build)


def test_a_folder_built_with_other_options_is_refused(small_build):
    with pytest.raises(ValueError, match="other options"):
        build(
            BuildOptions(out=small_build, seed=5, max_programs=SMALL, timeout=QUICK, progress=False)
        )


def test_cli_registers_data_build(tmp_path):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    out = tmp_path / "cli"
    args = parser.parse_args(
        [
            "data",
            "build",
            "--out",
            str(out),
            "--seed",
            "2",
            "--max-programs",
            "2",
            "--timeout",
            str(QUICK),
            "--no-progress",
        ]
    )
    assert args.func(args) == 0
    assert (out / "train.jsonl").exists() and (out / "stats.md").exists()


# ---------------------------------------------------------------- calibration


def test_shipped_calibration_prompts_follow_the_contract():
    records = rows(CALIBRATION_FILE)
    splits = Counter(r["split"] for r in records)
    assert splits["train"] >= 64 and splits["heldout"] >= 32
    assert set(splits) == {"train", "heldout"}
    assert len({r["id"] for r in records}) == len(records)
    assert len({r["error_kind"] for r in records}) >= 12
    program_split = split_programs([p.id for p in load_corpus()], seed=0)
    for record in records:
        assert set(record) == {"id", "split", "messages", "error_kind"}
        assert [m["role"] for m in record["messages"]] == ["system", "user"]
        program = record["id"].split("/")[0]
        assert record["split"] == ("heldout" if program_split[program] == "test" else "train")
        code = record["messages"][1]["content"].split("```python\n")[1].split("```")[0]
        assert len(code) < 700


def test_calibration_command_reproduces_the_shipped_file(tmp_path):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    out = tmp_path / "calibration.jsonl"
    args = parser.parse_args(["data", "calibration", "--seed", "0", "--out", str(out)])
    assert args.func(args) == 0
    assert out.read_bytes() == CALIBRATION_FILE.read_bytes()


# ---------------------------------------------------------------- the OpenAI teacher


def completion(text: str | None) -> dict:
    message = {"role": "assistant", "content": text}
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }


class FakeServer:
    """A real HTTP server on 127.0.0.1 speaking POST /v1/chat/completions."""

    def __init__(self, replies) -> None:
        self.replies, self.requests, self.lock = list(replies), [], threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with owner.lock:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    owner.requests.append((self.path, headers, body))
                    status, payload = (
                        owner.replies.pop(0)
                        if owner.replies
                        else (200, completion("Check line 1: a name there is misspelled."))
                    )
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server_factory():
    servers = []

    def start(*replies):
        servers.append(FakeServer(replies))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


SECRET = "sk-test-abcdef123456"


def teacher_for(server, **options) -> OpenAITeacher:
    return OpenAITeacher(model="test-model", base_url=server.url, api_key=SECRET, **options)


def test_openai_teacher_retries_a_rate_limit(server_factory, all_bugs):
    server = server_factory(
        (429, {"error": {"message": "slow down", "type": "rate_limit_error"}}),
        (200, completion("Look at line 2: that name is spelled differently.")),
    )
    answer = teacher_for(server).answer(fake_case(all_bugs[0]))
    assert answer.hint == "Look at line 2: that name is spelled differently."
    assert answer.error is None and len(server.requests) == 2
    path, headers, body = server.requests[-1]
    assert path == "/v1/chat/completions" and body["model"] == "test-model"
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert "Does not give away code" in body["messages"][0]["content"]
    assert f"line {all_bugs[0].line}" in body["messages"][1]["content"]


@pytest.mark.parametrize(
    "reply, reason",
    [
        ((200, {"choices": []}), "malformed"),
        ((200, completion(None)), "malformed"),
        ((200, b"this is not json"), "api error"),
        ((200, completion("Here:\n```python\nprint(1)\n```")), "gives away code"),
        ((200, completion("I'm sorry, but I can't help with that.")), "refused"),
        ((401, {"error": {"message": f"Incorrect API key provided: {SECRET}"}}), "api error"),
    ],
)
def test_openai_teacher_records_bad_answers(server_factory, all_bugs, reply, reason):
    server = server_factory(reply)
    teacher = teacher_for(server, retries=1)
    answer = teacher.answer(fake_case(all_bugs[0]))
    assert answer.hint is None and answer.error.startswith(reason)
    assert SECRET not in answer.error and SECRET not in repr(teacher)


def test_openai_teacher_gives_up_after_its_retries(server_factory, all_bugs):
    busy = (503, {"error": {"message": "overloaded"}})
    server = server_factory(busy, busy, busy)
    answer = teacher_for(server, retries=2).answer(fake_case(all_bugs[0]))
    assert answer.hint is None and answer.error.startswith("gave up")
    assert len(server.requests) == 3


def test_build_with_openai_teacher_from_env(server_factory, monkeypatch, tmp_path):
    server = server_factory((200, {"choices": []}))
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("LLM_PRUNE_TEACHER_MODEL", "env-model")
    out = tmp_path / "openai"
    build(
        BuildOptions(
            out=out,
            teacher="openai",
            max_programs=1,
            timeout=QUICK,
            per_kind=2,
            progress=False,
        )
    )
    made = rows(out / "train.jsonl") + rows(out / "test.jsonl")
    assert made and {r["teacher"] for r in made} == {"openai:env-model"}
    failures = [r for r in rows(out / "skipped.jsonl") if r["reason"].startswith("teacher")]
    assert len(failures) == 1 and "malformed" in failures[0]["reason"]
    assert all(body["model"] == "env-model" for _, _, body in server.requests)
    for path in out.iterdir():
        assert SECRET not in path.read_text()
