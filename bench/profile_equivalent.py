"""cProfile of DataHarbor's `equivalent` chain, one process (inline executor), on a slice of the corpus.

    .venv/bin/python bench/profile_equivalent.py [--docs 2000] [--top 25]

Needs `bench/work/corpus-1x` (made by `bench/compare.py` or `bench/corpus.py`). Prints the top functions
by own time and by cumulative time, and writes `bench/work/profile-equivalent.pstats`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"


def main() -> None:
    import os

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    os.environ["DATAHARBOR_PIPELINE_CONFIG"] = str(HERE / "profiles.yaml")
    from compare import corpus_size, queue_job, slice_corpus

    from dataharbor.pipeline.jobs import run_job

    corpus, home = WORK / "corpus-profile", WORK / "home-profile"
    slice_corpus(WORK / "corpus-1x", corpus, args.docs)
    docs, mb = corpus_size(corpus)
    h, job = queue_job(home, corpus, "equivalent", executor="inline", workers=1)
    prof = cProfile.Profile()
    prof.enable()
    run_job(h.catalog, h.settings, job)
    prof.disable()
    prof.dump_stats(WORK / "profile-equivalent.pstats")
    shutil.rmtree(home, ignore_errors=True)
    print(f"{docs} pages, {mb:.2f} MB of text")
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(args.top)
        print(buf.getvalue())


if __name__ == "__main__":
    main()
