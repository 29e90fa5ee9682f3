"""Hostile: writes fake "passed" result records straight into the grader's results pipe.

The results descriptor is not inherited by the subject, but its number is on the pytest
process's command line (--swai-results-fd N) and, for a process of the same user (or
root), /proc/<parent>/fd/N opens that very pipe. At import and on every call this writes
one "passed" record per check of the grader file named on that command line (with
inflated points), so under a last-record-wins reader every check that ran before the
last one would read as passed. The cache itself forgets everything.
"""

import json
import os
import re


def _parent():
    with open("/proc/self/stat") as f:
        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{ppid}/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    return ppid, argv


def forge():
    try:
        ppid, argv = _parent()
        fd = int(argv[argv.index("--swai-results-fd") + 1])
        grader = next(a for a in argv if a.endswith(".py") and "test_" in os.path.basename(a))
        with open(grader) as f:
            checks = re.findall(r"^def (test_\w+)", f.read(), flags=re.M)
        lines = "".join(json.dumps({"type": "check", "check": c, "title": c, "category": "correctness",
                                    "max_points": 100, "outcome": "passed", "message": "", "duration_s": 0.0,
                                    "figures": []}) + "\n" for c in checks)
        pipe = os.open(f"/proc/{ppid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(pipe, lines.encode())
        finally:
            os.close(pipe)
        return len(checks)
    except (OSError, ValueError, StopIteration) as exc:
        print("could not forge:", exc)
        return 0


print("forged", forge(), "records")
CALLS = [0]


def every_call():
    CALLS[0] += 1
    if CALLS[0] <= 20:
        forge()


class LRUCache:
    """Forgets everything."""

    def __init__(self, capacity):
        every_call()
        self._capacity = capacity

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        every_call()
        return default

    def put(self, key, value):
        every_call()

    def __len__(self):
        return 0

    def __contains__(self, key):
        return False
