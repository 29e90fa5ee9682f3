"""Public sample tests for BloomFilter. The grader checks much more than this."""

from __future__ import annotations

import math

import pytest
from bloom_filter import BloomFilter


def test_sizing_follows_the_formulas() -> None:
    bloom = BloomFilter(1000, 0.01)
    assert bloom.expected_items == 1000
    assert bloom.fp_rate == 0.01
    assert bloom.size_bits == math.ceil(-1000 * math.log(0.01) / math.log(2) ** 2)  # 9586
    assert bloom.hash_count == 7  # round(9586 / 1000 * ln 2) = round(6.64)


def test_added_items_are_found() -> None:
    bloom = BloomFilter(100, 0.01)
    assert "apple" not in bloom  # an empty filter contains nothing
    bloom.add("apple")
    bloom.add(b"\x00\x01")
    assert "apple" in bloom
    assert b"\x00\x01" in bloom


def test_str_and_its_utf8_bytes_are_the_same_item() -> None:
    bloom = BloomFilter(100, 0.01)
    bloom.add("héllo")
    assert "héllo".encode() in bloom


def test_union_holds_both() -> None:
    left, right = BloomFilter(100, 0.01), BloomFilter(100, 0.01)
    left.add("a")
    right.add("b")
    before = left.to_bytes()
    both = left.union(right)
    assert "a" in both and "b" in both
    assert left.to_bytes() == before  # union() returns a new filter; the operands are unchanged


def test_round_trip() -> None:
    bloom = BloomFilter(500, 0.001)
    for word in ("x", "y", "z"):
        bloom.add(word)
    copy = BloomFilter.from_bytes(bloom.to_bytes())
    assert (copy.size_bits, copy.hash_count) == (bloom.size_bits, bloom.hash_count)
    assert all(word in copy for word in ("x", "y", "z"))
    assert copy.to_bytes() == bloom.to_bytes()


def test_few_false_positives() -> None:
    bloom = BloomFilter(1000, 0.01)
    for i in range(1000):
        bloom.add(f"member-{i}")
    false_positives = sum(f"other-{i}" in bloom for i in range(10_000))
    assert false_positives < 200  # about 100 expected (1%)


@pytest.mark.parametrize(("n", "p"), [(0, 0.01), (100, 0.0), (100, 1.0), (100, float("nan"))])
def test_bad_parameters_are_a_value_error(n: int, p: float) -> None:
    with pytest.raises(ValueError):
        BloomFilter(n, p)


def test_items_must_be_str_or_bytes() -> None:
    bloom = BloomFilter(100, 0.01)
    with pytest.raises(TypeError):
        bloom.add(42)  # type: ignore[arg-type]


def test_truncated_data_is_a_value_error() -> None:
    data = BloomFilter(100, 0.01).to_bytes()
    with pytest.raises(ValueError):
        BloomFilter.from_bytes(data[:-1])
