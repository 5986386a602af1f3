"""Run untrusted beginner programs and record exactly what Python printed.

Every run happens inside bubblewrap (`bwrap`, Debian package `bubblewrap`), so its
isolation is enforced by the kernel and nothing the program does in Python (or in C
through ctypes) can undo it:

- processes: its own PID namespace, with the interpreter as PID 1. When it exits or is
  killed, the kernel kills every process of the run, whatever session it moved to;
  `--die-with-parent` kills the run when the runner dies, and the runner SIGKILLs it
  at the deadline;
- files: its own mount namespace on an empty root: the interpreter and its standard
  library (read-only, the real installation, not the venv), the system libraries
  (`/usr/lib`, read-only) and nothing else: no `/etc`, `/home`, `/root`, `/run`, the
  project's files or other runs. `/tmp` is a private size-limited tmpfs
  (`Limits.disk_mb`) that holds the working directory and vanishes with the run; `/`,
  `/var/tmp`, `/dev` and `/dev/shm` are empty and read-only, and no `/proc` is mounted;
- network: its own network namespace (only its own loopback): no TCP to the host, no
  abstract Unix sockets, and no socket files, since the host's `/tmp` and `/run` are
  not there;
- privileges: its own user namespace, unprivileged inside, with user namespaces
  disabled (`--disable-userns`) so it cannot gain a namespace of its own to mount in;
  the caller's environment is replaced by PATH and LANG only (no API keys);
- memory, for the whole run: the kernel counts RLIMIT_NPROC per user *and user
  namespace*, so the run's own namespace gets its own count. Each process may map
  `memory_mb // processes` (RLIMIT_AS) and at most `processes` tasks may exist (the
  interpreter counts as one; threads count too), so all of them together stay under
  `memory_mb`; the tmpfs adds at most `disk_mb`. The default, one process, refuses any
  fork or thread. cgroups were not used: here cgroup v2 has no memory controller, the
  v1 hierarchy belongs to the container runtime and is writable by root only, and an
  unprivileged caller gets no delegated cgroup; the rlimits give the same bound to
  every caller;
- as root: the kernel exempts uid 0 from RLIMIT_NPROC, so a run never has uid 0. An
  outer bwrap (mount namespace only) shows the interpreter to `nobody` (a Python under
  `/root` is otherwise unreadable to it), `setpriv` becomes `nobody`, and the inner
  bwrap above runs exactly as for any other user. Runs of root's runner then share one
  process count (`nobody`'s), which can only make forks fail sooner;
- time: the child arms a wall-clock timer that raises KeyboardInterrupt, the same
  traceback a student gets by pressing Ctrl-C on an endless loop; RLIMIT_CPU and a
  hard wall-clock deadline here (SIGKILL) back it up;
- file size, open files: RLIMIT_FSIZE, RLIMIT_NOFILE;
- output: at most `Limits.output_bytes` of stdout and of stderr are kept; the rest is
  read and dropped, so an endless printer cannot fill the caller's memory.

An audit hook (`sandbox_boot.py`) still refuses processes, sockets, ctypes and files
outside the working directory: a second layer that gives clear errors, not the boundary.
Without bwrap nothing runs: `SandboxUnavailable` names `apt-get install bubblewrap`.
"""

from __future__ import annotations

import functools
import os
import pwd
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

