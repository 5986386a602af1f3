"""The leaderboard's (row, agent) jobs as Ray tasks, one GPU each (``--ray-address``).

Each job runs as one Ray task (``num_gpus=1`` on CUDA, else one CPU) through the very
function the in-process pool calls (:func:`evaluation.leaderboard.run_job`), in a
scratch folder on whichever node Ray picks: the job's existing files go with it (so a
resumed job resumes) and everything it writes comes back and is written under
``--out`` on this machine, so the table is built here, as the pool builds it, and no
node needs a shared filesystem. Every node needs this package and its dependencies
installed (the same version), and ``ray`` (the ``[ray]`` extra).

``address``: a cluster's address (``ray://HOST:10001`` or ``HOST:6379``), ``auto``
(the cluster this machine belongs to) or ``local`` (a fresh one-machine Ray, for tests).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from llm_prune_gym.extras import require_extra

if TYPE_CHECKING:
    from .leaderboard import Protocol, Row

Files = dict[str, bytes]


def read_files(folder: Path, under: Path) -> Files:
    """Every file below `folder`, keyed by its path relative to `under`."""
    if not folder.is_dir():
        return {}
    return {
        str(path.relative_to(under)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def write_files(files: Files, under: Path) -> None:
    """Write `files` (relative path -> bytes) below `under`; no path may leave it."""
    root = under.resolve()
    for name, data in files.items():
        path = (under / name).resolve()
        if root not in path.parents:
            raise ValueError(f"a job returned a path outside its folder: {name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def job_in_scratch(
    protocol: Protocol, row: Row, agent: str, files: Files, device: str
) -> tuple[str, Files]:
    """Run one job in a scratch folder seeded with `files`: (failed job name or "", its files)."""
    from .leaderboard import _run_logged  # the pool's own runner: same logs, same failures

    with tempfile.TemporaryDirectory(prefix="llm-prune-job-") as scratch:
        out = Path(scratch)
        write_files(files, out)
        failed = _run_logged(protocol, row, agent, out, device, {})
        return failed, read_files(out, out)


def run_on_ray(
    protocol: Protocol,
    jobs: Sequence[tuple[Row, str]],
    out: Path,
    device: str,
    address: str,
    cpus: int | None = None,
) -> list[str]:
    """Run `jobs` as Ray tasks on the cluster at `address`; the failed jobs' names back.

    `cpus`: CPUs of a ``local`` Ray (default: the machine's); ignored for a cluster.
    """
    ray = require_extra("ray", "ray")
    local = address == "local"
    ray.init(
        address=address,
        num_cpus=cpus if local else None,
        include_dashboard=False,
        log_to_driver=True,
        ignore_reinit_error=True,
    )
    gpus = 1 if device.startswith("cuda") else 0
    task = ray.remote(job_in_scratch).options(num_gpus=gpus, num_cpus=1, max_retries=0)
    try:
        pending = {
            task.remote(protocol, row, agent, _job_files(out, row, agent), device): (row, agent)
            for row, agent in jobs
        }
        failed = []
        while pending:
            [ready], _ = ray.wait(list(pending), num_returns=1)
            row, agent = pending.pop(ready)
            try:
                name, files = ray.get(ready)
            except Exception as error:  # the task itself died (node lost, out of memory)
                name, files = f"{row.folder}-{agent}", {}
                print(f"failed {name} on Ray: {error}", file=sys.stderr, flush=True)
            write_files(files, out)
            if name:
                failed.append(name)
        return failed
    finally:
        if local:
            ray.shutdown()


def _job_files(out: Path, row: Row, agent: str) -> Files:
    """The job's files so far (its folder ``ROW/AGENT``), so that a rerun resumes it."""
    return read_files(out / row.folder / agent, out)
