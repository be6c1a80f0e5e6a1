"""normalize: mojibake repair, NFC, controls, whitespace — and the shortcut that lets clean text skip ftfy."""

from __future__ import annotations

import itertools
import random
import re
import string
import unicodedata

import ftfy
import pytest
from ftfy.badness import BADNESS_RE

from dataharbor.domain.record import Provenance, Record
from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages import _mojibake
from dataharbor.pipeline.stages._mojibake import SAFE, TRIGGER_CHARS, may_change, text_chars
from dataharbor.pipeline.stages.normalize import (
    _BLANK_LINES,
    _CONTROL,
    _OTHER_WHITESPACE,
    _SPACE_CHARS,
    _SPACES,
    CONTROL,
    OTHER_WHITESPACE,
    SPACES,
    NormalizeStage,
    clean_whitespace,
)

UDHR = evaldata_dir() / "text" / "udhr" / "txt"


def _ftfy(text: str) -> str:
    return ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=True)


def _record(text: str) -> Record:
    return Record(id="r1", text=text, provenance=Provenance("0" * 64, "t.txt", "test", "1"))


def _real_texts() -> list[str]:
    """UDHR in every script the corpus has (Latin, Cyrillic, Greek, Arabic, CJK, Indic …), cut to 1,000 characters."""
    paths = sorted(UDHR.glob("*.txt"))
    assert len(paths) > 400
    return [p.read_text(encoding="utf-8")[:1000] for p in paths]


def _broken(text: str, rng: random.Random) -> list[str]:
    """Ways real pipelines break text: each must be noticed."""
    out = []
    for enc in ("cp1252", "latin-1", "cp1251", "mac_roman"):
        try:
            out.append(text.encode("utf-8").decode(enc))
        except UnicodeDecodeError:
            continue
    i = rng.randrange(len(text) + 1)
    out += [
        text[:i] + "&eacute;" + text[i:],
        text[:i] + "ﬁ" + text[i:],
        text[:i] + "\r\n" + text[i:],
        text[:i] + "\x1b[31m" + text[i:],
        text[:i] + "ＡＢＣ" + text[i:],
        text[:i] + "\x85" + text[i:],
        text[:i] + "\nÃ " + text[i:],
    ]
    return out


def test_no_badness_alternative_can_match_safe_letters_and_ascii() -> None:
    """The claim the shortcut rests on, checked against ftfy's own regex (an ftfy upgrade re-checks it)."""
    reps = list("aZ.,?!1_ \n-'(")
    alphabet = sorted(SAFE) + reps
    for a, b, c in itertools.product(alphabet, repeat=3):
        assert not BADNESS_RE.search(a + b + c), a + b + c
    rng = random.Random(7)
    wide = sorted(SAFE) + list(string.printable)
    for _ in range(20_000):
        sample = "".join(rng.choice(wide) for _ in range(7))
        assert not BADNESS_RE.search(sample), sample


def test_skipping_ftfy_never_changes_the_result_on_real_and_broken_text() -> None:
    rng = random.Random(11)
    skipped = noticed = 0
    for text in _real_texts():
        variants = [text, unicodedata.normalize("NFD", text), *_broken(text, rng)]
        for variant in variants:
            if not may_change(variant):
                skipped += 1
                assert _ftfy(variant) == unicodedata.normalize("NFC", variant)
            elif variant is not text:
                noticed += 1
    assert skipped > 400  # clean real text does skip ftfy
    assert noticed > 2000


@pytest.mark.parametrize(
    "broken",
    [
        "Le cafÃ© est fermÃ©.",  # UTF-8 read as cp1252
        "Die BÃ¼cher sind im Rathaus.",
        "naÃ¯ve faÃ§ade",
        "It&rsquo;s the ﬁnal test.",
        "windows\r\nline",
        "Ã la carte",  # `^[ÃÂ] ` at the start of a segment
        "first line\nÃ la carte",
    ],
)
def test_broken_text_still_goes_to_ftfy(broken: str) -> None:
    assert may_change(broken)


