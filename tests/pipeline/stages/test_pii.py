"""The pii stage end to end: NER names in English and French, offsets, policies, chunking."""

from __future__ import annotations

import json

import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import StageContext, build_stage, run_stages
from dataharbor.pipeline.stages._pii_ner import chunk
from dataharbor.pipeline.stages.pii import PiiStage

EN_TEXT = (
    "Hello, my name is David Johnson and I live in Chicago. "
    "Email david.johnson@example.com or call +1 415 555 0132. Card 4532 0151 1283 0366."
)
FR_TEXT = "Bonjour, je suis Marie Dubois et j'habite à Marseille. Mon collègue Pierre Martin vit à Lyon."


def make_record(text: str, lang: str | None = None, rid: str = "r1") -> Record:
    prov = Provenance(source_sha256="0" * 64, source_name="t.txt", extractor="text", extractor_version="1")
    annotations = {"language": {"lang": lang}} if lang else {}
    return Record(id=rid, text=text, provenance=prov, annotations=annotations)


@pytest.fixture(scope="module")
def stage() -> PiiStage:
    s = PiiStage(StageContext(declared_languages=("en", "fr")))
    s.ensure_setup()
    return s


def spans(record: Record, original: str, kind: str) -> list[str]:
    return [original[e["start"] : e["end"]] for e in record.annotations["pii"]["entities"] if e["type"] == kind]


def test_english_record_is_redacted_with_typed_placeholders(stage: PiiStage) -> None:
    record = make_record(EN_TEXT, "en")
    stage.process([record])
    assert record.text == (
        "Hello, my name is <PERSON> and I live in <LOCATION>. Email <EMAIL> or call <PHONE>. Card <CREDIT_CARD>."
    )
    ann = record.annotations["pii"]
    assert ann["counts"] == {"PERSON": 1, "LOCATION": 1, "EMAIL": 1, "PHONE": 1, "CREDIT_CARD": 1}
    assert ann["redacted"] is True and ann["ner_language"] == "en"


def test_offsets_refer_to_the_original_text(stage: PiiStage) -> None:
    record = make_record(EN_TEXT, "en")
    stage.process([record])
    assert spans(record, EN_TEXT, "PERSON") == ["David Johnson"]
    assert spans(record, EN_TEXT, "EMAIL") == ["david.johnson@example.com"]
    assert spans(record, EN_TEXT, "CREDIT_CARD") == ["4532 0151 1283 0366"]


def test_annotation_never_contains_the_values(stage: PiiStage) -> None:
    record = make_record(EN_TEXT, "en")
    stage.process([record])
    dumped = json.dumps(record.annotations["pii"])
    for value in ("David", "Johnson", "Chicago", "david.johnson", "4532", "415 555"):
        assert value not in dumped
    assert set(record.annotations["pii"]["entities"][0]) == {"start", "end", "type", "score"}


def test_french_names_with_the_french_model(stage: PiiStage) -> None:
    record = make_record(FR_TEXT, "fr")
    stage.process([record])
    assert record.annotations["pii"]["ner_language"] == "fr"
    assert set(spans(record, FR_TEXT, "PERSON")) == {"Marie Dubois", "Pierre Martin"}
    assert set(spans(record, FR_TEXT, "LOCATION")) >= {"Marseille", "Lyon"}


def test_language_falls_back_to_declared_then_english() -> None:
    fr_first = PiiStage(StageContext(declared_languages=("fr",)))
    assert fr_first._language(make_record("x")) == "fr"
    assert PiiStage(StageContext())._language(make_record("x")) == "en"
    assert PiiStage(StageContext())._language(make_record("x", "fr-FR")) == "fr"


def test_drop_policy_drops_records_with_pii_only() -> None:
    stage = PiiStage(StageContext(pii_policy="drop"), ner=False)
    with_pii = make_record("write to jane@example.org", rid="a")
    clean = make_record("The price is 12.50 EUR, order 12345, delivered 2024-03-01.", rid="b")
    counters: dict[str, dict[str, int]] = {}
    run_stages([stage], [with_pii, clean], counters)
    assert with_pii.drop_reason == "pii" and with_pii.dropped_by == "pii"
    assert with_pii.text == "write to jane@example.org"  # dropped, not rewritten
    assert clean.kept and clean.annotations["pii"]["count"] == 0
    assert counters["pii"] == {"total": 2, "kept": 1, "dropped": 1, "dropped_pii": 1}


def test_keep_private_only_annotates_without_redacting_in_private_tier() -> None:
    private = PiiStage(StageContext(pii_policy="keep-private-only", tier="private"), ner=False)
    record = make_record("write to jane@example.org")
    private.process([record])
    assert record.text == "write to jane@example.org" and record.kept
    assert record.annotations["pii"]["counts"] == {"EMAIL": 1}


