"""The audit log: appends chain, verify names the first edited, deleted, reordered or truncated row."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from dataharbor.access.auditlog import AuditLog, row_hash
from dataharbor.catalog.db import Catalog
from dataharbor.catalog.models import AuditEvent, AuditHead
from dataharbor.cli import app
from dataharbor.config import Settings
from dataharbor.harbor import Harbor


def _append(log: AuditLog, catalog: Catalog, n: int, who: str = "alice") -> None:
    for i in range(n):
        with catalog.session() as s:
            log.append(
                s,
                principal=who,
                principal_id=None,
                action="data.read",
                resource=f"dataset:acme/x@v{i}",
                allowed=i % 3 != 0,
                reason="test",
                purpose="training",
                details={"records": i, "note": "é ✓"},
            )


@pytest.fixture
def log(harbor: Harbor) -> AuditLog:
    lg = AuditLog.in_home(harbor.settings.resolved_home)
    _append(lg, harbor.catalog, 6)
    return lg


def _sql(harbor: Harbor, *statements: str) -> None:
    with harbor.catalog.engine.begin() as conn:
        for st in statements:
            conn.execute(text(st))


def _verify(harbor: Harbor, log: AuditLog) -> tuple[bool, int | None, str]:
    with harbor.catalog.session() as s:
        v = log.verify(s)
    return v.ok, v.bad_seq, v.problem


def test_an_untouched_log_verifies_and_the_checkpoint_follows_the_head(harbor: Harbor, log: AuditLog) -> None:
    with harbor.catalog.session() as s:
        v = log.verify(s)
        head = s.get(AuditHead, 1)
        assert head is not None and head.seq == 6
        assert [e.seq for e in s.query(AuditEvent).order_by(AuditEvent.seq)] == [1, 2, 3, 4, 5, 6]
    assert v.ok and v.rows == 6 and not v.warnings
    cp = log.read_checkpoint()
    assert cp is not None and (cp.seq, cp.hash) == (6, v.head_hash)


def test_an_edited_row_is_named(harbor: Harbor, log: AuditLog) -> None:
    _sql(harbor, "UPDATE audit_events SET allowed = TRUE WHERE seq = 4")  # a denial turned into an allow
    ok, bad, problem = _verify(harbor, log)
    assert (ok, bad) == (False, 4) and "edited" in problem


def test_an_edited_detail_is_named(harbor: Harbor, log: AuditLog) -> None:
    _sql(harbor, """UPDATE audit_events SET details = '{"records": 0, "note": "é ✓"}' WHERE seq = 5""")
    assert _verify(harbor, log)[:2] == (False, 5)


def test_a_deleted_row_is_named(harbor: Harbor, log: AuditLog) -> None:
    _sql(harbor, "DELETE FROM audit_events WHERE seq = 2")
    ok, bad, problem = _verify(harbor, log)
    assert (ok, bad) == (False, 2) and "missing" in problem


def test_reordered_rows_are_named(harbor: Harbor, log: AuditLog) -> None:
    _sql(
        harbor,
        "UPDATE audit_events SET seq = 100 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = 4",
        "UPDATE audit_events SET seq = 4 WHERE seq = 100",
    )
    ok, bad, problem = _verify(harbor, log)
    assert (ok, bad) == (False, 3) and "does not follow" in problem


def test_a_truncated_tail_is_named_even_when_the_head_row_is_fixed_up(harbor: Harbor, log: AuditLog) -> None:
    _sql(harbor, "DELETE FROM audit_events WHERE seq >= 5")
    assert _verify(harbor, log)[:2] == (False, 5)  # the head row still says 6
    _sql(harbor, "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_events WHERE seq = 4)")
    ok, bad, problem = _verify(harbor, log)  # only the checkpoint file knows now
    assert (ok, bad) == (False, 5) and "truncated" in problem


def test_a_rewritten_chain_is_caught_by_the_checkpoint(harbor: Harbor, log: AuditLog) -> None:
    # an attacker with write access to the table edits row 2 and recomputes every hash after it
    with harbor.catalog.session() as s:
        events = s.query(AuditEvent).order_by(AuditEvent.seq).all()
        events[1].reason = "nothing to see"
        prev = events[0].hash
        for ev in events[1:]:
            ev.prev_hash = prev
            ev.hash = row_hash(ev)
            prev = ev.hash
        head = s.get(AuditHead, 1)
        assert head is not None
        head.hash = prev
    ok, bad, problem = _verify(harbor, log)
    assert (ok, bad) == (False, 6) and "checkpoint" in problem


def test_without_its_checkpoint_a_fixed_up_truncation_is_not_detectable_and_verify_says_so(
    harbor: Harbor, log: AuditLog
) -> None:
    # the documented limit: the head kept apart from the table is what catches a truncated tail
    assert log.checkpoint is not None
    log.checkpoint.unlink()
    _sql(
        harbor,
        "DELETE FROM audit_events WHERE seq >= 5",
        "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_events WHERE seq = 4)",
    )
    with harbor.catalog.session() as s:
        v = log.verify(s)
    assert v.ok and v.rows == 4 and "no checkpoint" in v.warnings[0]


def test_cli_verify_names_the_row_and_fails(harbor: Harbor, log: AuditLog) -> None:
    home = str(harbor.settings.resolved_home)
    runner = CliRunner()
    ok = runner.invoke(app, ["--home", home, "auditlog", "verify", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True
    _sql(harbor, "UPDATE audit_events SET principal = 'mallory' WHERE seq = 4")
    bad = runner.invoke(app, ["--home", home, "auditlog", "verify"])
    assert bad.exit_code == 1 and "row 4" in bad.output


def test_concurrent_writers_extend_one_chain(harbor: Harbor) -> None:
    log = AuditLog.in_home(harbor.settings.resolved_home)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        catalog = Catalog(harbor.settings.catalog_url)  # its own engine and connections, like another process
        try:
            with catalog.session() as s:  # a read first: the append must still see the newest head
                s.execute(text("SELECT count(*) FROM audit_events")).scalar()
            _append(log, catalog, 15, who=name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            catalog.dispose()

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with harbor.catalog.session() as s:
        v = log.verify(s)
    assert v.ok and v.rows == 60 and v.head_seq == 60
    cp = log.read_checkpoint()
    assert cp is not None and cp.seq == 60


@pytest.mark.postgres
def test_concurrent_writers_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h", database_url=pg_url)
    h = Harbor.open(settings, create=True)
    log = AuditLog.in_home(settings.resolved_home)
    try:
        threads = [threading.Thread(target=_append, args=(log, h.catalog, 10, f"w{i}")) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with h.catalog.session() as s:
            v = log.verify(s)
        assert v.ok and v.rows == 40
        with h.catalog.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET reason = 'x' WHERE seq = 17"))
        with h.catalog.session() as s:
            assert log.verify(s).bad_seq == 17
    finally:
        h.close()
