"""quality stage: good text in several languages survives, each junk family is dropped with its rule."""

from __future__ import annotations

import random
from typing import Any

import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import StageContext, build_stage
from dataharbor.pipeline.stages.quality import QualityStage

EN = (
    "The committee met on Tuesday to discuss the future of the old library. Most of the members agreed that "
    "the building needs a new roof before the winter, and that the reading room should stay open during the "
    "work. The town has set aside money for the repairs, but the final cost will depend on the offers that "
    "arrive next month.\n\n"
    "Volunteers have already moved the rare books to a dry room in the town hall. They will return when the "
    "work is finished, which the architect expects to be in the spring."
)
FR = (
    "Le conseil municipal s'est réuni mardi pour discuter de l'avenir de la vieille bibliothèque. La plupart "
    "des membres ont reconnu que le bâtiment a besoin d'un nouveau toit avant l'hiver et que la salle de "
    "lecture doit rester ouverte pendant les travaux. La commune a prévu un budget pour les réparations, mais "
    "le coût final dépendra des offres qui arriveront le mois prochain.\n\n"
    "Des bénévoles ont déjà déplacé les livres rares dans une salle sèche de la mairie. Ils reviendront "
    "lorsque les travaux seront terminés, ce que l'architecte prévoit pour le printemps."
)
DE = (
    "Der Gemeinderat hat sich am Dienstag getroffen, um über die Zukunft der alten Bibliothek zu sprechen. "
    "Die meisten Mitglieder waren sich einig, dass das Gebäude vor dem Winter ein neues Dach braucht und dass "
    "der Lesesaal während der Arbeiten geöffnet bleiben soll. Die Gemeinde hat Geld für die Reparaturen "
    "bereitgestellt, aber die endgültigen Kosten hängen von den Angeboten ab, die im nächsten Monat eingehen.\n\n"
    "Freiwillige haben die seltenen Bücher bereits in einen trockenen Raum im Rathaus gebracht. Sie kommen "
    "zurück, wenn die Arbeiten abgeschlossen sind, was der Architekt für den Frühling erwartet."
)
ES = (
    "El consejo municipal se reunió el martes para hablar del futuro de la antigua biblioteca. La mayoría de "
    "los miembros estuvo de acuerdo en que el edificio necesita un techo nuevo antes del invierno y en que la "
    "sala de lectura debe seguir abierta durante las obras. El ayuntamiento ha reservado dinero para las "
    "reparaciones, pero el coste final dependerá de las ofertas que lleguen el mes que viene.\n\n"
    "Los voluntarios ya han trasladado los libros raros a una sala seca del ayuntamiento. Volverán cuando "
    "terminen las obras, algo que el arquitecto espera para la primavera."
)
ZH = (
    "委员会星期二开会讨论了老图书馆的未来。大多数成员认为，这座建筑需要在冬天之前换一个新屋顶，"
    "并且在施工期间阅览室应该继续开放。镇政府已经为维修拨出了资金，但最终费用将取决于下个月收到的报价。\n\n"
    "志愿者已经把珍贵的书籍搬到了市政厅里一个干燥的房间。建筑师预计工程将在春天完成，届时这些书将被搬回原处。"
)
JA = (
    "委員会は火曜日に集まり、古い図書館の将来について話し合った。ほとんどの委員は、冬が来る前に建物の屋根を"
    "新しくする必要があり、工事の間も閲覧室は開けておくべきだという意見で一致した。町は修理のための予算を"
    "用意したが、最終的な費用は来月届く見積もりによって決まる。\n\n"
    "ボランティアはすでに貴重な本を市役所の乾いた部屋に移した。建築家は工事が春に終わると見込んでいる。"
)


def _record(text: str, lang: str | None = None, modality: str = "text") -> Record:
    annotations: dict[str, Any] = {"language": {"lang": lang}} if lang else {}
    return Record("r1", text, Provenance("0" * 64, "t.txt", "text", "1"), modality, annotations=annotations)


