"""OCR throughput: pages per minute, 1 and 2 worker processes, through the real extractors.

The corpus is a scanned PDF of `--pages` pages (letter size): synthetic 1- and 2-column pages from
the tuning set (bench/accuracy/_ocr_synth.py; clean, noisy, skewed, bilevel ...) placed as images,
plus the scanned PDFs of evaldata/ocr/ocrmypdf_scans. Each worker process walks its share of the
files through `dataharbor.ingest.walk` (pdfium renders at 300 dpi, then `ocr_image`), as the
process-pool executor does. Engine loading is done once per worker before the clock starts and
timed separately.

    .venv/bin/python bench/ocr_throughput.py               # 12 synthetic pages + the evaldata scans
    .venv/bin/python bench/ocr_throughput.py --pages 24
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "ocr-throughput.json"
sys.path.insert(0, str(ROOT / "bench" / "accuracy"))


def build_corpus(folder: Path, pages: int) -> list[Path]:
    import pypdfium2 as pdfium
    from _ocr_synth import tuning_set  # type: ignore[import-not-found]

    from dataharbor.evaldata import evaldata_dir

    samples = [s for s in tuning_set(seed=11, pages=pages, lines=0, groups="page")]
    files = []
    for i in range(0, len(samples), 3):  # 3 pages per PDF, so that both workers get files
        document = pdfium.PdfDocument.new()
        for s in samples[i : i + 3]:
            image = s.image.convert("L")
            dpi = 200 if image.width > 1000 else 100
            width, height = image.width * 72 / dpi, image.height * 72 / dpi
            page = document.new_page(width, height)
            obj = pdfium.PdfImage.new(document)
            bitmap = pdfium.PdfBitmap.from_pil(image.convert("RGB"))
            obj.set_bitmap(bitmap)
            obj.set_matrix(pdfium.PdfMatrix().scale(width, height))
            page.insert_obj(obj)
            page.gen_content()
        path = folder / f"synthetic{i // 3:02d}.pdf"
        document.save(str(path))
        document.close()
        files.append(path)
    return files + sorted((evaldata_dir() / "ocr" / "ocrmypdf_scans").glob("*.pdf"))


def _warm() -> float:
    from dataharbor.ingest.ocr import engines

    start = time.perf_counter()
    engines.require_ocr()
    engines.rapid_engine()._load_rec_model()
    return time.perf_counter() - start


def _work(paths: list[str], queue: Any) -> None:
    from dataharbor.ingest.extractor import Extracted, ExtractOptions
    from dataharbor.ingest.walk import source_from_path, walk

    load = _warm()
    queue.put(("ready", load))
    start = time.perf_counter()
    pages = chars = 0
    for path in paths:
        for item in walk(source_from_path(path), ExtractOptions(languages=("en",))):
            if isinstance(item, Extracted) and item.modality == "image":
                pages += 1
                chars += len(item.text)
    queue.put(("done", {"pages": pages, "chars": chars, "seconds": time.perf_counter() - start}))


def run(files: list[Path], workers: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    shares: list[list[str]] = [[] for _ in range(workers)]
    for i, path in enumerate(files):
        shares[i % workers].append(str(path))
    procs = [ctx.Process(target=_work, args=(share, queue)) for share in shares]
    for p in procs:
        p.start()
    loads = [queue.get()[1] for _ in procs]
    start = time.perf_counter()
    results = [queue.get()[1] for _ in procs]
    wall = time.perf_counter() - start
    for p in procs:
        p.join()
    pages = sum(r["pages"] for r in results)
    return {
        "workers": workers,
        "pages": pages,
        "chars": sum(r["chars"] for r in results),
        "wall_s": round(wall, 1),
        "pages_per_minute": round(pages * 60 / wall, 2),
        "engine_load_s": [round(x, 2) for x in loads],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = build_corpus(Path(tmp), args.pages)
        runs = []
        for workers in (1, 2):
            result = run(files, workers)
            print(json.dumps(result), flush=True)
            runs.append(result)
    report = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, {mp.cpu_count()} cores",
        "python": platform.python_version(),
        "corpus": f"{args.pages} synthetic scanned pages in 3-page PDFs + evaldata/ocr/ocrmypdf_scans/*.pdf",
        "runs": runs,
    }
    OUT.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
