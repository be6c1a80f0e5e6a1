from __future__ import annotations

import os

import pytest

from dataharbor.errors import ConfigError
from dataharbor.pipeline.executors import InlineExecutor, ProcessExecutor, make_executor

_FACTOR = 0


def _init(factor: int) -> None:
    global _FACTOR
    _FACTOR = factor


def _work(x: int) -> tuple[int, int]:
    return x * _FACTOR, os.getpid()


def test_inline_runs_in_this_process_in_order() -> None:
    out = list(InlineExecutor().map(_work, range(5), initializer=_init, initargs=(3,)))
    assert [v for v, _ in out] == [0, 3, 6, 9, 12]
    assert {pid for _, pid in out} == {os.getpid()}


@pytest.mark.slow
def test_process_pool_keeps_submission_order_and_initialises_workers() -> None:
    out = list(ProcessExecutor(2).map(_work, range(20), initializer=_init, initargs=(2,)))
    assert [v for v, _ in out] == [2 * i for i in range(20)]
    assert os.getpid() not in {pid for _, pid in out}


def test_unknown_executor() -> None:
    with pytest.raises(ConfigError):
        make_executor("threads")
