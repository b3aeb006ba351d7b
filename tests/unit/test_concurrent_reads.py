"""Requests made at once (lms.storage.concurrent) and the page ranges a long history is read in."""

from __future__ import annotations

import threading

import pytest

from lms.loans.storage.store import PAGES_PER_QUERY, _ranges
from lms.storage.concurrent import at_once


def test_calls_run_side_by_side_and_answer_in_order():
    # Each call waits for all the others: run one after another, the barrier would break.
    barrier = threading.Barrier(4, timeout=30)

    def call(n: int):
        return lambda: (barrier.wait(), n)[1]

    assert at_once([call(n) for n in range(4)]) == [0, 1, 2, 3]


def test_a_single_call_runs_in_the_caller_s_thread():
    assert at_once([threading.get_ident]) == [threading.get_ident()]
    assert at_once([]) == []


def test_a_failing_call_raises_after_the_others_finished():
    finished = []

    def slow():
        finished.append("slow")
        return 1

    def failing():
        raise ValueError("page range refused")

    with pytest.raises(ValueError, match="page range refused"):
        at_once([failing, slow])
    assert finished == ["slow"]


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (1, 0, []),
        (1, 1, [(1, 1)]),
        (1, PAGES_PER_QUERY, [(1, PAGES_PER_QUERY)]),
        (1, PAGES_PER_QUERY + 1, [(1, PAGES_PER_QUERY), (PAGES_PER_QUERY + 1, PAGES_PER_QUERY + 1)]),
        (5, 2 * PAGES_PER_QUERY, [(5, PAGES_PER_QUERY + 4), (PAGES_PER_QUERY + 5, 2 * PAGES_PER_QUERY)]),
    ],
)
def test_page_ranges_cover_every_page_once(first, last, expected):
    ranges = _ranges(first, last)
    assert ranges == expected
    assert [n for a, b in ranges for n in range(a, b + 1)] == list(range(first, last + 1))
