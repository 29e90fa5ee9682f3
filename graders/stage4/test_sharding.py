"""Grader for stage4/sharding: "分库分表策略", answered by an experiment.

The learner writes three routers (minimysql/sharding.py): ranges, hash mod n, and a consistent-hash
ring with virtual nodes, all on the given ``key_hash``. The grader compares them with exact models
(below) key by key, then re-measures the experiment's figures with the learner's routers through
support/sharding_support.py (the source of truth for the keys and workloads; the learner's
experiments/sharding.py holds a verbatim copy and is never imported here): the learner's routers
must give the key's figures (the models fed to the same ``measure``), and the stated figures must be
what the learner's routers give. The choices are checked against the key held here.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from swai.grading import expect_raises, expect_true, fail
from swai.grading.documents import read_answers
from swai.subject import RemoteObject, Subject
from swai.subject.client import show

NAME = "sharding"
MODULE = "minimysql.sharding"
SUPPORT = "sharding_support"
SUPPORT_FILE = Path(__file__).resolve().parent / "support" / f"{SUPPORT}.py"
EXPERIMENT = "python experiments/sharding.py"
TOLERANCE = 0.001  # on a stated fraction or skew


def _load_support() -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_{SUPPORT}_in_grader", SUPPORT_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORK = _load_support()  # the keys and workloads, here in the grader's process


# -- exact models ------------------------------------------------------------------------------------

def key_hash(text: str) -> int:
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "big")


class RangeModel:
    def __init__(self, bounds: list[int]) -> None:
        self.bounds = bounds

    def shard_for(self, key: int) -> int:
        return bisect.bisect_right(self.bounds, key)

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        return [] if hi <= lo else list(range(self.shard_for(lo), self.shard_for(hi - 1) + 1))


class ModModel:
    def __init__(self, shards: int) -> None:
        self.shards = shards

    def shard_for(self, key: int) -> int:
        return key_hash(str(key)) % self.shards

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        return [] if hi <= lo else list(range(self.shards))


class RingModel:
    def __init__(self, shards: int, vnodes: int = 100) -> None:
        self.shards = shards
        ring = sorted((key_hash(f"shard-{s}#vnode-{v}"), s) for s in range(shards) for v in range(vnodes))
        self.points, self.owners = [p for p, _ in ring], [s for _, s in ring]

    def shard_for(self, key: int) -> int:
        return self.owners[bisect.bisect_left(self.points, key_hash(str(key))) % len(self.points)]

    def wraps(self, key: int) -> bool:
        return key_hash(str(key)) > self.points[-1]

    def shards_for_range(self, lo: int, hi: int) -> list[int]:
        return [] if hi <= lo else list(range(self.shards))


KEY_FIGURES: dict[str, Any] = WORK.measure(RangeModel, ModModel, RingModel)
KEY_CHOICES = {
    "range_query_router": "range",
    "hotspot_router": "range",
    "fewest_moves": "consistent",
    "doubling_destination": "stays_or_s_plus_4",
    "why_virtual_nodes": "even_load",
    "hot_key_fix": "split_the_hot_keys",
    "live_resharding": "copy_catch_up_switch",
}

# -- the answers file's shape -------------------------------------------------------------------------
FRACTION = {"type": "number", "minimum": 0, "maximum": 1,
            "description": "a fraction between 0 and 1 with four decimals, as printed (e.g. 0.1234)"}
SKEW = {"type": "number", "minimum": 1, "description": "a ratio of at least 1, as printed (e.g. 1.2345)"}
SHARD_COUNT = {"type": "integer", "minimum": 0, "description": "a number of shards, e.g. 2"}
ROUTERS = ["range", "mod", "consistent"]
CHOICES = {
    "range_query_router": ROUTERS,
    "hotspot_router": ROUTERS,
    "fewest_moves": ["mod", "consistent"],
    "doubling_destination": ["stays_or_s_plus_4", "any_new_shard", "any_shard"],
    "why_virtual_nodes": ["even_load", "fewer_moves", "faster_lookups", "replicas"],
    "hot_key_fix": ["split_the_hot_keys", "more_shards", "switch_to_consistent_hashing", "switch_to_range_sharding"],
    "live_resharding": ["copy_catch_up_switch", "change_the_router_only", "copy_then_switch", "rehash_in_place"],
}
LEAVES: dict[tuple[str, ...], dict[str, Any]] = {
    **{("moved", name): FRACTION for name in KEY_FIGURES["moved"]},
    **{("skew", workload, name): SKEW for workload, values in KEY_FIGURES["skew"].items() for name in values},
    **{("range_query_shards", name): SHARD_COUNT for name in KEY_FIGURES["range_query_shards"]},
    **{("choices", name): {"enum": options} for name, options in CHOICES.items()},
}


def schema(wanted: set[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """The answers' schema. ``None``: every answer, strictly (no unknown keys). Otherwise only
    the ``wanted`` answers must be filled in, so one blank does not fail every other check."""

    def node(prefix: tuple[str, ...]) -> dict[str, Any]:
        children = list(dict.fromkeys(path[len(prefix)] for path in LEAVES if path[:len(prefix)] == prefix))
        properties: dict[str, Any] = {}
        required = []
        for child in children:
            path = (*prefix, child)
            if path in LEAVES:
                properties[child] = LEAVES[path] if wanted is None or path in wanted else {}
            else:
                properties[child] = node(path)
            if wanted is None or any(w[:len(path)] == path for w in wanted):
                required.append(child)
        where = ".".join(prefix) or "the file"
        result: dict[str, Any] = {"type": "object", "properties": properties, "required": required,
                                  "description": f"{where} as the template lays it out: "
                                                 + ", ".join(f"{c}: ..." for c in children)}
        if wanted is None:
            result["additionalProperties"] = False
        return result

    return node(())


def answers(project: Path, *wanted: tuple[str, ...]) -> dict[str, Any]:
    return read_answers(project, NAME, schema(set(wanted)))


def figure_paths() -> list[tuple[str, ...]]:
    return [path for path in LEAVES if path[0] != "choices"]


def figure(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


# -- the learner's code -----------------------------------------------------------------------------

RERUN = (f"Run `{EXPERIMENT}` from your project folder and copy the figures it prints. The grader re-measures with "
         "your own routers, so a figure from another run (other settings, an earlier version of your code) shows "
         "up here.")
HINT_RANGE = ("Shard i holds [bounds[i - 1], bounds[i]): a key equal to a bound belongs to the shard that starts there "
              "(bisect_right). shards_for_range(lo, hi) is every shard from shard_for(lo) to shard_for(hi - 1).")
HINT_MOD = "shard_for(key) is key_hash(str(key)) % shards: the given key_hash of the key as decimal text."
HINT_RING = ("Put vnodes points per shard on the ring, at key_hash(f'shard-{s}#vnode-{v}'), sorted. A key goes to the "
             "owner of the first point >= key_hash(str(key)) (bisect_left), and past the last point, to the owner of "
             "the first. A point's position must not depend on how many shards there are, or adding one moves "
             "everything.")


def support(subject: Subject) -> RemoteObject:
    module = subject.import_module(SUPPORT)
    where = module.attr("__file__")
    subject.transcript.entries.pop()  # the grader's own path is no business of the learner's
    if not isinstance(where, str) or Path(where).resolve() != SUPPORT_FILE:
        fail(f"your project has its own {SUPPORT} module, which hides the grader's",
             expected="no file or folder of that name in your project", got=show(where),
             hint=f"Rename or delete {SUPPORT}.py in your project; the grader needs that name.")
    return module


def run(subject: Subject, function: str, *args: Any, text: str) -> Any:
    return subject.call(support(subject), function, args, {}, timeout=60.0, text=text)


def _got(outcome: Any) -> Any:
    if isinstance(outcome, tuple) and len(outcome) == 2 and outcome[0] == "ok":
        return outcome[1]
    if isinstance(outcome, tuple) and len(outcome) == 4:
        return f"raised {outcome[1]}: {outcome[3]}"
    return outcome  # pragma: no cover - the support returns outcomes


def compare_routes(subject: Subject, kind: str, args: list[Any], model: Any, keys: list[int], hint: str,
                   note: str = "") -> None:
    outcomes = run(subject, "route", kind, args, keys,
                   text=f"{kind}({', '.join(map(repr, args))}).shard_for(key) for {len(keys)} keys")
    for key, outcome in zip(keys, outcomes, strict=True):
        got, want = _got(outcome), model.shard_for(key)
        if type(got) is not int or got != want:
            fail(f"{kind}({', '.join(map(repr, args))}).shard_for({key}) is not the shard the rules give{note}",
                 expected=str(want), got=show(got), hint=hint)


def sample_keys(seed: int, count: int = 1500) -> list[int]:
    rng = random.Random(seed)
    return [0, 1, WORK.KEYS - 1, 10**12, *(rng.randrange(0, 4 * WORK.KEYS) for _ in range(count))]


# -- the checks: the routers ------------------------------------------------------------------------------

@pytest.mark.correctness
@pytest.mark.points(1)
def test_answers_file_is_complete(project: Path) -> None:
    """answers/sharding.yaml answers every question of the template"""
    read_answers(project, NAME, schema(None))


@pytest.mark.correctness
@pytest.mark.points(1)
@pytest.mark.hint(HINT_RANGE)
def test_range_router(subject: Subject) -> None:
    """the range router sends each key to the shard whose range holds it, and a range query to those it meets"""
    module = subject.import_module(MODULE)
    router = module.RangeRouter([10, 20])
    for key, want in [(0, 0), (9, 0), (10, 1), (19, 1), (20, 2), (10**12, 2)]:
        got = router.shard_for(key)
        expect_true(got == want and type(got) is int, f"RangeRouter([10, 20]).shard_for({key}) is wrong",
                    expected=str(want), got=show(got), hint=HINT_RANGE)
    for (lo, hi), want_list in [((5, 15), [0, 1]), ((10, 20), [1]), ((10, 21), [1, 2]), ((0, 10**6), [0, 1, 2]),
                                ((25, 30), [2]), ((15, 15), []), ((20, 10), [])]:
        got = router.shards_for_range(lo, hi)
        expect_true(got == want_list, f"RangeRouter([10, 20]).shards_for_range({lo}, {hi}) is wrong",
                    expected=show(want_list), got=show(got), hint=HINT_RANGE)
    single = module.RangeRouter([])
    expect_true(single.shard_for(12345) == 0 and single.shards_for_range(0, 9) == [0],
                "RangeRouter([]) is one shard, 0, that holds every key",
                expected="shard_for(12345) == 0 and shards_for_range(0, 9) == [0]",
                got=f"{show(single.shard_for(12345))} and {show(single.shards_for_range(0, 9))}", hint=HINT_RANGE)
    bounds = WORK.range_bounds(WORK.SHARDS)
    compare_routes(subject, "RangeRouter", [bounds], RangeModel(bounds), sample_keys(1), HINT_RANGE)


@pytest.mark.correctness
@pytest.mark.points(1)
@pytest.mark.hint(HINT_MOD)
def test_mod_router(subject: Subject) -> None:
    """hash mod n sends each key to key_hash(str(key)) % n, and a range query to every shard"""
    for shards in (4, 5, 8, 1):
        compare_routes(subject, "ModRouter", [shards], ModModel(shards), sample_keys(shards), HINT_MOD)
    router = subject.import_module(MODULE).ModRouter(4)
    for (lo, hi), want in [((3, 9), [0, 1, 2, 3]), ((10_000, 11_000), [0, 1, 2, 3]), ((9, 3), [])]:
        got = router.shards_for_range(lo, hi)
        expect_true(got == want, f"ModRouter(4).shards_for_range({lo}, {hi}) is wrong", expected=show(want),
                    got=show(got), hint="A hash scatters neighbouring keys over every shard: a range query must ask "
                                        "them all (ascending); an empty range asks none.")


@pytest.mark.correctness
@pytest.mark.points(2)
@pytest.mark.hint(HINT_RING)
def test_consistent_hash_router(subject: Subject) -> None:
    """the ring sends each key to the next virtual node clockwise, wrapping around, and keeps its points"""
    for shards, vnodes in ((4, 1), (4, 100), (5, 100), (3, 7)):
        model = RingModel(shards, vnodes)
        keys = sample_keys(10 * shards + vnodes)
        wrapping = [key for key in range(5000) if model.wraps(key)][:20]
        if wrapping:  # the keys past the last point first: the classic bug, with its own message
            compare_routes(subject, "ConsistentHashRouter", [shards, vnodes], model, wrapping, HINT_RING,
                           " (this key hashes past the ring's highest point: the ring wraps around to its lowest)")
        compare_routes(subject, "ConsistentHashRouter", [shards, vnodes], model, keys, HINT_RING)
    router = subject.import_module(MODULE).ConsistentHashRouter(4, 100)
    got = router.shards_for_range(10_000, 11_000)
    expect_true(got == [0, 1, 2, 3], "ConsistentHashRouter(4, 100).shards_for_range(10000, 11000) is wrong",
                expected="[0, 1, 2, 3]", got=show(got),
                hint="A hash scatters neighbouring keys over every shard: a range query must ask them all.")


@pytest.mark.correctness
@pytest.mark.points(1)
def test_bad_arguments_are_refused(subject: Subject) -> None:
    """bounds, shard counts and keys that make no sense raise TypeError or ValueError"""
    module = subject.import_module(MODULE)
    cases: list[tuple[str, str, Any]] = [
        ("TypeError", "RangeRouter('10,20')", lambda: module.RangeRouter("10,20")),
        ("TypeError", "RangeRouter([1.5])", lambda: module.RangeRouter([1.5])),
        ("ValueError", "RangeRouter([20, 10])", lambda: module.RangeRouter([20, 10])),
        ("ValueError", "RangeRouter([5, 5])", lambda: module.RangeRouter([5, 5])),
        ("ValueError", "RangeRouter([-1, 5])", lambda: module.RangeRouter([-1, 5])),
        ("ValueError", "ModRouter(0)", lambda: module.ModRouter(0)),
        ("TypeError", "ModRouter(True)", lambda: module.ModRouter(True)),
        ("TypeError", "ModRouter(4.0)", lambda: module.ModRouter(4.0)),
        ("ValueError", "ConsistentHashRouter(0)", lambda: module.ConsistentHashRouter(0)),
        ("ValueError", "ConsistentHashRouter(4, 0)", lambda: module.ConsistentHashRouter(4, 0)),
        ("TypeError", "ConsistentHashRouter(4, '100')", lambda: module.ConsistentHashRouter(4, "100")),
    ]
    routers = {"RangeRouter([10])": module.RangeRouter([10]), "ModRouter(4)": module.ModRouter(4),
               "ConsistentHashRouter(4)": module.ConsistentHashRouter(4)}
    for name, router in routers.items():
        cases += [("ValueError", f"{name}.shard_for(-1)", lambda r=router: r.shard_for(-1)),
                  ("TypeError", f"{name}.shard_for('7')", lambda r=router: r.shard_for("7")),
                  ("TypeError", f"{name}.shard_for(True)", lambda r=router: r.shard_for(True)),
                  ("TypeError", f"{name}.shards_for_range(0, 9.5)", lambda r=router: r.shards_for_range(0, 9.5))]
    for error, what, action in cases:
        expect_raises(error, action, f"{what} must raise {error}",
                      hint="Check the arguments first: bounds a list of strictly increasing ints >= 0; shards and "
                           "vnodes ints >= 1; keys and range ends ints >= 0 (a bool is not an int here). TypeError for "
                           "a wrong type, ValueError for a wrong value.")


# -- the checks: the figures ------------------------------------------------------------------------------------

def measured(subject: Subject) -> dict[str, Any]:
    got = run(subject, "measure_yours",
              text=f"measure the experiment's figures with your routers, as {EXPERIMENT} does")
    if not isinstance(got, dict):  # pragma: no cover - the support returns a dict
        fail("could not run the experiment's measurement", got=show(got), hint=RERUN)
    return got


@pytest.mark.correctness
@pytest.mark.points(1)
def test_your_routers_give_the_figures(subject: Subject) -> None:
    """your routers give the figures any correct routers give in the experiment"""
    got = measured(subject)
    for path in figure_paths():
        want, value = figure(KEY_FIGURES, path), figure(got, path)
        expect_true(value == want, f"with your routers, the experiment's {'.'.join(path)} is not what the rules give",
                    expected=show(want), got=show(value),
                    hint="Your figures come from your own routers: fix what the router checks of this exercise "
                         "report first. " + (HINT_RING if "consistent" in path[-1] else
                                             HINT_MOD if "mod" in path[-1] else HINT_RANGE))


@pytest.mark.correctness
@pytest.mark.points(2)
def test_stated_figures(subject: Subject, project: Path) -> None:
    """the stated figures are what your own routers measure"""
    paths = figure_paths()
    stated = answers(project, *paths)
    got = measured(subject)
    for path in paths:
        value, want = figure(stated, path), figure(got, path)
        close = (value == want if path[0] == "range_query_shards"
                 else isinstance(value, int | float) and abs(value - want) <= TOLERANCE)
        expect_true(close, f"{'.'.join(path)} is not what your own routers measure",
                    expected=f"{want} (the experiment's figure, measured with your code)", got=show(value),
                    hint=RERUN + " Fractions and ratios as printed (0.1234, not 12.34%), within ±0.001.")


# -- the checks: what the figures mean --------------------------------------------------------------------------

def check_choices(project: Path, hints: dict[str, str]) -> None:
    data = answers(project, *[("choices", name) for name in hints])
    for name, hint in hints.items():
        said = data["choices"][name]
        expect_true(said == KEY_CHOICES[name], f"choices.{name} is not right",
                    expected="the choice your measurements support", got=show(said), hint=hint)


@pytest.mark.correctness
@pytest.mark.points(1)
def test_which_router_for_which_query(project: Path) -> None:
    """which router serves a range query from one shard, and which one piles new rows on one shard"""
    check_choices(project, {
        "range_query_router": "Look at range_query_shards: how many shards must each router ask for 1000 neighbouring "
                              "ids?",
        "hotspot_router": "Look at skew.newest_ids: with AUTO_INCREMENT ids, where do the newest 2000 rows go under "
                          "each router?",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_adding_a_shard(project: Path) -> None:
    """what adding shards moves under hash mod and under consistent hashing"""
    check_choices(project, {
        "fewest_moves": "Look at moved.mod_4_to_5 and moved.consistent_4_to_5.",
        "doubling_destination": "A row of shard s has key_hash % 4 == s. What can key_hash % 8 be then? Try a few "
                                "numbers.",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_virtual_nodes(project: Path) -> None:
    """what virtual nodes are for"""
    check_choices(project, {
        "why_virtual_nodes": "Compare skew.newest_ids.consistent (100 points per shard) with "
                             "skew.newest_ids.consistent_1_vnode (one point per shard). With one point each, how long "
                             "is the arc of the ring each shard owns?",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_hot_keys(project: Path) -> None:
    """what helps when a few keys are hot"""
    check_choices(project, {
        "hot_key_fix": "Look at skew.zipf: does any router spread the Zipf reads evenly? A router decides where a key "
                       "goes; it cannot spread the reads of one key over several shards. And with more shards, the "
                       "average load per shard falls while the hot key's does not.",
    })


@pytest.mark.correctness
@pytest.mark.points(1)
def test_live_resharding(project: Path) -> None:
    """what a resharding of a live table has to do"""
    check_choices(project, {
        "live_resharding": "The rows that move keep receiving writes while they are copied. What happens to those "
                           "writes in each choice?",
    })
