"""The sandboxed runner: faithful tracebacks, and hostile programs that must not hurt us."""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from finetune import sandbox
from finetune.sandbox import (
    Job,
    Limits,
    SandboxUnavailable,
    error_output,
    isolation_report,
    parse_error,
    run_many,
    run_program,
)

FAST = Limits(timeout=1.0, grace=1.0)
FORKS = Limits(timeout=2.0, grace=0.5, processes=4)  # forks allowed: cleanup is what's tested
IS_ROOT = os.geteuid() == 0
REPO = Path(__file__).resolve().parent.parent


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


def test_without_bubblewrap_nothing_runs(monkeypatch):
    """No silent fallback to weaker isolation: one line that says what to install."""
    monkeypatch.setattr(sandbox.shutil, "which", lambda *args, **kwargs: None)
    sandbox._check_sandbox.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
            run_program("print(1)\n")
    finally:
        sandbox._check_sandbox.cache_clear()


def test_isolation_report_says_what_applied():
    report = isolation_report()
    assert report["pid_namespace"] and report["network"] == "netns"
    assert report["nobody"] == IS_ROOT
    assert not {"etc", "home", "run", "work", "proc"} & set(report["root_entries"])
    assert report["processes"] == 1 and report["memory_bytes_per_process"] == 512 * 2**20
    split = isolation_report(Limits(memory_mb=512, processes=4))
    assert split["processes"] == 4 and split["memory_bytes_per_process"] == 128 * 2**20


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


def test_fork_is_refused_by_the_guard():
    result = run_program("import os\nwhile True:\n    os.fork()\n", limits=FAST)
    assert result.exception == "PermissionError" and "os.fork" in result.message


def test_subprocess_and_sockets_are_refused():
    for code in (
        "import subprocess\nsubprocess.run(['ls'])\n",
        "import socket\nsocket.socket()\n",
        "import ctypes\n",
        "import imaplib\nimaplib.subprocess._fork_exec\n",  # a module that imports subprocess
    ):
        result = run_program(code, limits=FAST)
        assert result.exception in ("ImportError", "PermissionError"), result.stderr


def test_writing_inside_the_temp_dir_works():
    code = 'open("notes.txt", "w").write("hi")\nprint(open("notes.txt").read())\n'
    assert run_program(code, limits=FAST).stdout == "hi\n"


def test_writing_outside_the_temp_dir_fails(tmp_path):
    target = tmp_path / "pwned.txt"
    code = f'open({str(target)!r}, "w").write("gotcha")\n'
    result = run_program(code, limits=FAST)
    assert result.exception == "PermissionError" and not target.exists()
    bare = run_program(code, limits=FAST, guard=False)  # the host's folder is not there
    assert bare.exception == "FileNotFoundError" and not target.exists()
    escape = run_program('import os\nos.remove("/tmp")\n', limits=FAST)
    assert escape.exception == "PermissionError" and Path("/tmp").is_dir()


