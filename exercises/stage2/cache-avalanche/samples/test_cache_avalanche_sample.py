"""Public sample tests for the cache avalanche lab. The grader checks much more than this."""

from __future__ import annotations

import importlib.util
import itertools
import random
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from incidents.cache_avalanche import ProductCache

from swai.subject.fakes import FakeClock

PROJECT = Path(__file__).resolve().parent.parent


@cache
def load_script() -> ModuleType:
    path = PROJECT / "incidents" / "cache_avalanche_load.py"
    spec = importlib.util.spec_from_file_location("cache_avalanche_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_second_reloads_a_fifth_of_the_catalogue() -> None:
    result = load_script().run_load(ProductCache)
    peak = max(result["per_window"])
    assert peak <= 200, f"{peak} of 1000 products reloaded in one second: the avalanche is still there"


def test_lifetimes_stay_in_the_band_on_reloads() -> None:
    # One product, read every 0.5 s for five cycles: each lifetime within [54 s, 66 s].
    clock = FakeClock()
    loads: list[float] = []

    def loader(key: str) -> str:
        loads.append(clock())
        return key

    product_cache = ProductCache(loader, 60, jitter=0.1, rng=random.Random(5), clock=clock)
    product_cache.get("p0000")
    while clock() < 330:
        clock.advance(0.5)
        product_cache.get("p0000")
    lives = [b - a for a, b in itertools.pairwise(loads)]
    assert len(lives) >= 4 and all(54 <= life <= 66.5 for life in lives), lives


def test_every_answer_is_filled_in() -> None:
    data: dict[str, Any] = yaml.safe_load((PROJECT / "answers" / "cache-avalanche.yaml").read_text(encoding="utf-8"))
    blanks = [f"{key}.{sub}" for key, value in data.items() if isinstance(value, dict)
              for sub, leaf in value.items() if leaf is None]
    blanks += [key for key, value in data.items() if value is None]
    assert blanks == [], f"still blank: {blanks}"
