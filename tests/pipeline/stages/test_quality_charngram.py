"""quality stage, char-trigram gibberish rule: scrambled letters are dropped in languages without a
stop-word list, real text is kept, and the rule stays out of what the model cannot judge."""

from __future__ import annotations

import random
from typing import Any

import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages._langid_tiny import TinyLangId
from dataharbor.pipeline.stages._quality_charngram import char_trigram_signals
from dataharbor.pipeline.stages.quality import QualityStage

FI = (
    "Kunnanvaltuusto kokoontui tiistaina keskustelemaan vanhan kirjaston tulevaisuudesta. Useimmat "
    "jäsenet olivat yhtä mieltä siitä, että rakennus tarvitsee uuden katon ennen talvea ja että "
    "lukusalin pitää olla auki koko korjauksen ajan. Kunta on varannut rahaa korjauksiin, mutta "
    "lopullinen hinta riippuu tarjouksista, jotka saapuvat ensi kuussa.\n\n"
    "Vapaaehtoiset ovat jo siirtäneet harvinaiset kirjat kuivaan huoneeseen kaupungintalolla. Ne "
    "palaavat takaisin, kun työt on saatu valmiiksi, minkä arkkitehti arvioi tapahtuvan keväällä."
)
SW = (
    "Baraza la mji lilikutana siku ya Jumanne kujadili mustakabali wa maktaba ya zamani. Wajumbe wengi "
    "walikubaliana kwamba jengo linahitaji paa jipya kabla ya msimu wa baridi, na kwamba chumba cha "
    "kusomea kinapaswa kubaki wazi wakati wa kazi. Halmashauri imetenga fedha kwa ajili ya matengenezo, "
    "lakini gharama ya mwisho itategemea zabuni zitakazofika mwezi ujao.\n\n"
    "Watu wa kujitolea tayari wamehamisha vitabu adimu kwenda katika chumba kikavu cha ukumbi wa mji. "
    "Vitarudishwa kazi itakapokamilika, jambo ambalo mbunifu anatarajia litatokea wakati wa masika."
)
PL = (
    "Rada miasta zebrała się we wtorek, aby porozmawiać o przyszłości starej biblioteki. Większość "
    "członków zgodziła się, że budynek potrzebuje nowego dachu przed zimą i że czytelnia powinna "
    "pozostać otwarta w czasie prac. Gmina przeznaczyła pieniądze na naprawy, ale ostateczny koszt "
    "będzie zależał od ofert, które nadejdą w przyszłym miesiącu.\n\n"
    "Wolontariusze przenieśli już rzadkie książki do suchego pomieszczenia w ratuszu. Wrócą one na "
    "miejsce, gdy prace zostaną zakończone, czego architekt spodziewa się wiosną."
)
TEXTS = {"fi": FI, "sw": SW, "pl": PL}


def _scramble(text: str) -> str:
    """Like the benchmark's junk: characters shuffled within each line, the last one kept."""
    rng = random.Random(7)
    lines = []
    for line in text.split("\n"):
        chars = list(line[:-1])
        rng.shuffle(chars)
        lines.append("".join(chars) + line[-1:])
    return "\n".join(lines)


def _run(text: str, lang: str | None, **params: Any) -> Record:
    annotations: dict[str, Any] = {"language": {"lang": lang}} if lang else {}
    record = Record("r1", text, Provenance("0" * 64, "t.txt", "text", "1"), annotations=annotations)
    QualityStage(StageContext(), **params).process([record])
    return record


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_real_text_is_kept_with_a_high_gain(lang: str) -> None:
    record = _run(TEXTS[lang], lang)
    assert record.kept, (record.drop_reason, record.annotations["quality"])
    assert record.annotations["quality"]["char_trigram_gain"] > 0.5


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_scrambled_text_is_dropped_as_gibberish(lang: str) -> None:
    record = _run(_scramble(TEXTS[lang]), lang)
    assert record.drop_reason == "char_trigram_gain", record.annotations["quality"]
    assert record.annotations["quality"]["char_trigram_gain"] < 0.3


def test_rule_is_off_for_languages_the_model_never_saw() -> None:
    # the same scrambled text annotated as a language outside the model's 75 is not judged by it
    record = _run(_scramble(SW), "za")
    assert record.drop_reason != "char_trigram_gain"
    # not measured where the rule cannot decide (it is ~40% of the stage's cost)
    assert record.annotations["quality"]["char_trigram_gain"] is None
    assert record.annotations["quality"]["char_trigram_logprob"] is None
    assert record.annotations["quality"]["gopher_word_count"] > 0  # the other signals are there


def test_rule_named_for_an_unknown_language_measures_it() -> None:
    record = _run(_scramble(SW), "za", language_thresholds={"za": {"min_char_trigram_gain": 0.3}})
    assert record.annotations["quality"]["char_trigram_gain"] is not None
    assert record.drop_reason == "char_trigram_gain"


def test_rule_can_be_switched_off() -> None:
    record = _run(_scramble(PL), "pl", thresholds={"min_char_trigram_gain": None})
    assert record.drop_reason != "char_trigram_gain"


def test_short_text_and_uncovered_scripts_get_no_signal() -> None:
    assert char_trigram_signals("Lyhyt teksti.")["char_trigram_gain"] is None
    cherokee = "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏂᏴᏫ ᏂᎦᏓ ᎠᏂᎾᏍᏗ ᎤᏂᎷᏨ ᏗᎨᏒ ᎠᏂᏴᏫ " * 20
    assert char_trigram_signals(cherokee) == {"char_trigram_logprob": None, "char_trigram_gain": None}


def test_signal_is_deterministic_and_reads_a_bounded_prefix() -> None:
    assert char_trigram_signals(FI) == char_trigram_signals(FI)
    assert char_trigram_signals(FI * 50) == char_trigram_signals((FI * 50)[:1000])


def test_trigram_logprobs_charge_unknown_trigrams_the_floor() -> None:
    model = TinyLangId()
    total, n, known = model.trigram_logprobs("zqxj vkqz")
    assert n == len(" zqxj vkqz ") - 2 and known < n
    real, m, known_real = model.trigram_logprobs("the house")
    assert known_real == m
    en = model.langs.index("en")
    assert real[en] / m > total[en] / n
    assert model.trigram_logprobs("")[1:] == (0, 0)
