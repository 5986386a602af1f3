"""Issue 16, items 2-9: secrets stay out of files, runs survive bad replies, crashes and input.

Every test uses the stub student or a local fake server on 127.0.0.1 that stops itself.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
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
        if word in ("DRIP", "HEADDRIP"):
            return self._drip(in_headers=word == "HEADDRIP")
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

    def _drip(self, in_headers: bool) -> None:
        """One byte every 0.25 s, of the body or of an endless header."""
        if in_headers:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(DRIP_BYTES))
            self.end_headers()
        try:
            for _ in range(DRIP_BYTES):
                self.wfile.write(b"a" if in_headers else b" ")
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
    from evaluation.cli import main
    from evaluation.hints import Choice

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    data = tmp_path / "mine.jsonl"
    data.write_text(json.dumps({"code": "x = 1\nprint(y)\n", "fixed_code": "print(1)\n"}) + "\n")
    out = tmp_path / "run"
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
    # the stub's hint is not "ECHO ...": make the judge see one that is
    echo = [Choice("ECHO x", 0, (), ())]
    monkeypatch.setattr("evaluation.hints.generate_choices", lambda s, c, **k: echo)
    assert main(argv) == 0
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


@pytest.mark.parametrize("word", ["DRIP", "HEADDRIP"])
def test_a_slow_drip_reply_ends_within_the_total_bound(bad_server, tmp_path, word):
    judge = _judge(bad_server, tmp_path, timeout=1.0)  # each byte comes within 1 s
    started = time.monotonic()
    verdict = judge.judge_items([_item(f"{word} hint")])[0]
    elapsed = time.monotonic() - started
    assert verdict.status == "error" and "longer than 1 s" in verdict.detail
    assert elapsed < 3.0, elapsed  # the drip alone would take 10 s


def test_an_oversized_reply_is_refused_without_reading_it(bad_server, tmp_path):
    judge = _judge(bad_server, tmp_path, max_reply_bytes=100_000)
    announced, chunked = judge.judge_items([_item("HUGE hint"), _item("CHUNKED hint")])
    assert announced.status == "error" and "announces 100000000 bytes" in announced.detail
    assert chunked.status == "error" and "larger than 100000 bytes" in chunked.detail
    assert bad_server.sent < 13_000_000  # cut off long before the whole body


# -- items 5-6: runs that must not lose or mix data ------------------------------------

# The env options of every command below: the stub student, small and on the CPU.
STUB_ENV = ["--student", "stub", "--batch-size", "2", "--answer-tokens", "4", "--device", "cpu"]
PROMPTS = ["NameError: name 'total' is not defined", "ZeroDivisionError: division by zero"]


def _env(**options):
    from llm_prune_gym import LLMPruneEnv

    settings = dict(student="stub", prompts=PROMPTS, batch_size=2, answer_tokens=4)
    return LLMPruneEnv(**settings | options)


@pytest.fixture(scope="module")
def env():
    return _env(target_sparsity=0.15, reward="budget")


def _train(env, out, episodes=4, name="psrl", **options):
    from agents.runner import train_agent

    settings = dict(seed=0, checkpoint_every=2, progress=False)
    return train_agent(name, env, episodes, out, **settings | options)


def test_resume_refuses_a_folder_of_another_run(env, tmp_path):
    _train(env, tmp_path / "run")
    with pytest.raises(ValueError, match=r"holds another run \(seed 0 there, 1 now"):
        _train(env, tmp_path / "run", episodes=6, seed=1, resume=True)
    other = _env(target_sparsity=0.1, reward="budget")
    with pytest.raises(ValueError, match="target_sparsity 0.15 there, 0.1 now"):
        _train(other, tmp_path / "run", episodes=6, resume=True)
    with pytest.raises(ValueError, match="already holds a run.*--force"):
        _train(env, tmp_path / "run", episodes=6, seed=1)
    replaced = _train(env, tmp_path / "run", episodes=3, seed=1, force=True)
    assert replaced.agent.seed == 1 and replaced.resumed_from == 0
    assert json.loads((tmp_path / "run" / "run.json").read_text())["seed"] == 1


def test_resume_refuses_metrics_that_lack_the_checkpoints_episodes(env, tmp_path):
    from agents.runner import read_metrics

    _train(env, tmp_path / "run")
    metrics = tmp_path / "run" / "metrics.csv"
    header, *rows = metrics.read_text().splitlines(keepends=True)
    metrics.write_text(header + rows[0] + rows[2])  # episode 2 of another run went missing
    with pytest.raises(ValueError, match="checkpoint has 4 episodes but metrics.csv"):
        _train(env, tmp_path / "run", episodes=6, resume=True)
    assert [r["episode"] for r in read_metrics(metrics)] == [1, 3]  # left as it was


@pytest.mark.parametrize("name, file", [("psrl", "psrl.npz"), ("a2c", "a2c.pt")])
def test_a_torn_checkpoint_falls_back_to_the_previous_one(env, tmp_path, name, file):
    from agents.runner import read_metrics

    run = tmp_path / "run"
    _train(env, run, episodes=4, name=name)  # checkpoints after episodes 2 and 4
    torn = run / "checkpoint" / file
    torn.write_bytes(torn.read_bytes()[: torn.stat().st_size // 2])
    resumed = _train(env, run, episodes=5, name=name, resume=True)
    assert resumed.resumed_from == 2  # from checkpoint.old
    assert [r["episode"] for r in read_metrics(run / "metrics.csv")] == [1, 2, 3, 4, 5]


def test_no_readable_checkpoint_is_one_line_from_the_cli(tmp_path, capsys):
    from evaluation.cli import main

    common = [
        "train",
        "--agent",
        "psrl",
        *STUB_ENV,
        "--target-sparsity",
        "0.15",
        "--checkpoint-every",
        "1",
        "--out",
        str(tmp_path),
    ]
    assert main([*common, "--episodes", "2"]) == 0
    for name in ("checkpoint", "checkpoint.old"):
        (tmp_path / name / "psrl.npz").write_bytes(b"")
    capsys.readouterr()
    assert main([*common, "--episodes", "3", "--resume"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("llm-prune train: error: no readable checkpoint in")
    assert "Traceback" not in last


def test_a_torn_last_metrics_line_is_dropped(tmp_path):
    from agents.runner import read_metrics

    path = tmp_path / "metrics.csv"
    path.write_text(
        "episode,return,kl\r\n1,0.5,0.01\r\n2,0.25,0.02\r\n3,0.125,0.0"
    )  # the kill cut episode 3's row after its KL's first digits
    assert [r["episode"] for r in read_metrics(path)] == [1, 2]
    path.write_text("episode,return,kl\r\n1,0.5,0.01\r\n2,0.25\r\n")  # a short row
    assert [r["episode"] for r in read_metrics(path)] == [1]


def test_checkpoints_keep_the_previous_one(env, tmp_path):
    _train(env, tmp_path, episodes=4)
    states = [
        json.loads((tmp_path / n / "state.json").read_text())
        for n in ("checkpoint", "checkpoint.old")
    ]
    assert [s["episodes_done"] for s in states] == [4, 2]
    assert not (tmp_path / "checkpoint.tmp").exists()


# -- item 7: nothing written into results/ unless asked ------------------------------


def test_evaluation_commands_default_their_out_to_runs():
    import inspect

    from evaluation import pruning_cli

    for command in ("sensitivity", "compare", "scaled", "criteria"):
        out = inspect.signature(getattr(pruning_cli, command)).parameters["out"].default
        assert out.parts[0] == "runs", (command, out)


def test_aggregate_only_replaces_no_figure_or_provenance(tmp_path, capsys):
    from evaluation.cli import main
    from evaluation.leaderboard import PROTOCOL, Row
    from llm_prune_gym import PruningPlan

    folder = tmp_path / "target20" / "uniform"
    PruningPlan(np.full((2, 2), 0.2), np.ones((2, 2)), 8, ("q_proj", "up_proj")).save(
        folder / "uniform" / "seed0" / "plan.json"
    )
    (folder / "runs.csv").write_text(
        "agent,seed,episodes,heldout_kl,uniform_heldout_kl,kl_ratio,wall_seconds\n"
        "uniform,0,1,0.5,0.5,1.0,2.0\n"
    )
    row = Row("magnitude", 0.2)
    protocol = dataclasses.replace(PROTOCOL, rows=(row,), student="the-real-one").to_json()
    (tmp_path / "protocol.json").write_text(
        json.dumps({"protocol": protocol, "command": "llm-prune leaderboard --the-original"})
    )
    figure = tmp_path / row.folder / "learning_curves.png"
    figure.write_bytes(b"a committed figure")
    argv = ["leaderboard", "--out", str(tmp_path), "--aggregate-only", "--targets", "0.2"]
    assert main(argv) == 2
    assert "replaces no table or figure unless --force" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert figure.read_bytes() == b"a committed figure"  # no metrics: not redrawn empty
    text = (tmp_path / "LEADERBOARD.md").read_text()
    assert "--the-original" in text and "student = the-real-one" in text


# -- items 8-9: bad input gets one clear line ------------------------------------------


@pytest.mark.parametrize(
    "options, message",
    [
        ({"modules": ("q_proj", "q_proj")}, "modules must name distinct modules"),
        ({"c1": math.nan}, "c1 must be a finite number"),
        ({"c3": -math.inf}, "c3 must be a finite number"),
        ({"answer_tokens": -1}, "answer_tokens must be 0"),
        ({"ratio_grid": (0.0, math.nan, 0.2)}, "ratio_grid must be"),
        ({"device": "gpu7"}, "unknown device 'gpu7'"),
        ({"device": "cuda:99"}, "device 'cuda:99' is not available"),
        ({"target_sparsity": 0.3}, r"target_sparsity must lie in \(0, 0.3\)"),
        ({"target_sparsity": math.nan}, "target_sparsity must lie in"),
    ],
)
def test_the_env_names_each_bad_argument(options, message):
    with pytest.raises(ValueError, match=message):
        _env(**options)


def test_psrl_at_the_grid_cap_is_one_line_not_nan(tmp_path, capsys):
    from evaluation.cli import main

    argv = [
        "train",
        "--agent",
        "psrl",
        *STUB_ENV,
        "--target-sparsity",
        "0.3",
        "--episodes",
        "2",
        "--out",
        str(tmp_path / "run"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("llm-prune train: error: target_sparsity must lie in (0, 0.3)")
    assert not any("RuntimeWarning" in line for line in err)


def _plan_file(tmp_path, data) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    return str(path)


GOOD_PLAN = {
    "ratios": [[0.1, 0.2]],
    "unit_sizes": [[4, 4]],
    "total_params": 16,
    "modules": ["q_proj", "up_proj"],
}


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["train", "--agent", "psrl", "--episodes", "2", "--checkpoint-every", "0"],
            "--checkpoint-every: must be at least 1",
        ),
        (["train", "--agent", "psrl", "--episodes", "-5"], "--episodes: must be at least 1"),
        (["rollout", "--threads", "-1"], 'Invalid value "-1" for --threads. Must be >= 1.'),
        (["rollout", "--ratio", "5"], 'Invalid value "5.0" for --ratio. Must be <= 1.'),
        (["rollout", "--ratio", "nan"], 'Invalid value "nan" for --ratio.'),
        (["rollout", "--criterion", "l2"], 'Invalid value "l2" for --criterion. Choose from'),
        (["rollout", "--seed", "one"], 'Invalid value for --seed: unable to convert "one"'),
        (["rollout", "--observation", "layer"], "Unknown option: --observation."),
        (["compare", "--plan", "p.json", "--prompts", "x"], "Unknown option: --prompts."),
        (
            ["finetune", "--data", "d", "--out", "o", "--threads", "0"],
            "threads must be at least 1, got 0",
        ),
    ],
)
def test_bad_options_exit_with_one_line(argv, message, tmp_path, capsys):
    from evaluation.cli import main

    if argv[0] == "train":
        argv = [*argv, "--student", "stub", "--out", str(tmp_path / "run")]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and err[0].startswith(f"llm-prune {argv[0]}: ")


def test_a_bad_agent_kwargs_is_one_line(tmp_path, capsys):
    from evaluation.cli import main

    argv = ["train", "--agent", "a2c", "--episodes", "2", "--agent-kwargs", "[1]"]
    assert main([*argv, "--student", "stub", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["llm-prune train: error: --agent-kwargs: expected a JSON object, got '[1]'"]


@pytest.mark.parametrize(
    "plan, message",
    [
        ([GOOD_PLAN], "must be a JSON object, not a list"),
        (GOOD_PLAN | {"total_params": "16"}, "total_params must be a int, not str"),
        (GOOD_PLAN | {"modules": "q_proj"}, "modules must be a list, not str"),
        (GOOD_PLAN | {"ratios": [["a", 0.2]]}, "must be tables of numbers"),
        (GOOD_PLAN | {"metadata": [1]}, "metadata must be a dict, not list"),
    ],
)
def test_bad_plan_files_are_one_line(plan, message, tmp_path, capsys):
    from evaluation.cli import main

    argv = ["scaled", "--student", "stub", "--plan", _plan_file(tmp_path, plan)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("llm-prune scaled: error:") and message in err[-1]


def test_folders_given_as_plan_files_are_one_line(tmp_path, capsys):
    from evaluation.cli import main

    assert main(["scaled", "--student", "stub", "--plan", str(tmp_path)]) == 2
    assert "is a folder, not a plan JSON file" in capsys.readouterr().err
    argv = [
        "rollout",
        *STUB_ENV,
        "--plan-out",
        str(tmp_path),
    ]
    assert main(argv) == 2
    assert "is a folder; give the plan's file name" in capsys.readouterr().err


def test_a_wrong_typed_agent_hyperparameter_is_one_line(tmp_path, capsys):
    from evaluation.cli import main

    argv = [
        "train",
        "--agent",
        "a2c",
        *STUB_ENV,
        "--episodes",
        "1",
        "--agent-kwargs",
        '{"hidden": "big"}',
        "--out",
        str(tmp_path / "run"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == "llm-prune train: error: the 'a2c' agent's hidden must be int, got 'big'"


def test_finetune_max_length_that_leaves_no_answer_says_so(tmp_path):
    from finetune.train import FinetuneConfig, finetune

    pair = {
        "prompt": [{"role": "user", "content": "print(totl)\nNameError: name 'totl'"}],
        "chosen": [{"role": "assistant", "content": "Check the spelling on line 1."}],
        "rejected": [{"role": "assistant", "content": "Fix it."}],
    }
    for split in ("train", "test"):
        (tmp_path / f"{split}.jsonl").write_text(json.dumps(pair) + "\n")
    config = FinetuneConfig(max_length=8, device="cpu", threads=1, progress=False)
    with pytest.raises(
        ValueError, match="--max-length 8 leaves fewer than 8 answer tokens in every train pair"
    ):
        finetune(tmp_path, "stub", tmp_path / "out", config)
    assert not (tmp_path / "out").exists()  # refused before anything was written
