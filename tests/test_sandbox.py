"""The sandboxed runner: faithful tracebacks, and hostile programs that must not hurt us."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from finetune.sandbox import (
    Job,
    Limits,
    error_output,
    isolation_report,
    parse_error,
    run_many,
    run_program,
)

FAST = Limits(timeout=1.0, grace=1.0)
IS_ROOT = os.geteuid() == 0


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def python_itself(code: str, stdin: str, tmp_path: Path) -> str:
    """stderr of a plain `python main.py`, with its absolute path shortened to main.py."""
    (tmp_path / "main.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "-I", "main.py"],
        cwd=tmp_path,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stderr.replace(str(tmp_path / "main.py"), "main.py")


# ---------------------------------------------------------------- faithful output


def test_clean_program_gets_stdin_and_prints():
    result = run_program('name = input("Name? ")\nprint("Hi " + name)\n', "Ada\n")
    assert result.ok and result.stdout == "Name? Hi Ada\n" and result.stderr == ""
    assert result.exception is None and result.traceback == ""


@pytest.mark.parametrize(
    "code",
    [
        "def average(xs):\n    return sum(xs) / len(xs)\n\nprint(average([]))\n",
        "x = 3\nif x > 2\n    print(x)\n",
        "def f(n):\n    return f(n + 1)\n\nf(0)\n",
        "counts = {'a': 1}\nprint(counts['b'])\n",
        "try:\n    int('x')\nexcept ValueError:\n    print(undefined)\n",
        "print(2(3 + 4))\n",
    ],
)
def test_traceback_is_exactly_what_python_prints(code, tmp_path):
    result = run_program(code, limits=FAST)
    assert result.stderr == python_itself(code, "", tmp_path)
    assert result.traceback and result.exit_code == 1


def test_parse_error_finds_exception_and_blamed_line():
    stderr = (
        'Traceback (most recent call last):\n  File "main.py", line 4, in <module>\n'
        '    f()\n  File "main.py", line 2, in f\n    return xs[9]\n'
        "IndexError: list index out of range\n"
    )
    traceback, exception, message, line = parse_error(stderr)
    assert (exception, message, line) == ("IndexError", "list index out of range", 2)
    assert traceback == stderr
    assert parse_error("") == ("", None, "", None)


def test_endless_loop_gets_a_ctrl_c_traceback():
    started = time.monotonic()
    result = run_program("i = 0\nwhile i < 3:\n    i = i * 1\n", limits=Limits(timeout=0.5))
    assert time.monotonic() - started < 5
    assert result.timed_out and result.exception == "KeyboardInterrupt"
    assert result.line in (2, 3)
    assert error_output(result).startswith("(The program kept running")
    assert error_output(result).endswith(result.stderr)


def test_line_budget_puts_the_ctrl_c_at_the_same_place_every_time():
    code = "n = 5\ntotal = 0\nwhile n > 0:\n    total += n\n    print(total)\n"
    limits = Limits(timeout=0.5, max_lines=20_000)
    first, second = run_program(code, limits=limits), run_program(code, limits=limits)
    assert first.timed_out and first.exception == "KeyboardInterrupt"
    assert first.stderr == second.stderr and first.line in (3, 4, 5)
    recursion = "def f(n):\n    return f(n + 1)\n\nf(0)\n"  # finishes: no traced rerun
    assert run_program(recursion, limits=limits).stderr == run_program(recursion).stderr


def test_a_loop_that_swallows_ctrl_c_is_killed():
    code = "while True:\n    try:\n        pass\n    except KeyboardInterrupt:\n        pass\n"
    started = time.monotonic()
    result = run_program(code, limits=Limits(timeout=0.5, grace=0.5))
    assert result.timed_out and time.monotonic() - started < 5


def test_run_many_keeps_order():
    jobs = [Job(f"print({i} * 2)\n") for i in range(12)]
    assert [r.stdout for r in run_many(jobs, workers=4)] == [f"{i * 2}\n" for i in range(12)]


def test_isolation_report_says_what_applied():
    report = isolation_report()
    assert report["network"] in ("netns", "unavailable", "off")
    assert report["nobody"] == IS_ROOT


# ---------------------------------------------------------------- hostile programs


def test_memory_hog_hits_the_limit():
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 1024 * 1024))\n"
    result = run_program(code, limits=Limits(timeout=5, memory_mb=256))
    assert result.exception == "MemoryError" and not result.timed_out


def test_endless_output_is_capped_and_stopped():
    started = time.monotonic()
    limits = Limits(timeout=1.0, output_bytes=10_000)
    result = run_program('while True:\n    print("spam" * 100)\n', limits=limits)
    assert time.monotonic() - started < 6
    assert result.output_truncated and len(result.stdout) <= 10_000
    assert result.timed_out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_fork_is_refused_by_the_guard():
    result = run_program("import os\nwhile True:\n    os.fork()\n", limits=FAST)
    assert result.exception == "PermissionError" and "os.fork" in result.message


def test_fork_bomb_without_the_guard_is_bounded_and_cleaned_up():
    """Only the OS layers: RLIMIT_NPROC (as nobody when root) and the group kill."""
    code = program("""
        import os, time
        children = 0
        for _ in range(500):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                print(os.getpid(), flush=True)
                time.sleep(60)
                os._exit(0)
            children += 1
        print("parent", children, flush=True)
        time.sleep(60)
    """)
    started = time.monotonic()
    result = run_program(code, limits=Limits(timeout=1.0, grace=0.5), guard=False)
    assert time.monotonic() - started < 10
    pids = [int(line) for line in result.stdout.splitlines() if line.isdigit()]
    children = [line for line in result.stdout.splitlines() if line.startswith("parent")]
    assert children and int(children[0].split()[1]) < 500
    deadline = time.monotonic() + 3  # SIGKILLed processes may take a moment to die
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pids and [pid for pid in pids if _alive(pid)] == []


def test_subprocess_and_sockets_are_refused():
    for code in (
        "import subprocess\nsubprocess.run(['ls'])\n",
        "import socket\nsocket.socket()\n",
        "import ctypes\n",
    ):
        result = run_program(code, limits=FAST)
        assert result.exception in ("ImportError", "PermissionError"), result.stderr


def test_no_network_even_to_localhost():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    code = program(f"""
        import socket
        s = socket.create_connection(("127.0.0.1", {port}), timeout=2)
        print("connected")
    """)
    try:
        guarded = run_program(code, limits=FAST)
        assert "connected" not in guarded.stdout and guarded.exception
        if isolation_report()["network"] == "netns":
            bare = run_program(code, limits=FAST, guard=False)
            assert "connected" not in bare.stdout and bare.exception
    finally:
        server.close()


def test_writing_outside_the_temp_dir_fails(tmp_path):
    target = tmp_path / "pwned.txt"
    code = f'open({str(target)!r}, "w").write("gotcha")\n'
    result = run_program(code, limits=FAST)
    assert result.exception == "PermissionError" and not target.exists()
    if IS_ROOT:  # nobody cannot write into root's directories even without the guard
        bare = run_program(code, limits=FAST, guard=False)
        assert bare.exception == "PermissionError" and not target.exists()
    escape = run_program('import os\nos.remove("/tmp")\n', limits=FAST)
    assert escape.exception == "PermissionError" and Path("/tmp").is_dir()


def test_writing_inside_the_temp_dir_works():
    code = 'open("notes.txt", "w").write("hi")\nprint(open("notes.txt").read())\n'
    assert run_program(code, limits=FAST).stdout == "hi\n"


def test_secrets_in_the_callers_environment_do_not_leak(tmp_path):
    """A caller whose real environment holds an API key runs a program that hunts for it."""
    secret = "sk-test-do-not-leak-7f3a9c"
    hunter = program("""
        import os
        print(sorted(os.environ.items()))
        for pid in ("self", str(os.getppid())):
            try:
                print(open("/proc/" + pid + "/environ").read())
            except OSError as error:
                print("refused", error)
    """)
    caller = program(f"""
        import os
        from finetune.sandbox import run_program
        for guard in (True, {IS_ROOT}):
            result = run_program({hunter!r}, guard=guard)
            print(result.stdout, result.stderr)
    """)
    env = {**os.environ, "OPENAI_API_KEY": secret, "HF_TOKEN": secret}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", caller],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "PATH" in done.stdout and secret not in done.stdout + done.stderr
