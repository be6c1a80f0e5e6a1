"""Postal blocks without street words, their addressees, place gazetteer and cues, name cues, personal URLs
(the rules found on generated_small-style records; no NER)."""

from __future__ import annotations

import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages._pii_recognisers import find_cheap
from dataharbor.pipeline.stages._pii_resolve import resolve
from dataharbor.pipeline.stages._pii_types import ALL_TYPES, DEFAULT_TYPES
from dataharbor.pipeline.stages.pii import PiiStage


def found(text: str, lang: str = "en", types: tuple[str, ...] = ALL_TYPES) -> list[tuple[str, str]]:
    entities = resolve(find_cheap(text, frozenset(types), lang), 0.5)
    return [(e.type, text[e.start : e.end]) for e in entities]


# ---------------------------------------------------------------- postal blocks and their addressees
BLOCK = "Carita Kujala\n\n85 Aleea Ardelean Nr. 105 Bl. 88\n Apt. 983\n Mar del Plata\n\n Saint Kitts and Nevis 95422"


def test_a_block_without_street_word_or_cue_is_one_address_with_its_addressee() -> None:
    assert found(BLOCK) == [
        ("PERSON", "Carita Kujala"),
        ("ADDRESS", "85 Aleea Ardelean Nr. 105 Bl. 88\n Apt. 983\n Mar del Plata\n\n Saint Kitts and Nevis 95422"),
    ]


def test_a_bulleted_block_takes_the_top_line_as_addressee_not_the_company() -> None:
    text = "??? Aleksi Pesonen\n??? Miller Group\n??? 41 PO Box 162\n??? Apt. 901\n??? Vilsbiburg\n??? Chile 9306"
    assert found(text) == [
        ("PERSON", "Aleksi Pesonen"),
        ("ADDRESS", "41 PO Box 162\n??? Apt. 901\n??? Vilsbiburg\n??? Chile 9306"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Agenda\n1 Introduction\n2 Methods\n3 Results 2020",  # a numbered list ending in a year
        "Errors\n1001 Object has no method\n\n1002 Required argument lacking\n\n1003 Invalid count",
        "A\n\nB\n\n1\n\nTimeline\n\nValues\n\n2\n\n01/2013\n\n112\n\n3\n\n02/2013",  # spreadsheet cells
        "Results\n12 Apples\nand more text 55577",  # no second block line with letters before the number
    ],
)
def test_lists_and_tables_are_not_postal_blocks(text: str) -> None:
    assert found(text) == []


def test_a_street_match_that_took_in_a_preposition_is_repaired() -> None:
    assert found("Balvan lives on Tolminska ulica 112 street.") == [
        ("PERSON", "Balvan"),
        ("ADDRESS", "Tolminska ulica 112 street."),
    ]


def test_a_street_name_and_number_after_a_street_cue() -> None:
    assert found("The bus station is on Palackého 746") == [("ADDRESS", "Palackého 746")]
    assert found("The meeting is on Friday 12 at noon") == []
    assert found("The answer is on Page 12") == []


@pytest.mark.parametrize("value", ["0210", "926 29", "1317 YB", "61-668", "76047457", "12345-6789"])
def test_postcodes_of_other_countries_after_a_zip_cue(value: str) -> None:
    assert found(f"ZIP: {value}") == [("ADDRESS", value)]


def test_code_pages_are_not_french_postcodes() -> None:
    assert found("New Ukrainian codec cp1125 and cp 1252") == []
    assert found("CP 75001 Paris") == [("ADDRESS", "75001")]


# ---------------------------------------------------------------- places
def test_places_after_a_verb_of_arriving_or_a_place_label() -> None:
    assert found("we returned to Blaketown by helicopter") == [("LOCATION", "Blaketown")]
    assert found("When: 1998-06-28\nWhere: Kouklia Country Club.") == [("LOCATION", "Kouklia")]


def test_no_place_after_an_arrival_verb_without_a_capitalised_name() -> None:
    assert found("she returned to work and moved to Monday's slot") == []
    assert found("Location: Main Hall") == []


def test_gazetteer_places_without_a_cue() -> None:
    assert found("I grew up near Zafferana Etnea, Sicily.") == [("LOCATION", "Zafferana Etnea")]
    assert found("Born in Ústí nad Labem 2.") == [("LOCATION", "Ústí nad Labem")]


def test_a_gazetteer_word_that_the_text_also_writes_in_lower_case_or_that_opens_a_heading_is_not_a_place() -> None:
    assert found("Kerniel Country Club and kerniel") == []
    assert found("Tarnów Chess Open results") == []


def test_lower_case_places_after_a_place_word_in_lower_case_chat() -> None:
    assert found("we returned to trelleborg by helicopter") == [("LOCATION", "trelleborg")]
    assert found("we returned to trelleborg by helicopter. See You") == []  # not a lower-case text


