"""The LLM judge against a local OpenAI-compatible server started by the test."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evaluation.judge import (
    JudgeConfig,
    JudgeError,
    JudgeItem,
    JudgeParseError,
    OpenAIJudge,
    judge_messages,
    parse_verdict,
)

KEY = "sk-test-do-not-log-4242"
GOOD = {"identifies_error": True, "helpfulness": 4, "clarity": 5, "gives_away_code": False}


class FakeServer(ThreadingHTTPServer):
    """POST /v1/chat/completions; what it answers depends on a word in the hint."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: Counter[str] = Counter()
        self.keys: set[str] = set()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        hint = re.search(r"<hint>\n(.*?)\n</hint>", body["messages"][1]["content"], re.S)
        word = hint.group(1).split()[0] if hint else "?"
        with self.server.lock:
            self.server.requests[word] += 1
            count = self.server.requests[word]
            self.server.keys.add(self.headers.get("Authorization", ""))
        retried = len(body["messages"]) > 2  # the judge sent back a malformed answer
        if self.path != "/v1/chat/completions":
            return self._send(404, {"error": {"message": "no such path"}})
        if word == "DENIED":
            return self._send(401, {"error": {"message": "bad key"}})
        if word == "DOWN" or (word == "FLAKY" and count == 1):
            return self._send(500, {"error": {"message": "server exploded"}})
        if word == "ALWAYS-BAD":
            content = json.dumps(GOOD | {"identifies_error": "yes"})
        elif word == "ONCE-BAD" and not retried:
            content = "Sure! The hint identifies the error and is helpful."
        elif word == "FENCED":
            content = "```json\n" + json.dumps(GOOD | {"gives_away_code": True}) + "\n```"
        else:
            content = json.dumps(GOOD)
        self._send(200, _completion(body["model"], content))

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("retry-after-ms", "10")  # the client's retries wait 10 ms
        self.end_headers()
        self.wfile.write(data)


