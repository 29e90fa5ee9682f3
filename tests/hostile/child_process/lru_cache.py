"""Hostile: leaves processes behind. At import it starts a child that sleeps for 1000 s and
ignores SIGTERM and SIGHUP, then a grandchild whose parent exits at once (an orphan).

Both carry the project path in their argv, so the test can look for them in /proc after
grading. The cache forgets everything, so the report must still say failed.
"""

import os
import subprocess
import sys

MARKER = "swai-hostile-sleeper:" + os.path.dirname(os.path.abspath(__file__))
SLEEPER = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " \
          "signal.signal(signal.SIGHUP, signal.SIG_IGN); time.sleep(1000)"

subprocess.Popen([sys.executable, "-c", SLEEPER, MARKER], stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# An orphan: its parent (the shell) exits at once, so it is re-parented away from the subject.
subprocess.Popen(["/bin/sh", "-c", f'"{sys.executable}" -c "{SLEEPER}" "{MARKER}" &'],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait()


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
