"""Bootstrap that runs *inside* the sandboxed interpreter, before the student's program.

`finetune.sandbox` passes this file's text to `python -I -S -B -c`, with its config as
`key=number` arguments. Start-up time matters (thousands of runs), so this file
imports only C modules: `json`, `ast` or `signal` would pull in `re`, `enum` and
`functools` and triple it.

It runs inside the bubblewrap sandbox (its namespaces are the real boundary) and sets
up what only the child can: resource limits (the per-process share of the run's memory
and the process cap of its user namespace), a wall-clock "Ctrl-C" timer and an audit
hook that gives clear errors as a second layer.

It then runs `main.py` from the working directory as `__main__`, compiled under the
file name "main.py", so Python itself prints `File "main.py"` in tracebacks and
nothing has to be rewritten. Its own frames are cut from the head (and the guard's
from the tail) of a traceback, so what is printed is what `python main.py` prints.

Nothing here is imported by the caller; keep it standard-library only.
"""

import _signal
import os
import resource
import sys
import time

CONFIG = {key: float(value) for key, value in (arg.split("=") for arg in sys.argv[1:])}
MAIN = "main.py"
ROOT = os.path.realpath(os.getcwd())
TIMEOUT_EXIT = 124
BOOT_FRAMES = 3  # frames of this file below the program's: they count toward recursion

# Modules a guarded program may not import: they reach processes, sockets or raw memory.
DENIED_MODULES = frozenset(
    "ctypes _ctypes _posixsubprocess subprocess socket _socket ssl _ssl multiprocessing "
    "_multiprocessing pty asyncio select selectors mmap faulthandler fcntl termios urllib "
    "http ftplib smtplib telnetlib webbrowser".split()
)
DENIED_EVENTS = frozenset(
    "os.fork os.forkpty os.posix_spawn os.spawn os.exec os.system os.startfile "
    "os.setxattr os.removexattr subprocess.Popen socket.__new__ ctypes.dlopen ctypes.dlsym "
    "ctypes.cdata ctypes.addressof ctypes.call_function signal.pthread_kill "
    "sys._current_frames".split()
)
PATH_EVENTS = {  # event -> indices of its path arguments that must stay inside ROOT
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.replace": (0, 1),
    "os.link": (0, 1),
    "os.symlink": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.chflags": (0,),
    "os.utime": (0,),
    "shutil.rmtree": (0,),
    "shutil.move": (0, 1),
    "shutil.copyfile": (1,),
    "shutil.copymode": (1,),
    "shutil.copystat": (1,),
    "shutil.copytree": (1,),
}


def set_limits() -> None:
    """Cap memory, CPU, file size, open files and processes for this process tree.

    RLIMIT_NPROC counts the tasks of this user in this run's own user namespace, so
    processes x RLIMIT_AS bounds the memory of the whole run.
    """
    memory = int(CONFIG["memory_bytes"])
    cpu = int(CONFIG["cpu_seconds"])
    files = int(CONFIG["file_bytes"])
    processes = int(CONFIG["processes"])
    limits = {
        resource.RLIMIT_AS: (memory, memory),
        resource.RLIMIT_CPU: (cpu, cpu + 1),
        resource.RLIMIT_FSIZE: (files, files),
        resource.RLIMIT_NOFILE: (64, 64),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_NPROC: (processes, processes),
    }
    for which, value in limits.items():
        try:
            resource.setrlimit(which, value)
        except (ValueError, OSError):
            pass  # a hard limit already lower than ours: keep the stricter one


def inside_root(path: object) -> bool:
    """Whether a path argument of an audit event resolves inside the working directory."""
    if isinstance(path, int):
        return True  # an already-open descriptor
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return True
    real = os.path.realpath(path)
    return real == ROOT or real.startswith(ROOT + os.sep)


def readable(path: object) -> bool:
    """Reads are allowed in the working directory and the interpreter's own library."""
    if inside_root(path):
        return True
    real = os.path.realpath(os.fsdecode(path))
    return real.startswith(READ_PREFIXES) and not real.startswith("/proc")


