"""Grader for stage2/bloom-filter-false-positives: 布隆过滤器的误判率与空间关系？

A concept exercise. The learner answers in answers/bloom-filter-false-positives.yaml:
formula values (bits per key and the optimal k for three target rates, what one extra bit
per key buys, the rate for k = 2, 7, 14 at 10 bits per key), two choices, and the
false-positive rates they MEASURED with their own BloomFilter at capacity and at twice
capacity. The formula values and choices are checked against the key below; the measured
rates are re-measured here with the learner's own filter, on the same seeded workload, by
support/bloom_filter_false_positives_support.py running inside the subject. That module is
the source of truth for the workload; the learner's experiment script holds a verbatim copy
of it, and the proofs fail if the two drift (the reference's stated numbers stop matching).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from swai.grading import Figures, fail
from swai.grading.documents import read_answers
from swai.subject import Subject
from swai.subject.client import show
from swai.subject.errors import SubjectError

SLUG = "bloom-filter-false-positives"
SCRIPT = "experiments/bloom_filter_false_positives.py"
SUPPORT = "bloom_filter_false_positives_support"
LN2 = math.log(2)
FP_RATES = (0.1, 0.01, 0.001)  # the targets of the template; the support module's FP_RATES
BUDGET_KS = (2, 7, 14)  # hash counts asked about at 10 bits per key

# -- the key ------------------------------------------------------------------------------------


def bits_per_key(p: float) -> float:
    """m/n = -ln p / (ln 2)^2."""
    return -math.log(p) / (LN2 * LN2)


def best_k(p: float) -> int:
    """k = (m/n) ln 2, rounded (it equals log2(1/p))."""
    return max(1, round(bits_per_key(p) * LN2))


def fp_rate_formula(k: float, bits_per_item: float) -> float:
    """(1 - e^(-k n / m))^k: the false-positive rate of k hash functions and m/n bits per item."""
    return (1.0 - math.exp(-k / bits_per_item)) ** k


FACTOR_PER_BIT = math.exp(-LN2 * LN2)  # 0.6185: p at the optimal k is 0.6185 ** (m/n)
BITS_PER_TENFOLD = math.log(10) / (LN2 * LN2)  # 4.79 extra bits per key divide p by 10
OVER_CAPACITY = "rises_sharply"
WHY_K = "half_bits_set"

OVER_CAPACITY_CHOICES = ["unchanged", "doubles", "rises_sharply", "false_negatives", "raises", "grows"]
WHY_K_CHOICES = ["fewest_hashes", "half_bits_set", "all_bits_used", "no_false_negatives", "more_is_better"]

# Tolerances (the README states them).
BITS_TOLERANCE = 0.02  # bits per key: 2 decimals, or m/n of a filter rounded up to whole bytes
FACTOR_TOLERANCE = 0.002
TENFOLD_TOLERANCE = 0.02
BUDGET_RELATIVE = 0.02
MEASURED_RELATIVE = 0.005  # a stated rate: within 0.5 % of the re-measured one, or 1 probe's worth


def key(p: float) -> str:
    return f"p_{p:g}"


# -- reading the answers ------------------------------------------------------------------------

def number(description: str, minimum: float = 0.0, maximum: float | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number", "minimum": minimum, "description": description}
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def section(description: str, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"type": "object", "description": description, "required": list(fields), "properties": fields}


def read(project: Path, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The answers file, validated only for the fields one check needs (each blank fails its own check)."""
    schema = section(f"the sections of the template ({', '.join(fields)})", fields)
    return read_answers(project, SLUG, schema)


