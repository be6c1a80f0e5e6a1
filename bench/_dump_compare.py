"""Two versions of the code side by side: `--src DIR` of `bench/pii_speed.py` and `bench/safety_speed.py` imports
`dataharbor` from another checkout's `src/`, and their `--compare A B` prints every text whose value differs between
two dumps of `{set name: {kind: [one value per text]}}`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def compare_dumps(path_a: str, path_b: str, describe: Callable[[Any, Any], str]) -> int:
    """Print each difference (`describe(value in A, value in B)`) and their count; exit status 1 if any."""
    a = json.loads(Path(path_a).read_text(encoding="utf-8"))
    b = json.loads(Path(path_b).read_text(encoding="utf-8"))
    differences = 0
    for name in sorted(set(a) | set(b)):
        for kind in sorted(set(a.get(name, {})) | set(b.get(name, {}))):
            left, right = a.get(name, {}).get(kind), b.get(name, {}).get(kind)
            if left is None or right is None:
                print(f"{name}/{kind}: only in {'B' if left is None else 'A'}")
                differences += 1
                continue
            if len(left) != len(right):  # dumps of different slices (--docs): no text lines up
                print(f"{name}/{kind}: {len(left)} texts in A, {len(right)} in B")
                differences += 1
                continue
            for i, (x, y) in enumerate(zip(left, right, strict=True)):
                if x != y:
                    differences += 1
                    print(f"{name}/{kind} text {i}: {describe(x, y)}")
    print(f"{differences} texts differ")
    return 1 if differences else 0


def import_dataharbor_from(src: str) -> None:
    """Make `import dataharbor` load another version of `src/` (call before the first import)."""
    sys.path.insert(0, str(Path(src).resolve()))
    # evaldata is found beside the checkout the package comes from: keep this checkout's
    os.environ.setdefault("DATAHARBOR_EVALDATA", str(Path(__file__).resolve().parents[2] / "shared" / "evaldata"))


def add_version_arguments(ap: argparse.ArgumentParser, dumped: str) -> None:
    """`--src`, `--dump` (of `dumped`) and `--compare`, as both scripts take them."""
    ap.add_argument("--src", help="import dataharbor from this folder (another version of src/)")
    ap.add_argument("--dump", help=f"write {dumped} to this JSON file instead of timing")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"), help="print the differences between two dumps")


def run_versioned(
    args: argparse.Namespace,
    describe: Callable[[Any, Any], str],
    dump: Callable[[argparse.Namespace], None],
    measure: Callable[[argparse.Namespace], None],
) -> int:
    """The scripts' main step: `--compare` prints and ends; otherwise `--src` is applied, then `dump` (with
    `--dump`) or `measure` runs. The exit status."""
    if args.compare:
        return compare_dumps(*args.compare, describe)
    if args.src:  # before the script's first import of dataharbor
        import_dataharbor_from(args.src)
    (dump if args.dump else measure)(args)
    return 0
