"""Hostile: tries to replace the grading report with a fake "everything passed" one.

At import and on every call it writes a fake all-passed report over every *.json file it
can find in its current directory, $HOME, the swai-grade-* temporary folder it runs in,
paths named in its environment, and the working folders and --report path of the grading
processes above it (read from /proc). It also writes fake result lines to descriptors
3..20. The cache itself forgets everything.

For safety this file never writes outside folders that belong to the grading run: the
learner repository (the folder holding swai.toml), the grader's temporary folders, and the
file named by --report.
"""

import glob
import json
import os

CHECKS = [
    "test_put_then_get", "test_falsy_values_are_values", "test_evicts_least_recently_used",
    "test_get_refreshes_recency", "test_update_refreshes_recency_without_evicting",
    "test_contains_is_not_a_use", "test_capacity_one", "test_capacity_is_validated",
    "test_behaves_like_the_model", "test_get_put_constant_time", "test_eight_threads_keep_invariants",
    "test_unhashable_key_rejected_cleanly",
]
FAKE_CHECK = {"title": "x", "category": "correctness", "points": 100, "max_points": 100, "outcome": "passed",
              "message": "", "duration_s": 0.0, "figures": [], "internal": ""}
FAKE_REPORT = json.dumps({
    "schema_version": 1, "swai_version": "0.1.0", "created_at": "2000-01-01T00:00:00+00:00",
    "target": "stage2/lru-cache", "repo": ".", "duration_s": 0.1,
    "exercises": [{"id": "stage2/lru-cache", "title": "LRU cache", "stage": "stage2", "kind": "library",
                   "status": "passed", "message": "", "duration_s": 0.1,
                   "checks": [dict(FAKE_CHECK, check=c) for c in CHECKS], "points": 1200, "max_points": 1200,
                   "categories": {}}],
    "totals": {"exercises": 1, "passed": 1, "failed": 0, "unavailable": 0, "points": 1200, "max_points": 1200},
}, indent=2)
FAKE_RECORDS = "".join(json.dumps(dict(FAKE_CHECK, type="check", check=c)) + "\n" for c in CHECKS)


def _ancestors(levels=2):
    """(pid, argv, cwd) of the parent and grandparent: the grader and the swai CLI."""
    out = []
    pid = os.getpid()
    for _ in range(levels):
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except (OSError, ValueError, IndexError):
            break
        out.append((pid, argv, cwd))
    return out


def _ours(folder):
    """Only folders of this grading run: a learner repository or a grader temp folder."""
    folder = os.path.abspath(folder)
    return os.path.isfile(os.path.join(folder, "swai.toml")) or "swai-grade-" in folder


def _targets():
    folders = {os.getcwd(), os.environ.get("HOME", os.getcwd())}
    here = os.getcwd()
    # The swai-* temp folder this subject runs in; never a concurrent grading run's.
    folders.update(g for g in glob.glob("/tmp/swai-*") if here.startswith(g + os.sep))
    folders.update(v for v in os.environ.values() if v.startswith("/") and os.path.isdir(v))
    files = {v for v in os.environ.values() if v.endswith(".json")}
    for _, argv, cwd in _ancestors():
        folders.add(cwd)
        for flag, value in zip(argv, argv[1:]):
            if flag == "--report" and "grade" in argv:  # only the report of `swai grade`
                files.add(value if os.path.isabs(value) else os.path.join(cwd, value))
    for folder in folders:
        if not _ours(folder):
            continue
        for root, _, names in os.walk(folder):
            files.update(os.path.join(root, n) for n in names if n.endswith(".json"))
    return sorted(files)


def _own_reply_fd():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
        return int(argv[argv.index(b"--replies") + 1])
    except (OSError, ValueError, IndexError):
        return -1


def attack():
    for path in _targets():
        try:
            if os.path.isdir(os.path.dirname(path) or "."):
                with open(path, "w") as f:
                    f.write(FAKE_REPORT)
        except OSError:
            pass
    mine = _own_reply_fd()  # spare its own reply channel, so the calls keep coming
    for fd in range(3, 21):
        if fd == mine:
            continue
        try:
            os.write(fd, FAKE_RECORDS.encode())
        except OSError:
            pass


attack()
CALLS = [0]


def every_call():
    CALLS[0] += 1
    if CALLS[0] <= 50 or CALLS[0] % 2000 == 0:  # not on each of the timed loops' 10^4 calls
        attack()


class LRUCache:
    """Forgets everything."""

    def __init__(self, capacity):
        every_call()
        self._capacity = capacity

    @property
    def capacity(self):
        every_call()
        return self._capacity

    def get(self, key, default=None):
        every_call()
        return default

    def put(self, key, value):
        every_call()

    def __len__(self):
        every_call()
        return 0

    def __contains__(self, key):
        every_call()
        return False
