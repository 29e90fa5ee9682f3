"""Assertions for graders that fail with what a learner needs: expected, got, and a hint.

What was done is not repeated here: the plugin adds the transcript of calls on the
learner's code to every failure. ``hint`` is required everywhere: a failure without a next
step for the learner is a defect of the grader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from swai.subject.client import show
from swai.subject.errors import SubjectError


class CheckFailure(AssertionError):
    """A check's verdict: the learner's code did not behave as the spec says."""

    def __init__(self, summary: str, *, expected: str = "", got: str = "", hint: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.expected = expected
        self.got = got
        self.hint = hint


def fail(summary: str, *, hint: str, expected: str = "", got: str = "") -> NoReturn:
    raise CheckFailure(summary, expected=expected, got=got, hint=hint)


def expect_equal(actual: Any, expected: Any, summary: str, *, hint: str) -> None:
    """Fail unless ``actual == expected`` with the same type (so ``True`` is not ``1``)."""
    if type(actual) is not type(expected) or actual != expected:
        fail(summary, expected=show(expected), got=show(actual), hint=hint)


def expect_true(condition: bool, summary: str, *, hint: str, expected: str = "", got: str = "") -> None:
    if condition is not True:
        fail(summary, expected=expected, got=got, hint=hint)


def expect_raises(type_name: str, action: Callable[[], Any], summary: str, *, hint: str) -> SubjectError:
    """Fail unless the learner's code raises ``type_name`` (or a subclass) when ``action`` runs."""
    try:
        result = action()
    except SubjectError as exc:
        if exc.is_a(type_name):
            return exc
        fail(summary, expected=f"{type_name} to be raised", got=f"{exc.type_name}: {exc.message}", hint=hint)
    fail(summary, expected=f"{type_name} to be raised", got=f"it returned {show(result)}", hint=hint)


def expect_at_most(value: float, limit: float, summary: str, *, hint: str, unit: str = "") -> None:
    if not value <= limit:
        fail(summary, expected=f"at most {limit:g}{unit}", got=f"{value:.3g}{unit}", hint=hint)


def expect_at_least(value: float, limit: float, summary: str, *, hint: str, unit: str = "") -> None:
    if not value >= limit:
        fail(summary, expected=f"at least {limit:g}{unit}", got=f"{value:.3g}{unit}", hint=hint)
