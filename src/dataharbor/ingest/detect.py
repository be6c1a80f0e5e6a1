"""Type detection by content: magic bytes first, text sniffing second, the extension only to break ties.

Type names are short stable strings (`text`, `pdf`, `docx`, `image/png`, `audio/wav`, ...); an
extractor claims the types it reads. `detect_type` sees only the head of a file;
`detect_source_type` may also look inside a zip (to tell docx/epub/xlsx... from a plain zip).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import zipfile
from typing import IO

import charset_normalizer

from dataharbor.ingest.extractor import Source

HEAD_BYTES = 64 * 1024

TEXT_TYPES = ("text", "markdown", "html", "json", "jsonl", "csv", "tsv")
ARCHIVE_TYPES = ("zip", "tar", "gzip", "bzip2", "xz")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# When several encodings decode the head about equally well (chaos within the tolerance), the
# commonly used one wins: charset detection on short text often names an exotic cousin
# (mac_cyrillic for cp1251, cp1006 for latin-1 "Grüße").
_PREFERRED = (
    "utf_8",
    "ascii",
    "cp1252",
    "latin_1",
    "iso8859_15",
    "cp1251",
    "cp932",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "gbk",
    "gb2312",
    "big5",
    "euc_kr",
    "cp949",
    "koi8_r",
    "cp1250",
    "iso8859_2",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "iso8859_7",
    "iso8859_9",
)
_CHAOS_TOLERANCE = 0.2
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}

_ZIP_KINDS = (  # a member that names the zip-based format
    ("word/document.xml", "docx"),
    ("xl/workbook.xml", "xlsx"),
    ("ppt/presentation.xml", "pptx"),
)
_ODF = {
    "application/epub+zip": "epub",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
_EXT_TYPES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".text": "text",
    ".docx": "docx",
    ".epub": "epub",
    ".xlsx": "xlsx",
    ".pptx": "pptx",
    ".odt": "odt",
    ".ods": "ods",
    ".odp": "odp",
}


def detect_type(head: bytes, filename: str) -> str:
    """The type of a file from its first bytes; `filename` only breaks ties."""
    if not head:
        return "empty"
    ext = os.path.splitext(filename.lower())[1]
    magic = _by_magic(head, ext)
    if magic:
        return magic
    encoding = sniff_encoding(head)
    if encoding is None:
        # headerless PCM has no magic: a binary .pcm/.raw file is read with the declared format
        return "audio/pcm" if ext in (".pcm", ".raw") else "binary"
    text = _decode_head(head, encoding)
    return _text_kind(text, ext)


def detect_source_type(source: Source) -> str:
    """Like `detect_type`, but opens a zip to name the format built on it (docx, epub, xlsx...)."""
    head = source.head(HEAD_BYTES)
    kind = detect_type(head, source.name)
    if kind != "zip" and kind not in {k for _, k in _ZIP_KINDS} and kind not in _ODF.values():
        return kind
    with source.open() as fh:
        return zip_kind(fh, default=kind)


def zip_kind(fh: IO[bytes], default: str = "zip") -> str:
    """Name the zip-based format of a seekable stream; `default` when the zip is unreadable."""
    try:
        if not fh.seekable():
            return default
        with zipfile.ZipFile(fh) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                info = zf.getinfo("mimetype")
                if info.file_size <= 200:
                    mimetype = zf.read(info).decode("ascii", "replace").strip()
                    if mimetype in _ODF:
                        return _ODF[mimetype]
            for member, kind in _ZIP_KINDS:
                if member in names:
                    return kind
            return "zip"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return default


def _by_magic(head: bytes, ext: str) -> str | None:
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_from_head(head, ext)
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    return _media_magic(head) or _other_magic(head)


def _zip_from_head(head: bytes, ext: str) -> str:
    # The first local header names the first member: epub/odf put an uncompressed `mimetype` there.
    if head[26:30] and len(head) >= 30:
        name_len = int.from_bytes(head[26:28], "little")
        extra_len = int.from_bytes(head[28:30], "little")
        name = head[30 : 30 + name_len]
        if name == b"mimetype":
            start = 30 + name_len + extra_len
            mimetype = head[start : start + 60].split(b"PK", 1)[0].decode("ascii", "replace").strip()
            for known, kind in _ODF.items():
                if mimetype.startswith(known):
                    return kind
    by_ext = _EXT_TYPES.get(ext)
    return by_ext if by_ext in {"docx", "xlsx", "pptx", "epub", "odt", "ods", "odp"} else "zip"


def _media_magic(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/avi"}.get(head[8:12])
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] in (0xFB, 0xF3, 0xF2)):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"theora" in head[:512] else "audio/ogg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P ", b"F4A "):
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    return None


def _other_magic(head: bytes) -> str | None:
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # legacy .doc/.xls/.ppt
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    return None


def sniff_encoding(head: bytes) -> str | None:
    """The text encoding of `head`, or None when it looks like binary data rather than text."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    if b"\x00" in head:
        return None
    controls = sum(1 for b in head[:8192] if b in _CONTROL_BYTES)
    if controls > 0.05 * min(len(head), 8192):
        return None
    if _is_utf8(head) or _mostly_utf8(head):
        return "utf-8"  # stray invalid bytes are read as cp1252 by the text decoder
    if _looks_western(head):
        return "cp1252"
    matches = charset_normalizer.from_bytes(head[:HEAD_BYTES])
    best = matches.best()
    if best is None:
        return None
    close = [m for m in matches if m.chaos <= best.chaos + _CHAOS_TOLERANCE]
    rank = {name: i for i, name in enumerate(_PREFERRED)}
    chosen = min(close, key=lambda m: rank.get(m.encoding, len(rank)))
    return str(chosen.encoding)


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even_zero = sample[0::2].count(0) / len(sample[0::2])
    odd_zero = sample[1::2].count(0) / len(sample[1::2])
    # ASCII-heavy UTF-16: one byte of each pair is zero almost always, the other almost never.
    if odd_zero > 0.6 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.6 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _is_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(head: bytes) -> bool:
    """UTF-8 with a few stray single-byte characters (the usual "mixed encoding" file)."""
    text = head.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = sum(1 for c in text if ord(c) > 127) - invalid
    return valid >= 5 and invalid <= valid