MAIN = "main.py"
WORKDIR = "/tmp/run"  # the working directory inside the sandbox
TIMEOUT_EXIT = 124  # what the child exits with after printing its Ctrl-C traceback
BOOT_SOURCE = (Path(__file__).with_name("sandbox_boot.py")).read_text(encoding="utf-8")
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
INSTALL_HINT = "apt-get install bubblewrap"
_LAST_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_MAIN_FRAME = re.compile(r'^  File "main\.py", line (\d+)', re.MULTILINE)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run.

    The child gets its "Ctrl-C" (KeyboardInterrupt) after `timeout` seconds. With
    `max_lines` set, a program still running then is run again and interrupted after
    that many executed lines instead: the interrupt lands at the same spot on every
    run, which reproducible data sets need (0: off).

    `memory_mb` bounds the whole run: each of at most `processes` processes (threads
    included) may map `memory_mb // processes`. `disk_mb` is the private /tmp that
    holds the working directory; `file_mb` caps any one file.
    """

    timeout: float = 5.0
    max_lines: int = 0
    grace: float = 1.0  # after the Ctrl-C, how long before SIGKILL
    cpu_seconds: int = 10
    memory_mb: int = 512
    file_mb: int = 8
    disk_mb: int = 16
    processes: int = 1
    output_bytes: int = 64 * 1024


@dataclass(frozen=True)
class RunResult:
    """What one run produced. `exception` is the class name on the last stderr line.

    `exit_code` is what a shell reports: 128 + N for a program killed by signal N.
    """

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


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces here; nothing untrusted runs."""


def _config(limits: Limits, guard: bool) -> list[str]:
    """The bootstrap's arguments: `key=number`, so it needs no parser module."""
    processes = max(1, limits.processes)
    values = {
        "soft_timeout": limits.timeout,
        "max_lines": limits.max_lines,
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_mb * 2**20 // processes,
        "file_bytes": limits.file_mb * 2**20,
        "processes": processes,
        "guard": int(guard),
    }
    return [f"{key}={value}" for key, value in values.items()]


def _tool(name: str, package: str) -> str:
    path = shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin")
    if path is None:
        raise SandboxUnavailable(
            f"{name} is needed to run untrusted programs and is not installed: "
            f"apt-get install {package}"
        )
    return os.path.realpath(path)


@functools.cache
def _interpreter() -> tuple[str, tuple[str, ...]]:
    """The real interpreter (not the venv's link) and the read-only paths it needs."""
    executable = os.path.realpath(sys.executable)
    stdlib = os.path.dirname(os.path.realpath(os.__file__))  # .../lib/python3.X
    paths = [executable, os.path.dirname(stdlib)]  # .../lib: stdlib, lib-dynload, libpython
    paths += [path for path in ("/usr/lib", "/usr/lib64", "/usr/lib32") if os.path.isdir(path)]
    return executable, tuple(sorted(set(paths)))


def _mounts(paths: Iterable[str]) -> list[str]:
    """Read-only binds of `paths`, their parent folders made first (world-readable)."""
    paths = sorted(set(paths))
    parents = sorted({p for path in paths for p in _ancestors(path)} - set(paths))
    args = [arg for folder in parents for arg in ("--perms", "0755", "--dir", folder)]
    args += [arg for path in paths for arg in ("--ro-bind", path, path)]
    for top in ("/lib", "/lib64", "/lib32"):  # the dynamic loader looks here
        if os.path.islink(top):  # merged /usr: a link into /usr/lib*
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return [str(Path("/", *parts[: i + 1])) for i in range(len(parts))]


def _nobody() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def _sandbox_command(limits: Limits, guard: bool, main_fd: int) -> list[str]:
    """bwrap's command line for one run (see the module docstring for why each part)."""
    executable, paths = _interpreter()
    bwrap = _tool("bwrap", "bubblewrap")
    inner = [
        bwrap,
        "--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-net",
        "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--as-pid-1", "--hostname", "sandbox",
        *_mounts(paths),
        "--dev", "/dev", "--remount-ro", "/dev",
        "--size", str(limits.disk_mb * 2**20), "--perms", "1777", "--tmpfs", "/tmp",
        "--perms", "0777", "--dir", WORKDIR,
        "--file", str(main_fd), f"{WORKDIR}/{MAIN}",
        "--perms", "0755", "--dir", "/var/tmp",
        "--remount-ro", "/",
        "--chdir", WORKDIR,
        executable, "-I", "-S", "-B", "-c", BOOT_SOURCE, *_config(limits, guard),
    ]  # fmt: skip
    if os.geteuid() != 0:
        return inner
    setpriv = _tool("setpriv", "util-linux")
    uid, gid = _nobody()
    outer = [
        bwrap,
        "--die-with-parent", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
        "--cap-add", "CAP_SETGID",
        *_mounts([*paths, bwrap, setpriv]),
        "--bind", "/proc", "/proc", "--dev-bind", "/dev", "/dev",  # what the inner bwrap uses
        "--perms", "1777", "--dir", "/tmp",
        setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all", "--",
    ]  # fmt: skip
    return outer + inner


