"""Grader for stage2/bloom-filter: a Bloom filter sized from n and p, with union and serialisation."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    rule,
)

from swai.grading import Figures, expect_equal, expect_raises, expect_true, fail
from swai.grading.perf import check_growth
from swai.grading.stateful import run_machine
from swai.subject import RemoteObject, Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError
from swai.subject.limits import Limits

MODULE = "bloom_filter"
CLASS = "BloomFilter"
LN2 = math.log(2)

SIZING_HINT = ("m = ceil(-n * ln(p) / (ln 2)**2) bits and k = round(m / n * ln 2) hash functions, at least 1; "
               "use math.log (the natural logarithm), not math.log10 or math.log2.")
HASHING_HINT = ("Derive all k bit positions from the item's bytes, e.g. double hashing: two 64-bit numbers h1, h2 "
                "from one hashlib.blake2b digest, position i = (h1 + i * h2) % m, with h2 never 0 (h2 |= 1).")


# -- helpers --------------------------------------------------------------------------------

def new(subject: Subject, expected_items: Any, fp_rate: Any) -> RemoteObject:
    bloom: RemoteObject = getattr(subject.import_module(MODULE), CLASS)(expected_items, fp_rate)
    return bloom


def filter_class(subject: Subject) -> RemoteObject:
    """The learner's class itself, to call ``BloomFilter.from_bytes``; named for the transcript."""
    transcript = subject.transcript
    before = len(transcript.entries)
    cls: RemoteObject = subject.import_module(MODULE).attr(CLASS)
    # Reading the class is bookkeeping, not a call worth showing, and a class reference would
    # otherwise be named after its type ("type") in the transcript.
    del transcript.entries[before:]
    object.__setattr__(cls, "_name", CLASS)
    return cls


def expect_filter(value: Any, summary: str, hint: str) -> RemoteObject:
    """``value`` must be an object of the learner's class (plain data would mean a wrong return)."""
    if not isinstance(value, RemoteObject) or value._type != CLASS:
        fail(summary, expected=f"a {CLASS}", got=show(value), hint=hint)
    return value


def from_bytes(subject: Subject, data: Any) -> RemoteObject:
    return expect_filter(filter_class(subject).from_bytes(data), "from_bytes() should return a new BloomFilter",
                         hint="Make from_bytes a @classmethod that builds and returns cls(...).")


def as_bytes(item: str | bytes) -> bytes:
    return item.encode("utf-8") if isinstance(item, str) else item


def other_form(item: str | bytes) -> str | bytes | None:
    """The same item the other way round: a str as its UTF-8 bytes, UTF-8 bytes as a str."""
    if isinstance(item, str):
        return item.encode("utf-8")
    try:
        return item.decode("utf-8")
    except UnicodeDecodeError:
        return None


def contains(bloom: RemoteObject, item: Any) -> bool:
    """``item in bloom``, insisting on a real bool (a proxy would turn any non-True into False)."""
    value = bloom._subject.call(bloom, "__contains__", (item,), {}, text=f"{show(item)} in {bloom._name}")
    if type(value) is not bool:
        fail("`in` must answer True or False", expected="a bool", got=show(value),
             hint="Return a bool from __contains__, e.g. all(...) over the k bits, not the bit value itself.")
    return value


def contains_all(subject: Subject, bloom: RemoteObject, items: Sequence[Any]) -> list[bool]:
    """``item in bloom`` for every item, in one round trip."""
    _, results = subject.batch(bloom, [("__contains__", (item,)) for item in items], results=True)
    for item, value in zip(items, results, strict=True):
        if type(value) is not bool:
            fail("`in` must answer True or False", expected="a bool", got=f"{show(value)} for {show(item)}",
                 hint="Return a bool from __contains__, e.g. all(...) over the k bits, not the bit value itself.")
    return list(results)


def add_all(subject: Subject, bloom: RemoteObject, items: Sequence[Any]) -> None:
    subject.batch(bloom, [("add", (item,)) for item in items])


def expect_no_false_negatives(subject: Subject, bloom: RemoteObject, items: Sequence[Any], summary: str,
                              hint: str) -> None:
    answers = contains_all(subject, bloom, items)
    missing = [item for item, found in zip(items, answers, strict=True) if not found]
    if missing:
        fail(summary, expected="True for every item added",
             got=f"False for {len(missing)} of {len(items)} added items, e.g. {show(missing[0])} in the filter "
                 f"-> False", hint=hint)