def _completion(model: str, content: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@pytest.fixture
def server():
    fake = FakeServer()
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.shutdown()
    fake.server_close()


@pytest.fixture
def config(server, tmp_path):
    return JudgeConfig(
        model="judge-test",
        base_url=server.url,
        api_key=KEY,
        concurrency=4,
        retries=2,
        parse_retries=1,
        timeout=10,
        cache=tmp_path / "cache",
    )


def _item(hint: str) -> JudgeItem:
    return JudgeItem("print(totl)\n", "NameError: name 'totl' is not defined", hint, "Line 1.")


def test_verdicts_retries_and_cache(server, config, tmp_path):
    hints = ["GOOD hint", "FENCED hint", "FLAKY hint", "ONCE-BAD hint", "ALWAYS-BAD hint"]
    judge = OpenAIJudge(config, progress=False)
    verdicts = judge.judge_items([_item(h) for h in hints])
    by_word = {h.split()[0]: v for h, v in zip(hints, verdicts, strict=True)}

    assert [by_word[w].status for w in ("GOOD", "FENCED", "FLAKY", "ONCE-BAD")] == ["ok"] * 4
    assert (by_word["GOOD"].helpfulness, by_word["GOOD"].clarity) == (4, 5)
    assert by_word["FENCED"].gives_away_code is True
    assert by_word["ALWAYS-BAD"].status == "unparsable"
    assert "true or false" in by_word["ALWAYS-BAD"].detail
    assert by_word["ALWAYS-BAD"].identifies_error is None
    assert server.requests == Counter(
        {"GOOD": 1, "FENCED": 1, "FLAKY": 2, "ONCE-BAD": 2, "ALWAYS-BAD": 2}
    )
    assert server.keys == {f"Bearer {KEY}"}

    rerun = OpenAIJudge(config, progress=False)
    again = rerun.judge_items([_item(h) for h in hints])
    assert rerun.requests == 0 and sum(server.requests.values()) == 8
    assert [v.status for v in again] == [v.status for v in verdicts]
    assert all(v.cached for v in again)
    cached = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert KEY not in cached and "judge-test" in str(next((tmp_path / "cache").iterdir()))


def test_a_server_that_stays_down_is_recorded_not_cached(server, config):
    judge = OpenAIJudge(config, progress=False)
    verdict = judge.judge_items([_item("DOWN hint")])[0]
    assert verdict.status == "error" and "500" in verdict.detail
    assert server.requests["DOWN"] == config.retries + 1
    OpenAIJudge(config, progress=False).judge_items([_item("DOWN hint")])
    assert server.requests["DOWN"] == 2 * (config.retries + 1)


def test_a_refused_request_stops_the_run_without_showing_the_key(server, config):
    with pytest.raises(JudgeError) as raised:
        OpenAIJudge(config, progress=False).judge_items([_item("DENIED hint")])
    assert "401" in str(raised.value) and KEY not in str(raised.value)
    assert server.requests["DENIED"] == 1


def test_parse_verdict_is_strict():
    assert parse_verdict(json.dumps(GOOD)) == GOOD
    assert parse_verdict("```json\n" + json.dumps(GOOD) + "\n```") == GOOD
    bad = [
        "",
        "identifies_error: yes",
        "[1, 2]",
        json.dumps({k: v for k, v in GOOD.items() if k != "clarity"}),
        json.dumps(GOOD | {"helpfulness": 6}),
        json.dumps(GOOD | {"helpfulness": 3.5}),
        json.dumps(GOOD | {"helpfulness": True}),
        json.dumps(GOOD | {"gives_away_code": "no"}),
        "Here you go: " + json.dumps(GOOD),
    ]
    for text in bad:
        with pytest.raises(JudgeParseError):
            parse_verdict(text)


def test_config_from_environment_never_shows_the_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:secret@127.0.0.1:9/v1")
    monkeypatch.setenv("LLM_PRUNE_JUDGE_MODEL", "my-judge")
    config = JudgeConfig.from_env()
    assert (config.model, config.api_key) == ("my-judge", KEY)
    assert KEY not in repr(config)
    assert config.describe() == "my-judge (http://127.0.0.1:9/v1)"
    assert JudgeConfig.from_env(model="other", base_url="http://h/v1").model == "other"
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAIJudge(JudgeConfig.from_env())


def test_judge_prompt_has_the_rubric_and_the_reference():
    messages = judge_messages(_item("Check line 1."))
    text = messages[1]["content"]
    for needle in ("identifies_error", "helpfulness", "clarity", "gives_away_code", "Line 1."):
        assert needle in text
    assert "did not see this" in text
    assert "did not see this" not in judge_messages(JudgeItem("x", "y", "z"))[1]["content"]


def test_eval_hints_with_the_judge_end_to_end(server, tmp_path, monkeypatch, capsys):
    import csv

    from evaluation.cli import main

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    programs = [
        {"code": "x = 1\nprint(y)\n", "fixed_code": "x = 1\nprint(x)\n"},
        {"code": "print(1 +)\n"},
    ]
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps(p) + "\n" for p in programs))
    argv = [
        "eval-hints",
        "--student",
        "stub",
        "--data",
        str(data),
        "--max-new-tokens",
        "4",
        "--device",
        "cpu",
        "--no-progress",
        "--judge",
        "openai",
        "--judge-model",
        "judge-test",
        "--judge-base-url",
        server.url,
        "--judge-cache",
        str(tmp_path / "cache"),
    ]
    for run in ("first", "second"):
        assert main([*argv, "--out", str(tmp_path / run)]) == 0
        assert sum(server.requests.values()) == 2  # the second run is served by the cache
    rows = list(csv.DictReader((tmp_path / "second" / "hints.csv").open()))
    assert [r["judge_status"] for r in rows] == ["ok", "ok"]
    assert [r["judge_helpfulness"] for r in rows] == ["4", "4"]
    summary = (tmp_path / "first" / "summary.md").read_text()
    assert "helpfulness" in summary and "judge-test" in summary and "judge requests: 2" in summary
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    captured = capsys.readouterr()
    assert KEY not in written + captured.out + captured.err
