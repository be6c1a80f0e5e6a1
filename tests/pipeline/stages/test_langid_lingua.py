"""lingua's deciding step: its model memory stays bounded, and unloading never changes an answer."""

from __future__ import annotations

import ctypes

import pytest

from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import StageContext, build_stage
from dataharbor.pipeline.stages._langid_lingua import LinguaLangId, _surely_long
from dataharbor.pipeline.stages.language import LanguageStage

SHORT = "le chat est assis sur le tapis"  # under 120 letters: lingua loads 1- to 5-gram models of every candidate
LONG = "Le chat est assis sur le tapis et regarde la fenêtre pendant que la pluie tombe sur la ville. " * 3


def rss_mb() -> float:
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS"))


def test_short_texts_are_tracked_long_ones_not() -> None:
    assert not _surely_long(SHORT)
    assert _surely_long(LONG)
    lingua = LinguaLangId(max_models=0)
    lingua.scores(LONG, {"fr", "it", "ca"})  # trigrams only: nothing of its own to unload
    assert lingua.loaded == []
    lingua.scores(SHORT, {"en", "la", "tl", "xx"})  # unknown codes are ignored
    assert lingua.loaded == ["en", "la", "tl"]


def test_release_unloads_least_recently_asked_beyond_the_cap_except_kept() -> None:
    lingua = LinguaLangId(max_models=2)
    lingua.scores(SHORT, {"en", "la"})
    lingua.scores(SHORT, {"en", "tl"})
    lingua.scores(SHORT, {"en", "eo"})
    assert lingua.release(keep=("en",)) == ["la", "tl"]  # "en" is kept, "eo" is the one most recently asked
    assert lingua.loaded == ["en", "eo"]
    assert lingua.release(keep=("en",)) == []
    lingua.scores(SHORT, {"de", "fr", "it"})
    assert lingua.release(keep=("de", "fr", "it")) == ["en", "eo"]  # kept ones stay even beyond the cap
    assert lingua.loaded == ["de", "fr", "it"]


def test_answers_are_the_same_after_unloading() -> None:
    lingua = LinguaLangId(max_models=0)
    texts = [SHORT, "nunc est bibendum", "ang bata ay kumain", "la kato sidas sur la mato"]
    candidates = {"en", "la", "tl", "eo", "it"}
    first = [lingua.scores(t, candidates) for t in texts]
    assert lingua.release() == ["en", "eo", "it", "la", "tl"]
    again = [lingua.scores(t, candidates) for t in texts]
    # lingua sums in hash-map order, which differs between loads (and between processes): the last bits move
    assert [[(c, round(v, 12)) for c, v in s] for s in again] == [[(c, round(v, 12)) for c, v in s] for s in first]


def test_without_a_cap_nothing_is_tracked_or_unloaded() -> None:
    lingua = LinguaLangId()
    lingua.scores(SHORT, {"en", "la"})
    assert lingua.loaded == [] and lingua.release() == []
    low = LinguaLangId(low_accuracy=True, max_models=0)  # trigrams only: shared, nothing to unload
    low.scores(SHORT, {"en", "la"})
    assert low.loaded == []


def test_stage_param_is_checked_and_kept_out_of_the_config_hash() -> None:
    context = StageContext(declared_languages=("en",))
    with pytest.raises(ConfigError):
        build_stage("language", {"lingua_max_models": -1}, context)
    bounded = build_stage("language", {"lingua_max_models": 2}, context)
    unbounded = build_stage("language", {"lingua_max_models": None}, context)
    assert isinstance(bounded, LanguageStage)
    assert bounded.describe() == unbounded.describe()  # a memory bound: the same answers, the same pipeline


def test_the_cap_applies_only_when_languages_are_declared() -> None:
    declared = build_stage("language", {"lingua_scope": "candidates"}, StageContext(declared_languages=("en", "fr")))
    undeclared = build_stage("language", {"lingua_scope": "candidates"}, StageContext())
    assert isinstance(declared, LanguageStage) and isinstance(undeclared, LanguageStage)
    declared.ensure_setup()
    undeclared.ensure_setup()
    assert declared._cascade is not None and undeclared._cascade is not None
    assert declared._cascade.lingua.max_models == 4
    assert undeclared._cascade.lingua.max_models is None  # any language may be the data's own


@pytest.mark.slow
def test_memory_stays_bounded_over_many_languages() -> None:
    langs = ["la", "tl", "eo", "it", "ca", "pt", "nl", "sv", "da", "nn", "ro", "vi", "cs", "pl"]
    bounded, free = LinguaLangId(max_models=0), LinguaLangId()
    before = rss_mb()
    for code in langs:
        bounded.scores(SHORT, {"en", code})
        bounded.release(keep=("en",))
    middle = rss_mb()
    for code in langs:
        free.scores(SHORT, {"en", code})
    # ~10-20 MB of models a language when they stay loaded; with the cap only English's stay
    assert middle - before < 60
    assert rss_mb() - middle > 100