def _run(text: str, lang: str | None = "en", **params: Any) -> Record:
    stage = QualityStage(StageContext(), **params)
    record = _record(text, lang)
    stage.process([record])
    return record


@pytest.mark.parametrize(("text", "lang"), [(EN, "en"), (FR, "fr"), (DE, "de"), (ES, "es"), (ZH, "zh"), (JA, "ja")])
def test_good_paragraphs_are_kept_with_signals(text: str, lang: str) -> None:
    record = _run(text, lang)
    assert record.kept, record.drop_reason
    signals = record.annotations["quality"]
    assert signals["gopher_word_count"] > 25
    # None only for the char-trigram signals, where the model cannot judge (zh/ja: script not covered)
    assert all(isinstance(v, int | float) for k, v in signals.items() if not k.startswith("char_trigram"))


@pytest.mark.parametrize(("text", "lang"), [(ZH, None), (JA, None), (DE, None)])
def test_good_text_without_language_is_kept(text: str, lang: str | None) -> None:
    assert _run(text, lang).kept


def test_declared_language_is_the_fallback() -> None:
    stage = QualityStage(StageContext(declared_languages=("fr",)))
    record = _record(FR)
    stage.process([record])
    # French stop words were counted, so the French list was used
    assert record.annotations["quality"]["gopher_stop_word_frac"] > 0.3


def _shuffle_words(text: str) -> str:
    rng = random.Random(1)
    lines = []
    for line in text.split("\n"):
        chars = list(line[:-1])
        rng.shuffle(chars)
        lines.append("".join(chars) + line[-1:])
    return "\n".join(lines)


JUNK: dict[str, tuple[str, str | tuple[str, ...]]] = {
    "short": ("Click here to continue", "gopher_word_count"),
    "lorem": (EN + "\n\nLorem ipsum dolor sit amet, consectetur adipiscing elit.", "c4_lorem_ipsum"),
    "repeated_lines": ("\n".join(["Buy the best shoes online today at low prices."] * 12), "gopher_dup_line_frac"),
    "symbol_soup": (
        "$$$ %%% @@ 1234 ~~ >>> <<< ||| ^^^ 5678 +++ === *** 42\n"
        "@@ 99 ~~~ &&& %% 7a7 <> 31337 ??? !!! ++ -- 1 2 3\n"
        "888 *** 0x00 ;;; :: 17 || \\ // 2024 >>> 12.5 %% 64 kb",
        ("gopher_alpha_words_frac", "gopher_mean_word_length", "gopher_symbol_word_ratio"),
    ),
    "shuffled": (_shuffle_words(EN), "gopher_stop_word_frac"),
    "keywords": (
        "\n".join(["cheap flights, hotel deals, car rental, travel insurance, last minute, city breaks"] * 1)
        + "\n"
        + "\n".join(
            ["beach holidays, ski trips, cruise offers, family resorts, luxury spa, budget hostels, camping sites"]
        )
        + "\nweekend getaways, honeymoon packages, adventure tours, festival tickets, airport parking, visa help",
        "gopher_stop_words",
    ),
    "cookies": (
        "\n".join(
            [
                "This website uses cookies to give you the best experience.",
                "By continuing you accept our cookie policy.",
                "Read our privacy policy and terms of use.",
                "We and our partners use cookies for analytics.",
                "You can change your choice at any time in the settings.",
            ]
            * 1
        )
        + "\nManage the use of cookies in your browser settings at any time you like to.",
        "c4_policy_frac",
    ),
}


@pytest.mark.parametrize("family", sorted(JUNK))
def test_junk_is_dropped_with_the_rule_name(family: str) -> None:
    text, reasons = JUNK[family]
    record = _run(text, "en")
    assert record.drop_reason in ((reasons,) if isinstance(reasons, str) else reasons), record.annotations["quality"]
    assert record.dropped_by == "quality"
    assert "quality" in record.annotations


def test_navigation_menu_is_dropped() -> None:
    menu = "\n".join(["Home", "About us", "Products", "Contact", "News", "Careers", "Shop now", "Log in"] * 2)
    record = _run(menu + "\nSign up for the newsletter and get the best offers every week", "de")
    assert not record.kept


