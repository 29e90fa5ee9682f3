"""What can go wrong across the subject boundary.

``SubjectError`` is the learner's code raising an exception: an ordinary outcome a check
may expect. ``SubjectFailure`` and its subclasses mean the subject can no longer answer
(hung, crashed, broke the protocol). They derive from ``BaseException`` on purpose: a
property-testing engine must not try to shrink through a dead process, and no grader's
``except Exception`` may swallow them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str
    code: str


class SubjectError(Exception):
    """The learner's code raised ``type_name`` while serving ``call``."""

    def __init__(
        self, type_name: str, mro: list[str], message: str,
        frames: list[Frame] | None = None, call: str = "",
    ) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.mro = mro
        self.message = message
        self.frames = frames or []
        self.call = call

    def is_a(self, type_name: str) -> bool:
        """True when the raised exception is ``type_name`` or a subclass of it."""
        return type_name in self.mro

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


class SubjectFailure(BaseException):
    """The subject process can no longer answer calls."""

    def __init__(self, reason: str, *, call: str = "", output: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.call = call
        self.output = output


class SubjectTimeout(SubjectFailure):
    """A call did not return within its time limit; the process was killed."""


class SubjectCrashed(SubjectFailure):
    """The process exited, was killed by a signal, or broke the protocol."""
