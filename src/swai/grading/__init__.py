"""What grader authors use: checks, figures, performance helpers and stateful machines."""

from swai.grading.checks import (
    CheckFailure,
    expect_at_least,
    expect_at_most,
    expect_equal,
    expect_raises,
    expect_true,
    fail,
)
from swai.grading.figures import Figures

__all__ = [
    "CheckFailure",
    "Figures",
    "expect_at_least",
    "expect_at_most",
    "expect_equal",
    "expect_raises",
    "expect_true",
    "fail",
]
