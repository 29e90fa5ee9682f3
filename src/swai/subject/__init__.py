"""Run untrusted learner code in a child process and call it as if it were local."""

from swai.subject.client import RemoteObject, Subject, Transcript
from swai.subject.errors import (
    SubjectCrashed,
    SubjectError,
    SubjectFailure,
    SubjectTimeout,
)
from swai.subject.limits import Limits

__all__ = [
    "Limits",
    "RemoteObject",
    "Subject",
    "SubjectCrashed",
    "SubjectError",
    "SubjectFailure",
    "SubjectTimeout",
    "Transcript",
]
