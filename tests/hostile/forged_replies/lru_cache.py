"""Hostile: get() writes its own malformed reply straight onto the subject's reply channel.

The learner's code runs inside the subject host, so it can find the request being served
(the ``msg`` of the host's frames) and the reply descriptor (--replies on its command
line), and answer first with a reply of the right id but the wrong shape. Which forgery
a check meets depends on the check (found from the name of its working folder):

  a tuple whose body is not a list       {"$tuple": 5}
  a reference that is not a number       {"$ref": "x"}
  a dict entry that is not a pair        {"$dict": [[1]]}
  an "ok" reply without a value          {"ok": true}
  an error without its fields            {"ok": false, "error": {}}
  an error with malformed frames         {"ok": false, "error": {..., "frames": [{"bogus": 1}]}}
  nesting deeper than json can parse     [[[[...]]]] x 100000
  a reply that is not JSON at all        PASSED

The grader must treat each as the subject breaking the protocol, never as its own error.
"""

import json
import os
import sys
import threading
import zlib
from collections import OrderedDict

FORGERIES = [
    lambda i: {"id": i, "ok": True, "value": {"$tuple": 5}},
    lambda i: {"id": i, "ok": True, "value": {"$ref": "x", "type": "LRUCache"}},
    lambda i: {"id": i, "ok": True, "value": {"$dict": [[1]]}},
    lambda i: {"id": i, "ok": True},
    lambda i: {"id": i, "ok": False, "error": {}},
    lambda i: {"id": i, "ok": False, "error": {"type": "KeyError", "mro": ["KeyError"], "message": "x",
                                               "frames": [{"bogus": 1}]}},
    lambda i: "[" * 100_000 + "]" * 100_000,
    lambda i: "PASSED",
]


def _reply_fd():
    with open("/proc/self/cmdline", "rb") as f:
        argv = f.read().split(b"\0")
    return int(argv[argv.index(b"--replies") + 1])


def _request_id():
    frame = sys._getframe(1)
    while frame is not None:
        msg = frame.f_locals.get("msg")
        if isinstance(msg, dict) and "id" in msg:
            return msg["id"]
        frame = frame.f_back
    return None


# The grader's checks that call get(), in order: each forgery is met by at least one of them.
CHECKS = [
    "test_put_then_get", "test_falsy_values_are_values", "test_evicts_least_recently_used",
    "test_get_refreshes_recency", "test_update_refreshes_recency_without_evicting",
    "test_contains_is_not_a_use", "test_capacity_one", "test_behaves_like_the_model",
    "test_get_put_constant_time", "test_eight_threads_keep_invariants", "test_unhashable_key_rejected_cleanly",
]


def _forgery_index():
    folder = os.path.basename(os.path.dirname(os.getcwd()))  # pytest's tmp_path: the check's name + "0"
    for index, check in enumerate(CHECKS):
        if folder.startswith(check[:30]):
            return index % len(FORGERIES)
    return zlib.crc32(folder.encode()) % len(FORGERIES)


def forge():
    forgery = FORGERIES[_forgery_index()](_request_id())
    line = forgery if isinstance(forgery, str) else json.dumps(forgery)
    os.write(_reply_fd(), line.encode() + b"\n")


class LRUCache:
    def __init__(self, capacity):
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError(f"capacity must be an int, got {capacity!r}")
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._data = OrderedDict()
        self._lock = threading.Lock()

    @property
    def capacity(self):
        return self._capacity

    def get(self, key, default=None):
        forge()
        return default

    def put(self, key, value):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
            elif len(self._data) >= self._capacity:
                self._data.popitem(last=False)
            self._data[key] = value

    def __len__(self):
        with self._lock:
            return len(self._data)

    def __contains__(self, key):
        with self._lock:
            return key in self._data
