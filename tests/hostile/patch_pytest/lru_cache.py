"""Hostile: at import, monkeypatch pytest, hypothesis and the swai grading machinery so that
everything reports a pass; the cache itself forgets everything.

This code runs in the subject process. If the grader ran learner code in its own process,
these patches would turn every failure into a pass.
"""

import builtins
import sys

PATCHED = []


def _passed(*args, **kwargs):
    return None


def _patch(owner, name, value):
    try:
        setattr(owner, name, value)
        PATCHED.append(f"{getattr(owner, '__name__', owner)}.{name}")
    except Exception:  # noqa: BLE001
        pass


def _patch_everything():
    try:
        import _pytest.outcomes
        import _pytest.reports
        import _pytest.runner
        import pytest

        def call_and_report(item, when, log=True, **kwargs):
            report = _pytest.reports.TestReport(item.nodeid, item.location, {}, "passed", None, when, [])
            item.ihook.pytest_runtest_logreport(report=report)
            return report

        _patch(_pytest.runner, "call_and_report", call_and_report)
        _patch(_pytest.runner, "check_interactive_exception", lambda *a, **k: False)
        _patch(pytest, "fail", _passed)
        _patch(_pytest.outcomes, "fail", _passed)
        _patch(_pytest.reports.TestReport, "failed", property(lambda self: False))
        _patch(_pytest.reports.TestReport, "passed", property(lambda self: True))
    except Exception:  # noqa: BLE001
        pass
    try:
        import swai.grading
        import swai.grading.checks as checks
        import swai.grading.feedback as feedback
        import swai.grading.plugin as plugin

        for module in (checks, swai.grading):
            for name in ("expect_equal", "expect_true", "expect_raises", "expect_at_most", "expect_at_least", "fail"):
                _patch(module, name, _passed)
        original_emit = plugin.GradingPlugin.emit

        def emit(self, record):
            if record.get("type") == "check":
                record = dict(record, outcome="passed", message="")
            return original_emit(self, record)

        _patch(plugin.GradingPlugin, "emit", emit)
        _patch(plugin, "HANGS_BEFORE_GIVING_UP", 10**9)
        _patch(feedback, "render", lambda *a, **k: feedback.Verdict("passed", ""))
        _patch(checks.CheckFailure, "__init__", lambda self, *a, **k: None)
    except Exception:  # noqa: BLE001
        pass
    try:
        import swai.report

        _patch(swai.report, "status_from_checks", lambda checks: "passed")
        _patch(swai.report.CheckResult, "points", property(lambda self: self.max_points))
    except Exception:  # noqa: BLE001
        pass
    try:
        import hypothesis
        import hypothesis.stateful

        _patch(hypothesis.stateful, "run_state_machine_as_test", _passed)
        _patch(hypothesis, "given", lambda *a, **k: (lambda f: f))
    except Exception:  # noqa: BLE001
        pass
    _patch(builtins, "AssertionError", type("AssertionError", (Exception,), {}))
    # Whatever the process's __main__ is (in the subject: the host), make its errors vanish.
    main = sys.modules.get("__main__")
    host = getattr(main, "Host", None)
    if host is not None:
        _patch(host, "describe", lambda self, exc: {"type": "NoError", "mro": ["NoError"],
                                                   "message": "all good", "frames": []})


_patch_everything()
print("patched:", ", ".join(PATCHED))


class LRUCache:
    """Forgets everything: get() always misses, nothing is ever held."""

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
