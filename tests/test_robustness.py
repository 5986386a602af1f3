"""Issue 16, items 2-9: secrets stay out of files, runs survive bad replies, crashes and input.

Every test uses the stub student or a local fake server on 127.0.0.1 that stops itself.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from evaluation.judge import JudgeConfig, JudgeItem, OpenAIJudge
from finetune.openai_api import redact

KEY = "sk-fake-robustness-0123456789"
GOOD = {"identifies_error": True, "helpfulness": 4, "clarity": 5, "gives_away_code": False}
DRIP_BYTES = 40  # the slow server sends at most this many bytes, one every 0.25 s


# -- a misbehaving OpenAI-compatible server ---------------------------------------


def _completion(content: object) -> bytes:
    message = {"role": "assistant", "content": content}
    return json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
    ).encode()


class BadHandler(BaseHTTPRequestHandler):
    """What it answers depends on the first word of the hint."""

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        hint = re.search(r"<hint>\n(\S+)", body["messages"][1]["content"])
        word = hint.group(1) if hint else "?"
        with self.server.lock:
            self.server.requests[word] = self.server.requests.get(word, 0) + 1
        if word == "ECHO":  # a proxy error page that shows the request's headers
            echo = f"upstream failed; request headers: {dict(self.headers)}"
            return self._send(500, json.dumps({"error": {"message": echo}}).encode())
        if word == "DRIP":
            return self._drip()
        if word == "HUGE":
            return self._send(200, b"", length=100_000_000)  # announced, never sent
        if word == "CHUNKED":
            return self._chunked()
        replies = {
            "EMPTY": json.dumps({"choices": []}).encode(),
            "HTML": b"<html><body>502 Bad Gateway</body></html>",
            "BYTES": b'{"choices": [{"message": {"content": "\xff\xfe\xfa"}}]}',
            "NUMBER": _completion(42),
            "LIST": _completion(["not", "text"]),
        }
        self._send(200, replies.get(word, _completion(json.dumps(GOOD))))

    def _send(self, status: int, data: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.send_header("retry-after-ms", "10")
        self.end_headers()
        self.wfile.write(data)

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(DRIP_BYTES))
        self.end_headers()
        try:
            for _ in range(DRIP_BYTES):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.25)
        except OSError:  # the client hung up: what the test wants
            pass

    def _chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * 65536
        try:
            for _ in range(200):  # 13 MB at most
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.server.sent += len(chunk)
        except OSError:
            pass


@pytest.fixture
def bad_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), BadHandler)
    server.daemon_threads = True
    server.lock, server.requests, server.sent = threading.Lock(), {}, 0
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _judge(server, tmp_path, **options) -> OpenAIJudge:
    settings = dict(
        model="m",
        base_url=server.url,
        api_key=KEY,
        retries=0,
        parse_retries=0,
        timeout=2.0,
        cache=tmp_path / "cache",
        journal=tmp_path / "journal.jsonl",
    )
    return OpenAIJudge(JudgeConfig(**settings | options), progress=False)


def _item(hint: str) -> JudgeItem:
    return JudgeItem("print(totl)\n", "NameError: name 'totl' is not defined", hint)


# -- items 2-4: the judge ----------------------------------------------------------


def test_redact_removes_keys_and_credential_headers():
    text = f"headers: {{'Authorization': 'Bearer {KEY}', 'api-key': 'abc123'}} key={KEY}"
    clean = redact(text, KEY)
    assert KEY not in clean and "abc123" not in clean and "Authorization" in clean
    assert redact("Authorization: Bearer other-secret") == "Authorization: Bearer [redacted]"
    assert redact("sent bearer tok.123 and sk-abcdefgh") == "sent bearer [redacted] and [key]"


def test_a_500_echoing_the_key_leaves_it_in_no_file(bad_server, tmp_path, monkeypatch, capsys):
    from evaluation.hints_cli import add_hint_commands

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    data = tmp_path / "mine.jsonl"
    data.write_text(json.dumps({"code": "x = 1\nprint(y)\n", "fixed_code": "print(1)\n"}) + "\n")
    parser = argparse.ArgumentParser()
    add_hint_commands(parser.add_subparsers(dest="command"))
    out = tmp_path / "run"
    args = parser.parse_args(
        [
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
            "m",
            "--judge-base-url",
            bad_server.url,
            "--judge-retries",
            "1",
            "--judge-cache",
            str(tmp_path / "cache"),
            "--out",
            str(out),
        ]
    )
    # the stub's hint is not "ECHO ...": make the judge see one that is
    monkeypatch.setattr("evaluation.hints_cli.generate_hints", lambda s, c, **k: ["ECHO x"])
    assert args.func(args) == 0
    assert bad_server.requests["ECHO"] == 2  # the client's own retry
    hints_csv = (out / "hints.csv").read_text()
    assert "error" in hints_csv and "500" in hints_csv and "[redacted]" in hints_csv
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert out / "judge_verdicts.jsonl" in written
    captured = capsys.readouterr()
    for text in [p.read_text(errors="replace") for p in written] + [captured.out, captured.err]:
        assert KEY not in text


def test_malformed_replies_are_recorded_and_the_run_goes_on(bad_server, tmp_path):
    words = ["EMPTY", "HTML", "BYTES", "NUMBER", "LIST", "GOOD"]
    judge = _judge(bad_server, tmp_path, retries=0)
    verdicts = judge.judge_items([_item(f"{w} hint") for w in words])
    statuses = {w: v.status for w, v in zip(words, verdicts, strict=True)}
    assert statuses == {**dict.fromkeys(words[:-1], "error"), "GOOD": "ok"}
    assert verdicts[-1].helpfulness == 4
    journal = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert sorted(line["index"] for line in journal) == list(range(len(words)))


def test_a_slow_drip_reply_ends_within_the_total_bound(bad_server, tmp_path):
    judge = _judge(bad_server, tmp_path, timeout=1.0)  # each byte comes within 1 s
    started = time.monotonic()
    verdict = judge.judge_items([_item("DRIP hint")])[0]
    elapsed = time.monotonic() - started
    assert verdict.status == "error" and "longer than 1 s" in verdict.detail
    assert elapsed < 3.0, elapsed  # the drip alone would take 10 s


def test_an_oversized_reply_is_refused_without_reading_it(bad_server, tmp_path):
    judge = _judge(bad_server, tmp_path, max_reply_bytes=100_000)
    announced, chunked = judge.judge_items([_item("HUGE hint"), _item("CHUNKED hint")])
    assert announced.status == "error" and "announces 100000000 bytes" in announced.detail
    assert chunked.status == "error" and "larger than 100000 bytes" in chunked.detail
    assert bad_server.sent < 13_000_000  # cut off long before the whole body
