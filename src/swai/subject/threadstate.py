"""What the kernel says a thread of this process is doing (Linux /proc; unknown elsewhere).

A grader sometimes needs a thread to be parked before it acts (an idle worker waiting for
work, not one still on its way back to the wait), and seeded turn-taking needs to tell a
thread blocked on a lock from one the OS merely preempted. Both ask here.
"""

from __future__ import annotations

import threading
import time


def _stat(native_id: int | None) -> list[bytes] | None:
    """The fields after the command name in /proc/self/task/<id>/stat; None if unreadable."""
    try:
        with open(f"/proc/self/task/{native_id}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()
    except OSError:
        return None


def kernel_state(native_id: int | None) -> tuple[bytes, int] | None:
    """(state letter, CPU time used so far) of a thread of this process; None if /proc cannot tell."""
    fields = _stat(native_id)
    if not fields or len(fields) < 13:
        return None
    try:
        with open(f"/proc/self/task/{native_id}/schedstat", "rb") as sched:
            return fields[0], int(sched.read().split()[0])  # nanoseconds on a CPU: finer than ticks
    except (OSError, IndexError, ValueError):
        return fields[0], int(fields[11]) + int(fields[12])


def asleep(native_id: int | None) -> bool:
    """Whether the thread is blocked in the kernel (state S or D); True where that cannot be told.
    One read of its stat file: the turn-taking watchdog asks this often."""
    fields = _stat(native_id)
    return not fields or fields[0] in (b"S", b"D")


def wait_parked(threads: list[threading.Thread], timeout: float = 1.0, quiet: float = 0.02) -> bool:
    """Wait until every live thread of ``threads`` has been asleep, using no CPU, for ``quiet``
    seconds; False if that did not happen within ``timeout`` (or /proc cannot tell)."""
    deadline = time.monotonic() + timeout
    while True:
        before = [kernel_state(t.native_id) for t in threads if t.is_alive()]
        time.sleep(quiet)
        after = [kernel_state(t.native_id) for t in threads if t.is_alive()]
        if None in before or None in after:
            return False
        if before == after and all(known is not None and known[0] in (b"S", b"D") for known in after):
            return True
        if time.monotonic() >= deadline:
            return False
