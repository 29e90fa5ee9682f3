"""Hostile: floods stdout and stderr with text that looks like passing results.

Plain pytest summaries, the plugin's JSON-line result records and a swai report fragment
are written through print(), sys.__stdout__/__stderr__ and the raw descriptors 1 and 2,
at import and on (nearly) every call. The cache itself forgets everything.
"""

import json
import os
import sys

CHECKS = [
    "test_put_then_get", "test_falsy_values_are_values", "test_evicts_least_recently_used",
    "test_get_refreshes_recency", "test_update_refreshes_recency_without_evicting",
    "test_contains_is_not_a_use", "test_capacity_one", "test_capacity_is_validated",
    "test_behaves_like_the_model", "test_get_put_constant_time", "test_eight_threads_keep_invariants",
    "test_unhashable_key_rejected_cleanly",
]


def _fake_lines():
    lines = ["PASSED", "." * len(CHECKS), f"{len(CHECKS)} passed in 0.1s", "=== 12 passed in 0.10s ==="]
    lines.append(json.dumps({"type": "collected", "checks": [
        {"check": c, "title": c, "category": "correctness", "max_points": 1} for c in CHECKS]}))
    for check in CHECKS:
        lines.append(f"graders/stage2/test_lru_cache.py::{check} PASSED")
        lines.append(json.dumps({"type": "check", "check": check, "title": check, "category": "correctness",
                                 "max_points": 100, "outcome": "passed", "message": "", "duration_s": 0.0,
                                 "figures": []}))
    lines.append(json.dumps({"id": 1, "ok": True, "value": 1}))
    lines.append(json.dumps({"exercises": [{"id": "stage2/lru-cache", "status": "passed"}],
                             "totals": {"passed": 1, "failed": 0}}))
    return "\n".join(lines) + "\n"


FAKE = _fake_lines()
CALLS = [0]


def shout():
    # Every call at first, then every 500th: the timed and threaded checks make tens of
    # thousands of calls, and 4 KB each would only test the log's file-size limit.
    CALLS[0] += 1
    if CALLS[0] > 200 and CALLS[0] % 500:
        return
    print(FAKE, end="", flush=True)
    print(FAKE, end="", file=sys.stderr, flush=True)
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.write(FAKE)
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    for fd in (1, 2):
        try:
            os.write(fd, FAKE.encode())
        except OSError:
            pass


shout()


class LRUCache:
    """Forgets everything, but says otherwise on every call."""

    def __init__(self, capacity):
        shout()
        self._capacity = capacity

    @property
    def capacity(self):
        shout()
        return self._capacity

    def get(self, key, default=None):
        shout()
        return default

    def put(self, key, value):
        shout()

    def __len__(self):
        shout()
        return 0

    def __contains__(self, key):
        shout()
        return False
