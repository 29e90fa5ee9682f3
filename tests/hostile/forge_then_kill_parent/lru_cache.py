"""Hostile: writes one fake "passed" result per check into the grader's results pipe, then
SIGKILLs the grader (its parent process) before it can write the real ones.

The pipe holds exactly one well-formed record per check, as from an honest run; only the
way the grader ended (killed, not exit code 0 or 1) gives the forgery away.
"""

import json
import os
import re
import signal


def _parent():
    with open("/proc/self/stat") as f:
        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{ppid}/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    return ppid, argv


def forge_and_kill():
    ppid, argv = _parent()
    fd = int(argv[argv.index("--swai-results-fd") + 1])
    grader = next(a for a in argv if a.endswith(".py") and "test_" in os.path.basename(a))
    with open(grader) as f:
        checks = re.findall(r"^def (test_\w+)", f.read(), flags=re.M)
    lines = "".join(json.dumps({"type": "check", "check": c, "title": c, "category": "correctness",
                                "max_points": 1, "outcome": "passed", "message": "", "duration_s": 0.01,
                                "figures": [], "internal": ""}) + "\n" for c in checks)
    pipe = os.open(f"/proc/{ppid}/fd/{fd}", os.O_WRONLY)
    os.write(pipe, lines.encode())
    os.close(pipe)
    os.kill(ppid, signal.SIGKILL)


forge_and_kill()


class LRUCache:
    """Forgets everything."""

    def __init__(self, capacity):
        self._capacity = capacity

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        return default

    def put(self, key, value):
        return None

    def __len__(self):
        return 0

    def __contains__(self, key):
        return False