# What Western European text (latin-1 / cp1252) uses beyond ASCII: accented letters and a
# little typographic punctuation. Cyrillic or Greek bytes read as cp1252 also land on accented
# letters, but then almost every letter is non-ASCII, which Western text never is.
_WESTERN_EXTRA = frozenset("–—‘’‚“”„…€•«»°£§©®·¿¡ºª\u00a0")


def _looks_western(head: bytes) -> bool:
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError:
        return False
    letters = sum(1 for c in text if c.isalpha())
    high = [c for c in text if ord(c) > 127]
    if not high or not letters:
        return False
    accented = sum(1 for c in high if "\u00c0" <= c <= "\u00ff" and c not in "×÷")
    return accented + sum(1 for c in high if c in _WESTERN_EXTRA) == len(high) and accented < 0.3 * letters


def _decode_head(head: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)


_HTML_START = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_HTML_TAGS = re.compile(r"<(p|div|span|a|table|br|h[1-6]|ul|li|meta|title|script)\b[^>]*>", re.I)
_JSON_OPENING = re.compile(r'^(\[\s*([{\["\d-]|true|false|null)|\{\s*")')
_MD_SIGNALS = re.compile(r"^(#{1,6} \S|```|\s*[-*+] \S|\s*\d+\. \S|> \S)|\[[^\]]+\]\([^)]+\)", re.M)


def _text_kind(text: str, ext: str) -> str:
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        return "text"
    if _HTML_START.match(stripped) or (stripped.startswith("<") and len(_HTML_TAGS.findall(text)) >= 5):
        return "html"
    if stripped[0] in "[{":
        kind = _json_kind(stripped, ext)
        if kind:
            return kind
    table = _table_kind(text, ext)
    if table:
        return table
    by_ext = _EXT_TYPES.get(ext)
    if by_ext == "markdown":
        return "markdown"
    if by_ext in (None, "text") and len(_MD_SIGNALS.findall(text[:16384])) >= 5 and ext != ".txt":
        return "markdown"
    return "text"


def _json_kind(text: str, ext: str) -> str | None:
    first, _, rest = text.partition("\n")
    first = first.strip()
    if first.startswith("{"):
        try:
            json.loads(first)
        except ValueError:
            pass  # a pretty-printed object spans lines
        else:
            nxt = rest.lstrip()
            if not nxt or nxt.startswith("{"):
                return "jsonl" if nxt or ext in (".jsonl", ".ndjson") else "json"
    if ext in (".jsonl", ".ndjson") and "\n" not in text.strip():
        return "jsonl"  # a first line longer than the head: the extension decides
    try:
        json.loads(text)
        return "json"
    except ValueError as exc:
        # The head of a large document is cut mid-way: accept anything that opens like JSON and
        # fails for another reason than trailing prose ("[1] Introduction ..." is Extra data).
        if not str(exc).startswith("Extra data") and _JSON_OPENING.match(text):
            return "json"
    return "jsonl" if ext in (".jsonl", ".ndjson") else ("json" if ext == ".json" else None)


def _table_kind(text: str, ext: str) -> str | None:
    lines = text.splitlines()
    if len(text) >= HEAD_BYTES - 4:
        lines = lines[:-1]  # the last line of a truncated head is partial
    lines = [ln for ln in lines[:50] if ln.strip()]
    if len(lines) < 2:
        return {".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}.get(ext) if lines else None
    by_ext = _EXT_TYPES.get(ext)
    needed = 2 if by_ext in ("csv", "tsv") else 5 if by_ext in ("text", "markdown") else 3
    for delim in ("\t", ",", ";", "|"):
        if delim not in lines[0]:
            continue
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
        except csv.Error:
            continue
        widths = {len(row) for row in rows}
        fields = [f for row in rows for f in row[1:]]
        # Prose puts a space after its commas; table cells rarely start with one.
        prose = delim != "\t" and sum(f.startswith(" ") for f in fields) > 0.5 * max(len(fields), 1)
        if len(widths) == 1 and min(widths) >= 2 and len(lines) >= needed and not prose:
            return "tsv" if delim == "\t" else "csv"
    return None
