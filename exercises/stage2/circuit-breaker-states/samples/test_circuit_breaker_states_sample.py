"""Public sample tests for the circuit-breaker-states answers: your answers against your own breaker.

They check that the states and numbers in answers/circuit-breaker-states.yaml are what
experiments/circuit_breaker_states.py measures with your CircuitBreaker. The grader checks
more: your answers against the rules themselves, and the questions no experiment answers.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

PROJECT = Path(__file__).resolve().parent.parent


def experiment() -> Any:
    """experiments/circuit_breaker_states.py, imported (its main() does not run)."""
    path = PROJECT / "experiments" / "circuit_breaker_states.py"
    spec = importlib.util.spec_from_file_location("circuit_breaker_states_experiment", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers() -> dict[str, Any]:
    data = yaml.safe_load((PROJECT / "answers" / "circuit-breaker-states.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "answers/circuit-breaker-states.yaml should be a mapping, as in the template"
    return data


@pytest.mark.parametrize("name", ["a", "b", "c", "d"])
def test_predicted_states_are_what_your_breaker_does(name: str) -> None:
    from circuit_breaker import CircuitBreaker

    measured = [row["state"] for row in experiment().replay_sequence(CircuitBreaker, name)]
    predicted = answers()["sequences"][name]
    assert predicted == measured, f"sequence {name}: your prediction differs from your breaker"


def test_numbers_are_what_your_breaker_measures() -> None:
    from circuit_breaker import CircuitBreaker

    run = experiment()
    stated = answers()
    assert stated["half_open"]["trial_calls_admitted"] == run.burst(CircuitBreaker)
    assert stated["traffic"] == run.traffic(CircuitBreaker)
