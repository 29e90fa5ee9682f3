"""Turn the way a check ended into an outcome and a message a learner can act on.

The message always follows one shape: what went wrong, what was done (the calls made on
the learner's code, oldest first), what was expected, what came back, and a hint. Grader
tracebacks are never shown to the learner; the learner's own frames are.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from hypothesis.errors import Flaky

from swai.grading.checks import CheckFailure
from swai.subject.client import Transcript, iter_frames
from swai.subject.errors import SubjectError, SubjectFailure, SubjectTimeout

CALLS_SHOWN = 25


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "failed" or "error"
    message: str
    internal: str = ""  # grader traceback, for maintainers only


def _indent(lines: list[str], pad: str = "    ") -> list[str]:
    return [pad + line for line in lines]


def _message(summary: str, transcript: Transcript | None, *, expected: str = "", got: str = "",
             hint: str = "", extra: list[str] | None = None) -> str:
    lines = [summary]
    calls = transcript.lines(CALLS_SHOWN) if transcript is not None else []
    if calls:
        lines.append("  What was done (calls on your code, oldest first):")
        lines += _indent(calls)
    if expected:
        lines.append(f"  Expected: {expected}")
    if got:
        lines.append(f"  Got:      {got}")
    lines += extra or []
    if hint:
        lines.append(f"  Hint:     {hint}")
    return "\n".join(lines)


def _output(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    return ["  The end of what your code printed:", *_indent(text.splitlines()[-12:])]


def render(exc: BaseException, transcript: Transcript | None, hint: str = "") -> Verdict:
    """The verdict for a check that ended by raising ``exc``."""
    if isinstance(exc, CheckFailure):
        return Verdict("failed", _message(exc.summary, transcript, expected=exc.expected, got=exc.got,
                                          hint=exc.hint or hint))
    if isinstance(exc, SubjectTimeout):
        return Verdict("failed", _message(
            f"Your code did not answer: {exc.reason}.", transcript, extra=_output(exc.output),
            hint=hint or "Look for an infinite loop, or a lock that is taken twice or never released."))
    if isinstance(exc, SubjectFailure):
        return Verdict("failed", _message(
            f"Your code stopped running: {exc.reason}.", transcript, extra=_output(exc.output),
            hint=hint or "Library code must not exit the process (sys.exit, os._exit) or use unbounded memory."))
    if isinstance(exc, SubjectError):
        where = exc.frames[-1] if exc.frames else None
        if exc.is_a("NotImplementedError") and not hint:
            hint = f"This is still the stub's placeholder: implement {where.function if where else 'it'}."
        elif not hint:
            hint = ("Replay the calls above in a test of your own"
                    + (f" and step through {where.function} ({where.file}, line {where.line})." if where else "."))
        frames = list(iter_frames(exc))
        extra = ["  Where (your code, innermost last):", *_indent(frames, "  ")] if frames else []
        return Verdict("failed", _message(
            f"Your code raised {exc.type_name}: {exc.message}" if exc.message else f"Your code raised {exc.type_name}",
            transcript, extra=extra, hint=hint))
    if isinstance(exc, Flaky):
        return Verdict("failed", _message(
            "The same calls gave different results when repeated.", transcript,
            hint="Results must not depend on timing, randomness or leftover global state."))
    if isinstance(exc, AssertionError):
        return Verdict("failed", _message(str(exc) or "A check failed.", transcript, hint=hint))
    internal = "".join(traceback.format_exception(exc))
    return Verdict("error", _message(
        f"The grader could not finish this check ({type(exc).__name__}: {exc}).", transcript,
        hint="This is often a value of an unexpected type coming back from your code. "
             "If your code follows the spec, please report it."), internal)
