"""minhash + dedup stages: exact and near duplicates, within a job and across jobs via the index."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine

from dataharbor.catalog.dedup_index import DedupIndex, IndexEntry
from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import StageContext, StageCounters, build_stage, run_stages, stage_class
from dataharbor.pipeline.stages._dedup_config import DedupConfig
from dataharbor.pipeline.stages._dedup_memory import MB, MemoryIndex, entry_bytes
from dataharbor.pipeline.stages._dedup_signature import (
    Signature,
    band_keys,
    fingerprints,
    fold_tokens,
    from_bytes,
    to_bytes,
)
from dataharbor.pipeline.stages.dedup import FINGERPRINT_KEY, DedupStage, MinhashSignatureStage

VOCAB = [f"w{i}x" for i in range(5000)]


def doc(seed: int, words: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCAB) for _ in range(words))


def edit(text: str, changes: int, seed: int = 0) -> str:
    """Replace `changes` words spread through the text."""
    words = text.split()
    rng = random.Random(seed)
    for pos in rng.sample(range(len(words)), changes):
        words[pos] = f"changed{pos}"
    return " ".join(words)


def rec(rid: str, text: str, dataset: int = 1) -> Record:
    return Record(id=f"d{dataset}-{rid}", text=text, provenance=Provenance("0" * 64, "f.txt", "text", "1"))


class Job:
    """The two dedup steps for one job, run batch by batch like the runner does."""

    def __init__(self, job_id: int = 1, url: str = "", dataset: int = 1, **params: object) -> None:
        ctx = StageContext(dataset_id=dataset, job_id=job_id, database_url=url)
        self.minhash = MinhashSignatureStage(ctx)
        self.dedup = DedupStage(ctx, **params)  # type: ignore[arg-type]
        self.counters: dict[str, StageCounters] = {}

    def run(self, *batches: Sequence[Record]) -> None:
        for batch in batches:
            run_stages([self.minhash, self.dedup], batch, self.counters)
        self.dedup.finish()  # the runner's call after the last batch, before the version commits


def test_stages_are_registered_and_build_with_defaults() -> None:
    assert stage_class("minhash") is MinhashSignatureStage
    assert stage_class("dedup") is DedupStage
    assert build_stage("dedup", {}, StageContext()).scope == "global"
    assert DedupStage(StageContext()).describe()["threshold"] == 0.65


def test_exact_duplicates_after_case_and_whitespace_changes() -> None:
    base = "The quick brown fox, jumps over the lazy dog.\nIt was not amused!"
    variant = "the  QUICK brown fox jumps over the lazy dog -- it was NOT amused"
    longer = base + " And then it left the garden, slowly, without looking back at anyone."
    records = [rec("a", base), rec("b", variant), rec("c", longer)]
    job = Job()
    job.run(records)
    assert records[0].kept and records[2].kept
    assert records[1].drop_reason == "exact_duplicate"
    assert records[1].annotations["dedup"] == {
        "cluster": "d1-a",
        "duplicate_of": "d1-a",
        "similarity": 1.0,
        "scope": "job",
    }
    assert records[0].annotations["dedup"] == {"cluster": "d1-a"}
    assert job.counters["dedup"] == {"total": 3, "kept": 2, "dropped": 1, "dropped_exact_duplicate": 1}


def test_near_duplicates_with_a_few_words_changed_are_dropped() -> None:
    original = doc(1)
    # 1% and 2% of words changed: 5-word shingle Jaccard ~0.90 and ~0.82, both above 0.8
    records = [rec("a", original), rec("b", edit(original, 3, seed=1)), rec("c", edit(original, 6, seed=2))]
    Job().run(records[:1], records[1:])
    assert records[0].kept
    for dup in records[1:]:
        assert dup.drop_reason == "near_duplicate"
        ann = dup.annotations["dedup"]
        assert ann["duplicate_of"] == "d1-a" and ann["cluster"] == "d1-a" and ann["scope"] == "job"
        assert 0.75 <= ann["similarity"] < 1.0


def test_near_duplicates_with_five_percent_of_words_edited_are_dropped() -> None:
    # 3-word shingles at 0.65: 5% substitutions, insertions or deletions (J ~0.75-0.79) are caught
    original = doc(11, 400)
    words = original.split()
    inserted = " ".join(w for i, w in enumerate(words) for w in ([w, f"new{i}"] if i % 20 == 0 else [w]))
    deleted = " ".join(w for i, w in enumerate(words) if i % 20 != 7)
    records = [rec("a", original), rec("sub", edit(original, 20, seed=3)), rec("ins", inserted), rec("del", deleted)]
    Job().run(records)
    assert records[0].kept
    assert [r.drop_reason for r in records[1:]] == ["near_duplicate"] * 3


def test_ten_percent_of_words_replaced_is_not_a_near_duplicate() -> None:
    original = doc(12, 400)
    records = [rec("a", original), rec("b", edit(original, 40, seed=4))]  # 3-gram Jaccard ~0.57
    Job().run(records)
    assert records[1].kept


def test_distinct_documents_are_kept() -> None:
    records = [rec(str(i), doc(100 + i)) for i in range(200)]
    job = Job()
    job.run(records[:70], records[70:])
    assert all(r.kept for r in records)
    assert {r.annotations["dedup"]["cluster"] for r in records} == {r.id for r in records}


def test_heavily_edited_text_is_not_a_near_duplicate() -> None:
    original = doc(2)
    records = [rec("a", original), rec("b", edit(original, 60))]  # 20% of words changed
    Job().run(records)
    assert records[1].kept


def test_first_seen_is_the_representative_across_batches() -> None:
    text = doc(3)
    records = [rec("first", edit(text, 2, seed=5)), rec("second", text), rec("third", edit(text, 3, seed=6))]
    Job().run([records[0]], [records[1]], [records[2]])
    assert records[0].kept
    assert [r.annotations["dedup"]["duplicate_of"] for r in records[1:]] == ["d1-first", "d1-first"]


def test_cross_job_detection_only_after_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    text = doc(4)
    first = Job(job_id=1, url=url, dataset=1)
    first.run([rec("a", text, dataset=1)])
    # job 1 has not committed yet: job 2 (another dataset) cannot see its records
    early = rec("x", edit(text, 2), dataset=2)
    second = Job(job_id=2, url=url, dataset=2)
    second.run([early])
    assert early.kept
    second.dedup.abort()

    first.dedup.commit()
    late_near, late_exact = rec("y", edit(text, 2), dataset=3), rec("z", text.upper(), dataset=3)
    third = Job(job_id=3, url=url, dataset=3)
    third.run([late_near, late_exact])
    assert late_near.drop_reason == "near_duplicate"
    assert late_exact.drop_reason == "exact_duplicate"
    assert late_near.annotations["dedup"]["scope"] == "platform"
    assert late_exact.annotations["dedup"] == {
        "cluster": "d1-a",
        "duplicate_of": "d1-a",
        "similarity": 1.0,
        "scope": "platform",
    }
    third.dedup.abort()


@pytest.mark.postgres
def test_cross_job_detection_on_postgres(pg_url: str) -> None:
    url = pg_url
    original = doc(9)
    first = Job(job_id=1, url=url)
    first.run([rec("a", original)])
    hidden = rec("b", original, dataset=2)
    second = Job(job_id=2, url=url, dataset=2)
    second.run([hidden])
    second.dedup.abort()
    assert hidden.kept  # job 1 had not committed
    first.dedup.commit()
    records = [rec("c", edit(original, 2), dataset=3), rec("d", original, dataset=3)]
    third = Job(job_id=3, url=url, dataset=3)
    third.run(records)
    assert [r.drop_reason for r in records] == ["near_duplicate", "exact_duplicate"]
    third.dedup.abort()
    index = DedupIndex(create_engine(url))
    assert index.count(job_id=3) == 0 and index.count(committed=True) == 1
    index.engine.dispose()


def test_abort_removes_the_jobs_uncommitted_entries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    job = Job(job_id=7, url=url)
    job.run([rec(str(i), doc(200 + i)) for i in range(10)])
    index = DedupIndex(create_engine(url))
    assert index.count(job_id=7, committed=False) == 10
    job.dedup.abort()
    assert index.count() == 0
    index.engine.dispose()


def test_new_version_of_a_dataset_does_not_drop_its_own_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    texts = [doc(300 + i) for i in range(5)]
    v1 = Job(job_id=1, url=url)
    v1.run([rec(str(i), t) for i, t in enumerate(texts)])
    v1.dedup.commit()
    again = [rec(str(i), t) for i, t in enumerate(texts)] + [rec("new", texts[0])]
    v2 = Job(job_id=2, url=url)
    v2.run(again)
    v2.dedup.commit()
    assert all(r.kept for r in again[:5])
    assert again[5].drop_reason == "exact_duplicate"
    index = DedupIndex(create_engine(url))
    assert index.count() == 5  # the records of v1 are not indexed twice
    index.engine.dispose()


def test_against_platform_false_only_compares_within_the_job(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    text = doc(5)
    first = Job(job_id=1, url=url)
    first.run([rec("a", text)])
    first.dedup.commit()
    records = [rec("b", text, dataset=2), rec("c", text, dataset=2)]
    second = Job(job_id=2, url=url, dataset=2, against_platform=False)
    second.run(records)
    second.dedup.abort()
    assert records[0].kept
    assert records[1].annotations["dedup"]["duplicate_of"] == "d2-b"


def test_memory_budget_spills_to_a_temporary_index(tmp_path: Path) -> None:
    originals = [doc(400 + i) for i in range(30)]
    job = Job(job_id=1)
    five = 5 * entry_bytes(128, 32) / MB
    job.dedup = DedupStage(StageContext(job_id=1, scratch_dir=str(tmp_path / "scratch")), max_memory_mb=five)
    job.run(*[[rec(str(i), t)] for i, t in enumerate(originals)])
    assert len(job.dedup._memory) <= 6  # spilled once past five entries, then one batch at a time
    spill_dirs = list((tmp_path / "scratch").iterdir())
    assert len(spill_dirs) == 1
    dups = [rec("dup0", edit(originals[0], 2)), rec("dup29", originals[29].upper())]
    job.run(dups)
    assert [d.drop_reason for d in dups] == ["near_duplicate", "exact_duplicate"]
    job.dedup.commit()
    assert not spill_dirs[0].exists()


def _mixed_corpus() -> list[Record]:
    """Originals, near copies (2-6 words of 300 changed), exact copies, in a shuffled order."""
    originals = [doc(700 + i) for i in range(40)]
    texts = originals + [edit(t, 2 + i % 5, seed=i) for i, t in enumerate(originals[:25])]
    texts += [t.upper() for t in originals[10:20]] + [edit(t, 3, seed=99) for t in originals[30:40]]
    random.Random(5).shuffle(texts)
    return [rec(f"r{i}", t) for i, t in enumerate(texts)]


def _decisions(budget_mb: float | None, url: str = "", scratch: Path | None = None) -> list[tuple[object, ...]]:
    records = _mixed_corpus()
    ctx = StageContext(job_id=1, database_url=url, scratch_dir=str(scratch or ""))
    minhash, dedup = MinhashSignatureStage(ctx), DedupStage(ctx, max_memory_mb=budget_mb)
    for start in range(0, len(records), 7):
        run_stages([minhash, dedup], records[start : start + 7], {})
    dedup.abort()
    return [(r.id, r.kept, r.drop_reason, r.annotations["dedup"]) for r in records]


def test_a_tiny_memory_budget_decides_exactly_like_an_unbounded_run(tmp_path: Path) -> None:
    unbounded = _decisions(10_000.0)
    assert sum(not kept for _, kept, _, _ in unbounded) >= 40  # the corpus has duplicates of both kinds
    assert {reason for _, _, reason, _ in unbounded} == {None, "exact_duplicate", "near_duplicate"}
    tiny = _decisions(0.001, scratch=tmp_path / "scratch")  # under one entry: spills at the first batch
    assert tiny == unbounded
    with_catalog = _decisions(0.001, url=f"sqlite:///{tmp_path / 'catalog.db'}")
    assert with_catalog == unbounded
    # a catalog and room to buffer: new representatives wait in memory, and the index is written at `finish`
    buffered = _decisions(10_000.0, url=f"sqlite:///{tmp_path / 'buffered.db'}")
    assert buffered == unbounded


def test_representatives_reach_the_index_by_finish_and_within_the_write_buffer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    index = DedupIndex(create_engine(url))
    job = Job(job_id=3, url=url)
    for i in range(4):
        run_stages([job.minhash, job.dedup], [rec(str(i), doc(400 + i))], job.counters)
    assert index.count(job_id=3) == 0  # buffered: one transaction instead of one per batch
    job.dedup.finish()
    assert index.count(job_id=3, committed=False) == 4
    # past the write buffer the batch is written at once (a budget smaller than one entry: every batch)
    small = Job(job_id=4, url=url, max_memory_mb=0.001)
    run_stages([small.minhash, small.dedup], [rec("x", doc(500))], small.counters)
    assert index.count(job_id=4) == 1
    job.dedup.abort()
    small.dedup.abort()
    index.engine.dispose()


def test_entries_another_job_commits_midway_are_matched_from_the_next_batch(tmp_path: Path) -> None:
    """The empty-index shortcut is asked again per batch: a platform that fills up during a job is seen."""
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    late = Job(job_id=2, url=url)
    late.run([rec("a", doc(600))])  # the index is empty: no lookup needed
    early = Job(job_id=1, url=url, dataset=9)
    early.run([rec("b", doc(601), dataset=9)])
    early.dedup.commit()
    copy = rec("c", doc(601))
    late.run([copy])
    assert copy.drop_reason == "exact_duplicate"
    assert copy.annotations["dedup"]["scope"] == "platform"
    late.dedup.abort()


def test_the_budget_comes_from_the_job_and_is_not_part_of_the_description() -> None:
    assert DedupStage(StageContext()).max_memory_mb == 256
    from_job = DedupStage(StageContext(memory_budget_mb=64))
    assert from_job.max_memory_mb == 64
    assert DedupStage(StageContext(memory_budget_mb=64), max_memory_mb=8).max_memory_mb == 8
    assert from_job.describe() == DedupStage(StageContext()).describe()  # same config hash whatever the budget
    with pytest.raises(ConfigError, match="Expected a number > 0"):
        DedupStage(StageContext(), max_memory_mb=0)
    # a profile written for the old entry-count budget is refused by name, not silently ignored
    with pytest.raises(ConfigError, match="max_memory_entries"):
        build_stage("dedup", {"max_memory_entries": 50_000}, StageContext())


@pytest.mark.parametrize(("num_perm", "bands"), [(128, 32), (64, 16)])
def test_entry_cost_is_an_upper_bound_of_the_measured_memory(num_perm: int, bands: int) -> None:
    """The budget is honest: what `MemoryIndex` reports covers what its entries really take (tracemalloc)."""
    config = DedupConfig(num_perm=num_perm, bands=bands)
    prints = fingerprints([doc(900 + i) for i in range(400)], config)
    raw = [(fp.exact, to_bytes(fp.signature)) for fp in prints if fp.signature is not None]
    index = MemoryIndex(entry_bytes(num_perm, bands))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i, (exact, blob) in enumerate(raw):  # built as the stage builds them: fresh objects per record
            signature = from_bytes(blob)
            rid = f"d1-{i:06d}-{exact}"
            entry = IndexEntry(rid, 1, 1, rid, exact, config.scheme, to_bytes(signature), band_keys=[])
            entry.band_keys = band_keys(signature, config)
            index.add(entry, signature)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert used <= index.nbytes <= 1.5 * used


def test_the_ray_plan_gives_way_to_the_local_stage_past_the_budget() -> None:
    pytest.importorskip("ray", reason="the `ray` extra is not installed")
    from dataharbor.pipeline.dedup_plan import PLAN_RECORD_BYTES, PlannedDedupStage, plan_global_stages
    from dataharbor.pipeline.ray_executor import RayExecutor
    from dataharbor.pipeline.worker import FileResult

    runner = RayExecutor.__new__(RayExecutor)  # its type is what matters; no cluster is needed for this decision
    stage = DedupStage(StageContext(), max_memory_mb=1)
    fits = MB // PLAN_RECORD_BYTES
    _, stages = plan_global_stages(runner, iter([FileResult(1, "ok", records=fits + 1)]), [stage], None)
    assert stages == [stage]  # over the budget: the local stage, one batch in memory at a time
    _, stages = plan_global_stages(runner, iter([FileResult(1, "ok", records=0)]), [stage], None)
    assert isinstance(stages[0], PlannedDedupStage)


def test_dedup_computes_fingerprints_itself_when_minhash_did_not_run() -> None:
    text = doc(6)
    records = [rec("a", text), rec("b", edit(text, 2))]
    stage = DedupStage(StageContext())
    run_stages([stage], records, {})
    assert records[1].drop_reason == "near_duplicate"
    # a signature made with another shingle size is recomputed, not compared
    other = [rec("c", text), rec("d", text + " tail")]
    run_stages([MinhashSignatureStage(StageContext(), word_ngram=2)], other, {})
    assert other[0].metadata[FINGERPRINT_KEY]["scheme"] != stage.config.scheme
    run_stages([DedupStage(StageContext())], other, {})
    assert other[1].drop_reason == "near_duplicate"


def test_minhash_annotation_is_small_and_signature_is_private() -> None:
    record = rec("a", doc(7))
    MinhashSignatureStage(StageContext()).process([record])
    ann = record.annotations["minhash"]
    assert set(ann) == {"exact", "shingling", "shingles"} and ann["shingling"] == "word3"
    assert len(record.metadata[FINGERPRINT_KEY]["signature"]) == 128 * 4


def test_scripts_without_spaces_use_character_shingles() -> None:
    zh = (
        "自然语言处理是计算机科学领域与人工智能领域中的一个重要方向。"
        "它研究能实现人与计算机之间用自然语言进行有效通信的各种理论和方法。"
    )
    zh_edited = zh.replace("重要", "主要")
    records = [
        rec("a", zh),
        rec("b", zh_edited),
        rec("c", "完全不同的一段文字，讲的是天气和旅行的计划，没有任何相同的内容。"),
    ]
    Job().run(records)
    assert records[0].annotations["minhash"]["shingling"] == "char5"
    assert records[1].drop_reason == "near_duplicate"
    assert records[2].kept


def test_folding_and_signatures_are_deterministic_across_processes() -> None:
    text = "Ünïcode, punctuation — and   CASE fold alike! " + doc(8, 50)
    here = fingerprints([text], DedupConfig())[0]
    code = (
        "from dataharbor.pipeline.stages._dedup_config import DedupConfig;"
        "from dataharbor.pipeline.stages._dedup_signature import fingerprints;"
        f"fp = fingerprints([{text!r}], DedupConfig())[0];"
        "print(fp.exact, fp.signature.tobytes().hex())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert here.signature is not None
    assert out == [here.exact, here.signature.tobytes().hex()]
    assert fold_tokens("Don't STOP—now!")[:3] == ["don", "t", "stop"]


def test_invalid_parameters_name_the_key() -> None:
    from dataharbor.errors import ConfigError

    with pytest.raises(ConfigError, match="threshold"):
        DedupStage(StageContext(), threshold=1.5)


# computed with the first implementation of band_keys (one blake2b per band, prefix hashed every time)
FIRST_BAND_KEY_OF_ARANGE = -6319725402279491644


def _band_keys_by_definition(signature: Signature, config: DedupConfig) -> list[int]:
    """The stored definition of a band key, written plainly (the stage's version precomputes the prefixes)."""
    keys = []
    for b in range(config.bands):
        h = hashlib.blake2b(config.scheme.encode(), digest_size=8)
        h.update(b.to_bytes(2, "little"))
        h.update(signature.astype("<u4")[b * config.rows : (b + 1) * config.rows].tobytes())
        keys.append(int.from_bytes(h.digest(), "little", signed=True))
    return keys


@pytest.mark.parametrize(("num_perm", "bands"), [(128, 32), (64, 16), (128, 16)])
def test_band_keys_never_change_their_definition(num_perm: int, bands: int) -> None:
    """Band keys are stored in the platform index: a faster computation must give the very same keys."""
    config = DedupConfig(num_perm=num_perm, bands=bands)
    rng = np.random.default_rng(7)
    for _ in range(50):
        signature = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32)
        assert band_keys(signature, config) == _band_keys_by_definition(signature, config)
    # and one literal value, so the definition itself cannot drift together with its rewrite
    first = band_keys(np.arange(128, dtype=np.uint32), DedupConfig())[0]
    assert first == FIRST_BAND_KEY_OF_ARANGE