def parameters(bloom: RemoteObject) -> dict[str, Any]:
    return {name: bloom.attr(name) for name in ("expected_items", "fp_rate", "size_bits", "hash_count")}


def words(rng: random.Random, count: int, prefix: str) -> list[str | bytes]:
    """Distinct seeded items, half str (some non-ASCII) and half bytes, all starting with ``prefix``."""
    out: list[str | bytes] = []
    for i in range(count):
        body = f"{prefix}{i}-{rng.getrandbits(40):010x}"
        if i % 3 == 1:
            body += "-é中"
        out.append(body.encode("utf-8") if i % 2 else body)
    return out


def standard_size(n: int, p: float) -> tuple[int, int]:
    m = math.ceil(-n * math.log(p) / (LN2 * LN2))
    return m, max(1, round(m / n * LN2))


def m_tolerance(m: int) -> int:
    """How far size_bits may be from the formula: rounding up to bytes or words is fine."""
    return max(64, m // 100)


def sizing_problem(n: int, p: float, m: Any, k: Any) -> str:
    """Why (m, k) do not follow the sizing rules for (n, p), or "" when they do."""
    try:
        want_m, want_k = standard_size(n, p)
    except (OverflowError, ValueError):
        return f"expected_items={n} is too large to size a filter for"
    if type(m) is not int or abs(m - want_m) > m_tolerance(want_m):
        return f"size_bits should be {want_m} (± {m_tolerance(want_m)})"
    if type(k) is not int or k < 1 or abs(k - want_k) > 1:
        return f"hash_count should be {want_k} (± 1, and at least 1)"
    return ""


# -- correctness: sizing ----------------------------------------------------------------------

SIZES = [(1, 0.5), (100, 0.9), (100, 0.01), (1000, 0.001), (5000, 0.02), (20000, 0.01), (123457, 0.0001),
         (10, 1e-6)]


@pytest.mark.correctness
@pytest.mark.points(2)
def test_sizing_formulas(subject: Subject) -> None:
    """size_bits and hash_count follow the standard formulas for n and p"""
    for n, p in SIZES:
        bloom = new(subject, n, p)
        want_m, want_k = standard_size(n, p)
        expect_equal(bloom.attr("expected_items"), n, "expected_items should be the value given",
                     hint="Keep the constructor's arguments as read-only properties.")
        expect_equal(bloom.attr("fp_rate"), p, "fp_rate should be the value given",
                     hint="Keep the constructor's arguments as read-only properties.")
        m, k = bloom.attr("size_bits"), bloom.attr("hash_count")
        tolerance = m_tolerance(want_m)
        expect_true(type(m) is int and abs(m - want_m) <= tolerance,
                    f"size_bits is wrong for expected_items={n}, fp_rate={p}",
                    expected=f"{want_m} (± {tolerance})", got=show(m), hint=SIZING_HINT)
        expect_true(type(k) is int and k >= 1 and abs(k - want_k) <= 1,
                    f"hash_count is wrong for expected_items={n}, fp_rate={p} (size_bits={want_m})",
                    expected=f"{want_k} (± 1, and at least 1)", got=show(k), hint=SIZING_HINT)


# -- correctness: membership ------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_add_then_contains(subject: Subject) -> None:
    """added items are found; an empty filter finds nothing"""
    bloom = new(subject, 100, 0.01)
    for probe in ("apple", b"apple", "", b"\x00\xff"):
        expect_equal(contains(bloom, probe), False, "an empty filter must not contain anything",
                     hint="Start with every bit 0; an item is in the filter only if all k of its bits are 1.")
    for item in ("apple", b"\x00\xff", "", "naïve ☃"):
        expect_equal(bloom.add(item), None, "add() should return None",
                     hint="add() sets the item's k bits and returns nothing.")
        expect_equal(contains(bloom, item), True, "an item just added must be in the filter",
                     hint="__contains__ must look at exactly the k positions add() set for the same item.")
    for item in ("apple", b"\x00\xff", "", "naïve ☃"):
        expect_equal(contains(bloom, item), True, "every item added earlier must still be in the filter",
                     hint="Never clear bits: a Bloom filter only ever sets them.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_str_items_are_utf8(subject: Subject) -> None:
    """a str and its UTF-8 bytes are the same item"""
    bloom = new(subject, 200, 0.001)
    for text in ("hello", "héllo", "中文", "emoji 🎉"):
        bloom.add(text)
        expect_equal(contains(bloom, text.encode("utf-8")), True,
                     f"after add({text!r}), its UTF-8 bytes must be in the filter",
                     hint="Hash item.encode('utf-8') for a str and the bytes themselves for bytes, so both "
                          "forms of the same item set the same bits.")
    for data in (b"bytes", "naïve".encode(), "日本".encode()):
        bloom.add(data)
        expect_equal(contains(bloom, data.decode("utf-8")), True,
                     f"after add({data!r}), the str it encodes must be in the filter",
                     hint="Hash item.encode('utf-8') for a str and the bytes themselves for bytes; do not "
                          "use str(item) or repr(item).")


# A fixed alphabet (ASCII, NUL, 2-, 3- and 4-byte UTF-8): st.text() over all of Unicode makes hypothesis
# build its character tables in every fresh grading directory, which costs seconds.
ITEMS = st.one_of(st.text(alphabet="ab \x00éü中文🎉", max_size=6), st.binary(max_size=6))


@pytest.mark.correctness
@pytest.mark.points(4)
@pytest.mark.hint("Replay the calls above in a test of your own. Every bit position must be in range(size_bits), and "
                  "the bit array needs ceil(size_bits / 8) bytes: m // 8 is one byte short when m is not a "
                  "multiple of 8.")
def test_no_false_negatives(subject: Subject) -> None:
    """random add/in/union/to_bytes/from_bytes sequences never lose an added item"""
    hint = ("Every added item must stay in the filter through union() and a to_bytes()/from_bytes() round "
            "trip. Replay the calls above; an IndexError usually means a bit position >= size_bits or a bit "
            "array with fewer than ceil(m / 8) bytes.")

    class Machine(RuleBasedStateMachine):
        added = Bundle("added")
        bloom: RemoteObject
        model: set[bytes]

        @initialize(n=st.integers(1, 40), p=st.sampled_from([0.5, 0.3, 0.1, 0.05, 0.01]))
        def create(self, n: int, p: float) -> None:
            self.n, self.p = n, p
            self.bloom = new(subject, n, p)
            self.model = set()

        @rule(target=added, item=ITEMS)
        def add(self, item: str | bytes) -> str | bytes:
            expect_equal(self.bloom.add(item), None, "add() should return None",
                         hint="add() sets the item's k bits and returns nothing.")
            self.model.add(as_bytes(item))
            return item

        @rule(item=added)
        def found(self, item: str | bytes) -> None:
            expect_equal(contains(self.bloom, item), True, f"{show(item)} was added and must be in the filter",
                         hint=hint)
            other = other_form(item)
            if other is not None:
                expect_equal(contains(self.bloom, other), True,
                             f"{show(item)} was added, so {show(other)} (the same item) must be in the filter",
                             hint="A str and its UTF-8 bytes are the same item.")

        @rule(target=added, items=st.lists(ITEMS, max_size=4))
        def union(self, items: list[str | bytes]) -> Any:
            other = new(subject, self.n, self.p)
            for item in items:
                other.add(item)
            self.bloom = expect_filter(self.bloom.union(other), "union() should return a new BloomFilter",
                                       hint="Build a new filter with the same parameters and return it.")
            self.model |= {as_bytes(item) for item in items}
            return multiple(*items)

        @rule()
        def round_trip(self) -> None:
            data = self.bloom.to_bytes()
            expect_equal(type(data), bytes, "to_bytes() should return bytes",
                         hint="Return a bytes object, e.g. a packed header + bytes(bit array).")
            self.bloom = from_bytes(subject, data)

        @rule()
        def all_found(self) -> None:
            expect_no_false_negatives(subject, self.bloom, sorted(self.model),
                                      "an added item is missing from the filter after the calls above", hint)

    run_machine(subject, Machine, max_examples=40, steps=15)


@pytest.mark.correctness
@pytest.mark.points(3)
def test_false_positive_rate_at_capacity(subject: Subject, figures: Figures) -> None:
    """filled to expected_items, the measured false-positive rate is at most 1.25x fp_rate"""
    # About 0.05 * 24000 = 1200 false positives are expected from a correct filter. Over many seeds
    # and hashing schemes their count varies by about 3.5% (Poisson noise plus how full a particular
    # filter happens to be), so the 1.25x limit is about 7 standard deviations away.
    n, p, probes_count = 2000, 0.05, 24_000
    rng = random.Random(2024)
    members = words(rng, n, "member-")
    probes = words(rng, probes_count, "probe-")  # disjoint from the members: another prefix
    bloom = new(subject, n, p)
    add_all(subject, bloom, members)
    expect_no_false_negatives(subject, bloom, members, f"after adding {n} items, some of them are not found",
                              hint="Add and look up must compute the same k positions for an item.")
    hits = sum(contains_all(subject, bloom, probes))
    rate = hits / probes_count
    figures.record(f"false-positive rate at capacity (n={n}, target {p})", rate)
    limit = 1.25 * p
    if rate > limit:
        fail(f"Too many false positives: {hits} of {probes_count} items never added were reported present",
             expected=f"a false-positive rate of at most {limit:g} (1.25 x fp_rate={p}) with {n} items added",
             got=f"{rate:.4f} (size_bits={bloom.attr('size_bits')}, hash_count={bloom.attr('hash_count')})",
             hint="Check the sizing formulas, that __contains__ requires ALL k bits (not any), and that the k "
                  "positions of an item are really different bits: " + HASHING_HINT)


# -- correctness: union -----------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
def test_union(subject: Subject) -> None:
    """union() returns a new filter holding both sets; the operands are unchanged"""
    n, p = 2000, 0.01
    rng = random.Random(7)
    left_items, right_items = words(rng, 300, "left-"), words(rng, 300, "right-")
    probes = words(rng, 3000, "probe-")
    left, right, both = new(subject, n, p), new(subject, n, p), new(subject, n, p)
    add_all(subject, left, left_items)
    add_all(subject, right, right_items)
    add_all(subject, both, left_items + right_items)
    left_before, right_before = left.to_bytes(), right.to_bytes()
    united = left.union(right)
    hint = "union() builds a NEW filter whose bit array is the bitwise OR of the two: bits | other_bits."
    expect_filter(united, "union() should return a new BloomFilter", hint=hint)
    expect_true(united != left and united != right,
                "union() must return a new filter, not one of its operands", expected="a new BloomFilter",
                got=show(united), hint=hint)
    expect_equal(left.to_bytes(), left_before, "union() must not change the filter it is called on",
                 hint="Copy the bits into a new filter; leave self alone.")
    expect_equal(right.to_bytes(), right_before, "union() must not change its argument",
                 hint="Copy the bits into a new filter; leave other alone.")
    expect_equal(parameters(united), parameters(left), "the union has the same parameters as its operands",
                 hint="Create the result with the same expected_items and fp_rate.")
    expect_no_false_negatives(subject, united, left_items + right_items,
                              "the union must contain every item of both filters", hint=hint)
    mixed = probes + left_items + right_items
    got, want = contains_all(subject, united, mixed), contains_all(subject, both, mixed)
    differ = [item for item, a, b in zip(mixed, got, want, strict=True) if a != b]
    if differ:
        fail("the union answers differently from one filter to which all items were added",
             expected="the same answer for every item", got=f"{len(differ)} of {len(mixed)} answers differ, "
             f"e.g. for {show(differ[0])}", hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_union_requires_equal_parameters(subject: Subject) -> None:
    """union() of filters with different parameters raises ValueError; a non-filter, TypeError"""
    base = new(subject, 1000, 0.01)
    for n, p in ((2000, 0.01), (1000, 0.001)):
        other = new(subject, n, p)
        expect_raises("ValueError", lambda other=other: base.union(other),
                      f"union() of filters built with (1000, 0.01) and ({n}, {p}) must be refused",
                      hint="Bits only line up when both filters have the same size and hash functions: compare "
                           "the parameters first and raise ValueError.")
    for bad in ("not a filter", None, [1, 2]):
        expect_raises("TypeError", lambda bad=bad: base.union(bad),
                      f"union({bad!r}) must raise TypeError", hint="Check isinstance(other, BloomFilter) first.")


# -- correctness: serialisation ---------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(2)
@pytest.mark.hint("from_bytes must accept exactly what to_bytes produced: write the parameters and the bit array, "
                  "read them back in the same order and format, and rebuild with those parameters.")
def test_round_trip(subject: Subject) -> None:
    """from_bytes(to_bytes()) gives the same parameters and the same answers"""
    rng = random.Random(11)
    items, probes = words(rng, 400, "kept-"), words(rng, 2000, "probe-")
    hint = ("Serialise the parameters together with the bit array, and rebuild from exactly those "
            "parameters in from_bytes.")
    for n, p in ((5000, 0.001), (37, 0.3)):
        bloom = new(subject, n, p)
        empty = bloom.to_bytes()
        expect_equal(type(empty), bytes, "to_bytes() should return bytes",
                     hint="Return a bytes object, e.g. a packed header + bytes(bit array).")
        add_all(subject, bloom, items)
        data = bloom.to_bytes()
        copy = from_bytes(subject, data)
        expect_equal(parameters(copy), parameters(bloom), "a filter loaded with from_bytes has other parameters",
                     hint=hint)
        expect_no_false_negatives(subject, copy, items, "a filter loaded with from_bytes lost items", hint)
        got, want = contains_all(subject, copy, probes), contains_all(subject, bloom, probes)
        differ = [item for item, a, b in zip(probes, got, want, strict=True) if a != b]
        if differ:
            fail("a filter loaded with from_bytes answers differently from the original",
                 expected="the same answer for every item", got=f"{len(differ)} of {len(probes)} answers differ, "
                 f"e.g. for {show(differ[0])}", hint=hint)
        expect_equal(copy.to_bytes(), data, "to_bytes() of a loaded filter should give the same bytes", hint=hint)
        copy.add("only in the copy")
        expect_equal(bloom.to_bytes(), data, "changing a loaded filter must not change the original",
                     hint="from_bytes must copy the bits into a new bit array.")
        empty_copy = from_bytes(subject, empty)
        expect_equal(parameters(empty_copy), parameters(new(subject, n, p)),
                     "an empty filter should round-trip too", hint=hint)


def second_process(subject: Subject, request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    """Another subject process on the learner's code whose str/bytes hash() differs from the first one's."""
    project = Path(request.config.getoption("swai_project"))
    limits = Limits(call_timeout=request.config.getoption("swai_call_timeout"))
    other = Subject(project, tmp_path / "second-subject", limits=limits, env={"PYTHONHASHSEED": "1234"})
    other.transcript = subject.transcript  # one transcript for both processes: the failure shows all calls
    return other.start()


@pytest.fixture
def second_subject(subject: Subject, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subject]:
    other = second_process(subject, request, tmp_path)
    try:
        yield other
    finally:
        other.close()


@pytest.mark.correctness
@pytest.mark.points(2)
@pytest.mark.hint("Replay the calls above in a test of your own; to_bytes/from_bytes must not depend on anything "
                  "but the parameters and the bits.")
def test_same_bytes_in_every_process(subject: Subject, second_subject: Subject) -> None:
    """the same filter serialises to the same bytes in another process, and loads there"""
    rng = random.Random(5)
    items, probes = words(rng, 500, "item-"), words(rng, 2000, "probe-")
    first = new(subject, 1000, 0.01)
    add_all(subject, first, items)
    data = first.to_bytes()
    subject.transcript.add("# --- a second process running your code (Python's hash() differs there) ---")
    second = new(second_subject, 1000, 0.01)
    add_all(second_subject, second, items[::-1])
    other = second.to_bytes()
    hint = ("Python's built-in hash() of str and bytes is randomised per process (PYTHONHASHSEED), so bit "
            "positions computed with it change from one run to the next. " + HASHING_HINT)
    if other != data:
        at = next((i for i, (a, b) in enumerate(zip(data, other, strict=False)) if a != b), min(len(data),
                                                                                               len(other)))
        fail("two filters built with the same parameters and the same items serialise to different bytes in two "
             "processes", expected=f"identical bytes ({len(data)} bytes)",
             got=f"{len(other)} bytes, first difference at byte {at}", hint=hint)
    loaded = from_bytes(second_subject, data)
    expect_no_false_negatives(second_subject, loaded, items,
                              "a filter serialised in one process and loaded in another lost items", hint)
    got, want = contains_all(second_subject, loaded, probes), contains_all(subject, first, probes)
    if got != want:
        fail("a filter loaded in another process answers differently from the original",
             expected="the same answer for every item", got=f"{sum(a != b for a, b in zip(got, want, strict=True))}"
             f" of {len(probes)} answers differ", hint=hint)


# -- correctness: bad input ------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_constructor_rejects_bad_arguments(subject: Subject) -> None:
    """expected_items < 1 or fp_rate outside (0, 1) raise ValueError; wrong types, TypeError"""
    for n, p in ((0, 0.01), (-5, 0.01), (100, 0.0), (100, 1.0), (100, -0.1), (100, 1.5), (100, 0),
                 (100, math.nan), (100, math.inf)):
        err = expect_raises("ValueError", lambda n=n, p=p: new(subject, n, p),
                            f"BloomFilter({n!r}, {p!r}) must be rejected",
                            hint="expected_items must be at least 1 and fp_rate strictly between 0 and 1; "
                                 "write the range test as `not 0 < fp_rate < 1`, which also rejects NaN.")
        if (n, p) in ((0, 0.01), (100, 1.5)):
            bad = str(n) if n < 1 else str(p)
            expect_true(bad in err.message, f"the ValueError for BloomFilter({n!r}, {p!r}) should name the value",
                        expected=f"a message mentioning {bad}", got=repr(err.message),
                        hint='Say what was wrong, e.g. f"fp_rate must be between 0 and 1, got {fp_rate}".')
    for n, p in (("100", 0.01), (100.0, 0.01), (True, 0.01), (None, 0.01), (100, "0.01"), (100, None)):
        expect_raises("TypeError", lambda n=n, p=p: new(subject, n, p),
                      f"BloomFilter({n!r}, {p!r}) must raise TypeError",
                      hint="expected_items must be an int (reject bool explicitly) and fp_rate a float; check "
                           "with isinstance before any arithmetic.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_items_must_be_str_or_bytes(subject: Subject) -> None:
    """add() or `in` with anything but str or bytes raises TypeError and changes nothing"""
    bloom = new(subject, 100, 0.01)
    bloom.add("kept")
    before = bloom.to_bytes()
    hint = ("Accept str (hash its UTF-8 encoding) and bytes; raise TypeError for anything else instead of "
            "converting it with str() or repr().")
    for bad in (123, None, 4.5, ["a"], ("a",)):
        expect_raises("TypeError", lambda bad=bad: bloom.add(bad), f"add({bad!r}) must raise TypeError", hint=hint)
        expect_raises("TypeError", lambda bad=bad: bad in bloom, f"`{bad!r} in filter` must raise TypeError",
                      hint=hint)
    expect_equal(bloom.to_bytes(), before, "a refused add() must leave the filter unchanged",
                 hint="Check the item's type before setting any bit.")
    expect_equal(contains(bloom, "kept"), True, "a refused add() must leave the filter unchanged",
                 hint="Check the item's type before setting any bit.")


# -- faults: damaged serialised data ---------------------------------------------------------

def loads_or_value_error(subject: Subject, data: bytes, what: str, hint: str) -> RemoteObject | None:
    """from_bytes(data): a ValueError is fine (returns None); any other exception fails the check."""
    try:
        return from_bytes(subject, data)
    except SubjectError as err:
        if err.is_a("ValueError"):
            return None
        fail(f"from_bytes of {what} must raise ValueError", expected="ValueError",
             got=f"{err.type_name}: {err.message}", hint=hint)


@pytest.mark.faults
@pytest.mark.points(2)
def test_from_bytes_rejects_truncated_data(subject: Subject) -> None:
    """from_bytes of truncated or extended data raises ValueError; of a non-bytes, TypeError"""
    bloom = new(subject, 50, 0.05)
    add_all(subject, bloom, words(random.Random(3), 20, "x-"))
    data = bloom.to_bytes()
    hint = ("Check the length before reading: the data must be exactly the header plus ceil(size_bits / 8) "
            "bytes. struct.error and IndexError are not ValueError: check first, or convert them.")
    cuts = [(data[:cut], f"the first {cut} of its {len(data)} bytes") for cut in range(len(data))]
    longer = [(data + b"\x00", "the data with one byte appended"), (data + data, "the data twice")]
    for damaged, what in cuts + longer:
        loaded = loads_or_value_error(subject, damaged, what, hint)
        if loaded is not None:
            fail(f"from_bytes accepted {what}", expected="ValueError",
                 got=f"a filter ({show(loaded)})", hint=hint)
    for bad in ("text", None, [1, 2, 3], 42):
        expect_raises("TypeError", lambda bad=bad: from_bytes(subject, bad),
                      f"from_bytes({bad!r}) must raise TypeError", hint="from_bytes accepts bytes only.")


@pytest.mark.faults
@pytest.mark.points(2)
def test_from_bytes_rejects_corrupted_data(subject: Subject) -> None:
    """from_bytes of data with a corrupted byte raises ValueError or gives a working filter"""
    bloom = new(subject, 20, 0.1)
    add_all(subject, bloom, words(random.Random(4), 10, "y-"))
    data = bloom.to_bytes()
    hint = ("Validate every field you read before using it, as the constructor does: expected_items >= 1, "
            "0 < fp_rate < 1, size_bits and hash_count consistent with them, and the exact length, before "
            "allocating anything. Raise ValueError for anything inconsistent.")
    for index in range(len(data)):
        for value in sorted({0x00, 0xFF, data[index] ^ 0x10} - {data[index]}):
            damaged = data[:index] + bytes([value]) + data[index + 1:]
            what = f"the data with byte {index} (of {len(data)}) set to 0x{value:02x}"
            loaded = loads_or_value_error(subject, damaged, what, hint)
            if loaded is not None:
                check_usable(subject, loaded, what, hint)


def check_usable(subject: Subject, bloom: RemoteObject, what: str, hint: str) -> None:
    """A filter that from_bytes accepted must be a sane filter that works."""
    summary = f"from_bytes accepted {what}, but the filter it returned is not valid"
    params = parameters(bloom)
    sane: dict[str, Callable[[Any], bool]] = {
        "expected_items": lambda v: type(v) is int and v >= 1,
        "fp_rate": lambda v: type(v) is float and 0 < v < 1,
        "size_bits": lambda v: type(v) is int and v >= 1,
        "hash_count": lambda v: type(v) is int and v >= 1,
    }
    for name, ok in sane.items():
        expect_true(ok(params[name]), summary, expected=f"a valid {name}", got=show(params[name]), hint=hint)
    problem = sizing_problem(params["expected_items"], params["fp_rate"], params["size_bits"], params["hash_count"])
    if problem:
        fail(summary, expected="size_bits and hash_count that follow the sizing formulas for its expected_items "
             "and fp_rate", got=f"{params} ({problem})", hint=hint)
    try:
        bloom.add("after loading")
        found = contains(bloom, "after loading")
    except SubjectError as err:
        fail(summary, expected="add() and `in` to work", got=f"{err.type_name}: {err.message}", hint=hint)
    expect_equal(found, True, summary, hint=hint)


# -- performance ------------------------------------------------------------------------------

@pytest.mark.performance
@pytest.mark.points(3)
def test_add_contains_constant_time(subject: Subject, figures: Figures) -> None:
    """add/in take O(k): time per call in a filter 8x larger over time in the base one"""
    calls_per_round = 400

    def setup(size: int) -> tuple[RemoteObject, Callable[[int], list[tuple[str, tuple[Any, ...]]]]]:
        bloom = new(subject, size, 0.01)

        def calls(round_: int) -> list[tuple[str, tuple[Any, ...]]]:
            out: list[tuple[str, tuple[Any, ...]]] = []
            for i in range(calls_per_round // 2):
                item = f"round{round_}-item{i}"
                out.append(("add", (item,)))
                out.append(("__contains__", (item,)))
            return out

        return bloom, calls

    check_growth(subject, figures, setup, n=20000, operation="add/in",
                 hint="add() and `in` should touch only k bits. A Python int used as the bit set is copied "
                      "whole by every |= and >>, so each call costs O(size_bits); use a bytearray.")
