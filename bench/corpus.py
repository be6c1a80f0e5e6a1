"""Benchmark corpus: real Debian documentation (HTML, en/fr/de/es) as JSONL, with planted duplicates and PII.

Sources: `python3.11-doc` and `libreoffice-help-{en-us,fr,de,es}`, fetched with `apt-get download` (any
Debian mirror; no install) into `bench/work/debs`, unpacked with `dpkg-deb -x`, every HTML page turned
into text with resiliparse (`main_content=True`). Exact-duplicate pages are removed first, so every
duplicate in the corpus is one we planted (LibreOffice's help still has natural *near*-duplicates: pages
that differ by a menu name; the report counts them as "not planted").

Planted, deterministic per (seed, copy): exact copies of 2% of pages (>= 50 words), near-duplicates of 5%
(>= 80 words; 1-5% of words substituted/inserted/deleted plus one sentence swap), and one sentence of
personal data in the page's language (name, email, phone, IBAN with a valid mod-97 check) in 600 pages.
`--scale N` writes N copies; copy k > 0 maps every alphabetic word of >= 5 letters through its own
permutation of that language's vocabulary, so copies are distinct for near-dedup (most 5-word shingles
change) while stop words, line shapes and lengths stay those of real text. The truth file lists every
planted pair and PII value.

    .venv/bin/python bench/corpus.py [--scale 1] [--out bench/work/corpus-1x] [--files 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
PACKAGES = (
    "python3.11-doc",
    "libreoffice-help-en-us",
    "libreoffice-help-fr",
    "libreoffice-help-de",
    "libreoffice-help-es",
)
HELP_LANGS = {"en-US": "en", "fr": "fr", "de": "de", "es": "es"}
EXACT_SHARE, NEAR_SHARE, PII_DOCS = 0.02, 0.05, 600
NEAR_EDITS = (0.01, 0.02, 0.03, 0.05)
_WORD = re.compile(r"[^\W\d_]{5,}")
_SENTENCE_END = re.compile(r"(?<=[.!?])(\s+)")


@dataclass(frozen=True)
class Doc:
    id: str
    lang: str
    text: str


def fetch_debs(dest: Path) -> list[Path]:
    """The documentation packages as .deb files (downloaded once; apt-get needs `apt-get update` done)."""
    dest.mkdir(parents=True, exist_ok=True)
    debs = sorted(dest.glob("*.deb"))
    if len(debs) < len(PACKAGES):
        if subprocess.run(["apt-get", "download", *PACKAGES], cwd=dest, capture_output=True).returncode != 0:
            # a fresh machine has no package lists yet
            subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
            subprocess.run(["apt-get", "download", *PACKAGES], cwd=dest, check=True, capture_output=True)
        debs = sorted(dest.glob("*.deb"))
    return debs


def base_docs(work: Path = WORK) -> list[Doc]:
    """Every documentation page as text, exact duplicates removed; cached in `work/base-docs.jsonl`."""
    cache = work / "base-docs.jsonl"
    if cache.exists():
        with open(cache, encoding="utf-8") as fh:
            return [Doc(**json.loads(line)) for line in fh]
    from resiliparse.extract.html2text import extract_plain_text

    root = work / "debs-x"
    if not root.exists():
        for deb in fetch_debs(work / "debs"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    docs: list[Doc] = []
    seen: set[str] = set()
    for page in sorted(root.rglob("*.html")):
        rel = page.relative_to(root).as_posix()
        lang = "en"
        if "/libreoffice/help/" in rel:
            lang = HELP_LANGS.get(rel.split("/libreoffice/help/")[1].split("/")[0], "")
        if not lang:
            continue
        text = extract_plain_text(page.read_text("utf-8", errors="replace"), main_content=True).strip()
        digest = hashlib.sha1(text.encode()).hexdigest()
        if len(text) < 20 or digest in seen:
            continue
        seen.add(digest)
        docs.append(Doc(rel, lang, text))
    tmp = cache.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for d in docs:
            out.write(json.dumps({"id": d.id, "lang": d.lang, "text": d.text}, ensure_ascii=False) + "\n")
    tmp.replace(cache)
    return docs


def _vocab(docs: list[Doc]) -> dict[str, list[str]]:
    words: dict[str, set[str]] = {}
    for d in docs:
        words.setdefault(d.lang, set()).update(_WORD.findall(d.text))
    return {lang: sorted(ws) for lang, ws in words.items()}


def _disguise(docs: list[Doc], vocab: dict[str, list[str]], copy: int, seed: int) -> list[Doc]:
    """Copy `copy` of the corpus: long words mapped through a per-language permutation (identity for copy 0)."""
    if copy == 0:
        return docs
    maps: dict[str, dict[str, str]] = {}
    for lang, words in vocab.items():
        shuffled = list(words)
        random.Random(f"{seed}/{copy}/{lang}").shuffle(shuffled)
        maps[lang] = dict(zip(words, shuffled, strict=True))
    out = []
    for d in docs:
        table = maps[d.lang]
        text = _WORD.sub(lambda m, t=table: t.get(m.group(), m.group()), d.text)  # type: ignore[misc]
        out.append(Doc(f"{d.id}#{copy}", d.lang, text))
    return out


def near_copy(text: str, share: float, rng: random.Random, vocab: list[str]) -> str:
    """`share` of the words edited (half substituted, a quarter inserted, a quarter deleted) and one sentence swap."""
    words = text.split(" ")
    n = len(text.split())
    for kind, part in (("sub", 0.5), ("ins", 0.25), ("del", 0.25)):
        for _ in range(max(1, round(share * part * n))):
            pos = rng.randrange(len(words))
            if kind == "sub":
                words[pos] = rng.choice(vocab)
            elif kind == "ins":
                words.insert(pos, rng.choice(vocab))
            elif len(words) > 1:
                del words[pos]
    # swap two neighbouring sentences, keeping every separator (line breaks carry C4's line rules)
    parts = _SENTENCE_END.split(" ".join(words))
    if len(parts) > 3:
        i = 2 * rng.randrange(len(parts) // 2)
        if i + 2 < len(parts):
            parts[i], parts[i + 2] = parts[i + 2], parts[i]
    return "".join(parts)


# Personal data, per language: invented names, the locale's phone layout, the country's IBAN.
_NAMES = {
    "en": (["James", "Emily", "Robert", "Sarah", "Michael", "Laura"], ["Whitfield", "Harrison", "Doyle", "Pemberton"]),
    "fr": (["Camille", "Julien", "Sophie", "Mathieu", "Élodie", "Antoine"], ["Lefèvre", "Durand", "Moreau", "Garnier"]),
    "de": (["Lukas", "Anna", "Jonas", "Lena", "Matthias", "Katrin"], ["Schneider", "Hoffmann", "Becker", "Wagner"]),
    "es": (["Lucía", "Javier", "Carmen", "Diego", "Marta", "Alejandro"], ["García", "Fernández", "López", "Romero"]),
}
_TEMPLATES = {
    "en": "For questions about this page, contact {name} at {email} or call {phone}; refunds go to IBAN {iban}.",
    "fr": "Pour toute question sur cette page, contactez {name} à {email} ou au {phone} ; "
    "remboursement sur l'IBAN {iban}.",
    "de": "Bei Fragen zu dieser Seite wenden Sie sich an {name} unter {email} oder {phone}; "
    "Erstattung auf IBAN {iban}.",
    "es": "Si tiene preguntas sobre esta página, contacte con {name} en {email} o al {phone}; "
    "reembolsos al IBAN {iban}.",
}
_IBAN = {"en": ("GB", 18), "fr": ("FR", 23), "de": ("DE", 18), "es": ("ES", 20)}  # country, BBAN digits


def iban(country: str, digits: int, rng: random.Random) -> str:
    """A valid IBAN (ISO 13616 mod-97 check digits) over random digits, printed in groups of four."""
    bban = "".join(str(rng.randrange(10)) for _ in range(digits))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    raw = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def phone(lang: str, rng: random.Random) -> str:
    d = [str(rng.randrange(10)) for _ in range(10)]
    if lang == "en":
        return f"(212) {rng.randrange(200, 999)}-{''.join(d[:4])}"
    if lang == "fr":
        return "06 " + " ".join("".join(d[i : i + 2]) for i in range(0, 8, 2))
    if lang == "de":
        return f"+49 30 {''.join(d[:4])} {''.join(d[4:8])}"
    return f"+34 91 {''.join(d[:3])} {''.join(d[3:5])} {''.join(d[5:7])}"


def _ascii(s: str) -> str:
    table = str.maketrans("éèêàçñíóúáüöä", "eeeacnioua" + "uoa")
    return s.lower().translate(table)


def plant_pii(doc: Doc, rng: random.Random) -> tuple[Doc, list[dict[str, str]]]:
    firsts, lasts = _NAMES[doc.lang]
    first, last = rng.choice(firsts), rng.choice(lasts)
    values = {
        "PERSON": f"{first} {last}",
        "EMAIL": f"{_ascii(first)}.{_ascii(last)}{rng.randrange(10, 99)}@example-{doc.lang}.org",
        "PHONE": phone(doc.lang, rng),
        "IBAN": iban(*_IBAN[doc.lang], rng),
    }
    sentence = _TEMPLATES[doc.lang].format(
        name=values["PERSON"], email=values["EMAIL"], phone=values["PHONE"], iban=values["IBAN"]
    )
    paragraphs = doc.text.split("\n\n")
    at = rng.randrange(1, len(paragraphs) + 1)
    text = "\n\n".join([*paragraphs[:at], sentence, *paragraphs[at:]])
    return Doc(doc.id, doc.lang, text), [{"id": doc.id, "type": t, "value": v} for t, v in values.items()]


def build_copy(docs: list[Doc], vocab: dict[str, list[str]], copy: int, seed: int) -> tuple[list[Doc], dict[str, list]]:  # type: ignore[type-arg]
    """One copy of the corpus with its planted duplicates and PII (shuffled), and its truth."""
    rng = random.Random(f"{seed}/plant/{copy}")
    docs = _disguise(docs, vocab, copy, seed)
    words = {d.id: len(d.text.split()) for d in docs}
    order = list(range(len(docs)))
    rng.shuffle(order)
    exact_n, near_n = round(EXACT_SHARE * len(docs)), round(NEAR_SHARE * len(docs))
    exact_src = [i for i in order if words[docs[i].id] >= 50][:exact_n]
    taken = set(exact_src)
    near_src = [i for i in order if words[docs[i].id] >= 80 and i not in taken][:near_n]
    taken |= set(near_src)
    pii_src = [i for i in order if words[docs[i].id] >= 30 and i not in taken][:PII_DOCS]
    truth: dict[str, list] = {"exact": [], "near": [], "pii": []}  # type: ignore[type-arg]
    out = list(docs)
    for i in pii_src:
        out[i], found = plant_pii(docs[i], rng)
        truth["pii"] += found
    for i in exact_src:
        d = docs[i]
        out.append(Doc(f"{d.id}~exact", d.lang, d.text))
        truth["exact"].append([d.id, f"{d.id}~exact"])
    for n, i in enumerate(near_src):
        d = docs[i]
        share = NEAR_EDITS[n % len(NEAR_EDITS)]
        out.append(Doc(f"{d.id}~near", d.lang, near_copy(d.text, share, rng, vocab[d.lang])))
        truth["near"].append([d.id, f"{d.id}~near", share])
    rng.shuffle(out)
    return out, truth


def build(out_dir: Path, scale: int = 1, files: int = 2, seed: int = 6) -> dict[str, object]:
    """Writes `part-*.jsonl` (fields id, language, text) and `truth.json`; returns the corpus summary."""
    base = base_docs()
    vocab = _vocab(base)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("part-*.jsonl"):
        old.unlink()
    parts = [open(out_dir / f"part-{i:04d}.jsonl", "w", encoding="utf-8") for i in range(files)]  # noqa: SIM115
    truth: dict[str, list] = {"exact": [], "near": [], "pii": []}  # type: ignore[type-arg]
    docs = n_bytes = 0
    langs: dict[str, int] = {}
    try:
        for copy in range(scale):
            written, planted = build_copy(base, vocab, copy, seed)
            for key in truth:
                truth[key] += planted[key]
            for d in written:
                line = json.dumps({"id": d.id, "language": d.lang, "text": d.text}, ensure_ascii=False)
                parts[docs % files].write(line + "\n")
                docs += 1
                n_bytes += len(d.text.encode())
                langs[d.lang] = langs.get(d.lang, 0) + 1
    finally:
        for fh in parts:
            fh.close()
    summary: dict[str, object] = {
        "documents": docs,
        "text_mb": round(n_bytes / 1e6, 3),
        "scale": scale,
        "files": files,
        "seed": seed,
        "languages": langs,
        "planted": {k: len(v) for k, v in truth.items()},
        "sources": list(PACKAGES),
    }
    (out_dir / "truth.json").write_text(json.dumps({"summary": summary, **truth}, ensure_ascii=False))
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--files", type=int, default=2, help="JSONL files to write (one per worker)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or WORK / f"corpus-{args.scale}x"
    print(json.dumps(build(out, args.scale, args.files), indent=2))


if __name__ == "__main__":
    main()
