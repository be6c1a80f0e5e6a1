"""Build the demo bundle in `samples/` (deterministic). All text was written for DataHarbor: CC0-1.0.

Run: .venv/bin/python scripts/make_samples.py
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "samples"
OUT = ROOT / "bundle"

REPORT_EN = [
    "The city library welcomed more visitors in 2025 than in any year since the reading rooms reopened. "
    "Families came for the Saturday story hours, students filled the study tables during the exam season, "
    "and older readers returned to the large-print collection that the volunteers rebuilt in the spring.",
    "Our lending service handled a little over two hundred thousand loans. Printed books still make up most "
    "of them, but audiobooks grew fastest, and the home delivery service now reaches readers in every "
    "district of the city. The delivery team is small, so we thank the drivers who gave their time.",
    "The conservation workshop repaired four hundred damaged volumes from the local history collection. "
    "Several of them are letters written by residents during the great flood, which we are now transcribing "
    "so that researchers can search them. The work is slow, because many of the pages are fragile and the "
    "handwriting is difficult to read, but each finished letter is added to the public catalogue.",
    "Next year we will open a second study room, extend the opening hours on Thursday evenings, and start a "
    "series of workshops on family history. We are grateful to the partners, donors and volunteers who make "
    "this work possible, and we welcome suggestions from every reader.",
]

REPORT_FR = [
    "La bibliothèque municipale a accueilli en 2025 plus de visiteurs qu'au cours de toutes les années "
    "précédentes depuis la réouverture des salles de lecture. Les familles sont venues pour l'heure du conte "
    "du samedi, les étudiants ont occupé les tables de travail pendant la période des examens, et les lecteurs "
    "âgés ont retrouvé la collection en gros caractères que les bénévoles ont reconstituée au printemps.",
    "Le service de prêt a enregistré un peu plus de deux cent mille emprunts. Les livres imprimés en "
    "représentent toujours la plus grande part, mais ce sont les livres audio qui ont le plus progressé, et le "
    "portage à domicile dessert désormais des lecteurs dans tous les quartiers de la ville.",
    "L'atelier de conservation a restauré quatre cents volumes abîmés du fonds d'histoire locale. Plusieurs "
    "d'entre eux sont des lettres écrites par des habitants pendant la grande crue, que nous transcrivons "
    "maintenant afin que les chercheurs puissent les consulter. Le travail est lent, car beaucoup de pages sont "
    "fragiles et l'écriture est difficile à lire, mais chaque lettre terminée rejoint le catalogue public.",
]

NAV = (
    "<nav><a href='/'>Home</a> | <a href='/catalogue'>Catalogue</a> | <a href='/events'>Events</a> | "
    "<a href='/contact'>Contact</a> | <a href='/login'>Log in</a></nav>"
)
FOOTER = (
    "<footer><p>© 2025 City Library. All rights reserved.</p><p>We use cookies to improve your experience. "
    "<a href='/privacy'>Privacy policy</a> · <a href='/cookies'>Cookie settings</a></p></footer>"
)

LETTERS = [
    {
        "id": "L-001",
        "lang": "en",
        "year": 1953,
        "text": (
            "Dear Mrs Whitmore, thank you for your kind letter of the twelfth. The water has gone down at last and we "
            "have begun to dry the books from the lower shelves in the church hall. Most of the novels are lost, but "
            "the parish registers were kept upstairs and they are safe. If you can spare any blankets, please bring "
            "them on Tuesday, because the families from the river street are still sleeping in the school. "
            "With warm regards from all of us at the library, Arthur."
        ),
    },
    {
        "id": "L-002",
        "lang": "en",
        "year": 2024,
        "text": (
            "Hello, my name is Margaret Ellison and I would like to donate my late husband's collection of railway "
            "timetables to the local history room. There are about three hundred of them, from the 1950s to the "
            "1990s, in good condition and sorted by year. You can reach me at margaret.ellison@example.org or on "
            "+44 20 7946 0958, and the boxes can be collected from 14 Harbour Road, Whitby YO21 3PU on any weekday "
            "morning. Thank you for looking after the memory of our town."
        ),
    },
    {
        "id": "L-003",
        "lang": "fr",
        "year": 2024,
        "text": (
            "Madame, Monsieur, je souhaite inscrire mon fils au club de lecture du mercredi après-midi. Il a neuf ans "
            "et il lit surtout des bandes dessinées, mais il aimerait découvrir des romans d'aventure. Je m'appelle "
            "Claire Dubois et vous pouvez me joindre au 06 12 34 56 78 ou par courriel à claire.dubois@example.fr. "
            "Nous habitons 27 rue des Lilas, 69003 Lyon. Je vous remercie par avance de votre réponse et vous prie "
            "d'agréer mes salutations distinguées."
        ),
    },
    {
        "id": "L-004",
        "lang": "en",
        "year": 2025,
        "text": (
            "To the library board: the reading group that meets on Thursday evenings would like to thank the staff "
            "for keeping the building open during the winter repairs. We met in the small room behind the archive "
            "and it was warm and quiet. Next season we plan to read novels set by the sea, and we would welcome "
            "suggestions from the librarians. We also hope the new shelves for local authors will be finished soon, "
            "because several members have books they would like to donate."
        ),
    },
]

REVIEWS = [
    (
        "A patient and beautifully written history of the harbour, with maps that help the reader follow every "
        "change to the coastline over three centuries. I borrowed it twice and would recommend it to anyone.",
        "en",
    ),
    (
        "Un roman lumineux sur l'amitié entre deux sœurs qui se retrouvent après vingt ans de silence. La fin est "
        "un peu rapide, mais les personnages restent longtemps en mémoire après la dernière page.",
        "fr",
    ),
    (
        "This guide to growing vegetables on a balcony is practical and clear. The chapter on tomatoes saved my "
        "summer, and the drawings make each step easy to follow even for a complete beginner like me.",
        "en",
    ),
    ("buy cheap cheap cheap best price click here click here click here best price buy now buy now", "en"),
    (
        "People like you are worthless idiots and should be thrown out of this library, I hate every one of you "
        "and your disgusting kind, you all deserve to suffer for what you are.",
        "en",
    ),
]

MINUTES = {
    "minutes/2025-03-committee.md": (
        "# Library committee, March 2025\n\nThe committee met on the fourth of March. The treasurer reported "
        "that the heating repairs came in under budget, which leaves enough money to replace the worn chairs in "
        "the children's corner. The committee agreed to ask three local carpenters for quotes before the summer. "
        "The volunteer coordinator said that eleven new volunteers joined after the open day, most of them "
        "students, and that a short training session on handling old books will be held in April.\n"
    ),
    "minutes/2025-03-committee-copy.md": (
        "# Library committee, March 2025\n\nThe committee met on the fourth of March. The treasurer reported "
        "that the heating repairs came in under budget, which leaves enough money to replace the worn chairs in "
        "the children's corner. The committee agreed to ask three local carpenters for quotes before the summer. "
        "The volunteer coordinator said that twelve new volunteers joined after the open day, most of them "
        "students, and that a short training session on handling old books will be held in April.\n"
    ),
    "minutes/2025-06-comite.txt": (
        "Comité de la bibliothèque, juin 2025.\n\nLe comité s'est réuni le dix juin. La responsable des "
        "collections a présenté le projet de numérisation des lettres de la grande crue. Les bénévoles ont déjà "
        "photographié trois cents pages, et la transcription avancera pendant l'été avec l'aide des étudiants. "
        "Le comité a voté à l'unanimité la prolongation des horaires d'ouverture le jeudi soir à partir de "
        "septembre, et remercie le personnel pour son engagement pendant les travaux.\n"
    ),
}


def html_page(title: str, paragraphs: list[str], lang: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body>{NAV}<main><article><h1>{title}</h1>{body}</article></main>{FOOTER}</body></html>\n"
    )


def tiny_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF with a Helvetica text layer (latin-1), one content stream per page."""
    objs: list[bytes] = []
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objs.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def wrap(text: str, width: int = 90) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        if len(cur) + len(word) + 1 > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    return [*lines, cur] if cur else lines


