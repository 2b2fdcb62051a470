"""derive.bounded: work past its time or memory limit is killed in its worker, and the
library's own errors and results come back unchanged."""

import math
import time

import pytest

import os

from derive import progress
from derive.bounded import TooLarge, map_bounded, run_bounded
from derive.errors import InputError
from derive.read.parse import ParseError
from derive.verdicts.verify import verify


def test_big_integer_arithmetic_is_stopped_at_the_wall_clock_limit():
    """GMP ignores signals: factorial(10^9) would run for minutes; the worker is killed."""
    start = time.monotonic()
    with pytest.raises(TooLarge, match="not done within 1 s"):
        run_bounded(math.factorial, 10**9, seconds=1)
    assert time.monotonic() - start < 15   # a hang is the failure, not slowness


def test_memory_past_the_limit_is_refused():
    with pytest.raises(TooLarge, match="more than 0.5 GiB of memory"):
        run_bounded(bytearray, 2**31, seconds=10, memory=2**29)


def test_results_and_library_errors_come_back():
    assert run_bounded(sum, range(10), seconds=10) == 45
    with pytest.raises(ParseError, match="column 8"):
        run_bounded(verify, "S_j - (", against="softmax-cross-entropy-grad", seconds=10)


@pytest.mark.parametrize("seconds", [0, -1, 601])
def test_the_limit_itself_is_checked(seconds):
    with pytest.raises(InputError, match="time limit"):
        run_bounded(sum, [], seconds=seconds)


def test_verify_with_a_time_limit():
    v = verify("S - y", against="softmax-cross-entropy-grad", time_limit=20)
    assert v.holds and v.assumptions
    with pytest.raises(TooLarge, match="too large to decide exactly"):
        # True at N = 40 only: not proved for every N, it must be written out there.
        verify("(S_j - y_j)*(N - 39) + (Σ_k S_k)^6 - 1", against="softmax-cross-entropy-grad",
               classes=40, time_limit=1)


def _sleeps():
    time.sleep(60)


@pytest.mark.parametrize("limits, message", [
    ({}, "too large to decide exactly: not done within 1 s (the work was stopped); try a "
         "smaller N, a simpler claim, or a longer --timeout"),
    ({"task": "derive softmax-jacobian", "tries": ("a smaller N",)},
     "too large to derive softmax-jacobian: not done within 1 s (the work was stopped); "
     "try a smaller N or a longer --timeout"),
    ({"task": "list the targets", "tries": ()},
     "too large to list the targets: not done within 1 s (the work was stopped); try a "
     "longer --timeout"),
])
def test_the_message_says_what_was_not_done_and_what_to_try(limits, message):
    with pytest.raises(TooLarge) as raised:
        run_bounded(_sleeps, seconds=1, **limits)
    assert str(raised.value) == message


@pytest.mark.parametrize("tries, advice", [
    (("a smaller N", "a simpler claim"), "; try a smaller N or a simpler claim"),
    ((), ""),
])
def test_more_time_is_not_advised_for_memory(tries, advice):
    with pytest.raises(TooLarge) as raised:
        run_bounded(bytearray, 2**31, seconds=10, memory=2**29, task="derive", tries=tries)
    assert str(raised.value) == ("too large to derive: more than 0.5 GiB of memory needed "
                                 f"(the work was stopped){advice}")


@pytest.mark.parametrize("name", ["softmax-jacobian", "softmax-cross-entropy-grad",
                                  "linear-softmax-cross-entropy-grad",
                                  "batch-softmax-cross-entropy-grad"])
@pytest.mark.parametrize("classes", [3, "N"])
def test_a_derivation_comes_back_from_the_worker(name, classes):
    """The CLI derives in a worker: the Derivation, checks and steps included, pickles."""
    from derive.derivation import derivation
    here = derivation(name, classes)
    there = run_bounded(derivation, name, classes, seconds=120)
    assert there == here and there.check.passed and there.steps


# --- map_bounded: a list of independent pieces on several processors ----------------------

@pytest.mark.parametrize("items", [[], [5], list(range(-7, 6))])
@pytest.mark.parametrize("workers", [1, 2, 3, None])
def test_map_returns_every_result_in_order(items, workers):
    assert map_bounded(abs, items, workers=workers, seconds=20) == [abs(x) for x in items]


def _pid(_item):
    return os.getpid()


def test_map_shares_the_items_among_workers():
    pids = map_bounded(_pid, range(6), workers=2, seconds=20)
    assert os.getpid() not in pids
    assert pids[0::2] == [pids[0]] * 3 and pids[1::2] == [pids[1]] * 3 and pids[0] != pids[1]


def _fails_on_three(item):
    if item == 3:
        raise InputError("three is refused")
    if item > 3:
        time.sleep(60)   # a worker still busy when another fails: stopped
    return item


def test_a_failing_worker_stops_the_others_and_its_error_comes_back():
    start = time.monotonic()
    with pytest.raises(InputError, match="three is refused"):
        map_bounded(_fails_on_three, [3, 4], workers=2, seconds=30)
    assert time.monotonic() - start < 15


def test_the_map_has_one_deadline():
    with pytest.raises(TooLarge, match="too large to list the targets: not done within 1 s"):
        map_bounded(time.sleep, [0, 60], workers=2, seconds=1, task="list the targets")


class _Counting:
    def __init__(self):
        self.started = []

    def start(self, name, total):
        self.started.append(name)

    def advance(self, steps):
        pass

    def end(self):
        pass

    def clear(self):
        pass


def _reports(item):
    with progress.stage(f"item {item}"):
        return progress._reporter is not None


def test_only_the_first_worker_reports_progress():
    with progress.reporting(_Counting()):
        assert map_bounded(_reports, range(4), workers=2, seconds=20) == \
            [True, False, True, False]