@pytest.mark.parametrize(
    "clean",
    [
        "Plain ASCII text, nothing to do.",
        "Le café est fermé. Les élèves sont partis à la maison.",
        "Die Bücher sind im Rathaus; Größe und Qualität stimmen.",
        "Mañana, el niño irá a la montaña.",
    ],
)
def test_clean_text_skips_ftfy(clean: str) -> None:
    assert not may_change(clean)


def test_stage_repairs_mojibake_and_records_it() -> None:
    stage = NormalizeStage(StageContext())
    record = _record("Le cafÃ© est fermÃ©.\r\nIl   rouvre\u200b demain.")
    assert stage.apply(record) is None
    assert record.text == "Le café est fermé.\nIl rouvre demain."
    assert record.annotations["normalize"] == {"mojibake_fixed": True, "chars_removed": 1}


def test_stage_on_clean_text_only_normalises() -> None:
    stage = NormalizeStage(StageContext())
    decomposed = unicodedata.normalize("NFD", "Le café est fermé.")
    record = _record(decomposed + "\n\n\n\nFin.")
    assert stage.apply(record) is None
    assert record.text == "Le café est fermé.\n\nFin."
    assert record.annotations["normalize"] == {"mojibake_fixed": False, "chars_removed": 0}


def test_stage_drops_empty_and_short() -> None:
    assert NormalizeStage(StageContext()).apply(_record(" \u200b\n\t")) == "empty"
    assert NormalizeStage(StageContext(), min_chars=20).apply(_record("too short")) == "too_short"


def _strip_line_by_line(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def test_whole_text_whitespace_cleaning_equals_line_by_line() -> None:
    rng = random.Random(3)
    alphabet = list("ab  \t\n\n\u00a0\u2003\u3000\u1680\u2028\ré")
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(40))) for _ in range(50_000)]
    samples += _real_texts()
    for text in samples:
        assert clean_whitespace(text) == _strip_line_by_line(text), repr(text)


def test_character_sets_equal_the_regex_classes() -> None:
    """The sets `text_chars` is tested against are the classes the regexes scan for (all are in the BMP)."""
    space = re.compile(f"[{_SPACE_CHARS}]")
    for cls, members in (
        (_CONTROL, CONTROL),
        (_OTHER_WHITESPACE, OTHER_WHITESPACE),
        (space, SPACES | {" "}),
        (_mojibake._TRIGGERS, TRIGGER_CHARS),
    ):
        assert all(c < "\U00010000" for c in members)
        for code in range(0x10000):
            assert bool(cls.match(chr(code))) == (chr(code) in members), (cls.pattern[:40], hex(code))
        assert not cls.match("\U0001f600")


def _rough_texts() -> list[str]:
    rng = random.Random(13)
    alphabet = list("ab  \n\n\t\r\x0b\x1b\x00\x7f\x85\u00a0\u2003\u3000\u1680\u2028\u200b\ufeffé’«Ãﬁ中\U0001f600")
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(60))) for _ in range(20_000)]
    return samples + _real_texts()


def test_text_chars_are_the_non_ascii_characters_and_ascii_controls() -> None:
    for text in _rough_texts():
        want = {c for c in text if c >= "\x80" or (c < " " and c != "\n") or c == "\x7f"}
        assert text_chars(text) == want, repr(text)


def test_windows_from_the_characters_present_equal_the_regex_scan() -> None:
    rng = random.Random(17)
    texts = _rough_texts()
    texts += [broken for text in _real_texts()[::10] for broken in _broken(text, rng)]
    for text in texts:
        assert _mojibake._windows(text, text_chars(text)) == _mojibake._windows(text), repr(text)


def test_whitespace_cleaning_with_a_superset_of_characters_is_the_same() -> None:
    extra = frozenset("\t\u00a0\u2003\u3000\x0b")  # characters the text may lack: tests run, change nothing
    for text in _rough_texts():
        text = _CONTROL.sub("", text)  # as the stage calls it (a control such as \x0b is whitespace to strip())
        want = _strip_line_by_line(text)
        assert clean_whitespace(text, text_chars(text) | extra) == want, repr(text)
        assert clean_whitespace(text) == want, repr(text)
