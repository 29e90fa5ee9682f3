"""Progress over time: one summary per graded report, and a chart of it drawn as SVG.

The history travels with the published site (``history.json`` at its root): the learner's
workflow downloads the previous one before building, so no commit is needed to keep it.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

MAX_ENTRIES = 500


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """What one report adds to the history."""
    stages: dict[str, dict[str, float]] = {}
    for exercise in report["exercises"]:
        stage = stages.setdefault(exercise["stage"], {"points": 0, "max_points": 0})
        stage["points"] += exercise["points"]
        stage["max_points"] += exercise["max_points"]
    totals = report["totals"]
    return {"created_at": report["created_at"], "points": totals["points"], "max_points": totals["max_points"],
            "passed": totals["passed"], "exercises": totals["exercises"], "stages": stages}


def load(path: Path | None) -> list[dict[str, Any]]:
    """A history file's entries; a missing or unreadable one is an empty history, not an error
    (the first build of a site has none, and a broken download must not stop the build)."""
    if path is None or not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = data.get("entries") if isinstance(data, dict) else None
    return [e for e in entries or [] if isinstance(e, dict) and {"created_at", "points", "max_points"} <= set(e)]


def append(entries: list[dict[str, Any]], report: dict[str, Any]) -> list[dict[str, Any]]:
    entry = summary(report)
    kept = [e for e in entries if e["created_at"] != entry["created_at"]]
    return sorted([*kept, entry], key=lambda e: str(e["created_at"]))[-MAX_ENTRIES:]


def dump(entries: list[dict[str, Any]]) -> str:
    return json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False) + "\n"


def chart(entries: list[dict[str, Any]], width: int = 720, height: int = 240) -> str:
    """Points per run as a line over the maximum, one dot per graded push."""
    pad_left, pad_right, pad_top, pad_bottom = 48, 16, 16, 36
    inner_w, inner_h = width - pad_left - pad_right, height - pad_top - pad_bottom
    top = max([float(e["max_points"]) for e in entries] + [float(e["points"]) for e in entries] + [1.0])

    def x(i: int) -> float:
        return pad_left + (inner_w * i / (len(entries) - 1) if len(entries) > 1 else inner_w / 2)

    def y(value: float) -> float:
        return pad_top + inner_h * (1 - value / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif" font-size="12">',
             '<title>Points per graded run</title>',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>']
    for fraction in (0, 0.5, 1):
        value = top * fraction
        parts.append(f'<line x1="{pad_left}" x2="{width - pad_right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{pad_left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>')
    if entries:
        maximum = " ".join(f"{x(i):.1f},{y(float(e['max_points'])):.1f}" for i, e in enumerate(entries))
        points = " ".join(f"{x(i):.1f},{y(float(e['points'])):.1f}" for i, e in enumerate(entries))
        parts.append(f'<polyline points="{maximum}" fill="none" stroke="#999" stroke-dasharray="4 3"/>')
        parts.append(f'<polyline points="{points}" fill="none" stroke="#3f51b5" stroke-width="2"/>')
        for i, e in enumerate(entries):
            label = escape(f"{e['created_at']}: {e['points']:g}/{e['max_points']:g} points")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(e["points"])):.1f}" r="3" fill="#3f51b5">'
                         f"<title>{label}</title></circle>")
        for i in sorted({0, len(entries) - 1}):
            parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" text-anchor="middle">'
                         f"{escape(str(entries[i]['created_at'])[:10])}</text>")
    else:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no graded runs yet</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
