"""Where the shared real evaluation data lives (used by tests and accuracy benchmarks)."""

from __future__ import annotations

import os
from pathlib import Path


def evaldata_dir() -> Path:
    """`DATAHARBOR_EVALDATA`, or `../shared/evaldata` beside the repository checkout."""
    env = os.environ.get("DATAHARBOR_EVALDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "evaldata"
