"""Hostile: creating a cache SIGKILLs the subject's grandparent: the `swai grade` process
itself (subject -> pytest -> CLI), found through /proc. No report is written."""

import os
import signal


def _ppid(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _kill_cli():
    cli = _ppid(os.getppid())
    with open(f"/proc/{cli}/cmdline", "rb") as f:
        argv = f.read().split(b"\0")
    if b"grade" in argv and any(b"swai" in a for a in argv):  # never anything but `swai grade`
        os.kill(cli, signal.SIGKILL)


class LRUCache:
    def __init__(self, capacity):
        _kill_cli()
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