def per_rate(description: str, leaf: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return section(description, {key(p): section(f"{key(p)}: with {', '.join(leaf)}", leaf) for p in FP_RATES})


def rate_schema(field: str) -> dict[str, Any]:
    return per_rate("the measured: section, one entry per target rate (p_0.1, p_0.01, p_0.001)",
                    {field: number("a fraction from 0 to 1 as the experiment prints it, e.g. 0.01234 (not a "
                                   "percentage)", 0.0, 1.0)})


def close(stated: float, want: float, tolerance: float) -> bool:
    return abs(stated - want) <= tolerance * (1 + 1e-9) + 1e-12


# -- the experiment, re-run with the learner's own filter ----------------------------------------

RESULT_FIELDS = ("expected_items", "fp_rate", "size_bits", "hash_count", "probes", "false_positives_at_capacity",
                 "false_positives_at_double", "missed")


# The experiment is deterministic (seeded items, hashlib positions), so one run per grading session
# serves every check that needs it: the first such check runs it in its subject, the others reuse
# the plain-data results.
_results: list[dict[str, Any]] = []


def remeasure(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    """The experiment run with the learner's BloomFilter inside the subject: one result per target rate."""
    if _results:
        return _results
    subject: Subject = request.getfixturevalue("subject")
    support = subject.import_module(SUPPORT)
    text = f"measure()  # {SCRIPT}'s experiment with your BloomFilter (3 filters of 10 000 items, 20 000 probes)"
    try:
        results = subject.call(support, "measure", (), {}, text=text, timeout=90.0)
    except SubjectError as err:
        frame = err.frames[-1] if err.frames else None
        where = f" ({frame.file}, line {frame.line}, in {frame.function})" if frame else ""
        fail("the experiment could not run with your BloomFilter", expected="it runs to the end",
             got=(f"{err.type_name}: {err.message}" if err.message else err.type_name)[:300] + where,
             hint=f"Finish stage2/bloom-filter first (swai grade stage2/bloom-filter), then run python {SCRIPT} "
                  "in your project folder.")
    problem = ""
    if type(results) is not list or len(results) != len(FP_RATES):
        problem = show(results)
    else:
        for result in results:
            if type(result) is not dict or any(type(result.get(f)) not in (int, float) for f in RESULT_FIELDS):
                problem = show(result)
    if problem:
        fail("your BloomFilter's size_bits or hash_count is not a number", expected="int properties",
             got=problem, hint="size_bits and hash_count are int properties of BloomFilter (see stage2/bloom-filter).")
    _results.extend(results)
    return _results


def record_rates(figures: Figures, results: list[dict[str, Any]], count_field: str, label: str) -> None:
    for result in results:
        figures.record(f"false-positive rate {label} (p={result['fp_rate']:g})", result[count_field] / result["probes"])


def check_stated(project: Path, request: pytest.FixtureRequest, figures: Figures, field: str, count_field: str,
                 after: str) -> None:
    answers = read(project, {"measured": rate_schema(field)})
    results = remeasure(request)
    record_rates(figures, results, count_field, after)
    wrong = []
    for result in results:
        p, probes, hits = result["fp_rate"], result["probes"], result[count_field]
        rate = hits / probes
        tolerance = max(1 / probes, MEASURED_RELATIVE * rate)
        stated = answers["measured"][key(p)][field]
        if not close(stated, rate, tolerance):
            wrong.append(f"measured.{key(p)}.{field} = {stated:g}, but your filter answered True for {hits} of "
                         f"{probes} probes = {rate:.5f} (± {tolerance:.5f} accepted)")
    if wrong:
        fail(f"the false-positive rates you stated {after} are not what your BloomFilter measures on the "
             "experiment's workload", expected="the rates the experiment prints with your bloom_filter.py",
             got="; ".join(wrong),
             hint=f"Run python {SCRIPT} in your project folder with your current bloom_filter.py and copy the "
                  "rates it prints (3 significant digits are enough); keep the script's workload as it is. If "
                  "the numbers change from run to run, your filter is not deterministic: hash with hashlib, "
                  "never hash().")


# -- checks -------------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_bits_per_key(project: Path) -> None:
    """the bits per key m/n for p = 0.1, 0.01, 0.001 follow -ln(p) / (ln 2)^2"""
    answers = read(project, {"sizing": per_rate(
        "the sizing: section, one entry per target rate (p_0.1, p_0.01, p_0.001)",
        {"bits_per_key": number("m/n in bits per key, a number such as 7.21 (2 decimals)", 0.0)})})
    wrong = []
    for p in FP_RATES:
        stated = answers["sizing"][key(p)]["bits_per_key"]
        if not close(stated, bits_per_key(p), BITS_TOLERANCE):
            wrong.append(f"sizing.{key(p)}.bits_per_key = {stated:g}")
    if wrong:
        fail("some bits-per-key values do not follow the sizing formula",
             expected=f"m/n = -ln(p) / (ln 2)^2 for each p, to 2 decimals (± {BITS_TOLERANCE})",
             got="; ".join(wrong),
             hint="Use the natural logarithm (math.log), not log10 or log2: m/n = -math.log(p) / math.log(2) ** 2. "
                  "It does not depend on n.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_optimal_hash_count(project: Path) -> None:
    """the optimal hash count k for p = 0.1, 0.01, 0.001 is (m/n) ln 2, rounded"""
    answers = read(project, {"sizing": per_rate(
        "the sizing: section, one entry per target rate (p_0.1, p_0.01, p_0.001)",
        {"hash_count": {"type": "integer", "minimum": 1, "description": "k, a whole number such as 5"}})})
    wrong = []
    for p in FP_RATES:
        stated = answers["sizing"][key(p)]["hash_count"]
        if stated != best_k(p):
            wrong.append(f"sizing.{key(p)}.hash_count = {stated:g}")
    if wrong:
        fail("some hash counts are not the optimal k", expected="k = (m/n) * ln 2 rounded to the nearest whole number",
             got="; ".join(wrong),
             hint="Multiply your bits per key by math.log(2) and round to the nearest integer (round(), not ceil): "
                  "(m/n) ln 2 works out to log2(1/p).")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_measured_rates_at_capacity(project: Path, request: pytest.FixtureRequest, figures: Figures) -> None:
    """the false-positive rates stated at capacity are what your filter measures on the workload"""
    check_stated(project, request, figures, "fp_rate_at_capacity", "false_positives_at_capacity", "at capacity")


@pytest.mark.correctness
@pytest.mark.points(2)
def test_measured_rates_at_double(project: Path, request: pytest.FixtureRequest, figures: Figures) -> None:
    """the false-positive rates stated at 2x capacity are what your filter measures on the workload"""
    check_stated(project, request, figures, "fp_rate_at_double", "false_positives_at_double",
                 "at twice capacity")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_measurements_follow_the_theory(request: pytest.FixtureRequest) -> None:
    """your filter's measured rates are near p at capacity and near (1 - e^(-2kn/m))^k at 2x, with no misses"""
    problems = []
    for result in remeasure(request):
        n, p, probes = result["expected_items"], result["fp_rate"], result["probes"]
        m, k = result["size_bits"], result["hash_count"]
        if result["missed"]:
            problems.append(f"p={p:g}: {result['missed']} of {2 * n} added items were reported absent")
            continue
        rate = result["false_positives_at_capacity"] / probes
        band = 5 * math.sqrt(p * (1 - p) / probes) + 0.2 * p  # the probes' sampling noise, and slack for k's rounding
        if abs(rate - p) > band:
            want_m = math.ceil(n * bits_per_key(p))
            problems.append(f"p={p:g}: {rate:.5f} at capacity, expected {p:g} ± {band:.5f} (your filter has "
                            f"size_bits={m}, hash_count={k}; the formulas give {want_m} and {best_k(p)})")
        if m > 0 and k > 0:
            theory = fp_rate_formula(k, m / (2 * n))
            band = 5 * math.sqrt(theory * (1 - theory) / probes) + 0.1 * theory
            double = result["false_positives_at_double"] / probes
            if abs(double - theory) > band:
                problems.append(f"p={p:g}: {double:.5f} at 2x, expected {theory:.5f} ± {band:.5f} for your m={m}, "
                                f"k={k}")
    if problems:
        fail("your BloomFilter does not behave like a correctly sized Bloom filter, so its measurements do not "
             "answer the question", expected="no false negatives, about p at capacity, about (1 - e^(-2kn/m))^k "
                                             "at twice capacity", got="; ".join(problems),
             hint="Fix bloom_filter.py first (swai grade stage2/bloom-filter): m = ceil(-n ln p / (ln 2)^2) bits, "
                  "k = round(m/n ln 2) positions per item, an item is present only if all k bits are set. Then "
                  f"run python {SCRIPT} again and copy the new numbers.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_over_capacity(project: Path) -> None:
    """what happens past capacity: the rate climbs far above p, with no error and no false negatives"""
    answers = read(project, {"over_capacity": {"enum": OVER_CAPACITY_CHOICES}})
    if answers["over_capacity"] != OVER_CAPACITY:
        fail("over_capacity is not what your measurements show", expected="the choice your 2x numbers support",
             got=repr(answers["over_capacity"]),
             hint="Compare your fp_rate_at_double with p for each filter: how many times p is it, and did add() "
                  "complain or lose an item? The filter does not grow: more items set more of its fixed m bits.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_what_a_bit_buys(project: Path) -> None:
    """at the optimal k, each extra bit per key multiplies p by e^-(ln 2)^2; 4.79 bits per key divide it by 10"""
    answers = read(project, {
        "fp_factor_per_extra_bit": number("a factor between 0 and 1, 4 decimals, e.g. 0.4321", 0.0, 1.0),
        "bits_per_key_per_tenfold": number("bits per key, 2 decimals, e.g. 3.21", 0.0),
    })
    wrong = []
    if not close(answers["fp_factor_per_extra_bit"], FACTOR_PER_BIT, FACTOR_TOLERANCE):
        wrong.append(f"fp_factor_per_extra_bit = {answers['fp_factor_per_extra_bit']:g}")
    if not close(answers["bits_per_key_per_tenfold"], BITS_PER_TENFOLD, TENFOLD_TOLERANCE):
        wrong.append(f"bits_per_key_per_tenfold = {answers['bits_per_key_per_tenfold']:g}")
    if wrong:
        fail("what one extra bit per key buys is not right", got="; ".join(wrong),
             expected=f"the factor from p = e^(-(m/n)(ln 2)^2) (± {FACTOR_TOLERANCE}) and the bits per key that "
                      f"divide p by 10 (± {TENFOLD_TOLERANCE})",
             hint="Solve the sizing formula for p: m/n = -ln(p) / (ln 2)^2 gives p = e^(-(m/n)(ln 2)^2). One more "
                  "bit per key multiplies p by e^(-(ln 2)^2); dividing p by 10 takes ln(10) / (ln 2)^2 more bits. "
                  "Check it against your sizing answers: bits per key for 0.01 minus bits per key for 0.1.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_ten_bits_per_key(project: Path) -> None:
    """at 10 bits per key, (1 - e^(-kn/m))^k for k = 2, 7, 14: too few and too many hashes both cost"""
    fields = {f"k_{k}": number("a fraction from 0 to 1, 3 significant digits, e.g. 0.0123", 0.0, 1.0)
              for k in BUDGET_KS}
    answers = read(project, {"ten_bits_per_key": section(
        "the ten_bits_per_key: section with k_2, k_7 and k_14", fields)})
    wrong = []
    for k in BUDGET_KS:
        stated = answers["ten_bits_per_key"][f"k_{k}"]
        want = fp_rate_formula(k, 10.0)
        if not close(stated, want, BUDGET_RELATIVE * want):
            wrong.append(f"ten_bits_per_key.k_{k} = {stated:g}")
    if wrong:
        fail("some false-positive rates for 10 bits per key do not follow the formula", got="; ".join(wrong),
             expected=f"(1 - e^(-k n/m))^k with m/n = 10, within {BUDGET_RELATIVE:.0%}",
             hint="n/m is 1/10, so the rate is (1 - math.exp(-k / 10)) ** k: the probability that one bit is still "
                  "0 after n items is e^(-kn/m), and a false positive needs all k bits of the probe set.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_why_k_is_optimal(project: Path) -> None:
    """why k = (m/n) ln 2 is the best number of hash functions"""
    answers = read(project, {"why_k_is_optimal": {"enum": WHY_K_CHOICES}})
    if answers["why_k_is_optimal"] != WHY_K:
        fail("why_k_is_optimal is not the reason", expected="the choice your ten_bits_per_key numbers explain",
             got=repr(answers["why_k_is_optimal"]),
             hint="Look at your ten_bits_per_key answers: the rate is worst at k = 2 and at k = 14. What fraction "
                  "of the bits is still 0 at capacity, e^(-kn/m), when k = (m/n) ln 2?")
