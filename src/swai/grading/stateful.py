"""Stateful property tests on a subject: hypothesis drives the learner's API against a model.

Each example starts with a cleared transcript, so when hypothesis replays the shrunk failing
example, the transcript is exactly that minimal sequence of calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from swai.subject.client import Subject


def run_machine(subject: Subject, factory: Callable[[], RuleBasedStateMachine], *,
                max_examples: int = 100, steps: int = 40) -> None:
    def fresh() -> RuleBasedStateMachine:
        subject.transcript.clear()
        return factory()

    # hypothesis accepts any factory of machines, though its annotation names the class.
    run_state_machine_as_test(cast(type[RuleBasedStateMachine], fresh),
                              settings=settings(max_examples=max_examples, stateful_step_count=steps))
