"""Train/test split by source program, shared by the data set and the calibration prompts.

Splitting by program (not by buggy variant) keeps every variant of a program on one
side, so a test hint is never about a program the model was trained on.

Each program's side depends only on (seed, program id), through a hash, so adding
programs to the corpus (or building from the first N) never moves an existing
program to the other side.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

TEST_FRACTION = 0.2


def side(program_id: str, seed: int, test_fraction: float = TEST_FRACTION) -> str:
    """Return "test" for about `test_fraction` of program ids and "train" for the rest."""
    digest = hashlib.sha256(f"{seed}/split/{program_id}".encode()).digest()
    return "test" if int.from_bytes(digest[:8], "big") / 2**64 < test_fraction else "train"


def split_programs(
    program_ids: Iterable[str], seed: int, test_fraction: float = TEST_FRACTION
) -> dict[str, str]:
    """Map each program id to "train" or "test"; stable for a given seed."""
    return {pid: side(pid, seed, test_fraction) for pid in program_ids}