def test_repetitive_ngrams_are_dropped() -> None:
    text = " ".join(["the cat sat on the mat and looked at the dog"] * 10)
    record = _run(text + ".", "en")
    assert record.drop_reason is not None
    assert record.drop_reason.startswith(("gopher_top_", "gopher_dup_"))


def test_cjk_is_not_dropped_by_word_length_rules() -> None:
    # a CJK text is one whitespace token per sentence: word lengths are meaningless there
    record = _run(ZH, "zh")
    assert record.kept
    assert record.annotations["quality"]["gopher_word_count"] > 100


def test_thresholds_come_from_params() -> None:
    assert _run(EN, "en").kept
    record = _run(EN, "en", thresholds={"min_gopher_word_count": 500})
    assert record.drop_reason == "gopher_word_count"
    record = _run(EN, "en", language_thresholds={"en": {"max_gopher_mean_word_length": 3.5}})
    assert record.drop_reason == "gopher_mean_word_length"
    # null switches a rule off
    text, _ = JUNK["lorem"]
    assert _run(text, "en", thresholds={"max_c4_lorem_ipsum": None}).kept


def test_profile_cannot_switch_word_lengths_back_on_for_chinese_globally() -> None:
    assert _run(ZH, "zh", thresholds={"min_gopher_mean_word_length": 3}).kept


def test_unknown_threshold_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="min_gopher_wordcount"):
        build_stage("quality", {"thresholds": {"min_gopher_wordcount": 3}}, StageContext())
    with pytest.raises(ConfigError, match="Not a number"):
        QualityStage(StageContext(), thresholds={"min_gopher_word_count": "many"})  # type: ignore[dict-item]


def test_default_profile_builds_with_no_params() -> None:
    assert isinstance(build_stage("quality", {}, StageContext()), QualityStage)


def test_c4_line_removal_is_off_by_default_and_rewrites_when_on() -> None:
    text = EN + "\nShare on Facebook\nPlease enable JavaScript to view the comments."
    assert _run(text, "en").text == text
    record = _run(text, "en", c4_remove_lines=True)
    assert "Facebook" not in record.text and "JavaScript" not in record.text
    assert record.annotations["quality"]["c4_lines_removed"] == 2
    assert record.kept


def test_duplicate_ngram_fraction_counts_repeats_only() -> None:
    from dataharbor.pipeline.stages._quality_repetition import ngram_signals

    first = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    other = [f"w{i}" for i in range(10)]
    signals = ngram_signals([first + other + first])[0]
    # the second copy (10 of 30 equally long-ish words) is the repeat; the first copy is not counted
    total = sum(map(len, first + other + first))
    assert signals["gopher_dup_5gram_char_frac"] == pytest.approx(sum(map(len, first)) / total, abs=1e-3)
    assert signals["gopher_dup_10gram_char_frac"] == pytest.approx(sum(map(len, first)) / total, abs=1e-3)


def test_short_text_read_from_media_is_judged_by_its_modality() -> None:
    stage = build_stage("quality", {}, StageContext(declared_languages=("en",)))
    card = "SUMMER LECTURES AT THE LIBRARY"
    speech = "Volunteers will catalogue the photographs this winter."
    assert stage.apply(_record(card, "en")) == "gopher_word_count"  # as born-digital text: too short
    assert stage.apply(_record(card, "en", modality="video")) is None  # a title card in a video
    assert stage.apply(_record(speech, "en", modality="audio")) is None  # a short recording
    assert stage.apply(_record("Hello there", "en", modality="audio")) == "gopher_word_count"  # still a floor
    strict = build_stage("quality", {"modality_thresholds": {"audio": {"min_gopher_word_count": 20}}}, StageContext())
    assert strict.apply(_record(speech, "en", modality="audio")) == "gopher_word_count"
    with pytest.raises(ConfigError):
        build_stage("quality", {"modality_thresholds": {"audio": {"min_words": 2}}}, StageContext())
