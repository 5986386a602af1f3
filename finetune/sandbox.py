"""Run untrusted beginner programs and record exactly what Python printed.

Every program runs in a fresh temporary directory as `main.py`, in a child
`python -I -B` started in its own session with an environment built from scratch
(only PATH and LANG: no API keys or tokens leak in). The protections, and why each
is there:

- time: the child arms a wall-clock timer that raises KeyboardInterrupt, the same
  traceback a student gets by pressing Ctrl-C on an endless loop; RLIMIT_CPU and a
  hard wall-clock deadline here (SIGKILL to the whole process group) back it up;
- memory, file size, open files: RLIMIT_AS, RLIMIT_FSIZE, RLIMIT_NOFILE;
- processes: RLIMIT_NPROC. Root ignores it, so a child started as root drops to
  `nobody` (after reading what it needs), which also stops it reading the caller's
  files or /proc/PID/environ. The process group is SIGKILLed when the run ends, so
  nothing it started survives; an audit hook refuses fork/exec/subprocess anyway;
- files: the audit hook refuses writes outside the working directory and reads outside
  it and the Python installation (Linux permissions do the same for `nobody`);
- network: the child enters a new network namespace (no interfaces up) when the kernel
  lets it (root, or unprivileged user namespaces); otherwise the audit hook's refusal
  of sockets is the only barrier. `isolation_report()` says which applied here;
- output: at most `Limits.output_bytes` of stdout and of stderr are kept; the rest is
  read and dropped, so an endless printer cannot fill the caller's memory.

The audit hook is a speed bump against accidents, not a security boundary: Python
code can defeat it. The OS-level limits are what protect the caller.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

MAIN = "main.py"
TIMEOUT_EXIT = 124  # what the child exits with after printing its Ctrl-C traceback
BOOT_SOURCE = (Path(__file__).with_name("sandbox_boot.py")).read_text(encoding="utf-8")
CLEAN_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
_LAST_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_MAIN_FRAME = re.compile(r'^  File "main\.py", line (\d+)', re.MULTILINE)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run.

    The child gets its "Ctrl-C" (KeyboardInterrupt) after `timeout` seconds. With
    `max_lines` set, a program still running then is run again and interrupted after
    that many executed lines instead: the interrupt lands at the same spot on every
    run, which reproducible data sets need (0: off).
    """

    timeout: float = 5.0
    max_lines: int = 0
    grace: float = 1.0  # after the Ctrl-C, how long before SIGKILL
    cpu_seconds: int = 10
    memory_mb: int = 512
    file_mb: int = 8
    processes: int = 16
    output_bytes: int = 64 * 1024


@dataclass(frozen=True)
class RunResult:
    """What one run produced. `exception` is the class name on the last stderr line."""

    stdout: str
    stderr: str
    exit_code: int
    timed_out: bool
    output_truncated: bool
    traceback: str = ""
    exception: str | None = None
    message: str = ""
    line: int | None = None  # the line of main.py Python blamed (innermost frame)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@dataclass(frozen=True)
class Job:
    """One program to run: source code and the text typed on stdin."""

    code: str
    stdin: str = ""
    limits: Limits = field(default_factory=Limits)


def parse_error(stderr: str) -> tuple[str, str | None, str, int | None]:
    """Split stderr into (traceback, exception name, message, blamed line of main.py).

    The traceback is kept verbatim: from "Traceback (most recent call last):", or for
    a syntax error from its `File "main.py"` line, to the end of stderr.
    """
    start = stderr.rfind("Traceback (most recent call last):")
    if start < 0:
        match = _MAIN_FRAME.search(stderr)
        start = match.start() if match else -1
    if start < 0:
        return "", None, "", None
    traceback = stderr[start:]
    lines = [line for line in traceback.splitlines() if line.strip()]
    match = _LAST_LINE.match(lines[-1]) if lines else None
    exception, message = (match.group(1), match.group(2) or "") if match else (None, "")
    frames = _MAIN_FRAME.findall(traceback)
    return traceback, exception, message, int(frames[-1]) if frames else None


