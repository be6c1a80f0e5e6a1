"""Archives: recursion, locations, and hostile input (bombs, traversal, links, corruption)."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import struct
import tarfile
import zipfile

from dataharbor.ingest.extractor import Extracted, ExtractOptions, Limits
from dataharbor.ingest.walk import MemberFailure, source_from_bytes, walk


def run(name: str, data: bytes, **limits: float) -> tuple[list[Extracted], list[MemberFailure]]:
    out = list(walk(source_from_bytes(name, data), ExtractOptions(limits=Limits(**limits))))  # type: ignore[arg-type]
    return [x for x in out if isinstance(x, Extracted)], [x for x in out if isinstance(x, MemberFailure)]


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name) if name.endswith("/") else name, data)
    return buf.getvalue()


def make_tar(members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tf.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                tf.addfile(info, io.BytesIO(member[1]))
    return buf.getvalue()


def test_zip_members_are_extracted_with_locations() -> None:
    data = make_zip(
        {
            "docs/": b"",
            "docs/a.txt": b"Alpha text.",
            "docs/b.jsonl": b'{"text": "beta"}\n{"text": "gamma"}\n',
            "__MACOSX/docs/._a.txt": b"\x00\x05\x16\x07resource fork",
            "img.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,  # a broken image: fails alone
        }
    )
    records, failures = run("upload.zip", data)
    assert [(r.text, r.location, r.extractor) for r in records] == [
        ("Alpha text.", {"member": "docs/a.txt", "chars": [0, 11]}, "text"),
        ("beta", {"member": "docs/b.jsonl", "line": 1}, "jsonl"),
        ("gamma", {"member": "docs/b.jsonl", "line": 2}, "jsonl"),
    ]
    assert [(f.reason, f.location) for f in failures] == [("corrupt_image", {"member": "img.png"})]


def test_nested_archives_and_depth_limit() -> None:
    inner = make_zip({"deep.txt": b"deep text"})
    tgz = make_tar([("t/inner.zip", inner)], mode="w:gz")
    outer = make_zip({"bundle.tgz": tgz, "top.txt": b"top text"})
    records, failures = run("outer.zip", outer)
    assert failures == []
    assert {r.location["member"] for r in records} == {"bundle.tgz!t/inner.zip!deep.txt", "top.txt"}
    records, failures = run("outer.zip", outer, max_archive_depth=2)
    assert [r.text for r in records] == ["top text"]
    assert [(f.reason, f.location) for f in failures] == [("max_depth_exceeded", {"member": "bundle.tgz!t/inner.zip"})]


def test_corrupt_zip() -> None:
    good = make_zip({"a.txt": b"hello " * 100})
    records, failures = run("bad.zip", good[: len(good) // 2])
    assert records == [] and [f.reason for f in failures] == ["corrupt_archive"]
    records, failures = run("bad.zip", b"PK\x03\x04" + os.urandom(200))
    assert records == [] and [f.reason for f in failures] == ["corrupt_archive"]


def test_corrupt_member_data_fails_that_member_only() -> None:
    data = bytearray(make_zip({"a.txt": b"first member " * 50, "b.txt": b"second member " * 50}))
    start = data.index(b"a.txt") + len(b"a.txt")  # compressed bytes of the first member follow its name
    data[start + 5 : start + 15] = b"\xff" * 10
    records, failures = run("damaged.zip", bytes(data))
    assert [r.location["member"] for r in records] == ["b.txt"]
    assert [(f.reason, f.location) for f in failures] == [("corrupt_archive", {"member": "a.txt"})]


def test_zip_bomb_by_ratio_and_by_size() -> None:
    bomb = make_zip({"zeros.txt": b"0" * 30_000_000, "ok.txt": b"fine"})
    records, failures = run("bomb.zip", bomb, max_compression_ratio=100)
    assert [r.text for r in records] == ["fine"]
    assert [(f.reason, f.location) for f in failures] == [("compression_ratio_exceeded", {"member": "zeros.txt"})]
    records, failures = run("bomb.zip", bomb, max_member_bytes=10_000_000)
    assert [f.reason for f in failures] == ["member_too_large"]


def test_zip_total_uncompressed_limit() -> None:
    members = {f"part{i}.txt": os.urandom(800_000).hex().encode() for i in range(5)}  # 1.6 MB each
    records, failures = run("many.zip", make_zip(members), max_archive_total_bytes=5_000_000)
    assert len({r.location["member"] for r in records}) == 3
    assert {f.reason for f in failures} == {"archive_too_large"}


def test_zip_with_lying_sizes_never_yields_more_than_declared() -> None:
    payload = b"A" * 5_000_000
    data = bytearray(make_zip({"liar.txt": payload}))
    declared = 1000
    # Patch the uncompressed size in the local header (offset 22) and the central directory (24).
    struct.pack_into("<I", data, 22, declared)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    records, failures = run("liar.zip", bytes(data))
    assert sum(len(r.text) for r in records) <= declared
    assert failures and failures[0].reason == "corrupt_archive"  # the CRC check catches the lie


def test_gzip_bomb_is_stopped_by_actual_bytes() -> None:
    bomb = gzip.compress(b"\n" * 50_000_000)  # gzip declares nothing trustworthy
    records, failures = run("logs.txt.gz", bomb, max_compression_ratio=100)
    assert records == [] and [f.reason for f in failures] == ["compression_ratio_exceeded"]
    records, failures = run("logs.txt.gz", bomb, max_member_bytes=20_000_000, max_compression_ratio=1e9)
    assert [f.reason for f in failures] == ["member_too_large"]


def test_zip_path_traversal_and_symlinks_are_rejected() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../etc/evil.txt", "escape")
        zf.writestr("/abs/path.txt", "absolute")
        link = zipfile.ZipInfo("link.txt")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("safe.txt", "safe text")
    records, failures = run("evil.zip", buf.getvalue())
    assert [r.text for r in records] == ["safe text"]
    reasons = {f.location["member"]: f.reason for f in failures}
    assert reasons["../../etc/evil.txt"] == "unsafe_path"
    assert reasons["link.txt"] == "link_member"
    assert len(failures) == 3 and set(reasons.values()) <= {"unsafe_path", "link_member"}


def test_tar_traversal_links_and_devices_are_rejected() -> None:
    sym = tarfile.TarInfo("link")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("hard")
    hard.type, hard.linkname = tarfile.LNKTYPE, "safe.txt"
    dev = tarfile.TarInfo("dev")
    dev.type = tarfile.CHRTYPE
    data = make_tar(
        [("../escape.txt", b"x"), ("/abs.txt", b"y"), sym, hard, dev, ("safe.txt", b"safe tar text")],
        mode="w:gz",
    )
    records, failures = run("evil.tar.gz", data)
    assert [r.text for r in records] == ["safe tar text"]
    assert [(f.location["member"], f.reason) for f in failures] == [
        ("../escape.txt", "unsafe_path"),
        ("/abs.txt", "unsafe_path"),
        ("link", "link_member"),
        ("hard", "link_member"),
        ("dev", "special_member"),
    ]


def test_plain_tar_bz2_xz_and_single_file_gzip() -> None:
    members: list[tarfile.TarInfo | tuple[str, bytes]] = [("a.txt", b"tar text")]
    for name, data in [
        ("x.tar", make_tar(members)),
        ("x.tar.bz2", make_tar(members, mode="w:bz2")),
        ("x.tar.xz", make_tar(members, mode="w:xz")),
    ]:
        records, failures = run(name, data)
        assert failures == [] and [(r.text, r.location["member"]) for r in records] == [("tar text", "a.txt")]
    records, _ = run("notes.jsonl.gz", gzip.compress(b'{"text": "gz line"}\n'))
    assert [(r.text, r.location) for r in records] == [("gz line", {"member": "notes.jsonl", "line": 1})]
    records, _ = run("n.txt.bz2", bz2.compress(b"bz text"))
    assert [r.text for r in records] == ["bz text"]
    records, _ = run("n.txt.xz", lzma.compress(b"xz text"))
    assert [r.text for r in records] == ["xz text"]


def test_member_count_limit() -> None:
    data = make_zip({f"f{i}.txt": f"file {i}".encode() for i in range(10)})
    records, failures = run("many.zip", data, max_archive_members=4)
    assert len(records) == 4 and [f.reason for f in failures] == ["too_many_members"]


def test_corrupt_gzip_and_tar() -> None:
    good = gzip.compress(b"some text " * 1000)
    _, failures = run("x.txt.gz", good[:40] + b"\x00" * 40)
    assert [f.reason for f in failures] == ["corrupt_archive"]
    tar = bytearray(make_tar([("a.txt", b"hello")]))
    tar[148:156] = b"garbage!"  # header checksum
    _, failures = run("x.tar", bytes(tar))
    assert failures and failures[0].reason == "corrupt_archive"
