"""A folder mixing a scan, a photographed page, a scanned PDF, a recording and a video becomes one version whose
records carry page/time provenance and OCR/ASR confidence, through the process pool; `trace` shows it."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataharbor.catalog import repo
from dataharbor.cli import app
from dataharbor.config import Settings
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.executors import ProcessExecutor
from dataharbor.pipeline.jobs import run_job
from dataharbor.select.browse import iter_records

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("ffmpeg") and shutil.which("espeak-ng") and shutil.which("tesseract")),
        reason="needs Debian ffmpeg, espeak-ng and tesseract-ocr",
    ),
]

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SCAN = ["The museum archive holds maps of the river", "drawn by the harbour surveyors in 1871."]
PHOTO = ["Opening hours of the reading room", "Monday to Friday from nine to six."]
PDF_PAGE = ["The second page of the minutes was scanned", "after the meeting of the garden committee."]
SPEECH = "The library will open a new reading room for students in the spring."
CARD = "SUMMER LECTURES AT THE LIBRARY"


def _page(lines: list[str], size: tuple[int, int] = (1400, 400), angle: float = 0.0) -> object:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 70 * i), line, font=ImageFont.truetype(FONT, 40), fill=20)
    return image.rotate(angle, fillcolor=255) if angle else image


def _text_pdf(line: str) -> bytes:
    """A one-page PDF with a real text layer (Helvetica), written by hand."""
    content = f"BT /F1 14 Tf 50 700 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _scanned_pdf(path: Path) -> None:
    """Page 1 has a text layer; page 2 is only an image (a scan)."""
    import pypdfium2 as pdfium

    scan = io.BytesIO()
    _page(PDF_PAGE).convert("RGB").save(scan, "PDF", resolution=150)  # type: ignore[attr-defined]
    pdf = pdfium.PdfDocument(_text_pdf("Minutes of the garden committee, page one."))
    pdf.import_pages(pdfium.PdfDocument(scan.getvalue()))
    pdf.save(str(path))


@pytest.fixture(scope="module")
def media_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media") / "partner-upload"
    (root / "scans").mkdir(parents=True)
    (root / "recordings").mkdir()
    (root / "videos").mkdir()
    _page(SCAN, angle=1.0).save(root / "scans/map-room.png")  # type: ignore[attr-defined]
    _page(PHOTO).convert("RGB").save(root / "scans/notice-photo.jpg", quality=80)  # type: ignore[attr-defined]
    _scanned_pdf(root / "scans/minutes.pdf")
    wav = root / "recordings/announcement.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), SPEECH], check=True)
    card = root / "card.png"
    _page([CARD], size=(960, 240)).save(card)  # type: ignore[attr-defined]
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(card), "-i", str(wav),
         "-vf", "format=yuv420p", "-r", "5", "-c:v", "libx264", "-c:a", "aac", "-shortest",
         str(root / "videos/lecture-trailer.mp4")],
        check=True,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), str(root / "recordings/copy.ogg")], check=True
    )
    card.unlink()
    return root


def _words(text: str) -> set[str]:
    return {w.strip(".,").lower() for w in text.split()}


def _recall(expected: str, got: str) -> float:
    want = _words(expected)
    return len(want & _words(got)) / len(want)


def test_a_mixed_media_folder_becomes_a_traceable_version(media_folder: Path, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h", executor="process", workers=2, profile="default")
    h = Harbor.open(settings, create=True)
    try:
        with h.catalog.session() as s:
            repo.add_partner(s, name="museum")
            repo.create_dataset(s, partner="museum", name="media", tier="open", license="CC-BY-4.0", languages=["en"])
        with h.catalog.session() as s:
            job = upload(s, h.store, dataset_ref="museum/media", paths=[media_folder]).job_id
        outcome = run_job(h.catalog, h.settings, job, executor=ProcessExecutor(2))
        with h.catalog.session() as s:
            version = repo.get_version(s, repo.get_dataset(s, "museum/media"))
        kept = list(iter_records(h.store, version))
        dropped = list(iter_records(h.store, version, dropped=True))
    finally:
        h.close()
    assert outcome.failed_files == []
    by_file: dict[str, list[object]] = {}
    for r in kept + dropped:
        by_file.setdefault(r.provenance.source_name.rsplit("/", 1)[-1], []).append(r)
    assert set(by_file) == {"map-room.png", "notice-photo.jpg", "minutes.pdf", "announcement.wav", "copy.ogg",
                            "lecture-trailer.mp4"}  # fmt: skip
    records = {r.id: r for r in kept + dropped}
    scan = next(r for r in records.values() if r.provenance.source_name.endswith("map-room.png"))
    assert scan.modality == "image" and _recall(" ".join(SCAN), scan.text) >= 0.9
    assert 0.6 < scan.metadata["ocr"]["confidence"] <= 1 and scan.metadata["phash"]
    pdf_pages = sorted(
        (r for r in records.values() if r.provenance.source_name.endswith("minutes.pdf")),
        key=lambda r: r.provenance.location["page"],
    )
    assert [(r.provenance.location["page"], r.modality) for r in pdf_pages] == [(1, "text"), (2, "image")]
    assert _recall(" ".join(PDF_PAGE), pdf_pages[1].text) >= 0.9
    speech = [r for r in records.values() if r.provenance.source_name.endswith("announcement.wav")]
    assert speech and all(r.modality == "audio" and r.provenance.location["end"] > 0 for r in speech)
    assert _recall(SPEECH, " ".join(r.text for r in speech)) >= 0.8
    video = [r for r in records.values() if r.provenance.source_name.endswith("lecture-trailer.mp4")]
    tracks = {r.provenance.location["track"]: r for r in video}
    assert set(tracks) == {"audio", "frames"}
    assert _recall(CARD, tracks["frames"].text) == 1.0 and tracks["frames"].provenance.location["start"] == 0
    assert _recall(SPEECH, tracks["audio"].text) >= 0.8
    # the same speech in the OGG copy is a duplicate of the WAV's transcript: dedup works across modalities
    assert any(r.drop_reason in ("exact_duplicate", "near_duplicate") for r in dropped)
    assert outcome.stats["modalities"].keys() >= {"image", "audio", "video"}  # kept records by modality
    # every read record went through the confidence stage
    assert all("confidence" in r.annotations for r in kept if r.modality != "text")

    result = CliRunner().invoke(
        app, ["trace", tracks["audio"].id, "--json"], env={"DATAHARBOR_HOME": str(tmp_path / "h")}
    )
    assert result.exit_code == 0, result.output
    traced = json.loads(result.output)
    assert traced["modality"] == "video" and traced["location"]["track"] == "audio"
    assert traced["confidence"]["kind"] == "asr" and 0 < traced["confidence"]["value"] <= 1
    assert traced["file"]["name"].endswith("videos/lecture-trailer.mp4")