def _start(code: str, limits: Limits, guard: bool) -> subprocess.Popen:
    """Start one sandboxed run; main.py travels in a memfd that bwrap copies and closes."""
    main_fd = os.memfd_create(MAIN)
    try:
        os.write(main_fd, code.encode("utf-8"))
        os.lseek(main_fd, 0, os.SEEK_SET)
        return subprocess.Popen(
            _sandbox_command(limits, guard, main_fd),
            env=dict(CLEAN_ENV),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
            pass_fds=(main_fd,),
        )
    finally:
        os.close(main_fd)


@functools.cache
def _check_sandbox() -> None:
    """Once per process: fail with one clear line if bwrap cannot build the sandbox."""
    proc = _start("pass\n", Limits(), guard=False)
    stdout, stderr = proc.communicate(timeout=60)
    if proc.returncode != 0:
        reason = (stderr or stdout).decode("utf-8", "replace").strip().splitlines()
        raise SandboxUnavailable(
            "bubblewrap cannot build the sandbox here"
            + (f" ({reason[-1]})" if reason else "")
            + f"; untrusted programs run only inside it ({INSTALL_HINT} >= 0.8, user namespaces on)"
        )


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


def run_program(
    code: str, stdin: str = "", limits: Limits | None = None, *, guard: bool = True
) -> RunResult:
    """Run `code` as main.py with `stdin`; never raises for anything the program does.

    Raises `SandboxUnavailable` when bwrap is missing or cannot work here. `guard=False`
    switches off the audit hook so tests can check the OS-level isolation on its own.
    """
    limits = limits or Limits()
    _check_sandbox()
    result = _run_once(code, stdin, replace(limits, max_lines=0), guard)
    if result.timed_out and limits.max_lines:
        result = _run_once(code, stdin, limits, guard)
    return result


def _run_once(code: str, stdin: str, limits: Limits, guard: bool) -> RunResult:
    proc = _start(code, limits, guard)
    stdout, stderr, hard_killed, truncated = _supervise(proc, stdin, limits)
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


_PROBE = """
import os, resource, socket
print("pid", os.getpid())
print("uid", os.getuid())
print("interfaces", ",".join(sorted(name for _, name in socket.if_nameindex())))
print("visible", ",".join(sorted(os.listdir("/"))))
print("memory", resource.getrlimit(resource.RLIMIT_AS)[0])
print("processes", resource.getrlimit(resource.RLIMIT_NPROC)[0])
"""


def isolation_report(limits: Limits | None = None) -> dict[str, object]:
    """What a program inside the sandbox actually sees, measured by running a probe."""
    result = run_program(_PROBE, limits=limits or Limits(), guard=False)
    if not result.ok:
        raise SandboxUnavailable(f"the sandbox probe failed: {result.stderr.strip()}")
    seen = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    return {
        "pid_namespace": seen["pid"] == "1",
        "network": "netns" if seen["interfaces"] == "lo" else "shared",
        "nobody": int(seen["uid"]) == _nobody()[0],
        "root_entries": seen["visible"].split(","),
        "memory_bytes_per_process": int(seen["memory"]),
        "processes": int(seen["processes"]),
    }


def error_output(result: RunResult) -> str:
    """What the student pastes as "the error": stderr as printed, plus a note on a hang.

    A program that never ends shows nothing useful until the student presses Ctrl-C,
    so a time-out is introduced by one line saying so; the traceback is not touched.
    """
    if result.timed_out:
        note = "(The program kept running and never finished, so I pressed Ctrl-C.)\n"
        return note + result.stderr
    return result.stderr