def test_secrets_in_the_callers_environment_do_not_leak(tmp_path):
    """A caller whose real environment holds an API key runs a program that hunts for it."""
    secret = "sk-test-do-not-leak-7f3a9c"
    hunter = program("""
        import os
        print(sorted(os.environ.items()))
        for pid in ("self", "1", str(os.getppid())):
            try:
                print(open("/proc/" + pid + "/environ").read())
            except OSError as error:
                print("refused", error)
    """)
    caller = program(f"""
        from finetune.sandbox import run_program
        for guard in (True, False):
            result = run_program({hunter!r}, guard=guard)
            print(result.stdout, result.stderr)
    """)
    env = {**os.environ, "OPENAI_API_KEY": secret, "HF_TOKEN": secret}
    done = subprocess.run(
        [sys.executable, "-c", caller],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "PATH" in done.stdout and secret not in done.stdout + done.stderr


# ------------------------------------------- escapes the audit hook cannot stop (OS level)

# Switches the audit hook off from inside: the bootstrap's frame holds the guard function,
# whose code object can be replaced (setting __code__ raises no event the guard refuses).
DEFEAT_GUARD = program("""
    import sys
    sys._getframe(1).f_globals["guard"].__code__ = (lambda event, args: None).__code__
    import ctypes, socket, subprocess  # refused while the guard works
    print("guard off", flush=True)
""")


def sleeper(marker: str) -> str:
    """Sets `argv` to a process meant to outlive the run: it says it started, then sleeps.

    `marker` in its argv finds it on the host; inside, /tmp/started shows it ran.
    """
    code = "import time; open('/tmp/started', 'w').close(); time.sleep(60)"
    return f"import sys\nargv = [sys.executable, '-c', {code!r}, {marker!r}]\n"


# Printed only once the process meant to stay behind is running.
CONFIRM = program("""
    import os, time
    for _ in range(100):
        if os.path.exists("/tmp/started"):
            print("spawned", flush=True)
            break
        time.sleep(0.05)
""")


def leftover_attempts(marker: str) -> dict[str, tuple[str, bool]]:
    """Ways to leave a process behind: name -> (program, guard on)."""
    setsid = program("""
        import os
        if os.fork() == 0:
            os.setsid()
            os.execv(argv[0], argv)
    """)
    double_fork = program("""
        import os
        if os.fork() == 0:
            if os.fork() == 0:
                os.setsid()
                os.execv(argv[0], argv)
            os._exit(0)
    """)
    popen = program("""
        import subprocess
        subprocess.Popen(argv, start_new_session=True)
    """)
    fork_exec = program("""
        import os, subprocess
        args = [os.fsencode(a) for a in argv]
        vfork = (subprocess._USE_VFORK,) if hasattr(subprocess, "_USE_VFORK") else ()
        subprocess._fork_exec(  # raises no audit event at all
            args, [args[0]], True, (), None, None, -1, -1, -1, -1, -1, -1, *os.pipe(),
            False, True, -1, None, None, None, -1, None, *vfork)
    """)
    attempts = {
        "setsid": (setsid, False),
        "double fork": (double_fork, False),
        "Popen in a new session": (popen, False),
        "subprocess._fork_exec": (fork_exec, False),
        "guard switched off, then fork": (DEFEAT_GUARD + setsid, True),
    }
    start = sleeper(marker)
    return {name: (start + code + CONFIRM, guard) for name, (code, guard) in attempts.items()}


def run_processes(marker: str) -> list[int]:
    """Host pids whose command line holds `marker` (zombies count as dead)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if marker.encode() in (entry / "cmdline").read_bytes() and _alive(int(entry.name)):
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def wait_until_gone(marker: str, seconds: float = 3.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while run_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return run_processes(marker)


@pytest.mark.parametrize("name", list(leftover_attempts("x")))
def test_no_process_outlives_its_run(name):
    """Each way out works inside the run (forks allowed) yet dies with it; by default
    (one process) the fork itself fails."""
    marker = f"sandbox-leftover-{uuid.uuid4().hex}"
    code, guard = leftover_attempts(marker)[name]
    allowed = run_program(code, limits=FORKS, guard=guard)
    assert "spawned" in allowed.stdout, allowed.stderr
    assert wait_until_gone(marker) == []
    refused = run_program(code, limits=FAST, guard=guard)
    assert "spawned" not in refused.stdout
    assert refused.exception == "BlockingIOError", refused.stderr  # EAGAIN: no process left
    assert wait_until_gone(marker) == []


def test_a_fork_bomb_is_bounded_and_cleaned_up():
    marker = f"sandbox-bomb-{uuid.uuid4().hex}"
    code = sleeper(marker) + program("""
        import os
        children = 0
        for _ in range(500):
            try:
                if os.fork() == 0:
                    os.execv(argv[0], argv)
            except OSError:
                break
            children += 1
        print(children)
    """)
    result = run_program(code, limits=replace(FORKS, processes=8), guard=False)
    assert 0 < int(result.stdout) < 8, result.stderr  # the interpreter is one of the 8
    assert wait_until_gone(marker) == []


def test_a_process_is_killed_at_the_deadline_with_the_run():
    marker = f"sandbox-deadline-{uuid.uuid4().hex}"
    code = leftover_attempts(marker)["setsid"][0] + "while True:\n    pass\n"
    started = time.monotonic()
    result = run_program(code, limits=replace(FORKS, timeout=0.5), guard=False)
    assert "spawned" in result.stdout and result.timed_out and time.monotonic() - started < 6
    assert wait_until_gone(marker) == []


def test_host_files_are_out_of_reach():
    """Even with the guard off: no /etc/passwd, no project file, no home, no venv."""
    paths = [
        "/etc/passwd",
        str(REPO / "pyproject.toml"),
        str(Path(sys.prefix) / "pyvenv.cfg"),
        "/root/.bashrc",
        os.path.expanduser("~/.bashrc"),
    ]
    code = program(f"""
        import os
        for path in {paths!r}:
            try:
                print(path, len(open(path, "rb").read()))
            except OSError as error:
                print(path, type(error).__name__)
        for folder in ("/home", "/root", "/etc", "/run", {str(REPO)!r}):
            try:
                print(folder, sorted(os.listdir(folder)))
            except OSError as error:
                print(folder, type(error).__name__)
    """)
    assert Path(paths[1]).exists()  # the test means something only if the file is there
    result = run_program(code, limits=FAST, guard=False)
    lines = result.stdout.splitlines()
    assert len(lines) == len(paths) + 5, result.stderr
    for line in lines:
        if line.startswith("/root "):  # the interpreter's folder: only the Python install
            assert line in ("/root FileNotFoundError", "/root ['.pyenv']"), line
        else:
            assert line.endswith(("FileNotFoundError", "PermissionError")), line


def test_another_runs_folder_is_out_of_reach():
    """Run A keeps a secret in its folder; run B, alongside, looks everywhere it can."""
    secret = f"secret-{uuid.uuid4().hex}"
    keeper = f'import time\nopen("{secret}.txt", "w").write("x")\ntime.sleep(2)\n'
    seeker = program(f"""
        import glob, os, time
        time.sleep(0.7)
        patterns = ["/tmp/**/{secret}*", "/proc/*/cwd/{secret}*", "/proc/*/root/tmp/**/{secret}*",
                    "/tmp/llm-prune-sandbox-*/{secret}*"]
        print([hit for pattern in patterns for hit in glob.glob(pattern, recursive=True)])
        print(sorted(os.listdir(".")))
    """)
    jobs = [Job(keeper, limits=Limits(timeout=5)), Job(seeker, limits=Limits(timeout=5))]
    kept, sought = run_many(jobs, workers=2)
    assert kept.ok and sought.ok, sought.stderr
    assert sought.stdout == "[]\n['main.py']\n"


def test_no_file_of_a_run_remains(tmp_path):
    marker = f"sandbox-file-{uuid.uuid4().hex}"
    code = program(f"""
        import os, tempfile
        for folder in ("/tmp", "/var/tmp", "/dev/shm", "."):
            try:
                open(os.path.join(folder, "{marker}"), "w").write("x")
                print(folder, "written")
            except OSError as error:
                print(folder, type(error).__name__)
        tempfile.mkstemp(prefix="{marker}")
    """)
    result = run_program(code, limits=FAST, guard=False)
    assert result.ok, result.stderr
    assert "/tmp written" in result.stdout and ". written" in result.stdout  # its own /tmp
    assert "/var/tmp OSError" in result.stdout and "/dev/shm OSError" in result.stdout
    folders = {"/tmp", "/var/tmp", "/dev/shm", tempfile.gettempdir()}
    patterns = [f"{top}/**/{marker}*" for top in folders]
    # glob, unlike Path.rglob, skips folders that other runs remove meanwhile
    assert [hit for pattern in patterns for hit in glob.glob(pattern, recursive=True)] == []


def test_the_private_tmp_is_size_limited():
    code = program("""
        written = 0
        try:
            for i in range(100):
                with open(f"/tmp/fill{i}", "wb") as handle:
                    handle.write(bytes(2 * 2**20))
                written += 2
        except OSError as error:
            print(written, error.strerror)
    """)
    result = run_program(code, limits=Limits(timeout=5, disk_mb=8), guard=False)
    written, reason = result.stdout.split(" ", 1)
    assert int(written) <= 8 and "No space left" in reason


def test_no_network_even_to_localhost(tmp_path):
    """TCP to a loopback listener, a Unix socket file and an abstract Unix socket."""
    server = socket.create_server(("127.0.0.1", 0))
    unix_path = str(tmp_path / "host.sock")
    unix_server = socket.socket(socket.AF_UNIX)
    unix_server.bind(unix_path)
    abstract_name = f"\0sandbox-{uuid.uuid4().hex}"
    abstract_server = socket.socket(socket.AF_UNIX)
    abstract_server.bind(abstract_name)
    for listener in (server, unix_server, abstract_server):
        listener.listen()
        listener.setblocking(False)
    port = server.getsockname()[1]
    code = program(f"""
        import socket
        for family, address in ((socket.AF_INET, ("127.0.0.1", {port})),
                                (socket.AF_UNIX, {unix_path!r}),
                                (socket.AF_UNIX, {abstract_name!r})):
            try:
                socket.socket(family).connect(address)
                print("connected")
            except OSError as error:
                print(type(error).__name__)
    """)
    try:
        guarded = run_program(code, limits=FAST)
        assert guarded.exception in ("ImportError", "PermissionError")
        bare = run_program(code, limits=FAST, guard=False)
        defeated = run_program(DEFEAT_GUARD + code, limits=FAST)
        assert defeated.stdout.startswith("guard off\n")
        for result in (bare, defeated):
            assert "connected" not in result.stdout and result.stdout.count("Error") == 3
        for listener in (server, unix_server, abstract_server):
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        for listener in (server, unix_server, abstract_server):
            listener.close()


FOUR_FORKS = program("""
    import os
    for _ in range(4):
        try:
            if os.fork() == 0:
                try:
                    block = bytearray(400 * 2**20)
                    print("allocated", flush=True)
                except MemoryError:
                    print("MemoryError", flush=True)
                os._exit(0)
        except OSError as error:
            print(type(error).__name__, flush=True)
    for _ in range(4):
        try:
            os.wait()
        except ChildProcessError:
            break
""")


@pytest.mark.parametrize("processes", [1, 4, 16])
def test_four_forks_of_400_mb_stay_under_512_mb(processes):
    limits = Limits(timeout=10, memory_mb=512, processes=processes)
    result = run_program(FOUR_FORKS, limits=limits, guard=False)
    allocated = result.stdout.count("allocated")
    assert allocated * 400 < 512, result.stdout
    assert result.stdout.count("\n") == 4  # every fork reported: refused or out of memory


def test_the_guard_switched_off_changes_nothing_at_the_os_level():
    code = DEFEAT_GUARD + program("""
        import os
        for attempt in (lambda: open("/etc/passwd").read(), os.fork,
                        lambda: socket.create_connection(("1.1.1.1", 53), timeout=1)):
            try:
                attempt()
                print("escaped")
            except OSError as error:
                print(type(error).__name__)
    """)
    result = run_program(code, limits=FAST)
    assert result.stdout.startswith("guard off\n") and "escaped" not in result.stdout
    assert result.stdout.count("Error") == 3, result.stderr


# ---------------------------------------------------------------- the same when not root

NON_ROOT_SCRIPT = program("""
    import json, sys
    from finetune.sandbox import Limits, isolation_report, run_program
    attempts = json.loads(sys.argv[1])
    results = [run_program(code, limits=Limits(**limits), guard=False).stdout
               for code, limits in attempts]
    print(json.dumps({"report": isolation_report(), "results": results}))
""")


def non_root_runner() -> tuple[list[str], dict] | str:
    """(python argv, Popen user options) for a non-root caller, or why there is none."""
    if not IS_ROOT:
        return "the tests already run as a non-root user"
    if shutil.which("bwrap") is None:
        return "bwrap is not installed"
    user = pwd.getpwnam("nobody")
    options = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    system_python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or ""
    for python in [os.path.realpath(sys.executable), system_python]:
        try:
            probe = subprocess.run(
                [python, "-c", "import finetune.sandbox"],
                cwd=REPO,
                env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
                capture_output=True,
                timeout=60,
                **options,
            )
        except OSError:  # not executable by that user
            continue
        if probe.returncode == 0:
            return [python], options
    return "no Python and checkout that user `nobody` can read"


def test_the_same_guarantees_for_a_non_root_caller():
    runner = non_root_runner()
    if isinstance(runner, str):
        pytest.skip(runner)
    python, options = runner
    marker = f"sandbox-nonroot-{uuid.uuid4().hex}"
    setsid = leftover_attempts(marker)["setsid"][0]
    files = 'print(open("/etc/passwd").read())\n'
    project = f"print(open({str(REPO / 'pyproject.toml')!r}).read())\n"
    forks = {"timeout": 10, "memory_mb": 512, "processes": 4}
    attempts = [(setsid, {"processes": 4}), (setsid, {}), (files, {}), (project, {})]
    attempts.append((FOUR_FORKS, forks))
    done = subprocess.run(
        [*python, "-c", NON_ROOT_SCRIPT, json.dumps(attempts)],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        **options,
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    report = outcome["report"]
    assert report["pid_namespace"] and report["network"] == "netns" and report["nobody"]
    spawned, refused, passwd, pyproject, memory = outcome["results"]
    assert spawned == "spawned\n" and refused == ""
    assert wait_until_gone(marker) == []
    assert passwd == "" and pyproject == ""
    assert memory.count("allocated") * 400 < 512 and memory.count("\n") == 4