def _config(
    limits: Limits, guard: bool, drop_root: bool, network: bool, report_fd: int = -1
) -> list[str]:
    """The bootstrap's arguments: `key=number`, so it needs no parser module."""
    values = {
        "soft_timeout": limits.timeout,
        "max_lines": limits.max_lines,
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_mb * 2**20,
        "file_bytes": limits.file_mb * 2**20,
        "processes": limits.processes,
        "guard": int(guard),
        "drop_root": int(drop_root),
        "isolate_network": int(network),
        "report_fd": report_fd,
    }
    return [f"{key}={value}" for key, value in values.items()]


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _leader_exited(pid: int) -> bool:
    """Whether the child exited, without reaping it (its pid keeps the group alive)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


class _Collector:
    """Reads stdout/stderr and feeds stdin without ever blocking or buffering too much."""

    def __init__(self, proc: subprocess.Popen, stdin: bytes, cap: int) -> None:
        self.proc, self.cap, self.truncated = proc, cap, False
        self.pending = memoryview(stdin)
        self.data = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
        self.selector = selectors.DefaultSelector()
        for stream in (proc.stdout, proc.stderr):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream.fileno(), selectors.EVENT_READ)
        if stdin:
            os.set_blocking(proc.stdin.fileno(), False)
            self.selector.register(proc.stdin.fileno(), selectors.EVENT_WRITE)
        else:
            proc.stdin.close()

    def open(self) -> bool:
        return bool(self.selector.get_map())

    def pump(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            if key.fd in self.data:
                self._read(key.fd)
            else:
                self._write(key.fd)

    def _read(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.selector.unregister(fd)
            return
        buffer = self.data[fd]
        room = self.cap - len(buffer)
        if len(chunk) > room:
            self.truncated = True
        buffer += chunk[: max(room, 0)]

    def _write(self, fd: int) -> None:
        try:
            written = os.write(fd, self.pending[:65536])
        except BlockingIOError:
            return
        except BrokenPipeError:
            written = len(self.pending)
        self.pending = self.pending[written:]
        if not self.pending:
            self.selector.unregister(fd)
            self.proc.stdin.close()

    def close(self) -> tuple[str, str]:
        self.selector.close()
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        out, err = (bytes(self.data[s.fileno()]) for s in (self.proc.stdout, self.proc.stderr))
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _supervise(proc: subprocess.Popen, stdin: str, limits: Limits) -> tuple[str, str, bool, bool]:
    """Pump the pipes until the child and everything it started are gone or time is up."""
    collector = _Collector(proc, stdin.encode("utf-8"), limits.output_bytes)
    deadline = time.monotonic() + limits.timeout + limits.grace
    killed = False
    while collector.open():
        remaining = deadline - time.monotonic()
        if remaining <= 0 and not killed:
            _kill_group(proc.pid)
            killed, deadline = True, time.monotonic() + 1.0
        elif remaining <= 0:
            break  # a straggler outside the group holds a pipe: give up on it
        collector.pump(min(max(remaining, 0.0), 0.05))
        if not killed and _leader_exited(proc.pid):
            _kill_group(proc.pid)  # anything it left behind; the pipes then close
            killed, deadline = True, time.monotonic() + 1.0
    _kill_group(proc.pid)
    proc.wait()
    stdout, stderr = collector.close()
    hard_killed = killed and proc.returncode == -signal.SIGKILL
    return stdout, stderr, hard_killed, collector.truncated


def _remove_tree(path: str) -> None:
    def unlock(function, target, _info) -> None:
        os.chmod(os.path.dirname(target), 0o700)
        function(target)

    shutil.rmtree(path, onerror=unlock)


def run_program(
    code: str,
    stdin: str = "",
    limits: Limits | None = None,
    *,
    guard: bool = True,
    drop_root: bool = True,
    isolate_network: bool = True,
) -> RunResult:
    """Run `code` as main.py with `stdin`; never raises for anything the program does.

    `guard`, `drop_root` and `isolate_network` exist so tests can check each layer on
    its own; leave them on.
    """
    limits = limits or Limits()
    options = (guard, drop_root, isolate_network)
    result = _run_once(code, stdin, replace(limits, max_lines=0), *options)
    if result.timed_out and limits.max_lines:
        result = _run_once(code, stdin, limits, *options)
    return result


def _run_once(
    code: str, stdin: str, limits: Limits, guard: bool, drop_root: bool, isolate_network: bool
) -> RunResult:
    workdir = tempfile.mkdtemp(prefix="llm-prune-sandbox-")
    try:
        Path(workdir, MAIN).write_text(code, encoding="utf-8")
        config = _config(limits, guard, drop_root, isolate_network)
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-B", "-c", BOOT_SOURCE, *config],
            cwd=workdir,
            env=dict(CLEAN_ENV),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
        stdout, stderr, hard_killed, truncated = _supervise(proc, stdin, limits)
    finally:
        _remove_tree(workdir)
    traceback, exception, message, line = parse_error(stderr)
    return RunResult(
        stdout=stdout,
        stderr=stderr,
        exit_code=proc.returncode,
        timed_out=hard_killed or proc.returncode == TIMEOUT_EXIT,
        output_truncated=truncated,
        traceback=traceback,
        exception=exception,
        message=message,
        line=line,
    )


def run_many(jobs: Iterable[Job], workers: int | None = None) -> list[RunResult]:
    """Run jobs in parallel (threads that each wait on a child); results keep job order."""
    jobs = list(jobs)
    workers = workers or default_workers()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: run_program(job.code, job.stdin, job.limits), jobs))


def default_workers() -> int:
    """Children mostly start up and wait on pipes, so a little over the core count pays."""
    return max(2, (os.cpu_count() or 1) + 2)


def isolation_report(limits: Limits | None = None) -> dict[str, object]:
    """Which OS-level protections this machine gave a child: network namespace, nobody."""
    read_fd, write_fd = os.pipe()
    workdir = tempfile.mkdtemp(prefix="llm-prune-sandbox-")
    try:
        Path(workdir, MAIN).write_text("pass\n", encoding="utf-8")
        config = _config(limits or Limits(), True, True, True, write_fd)
        subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", BOOT_SOURCE, *config],
            cwd=workdir,
            env=dict(CLEAN_ENV),
            pass_fds=(write_fd,),
            capture_output=True,
            timeout=30,
            check=False,
        )
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as reader:
            fields = dict(item.split("=") for item in reader.read().decode().split())
        return {"network": fields.get("network"), "nobody": fields.get("nobody") == "1"}
    finally:
        _remove_tree(workdir)


def error_output(result: RunResult) -> str:
    """What the student pastes as "the error": stderr as printed, plus a note on a hang.

    A program that never ends shows nothing useful until the student presses Ctrl-C,
    so a time-out is introduced by one line saying so; the traceback is not touched.
    """
    if result.timed_out:
        note = "(The program kept running and never finished, so I pressed Ctrl-C.)\n"
        return note + result.stderr
    return result.stderr
