"""Measured figures a check reports beside its verdict (performance ratios, rates, counts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str = ""
    threshold: float | None = None
    better: Better = "lower"

    @property
    def margin(self) -> float | None:
        """How far inside its threshold the value is: 2.0 means twice as good as needed."""
        if self.threshold is None or self.value <= 0 or self.threshold <= 0:
            return None
        return self.threshold / self.value if self.better == "lower" else self.value / self.threshold

    @property
    def within(self) -> bool | None:
        if self.threshold is None:
            return None
        return self.value <= self.threshold if self.better == "lower" else self.value >= self.threshold

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["margin"] = self.margin
        return data


class Figures:
    """Collects the figures of one check; given to graders as the ``figures`` fixture."""

    def __init__(self) -> None:
        self.items: list[Figure] = []

    def record(self, name: str, value: float, *, unit: str = "", threshold: float | None = None,
               better: Better = "lower") -> Figure:
        figure = Figure(name, float(value), unit, threshold, better)
        self.items.append(figure)
        return figure