def test_one_word_gazetteer_places_are_not_taken_in_german() -> None:
    prov = Provenance(source_sha256="0" * 64, source_name="t", extractor="t", extractor_version="0")
    text = "Die Ergebnisse der Wahlen in Trelleborg"
    records = [
        Record(id=lang, text=text, provenance=prov, annotations={"language": {"lang": lang}}) for lang in ("de", "en")
    ]
    stage = PiiStage(StageContext(declared_languages=("de", "en")), ner=False)
    stage.process(records)
    spans = {r.id: [text[e["start"] : e["end"]] for e in r.annotations["pii"]["entities"]] for r in records}
    assert spans["de"] == ["Trelleborg"]  # the place cue, not the gazetteer's "Wahlen"
    assert "Trelleborg" in spans["en"]


# ---------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("As promised, here's Arne's address:", "Arne"),
        ("as promised, here's benvenuto's address:", "benvenuto"),
        ("it's under my partner's name ivan poulsen", "ivan poulsen"),
        ("nicolas lives on the hill", "nicolas"),
        ("could you correct it to mrs laura hranj?", "laura hranj"),
    ],
)
def test_names_after_cues_also_in_lower_case(text: str, name: str) -> None:
    assert ("PERSON", name) in found(text)


def test_reported_speech_names_both_people() -> None:
    assert found("I'm so jealous! said Honoré to James") == [("PERSON", "Honoré"), ("PERSON", "James")]


@pytest.mark.parametrize(
    "text",
    [
        "Frequently Asked Questions About Fetchmail",
        "The company's address is public",
        "he said nothing to anyone",
        "my friend's house is nice",
        "she told me to wait",
    ],
)
def test_cues_without_a_name_give_no_person(text: str) -> None:
    assert [t for t, _ in found(text) if t == "PERSON"] == []


# ---------------------------------------------------------------- URLs and cards
def test_personal_urls_are_found_by_default_other_urls_are_not() -> None:
    stage_types = DEFAULT_TYPES
    posted = "Just posted a photo http://www.DialForum.co.uk/"
    docs = "The reference is at https://docs.python.org/3/ for everyone"
    # find_cheap looks for them by default, as the stage does (the audit's residual scan calls it too)
    assert found(posted, types=stage_types) == [("URL", "http://www.DialForum.co.uk/")]
    assert resolve(find_cheap(posted, frozenset(stage_types), "en", personal_urls=False), 0.5) == []
    assert resolve(find_cheap(docs, frozenset(stage_types), "en"), 0.5) == []


def test_the_stage_reports_personal_urls_unless_switched_off() -> None:
    prov = Provenance(source_sha256="0" * 64, source_name="t", extractor="t", extractor_version="0")
    text = "check out my blog at https://janesmith.example.net/posts"

    def types_found(personal_urls: bool = True) -> list[str]:
        record = Record(id="1", text=text, provenance=prov, annotations={"language": {"lang": "en"}})
        stage = PiiStage(StageContext(declared_languages=("en",)), ner=False, personal_urls=personal_urls)
        stage.process([record])
        return [e["type"] for e in record.annotations["pii"]["entities"]]

    assert types_found() == ["URL"]
    assert types_found(personal_urls=False) == []


@pytest.mark.parametrize("number", ["213112345678904", "180012345678905", "6759123456789015"])
def test_jcb_fifteen_digit_and_maestro_cards(number: str) -> None:
    assert found(f"my card {number} expires soon") == [("CREDIT_CARD", number)]


def test_a_jcb_prefix_with_a_bad_check_digit_is_no_card() -> None:
    assert found("my card 213112345678905 expires soon") == []


# ---------------------------------------------------------------- what the cue rules must not take for names
def stage_found(text: str) -> list[tuple[str, str]]:
    """What the stage itself keeps (rules only, every type): its plausibility checks apply to cue names."""
    prov = Provenance(source_sha256="0" * 64, source_name="t", extractor="t", extractor_version="0")
    record = Record(id="r", text=text, provenance=prov, annotations={"language": {"lang": "en"}})
    PiiStage(StageContext(), ner=False, entity_types=list(ALL_TYPES)).process([record])
    return [(e["type"], text[e["start"] : e["end"]]) for e in record.annotations["pii"]["entities"]]


@pytest.mark.parametrize(
    "text",
    [
        "The company said Monday that profits rose.",
        "The minister told Reuters the plan was ready.",
        "Last year she wrote Python code for the team.",
        "The setup asked Windows users to restart.",
    ],
)
def test_a_capitalised_word_after_a_verb_of_speech_is_a_name_only_if_known(text: str) -> None:
    assert [kind for kind, _ in stage_found(text)] == []


def test_a_known_name_after_a_verb_of_speech_is_still_found() -> None:
    assert ("PERSON", "Honoré") in stage_found("I'm so jealous! said Honoré to James")


@pytest.mark.parametrize("label", ["Head Office", "Shipping Information", "Contact Us"])
def test_a_label_above_a_postal_block_is_not_its_addressee(label: str) -> None:
    text = BLOCK.replace("Carita Kujala", label)
    kinds = [kind for kind, _ in stage_found(text)]
    assert "PERSON" not in kinds and "ADDRESS" in kinds
    assert ("PERSON", "Carita Kujala") in stage_found(BLOCK)