READ_PREFIXES = tuple(
    {os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
) + ("/usr/lib/", "/usr/share/zoneinfo/", "/etc/localtime", "/dev/null", "/dev/urandom")


def opens_for_writing(mode: object, flags: int) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))


def guard(event: str, args: tuple) -> None:
    """Audit hook: refuse processes, sockets, native code and files outside the sandbox."""
    if event in DENIED_EVENTS:
        raise PermissionError(f"[sandbox] {event} is not allowed")
    if event == "import" and args[0].partition(".")[0] in DENIED_MODULES:
        raise ImportError(f"[sandbox] import of {args[0]} is not allowed")
    if event in ("os.kill", "os.killpg") and args[0] not in (0, os.getpid()):
        raise PermissionError(f"[sandbox] {event} is not allowed")
    if event == "open":
        path, mode, flags = args
        if opens_for_writing(mode, flags if isinstance(flags, int) else 0):
            if not inside_root(path):
                raise PermissionError(f"[sandbox] writing {path!r} is not allowed")
        elif not readable(path):
            raise PermissionError(f"[sandbox] reading {path!r} is not allowed")
    for index in PATH_EVENTS.get(event, ()):
        if not inside_root(args[index]):
            raise PermissionError(f"[sandbox] {event} outside the working directory")


STARTED = time.monotonic()
INTERRUPTED = []  # set when the line budget ran out


def interrupt_after(budget: int) -> None:
    """Raise KeyboardInterrupt at the `budget`-th traced event: a Ctrl-C at a fixed spot.

    A wall-clock Ctrl-C lands wherever the loop happens to be, so the traceback of an
    endless loop would change from run to run; counting executed lines makes it
    reproducible. The tracer needs a frame of its own, which would change where a
    RecursionError is raised, so the runner only uses this for a second run of a
    program that did not finish in time.
    """
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        count += 1
        if count > budget and not INTERRUPTED:
            INTERRUPTED.append(True)
            sys.settrace(None)
            raise KeyboardInterrupt
        return tracer

    sys.settrace(tracer)


def print_exception(kind, value, tb) -> None:
    """Print like Python's own hook, minus the bootstrap's frames; flag a timeout."""
    while tb is not None and tb.tb_frame.f_code.co_filename != MAIN:
        tb = tb.tb_next  # frames of this bootstrap, above the program's module frame
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    while frames and frames[-1].tb_frame.f_code.co_filename == "<string>":
        frames.pop()  # the guard's own frame, below the program's call
    if frames:
        frames[-1].tb_next = None
    head = frames[0] if frames else None
    sys.__excepthook__(kind, value.with_traceback(head), head)  # it prints value's own
    elapsed = time.monotonic() - STARTED
    timer = elapsed >= CONFIG["soft_timeout"] * 0.99
    if kind is KeyboardInterrupt and (timer or INTERRUPTED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(TIMEOUT_EXIT)


def run_main() -> None:
    with open(MAIN, encoding="utf-8") as handle:
        source = handle.read()
    set_limits()
    sys.excepthook = print_exception
    sys.argv = [MAIN]
    sys.path[:] = [p for p in sys.path if p]  # -c put "" (the cwd) first; `python -I` would not
    module = type(sys)("__main__")
    module.__file__ = MAIN
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    _signal.signal(_signal.SIGALRM, _signal.default_int_handler)  # what Ctrl-C would raise
    _signal.setitimer(_signal.ITIMER_REAL, CONFIG["soft_timeout"])
    code = compile(source, MAIN, "exec")
    if CONFIG["max_lines"]:
        interrupt_after(int(CONFIG["max_lines"]))
    if CONFIG["guard"]:
        sys.addaudithook(guard)
    sys.setrecursionlimit(sys.getrecursionlimit() + BOOT_FRAMES)  # depth as in `python main.py`
    exec(code, module.__dict__)


run_main()