def test_params_entity_types_and_threshold() -> None:
    only_email = build_stage("pii", {"entity_types": ["EMAIL"], "ner": False}, StageContext())
    record = make_record("jane@example.org, 4532 0151 1283 0366")
    only_email.process([record])
    assert record.text == "<EMAIL>, 4532 0151 1283 0366"
    strict = PiiStage(StageContext(), ner=False, score_threshold=0.99)
    record = make_record("My card 4532 0151 1283 0366 and call me at (212) 555-1234")
    strict.process([record])
    assert record.annotations["pii"]["counts"] == {"CREDIT_CARD": 1}


def test_bad_config_is_refused() -> None:
    with pytest.raises(ConfigError):
        PiiStage(StageContext(), entity_types=["SHOE_SIZE"])
    with pytest.raises(ConfigError):
        PiiStage(StageContext(pii_policy="shred"))


def test_chunking_covers_every_character() -> None:
    text = ("Paragraph one is here. " * 40 + "\n\n") * 30
    pieces = chunk(text, 500)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 500 for _, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)


def test_long_record_is_chunked_and_names_found_everywhere() -> None:
    stage = PiiStage(StageContext(), ner_max_chars=400, entity_types=["PERSON"])
    filler = "The committee met again and discussed the budget for the coming year. " * 12
    text = "Barack Obama opened the session. " + filler + "Then Angela Merkel spoke. " + filler
    record = make_record(text, "en")
    stage.process([record])
    found = spans(record, text, "PERSON")
    assert "Barack Obama" in found and "Angela Merkel" in found
    assert record.text.count("<PERSON>") == len(found)


def test_batch_with_mixed_languages(stage: PiiStage) -> None:
    records = [make_record(EN_TEXT, "en", "a"), make_record(FR_TEXT, "fr", "b"), make_record("", "en", "c")]
    stage.process(records)
    assert [r.annotations["pii"]["ner_language"] for r in records] == ["en", "fr", "en"]
    assert records[2].annotations["pii"]["count"] == 0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Madame, Monsieur, je souhaite inscrire mon fils au club de lecture du mercredi.", "fr"),
        ("Mademoiselle, je vous remercie de votre lettre.", "fr"),
        ("Dear Sir or Madam, I am writing about the opening hours of the reading room.", "en"),
        ("Sir, Madam, thank you for your letter.", "en"),
        ("Sehr geehrte Damen und Herren, ich schreibe Ihnen wegen der Öffnungszeiten.", "de"),
        ("Señor, Señora, les escribo sobre el horario de la biblioteca.", "es"),
    ],
)
def test_salutations_alone_are_not_names(stage: PiiStage, text: str, lang: str) -> None:
    record = make_record(text, lang)
    stage.process([record])
    assert record.annotations["pii"]["count"] == 0
    assert record.text == text


def test_only_the_name_after_an_honorific_is_redacted(stage: PiiStage) -> None:
    text = "Madame, Monsieur, je vous écris au sujet de Madame Claire Dubois, notre voisine."
    record = make_record(text, "fr")
    stage.process([record])
    assert record.text.startswith("Madame, Monsieur, je vous écris")
    assert spans(record, text, "PERSON") == ["Claire Dubois"]


def test_capitalised_heading_word_is_not_a_person(stage: PiiStage) -> None:
    text = "Volunteer guide\nWelcome to the volunteer team of the city library. Volunteers help with the book sale."
    record = make_record(text, "en")
    stage.process([record])
    assert record.annotations["pii"]["count"] == 0
    assert record.text == text


def test_institutions_and_months_are_not_people_or_places(stage: PiiStage) -> None:
    text = "Library committee, March 2025\nThe Library Committee met on Monday. Minutes were approved in June."
    record = make_record(text, "en")
    stage.process([record])
    assert record.annotations["pii"]["count"] == 0


def test_heading_does_not_hide_a_real_name(stage: PiiStage) -> None:
    text = "Volunteer guide\nPlease contact the volunteer coordinator, Daniel Morgan, on Saturdays."
    record = make_record(text, "en")
    stage.process([record])
    assert spans(record, text, "PERSON") == ["Daniel Morgan"]
    assert record.text.startswith("Volunteer guide\n")


def test_german_nouns_read_by_the_english_model_are_not_places(stage: PiiStage) -> None:
    text = "Jeder hat das Recht auf Leben, Freiheit und Sicherheit der Person. Sie wohnt in Euskirchen."
    record = make_record(text, "de")
    stage.process([record])
    assert spans(record, text, "LOCATION") == ["Euskirchen"]


def test_the_phone_block_memory_does_not_outlive_a_job() -> None:
    """The phone matcher remembers blocks of text between records; a new job's stage starts without them."""
    from dataharbor.pipeline.stages import _pii_phone

    first = PiiStage(StageContext(declared_languages=("en",)), ner=False)
    first.ensure_setup()
    record = Record("r1", "Call me at (212) 555-0147 tonight.", Provenance("0" * 64, "f.txt", "text", "1"))
    first.process([record])
    assert "<PHONE>" in record.text
    assert any("555-0147" in block for block, _ in _pii_phone._BLOCK_MATCHES)
    PiiStage(StageContext(declared_languages=("en",)), ner=False).ensure_setup()
    assert not _pii_phone._BLOCK_MATCHES
