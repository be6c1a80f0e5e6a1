from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

from dataharbor.errors import ConfigError
from dataharbor.pipeline.executors import InlineExecutor, ProcessExecutor, make_executor

# Worker functions must be importable by name in spawned processes, so they live in a real module
# (written to a temporary folder on sys.path, which spawn passes on to its children).
HELPERS = """
import os
FACTOR = 0

def init(factor):
    global FACTOR
    FACTOR = factor

def work(x):
    return x * FACTOR, os.getpid()
"""


@pytest.fixture
def helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    (tmp_path / "executor_helpers.py").write_text(HELPERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("executor_helpers")
    yield module
    sys.modules.pop("executor_helpers", None)


def test_inline_runs_in_this_process_in_order(helpers) -> None:  # type: ignore[no-untyped-def]
    out = list(InlineExecutor().map(helpers.work, range(5), initializer=helpers.init, initargs=(3,)))
    assert [v for v, _ in out] == [0, 3, 6, 9, 12]
    assert {pid for _, pid in out} == {os.getpid()}


@pytest.mark.slow
def test_process_pool_keeps_submission_order_and_initialises_workers(helpers) -> None:  # type: ignore[no-untyped-def]
    out = list(ProcessExecutor(2).map(helpers.work, range(20), initializer=helpers.init, initargs=(2,)))
    assert [v for v, _ in out] == [2 * i for i in range(20)]
    assert os.getpid() not in {pid for _, pid in out}


def test_unknown_executor() -> None:
    with pytest.raises(ConfigError):
        make_executor("threads")