SCAN_TEXT = [
    "CITY LIBRARY - ANNUAL REPORT 1998 - PAGE 3",
    "",
    "The reading room was closed for six weeks in the summer while the old heating",
    "system was replaced. During the closure the staff moved the reference books to",
    "the ground floor, and the mobile library visited the schools twice a week.",
    "",
    "The photograph collection grew by more than nine hundred prints, most of them",
    "given by families who had kept pictures of the market square and the river",
    "before the new bridge was built. Each print is now described in the card index",
    "so that visitors can ask for it by street, by year or by the name of the family.",
    "",
    "We thank the friends of the library for the new chairs in the children's corner",
    "and for the evening lectures, which were attended by over four hundred people.",
]

# A LibriVox recording (public domain) of Jane Austen's "Sense and Sensibility", ch. 1, as kept in
# ../shared/evaldata (from the CMU Sphinx test data): a real voice for the demo's audio clip.
READING = Path(__file__).resolve().parents[2] / "shared/evaldata/speech/pocketsphinx/librivox"
READING_CLIP = "sense_and_sensibility_01_austen_64kb-0870.wav"


def scanned_page(path: Path, lines: list[str]) -> None:
    """A printed page as a desk scanner gives it: slightly rotated, grey paper, sensor noise, JPEG."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 26)
    page = Image.new("L", (1240, 1000), 255)
    draw = ImageDraw.Draw(page)
    y = 110
    for line in lines:
        draw.text((110, y), line, font=font, fill=25)
        y += 44
    page = page.rotate(0.8, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    rng = np.random.default_rng(1998)
    pixels = np.asarray(page, dtype=np.float32) * 0.93 + 8 + rng.normal(0, 9, (page.height, page.width))
    page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    page.save(path, "JPEG", quality=72)


def reading_clip(path: Path) -> None:
    import subprocess

    source = READING / READING_CLIP
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(source), "-map_metadata", "-1", "-c:a", "flac", str(path)]
    subprocess.run(cmd, check=True)


def main() -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    (OUT / "reports").mkdir(parents=True)
    (OUT / "letters").mkdir()
    (OUT / "catalogue").mkdir()
    (OUT / "documents").mkdir()
    (OUT / "junk").mkdir()
    (OUT / "scans").mkdir()
    (OUT / "recordings").mkdir()

    scanned_page(OUT / "scans/annual-report-1998-page-3.jpg", SCAN_TEXT)
    reading_clip(OUT / "recordings/sense-and-sensibility-reading.flac")

    (OUT / "reports/annual-report-2025.html").write_text(html_page("Annual report 2025", REPORT_EN, "en"))
    (OUT / "reports/rapport-annuel-2025.html").write_text(html_page("Rapport annuel 2025", REPORT_FR, "fr"))

    lines = [json.dumps(letter, ensure_ascii=False) for letter in LETTERS]
    lines.insert(2, '{"id": "L-bad", "text": "this line is cut off')  # malformed JSONL line
    (OUT / "letters/letters.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # an exact copy of letter 4, contributed again as a plain text file (with different line breaks)
    (OUT / "letters/board-letter-copy.txt").write_text("\n".join(wrap(LETTERS[3]["text"], 70)) + "\n")

    with open(OUT / "catalogue/reader-reviews.csv", "w", encoding="utf-8", newline="") as fh:
        import csv

        w = csv.writer(fh)
        w.writerow(["book_id", "text", "language"])
        for i, (text, lang) in enumerate(REVIEWS, start=1):
            w.writerow([f"B{i:03d}", text, lang])

    import docx

    d = docx.Document()
    d.add_heading("Volunteer guide", level=1)
    d.add_paragraph(
        "Welcome to the volunteer team of the city library. Volunteers help with the home delivery service, the "
        "story hours for children, the repair of damaged books and the transcription of the flood letters. Each "
        "new volunteer spends a first afternoon with an experienced member of the team, who explains how the "
        "building is organised and where the tools and materials are kept."
    )
    d.add_paragraph(
        "Old books must always be handled with clean, dry hands, and never by the spine. Fragile pages are turned "
        "with a paper knife, and loose pages are placed in acid-free folders. When in doubt, please ask the "
        "conservation workshop before doing anything to a damaged volume."
    )
    d.add_paragraph(
        "For questions about the rota, please contact the volunteer coordinator, Daniel Morgan, by email at "
        "daniel.morgan@example.org or by phone on 020 7946 0321."
    )
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Day", "Task"
    table.cell(1, 0).text, table.cell(1, 1).text = "Saturday", "Story hour for children aged four to eight"
    d.save(OUT / "documents/volunteer-guide.docx")

    pdf_pages = [
        wrap(
            "Public notice. The reading rooms of the city library will be closed from the first to the fifth of "
            "August for the installation of new lighting and the cleaning of the old oak shelves. The lending "
            "desk in the entrance hall stays open at the usual times, and books can be returned in the box "
            "beside the main door at any hour of the day or night during the closure."
        ),
        wrap(
            "During the closure the home delivery service continues as normal. Readers who need help with "
            "research in the local history collection may book an appointment with the archivist for the "
            "following week. We apologise for the inconvenience and thank all readers for their patience "
            "while the work is carried out."
        ),
    ]
    (OUT / "documents/closure-notice.pdf").write_bytes(tiny_pdf(pdf_pages))

    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("city-library-flood-letters")
    book.set_title("Letters from the great flood")
    book.set_language("en")
    chapters = []
    for i, text in enumerate([LETTERS[0]["text"], REPORT_EN[2]], start=1):
        ch = epub.EpubHtml(title=f"Chapter {i}", file_name=f"chap_{i}.xhtml", lang="en")
        ch.content = f"<html><body><h1>Chapter {i}</h1><p>{text}</p></body></html>"
        book.add_item(ch)
        chapters.append(ch)
    book.toc = chapters
    book.spine = ["nav", *chapters]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(OUT / "documents/flood-letters.epub"), book)

    with zipfile.ZipFile(OUT / "documents/committee-minutes.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in MINUTES.items():
            z.writestr(name, text)

    (OUT / "junk/keywords.txt").write_text(
        "library library library books books books free free free download download download "
        "library books free download library books free download library books free download\n" * 8
    )
    (OUT / "junk/scan-export.txt").write_bytes(bytes(range(256)) * 8)  # binary content named .txt
    (OUT / "junk/empty.txt").write_bytes(b"")
    (ROOT / "README.md").write_text(
        "# DataHarbor demo samples\n\nA small mixed bundle used by `dataharbor demo`: HTML (en, fr), a PDF with a "
        "text layer, DOCX, EPUB, JSONL (one malformed line), CSV, a zip archive, a scanned page (JPEG), a short "
        "recording (FLAC), documents with personal data, an exact and a near duplicate, junk and a binary file "
        "named `.txt`.\n\nAll text was written for DataHarbor and is dedicated to the public domain (CC0-1.0); "
        "the scanned page is rendered from such text by `scripts/make_samples.py`. Names, addresses, e-mails and "
        "phone numbers are fictitious (UK numbers from Ofcom's drama range, `example.org` domains).\n\n"
        "`recordings/sense-and-sensibility-reading.flac` is a LibriVox recording of Jane Austen's *Sense and "
        "Sensibility*, chapter 1 (public domain; LibriVox recordings are dedicated to the public domain), as "
        "kept in the CMU Sphinx test data (`test/data/librivox`, BSD-style licence for the repository).\n\n"
        "Rebuild with `python scripts/make_samples.py` (needs ffmpeg and `../shared/evaldata` beside the "
        "repository for the recording).\n"
    )


if __name__ == "__main__":
    main()
