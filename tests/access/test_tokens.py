"""Tokens: shown once, stored hashed; expired, revoked, wrong-scope, malformed and unknown are refused alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dataharbor.access.clock import utcnow
from dataharbor.access.errors import UNAUTHORIZED, Unauthorized
from dataharbor.access.subjects import Scope
from dataharbor.access.tokens import authenticate, create_token, revoke_token
from dataharbor.catalog.base import Base
from dataharbor.catalog.models import ApiToken, AuditEvent
from dataharbor.cli import app
from dataharbor.harbor import Harbor

runner = CliRunner()


@pytest.fixture
def token_for(act_as: Callable[..., Any], make_dataset: Callable[..., str], make_principal: Callable[..., int]) -> Any:
    make_dataset("acme/priv", tier="private", license="LicenseRef-acme")
    make_principal("ann", "partner_admin", partner="acme")

    def make(scope: str = "write", **kw: Any) -> tuple[int, str]:
        with act_as() as acc:
            tok, plain = create_token(acc, principal="ann", scope=scope, **kw)
            return tok.id, plain

    return make


def test_a_token_authenticates_as_its_principal_with_its_scope(harbor: Harbor, token_for: Any) -> None:
    tid, plain = token_for("read")
    assert plain.startswith(f"dh_{tid}_")
    with harbor.catalog.session() as s:
        actor = authenticate(s, plain)
        assert (actor.name, actor.scope, actor.roles) == ("ann", Scope.READ, frozenset({"partner_admin"}))
    with harbor.catalog.session() as s:
        tok = s.get(ApiToken, tid)
        assert tok is not None and tok.last_used_at is not None  # last use is recorded
        assert plain.split("_", 2)[2] not in (tok.secret_hash, tok.name)
    # only a hash is kept: the secret is nowhere in the catalog's bytes (on PostgreSQL: in no row of any table)
    if harbor.settings.database_url:
        with harbor.catalog.engine.connect() as conn:
            raw = repr([conn.execute(select(t)).all() for t in Base.metadata.sorted_tables]).encode()
    else:
        raw = (harbor.settings.resolved_home / "catalog.db").read_bytes()
        for wal in harbor.settings.resolved_home.glob("catalog.db-wal"):
            raw += wal.read_bytes()
    assert plain.split("_", 2)[2].encode() not in raw


def _cli_error(harbor: Harbor, token: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(harbor.settings.resolved_home), *args, "--token", token])
    assert isinstance(result.exception, Unauthorized), (result.output, result.exception)
    return result.exception.exit_code, str(result.exception)


def test_every_bad_token_gets_the_same_answer(harbor: Harbor, act_as: Callable[..., Any], token_for: Any) -> None:
    _, live = token_for("write")
    _, expired = token_for("write", expires_at=utcnow() + timedelta(seconds=1))
    rid, revoked = token_for("write")
    _, read_only = token_for("read")
    with act_as() as acc:
        revoke_token(acc, rid)
    tid = live.split("_")[1]
    wrong_secret = f"dh_{tid}_" + "A" * 43
    unknown = "dh_999999_" + "B" * 43
    malformed = ["", "dh_", "dh_x_y", "Bearer " + live, live[:-1], live + "A", "dh_1_" + "é" * 43]
    answers = set()
    with harbor.catalog.session() as s:
        for bad in [wrong_secret, unknown, revoked, *malformed]:
            with pytest.raises(Unauthorized) as info:
                authenticate(s, bad)
            answers.add(str(info.value))
        with pytest.raises(Unauthorized) as info:
            authenticate(s, expired, now=utcnow() + timedelta(seconds=2))
        answers.add(str(info.value))
    assert answers == {UNAUTHORIZED}
    # through the command line: the same exit code and message, including a token used beyond its scope
    grant = ["grant", "add", "acme/priv", "--principal", "ann", "--purpose", "training", "--until", "2099-01-01"]
    cli_answers = {
        _cli_error(harbor, revoked, "usage", "acme"),
        _cli_error(harbor, unknown, "usage", "acme"),
        _cli_error(harbor, "not-a-token", "usage", "acme"),
        _cli_error(harbor, read_only, *grant),  # wrong scope: read cannot grant
    }
    assert cli_answers == {(6, UNAUTHORIZED)}
    # the operators still see precisely what happened, in the audit log
    with harbor.catalog.session() as s:
        reasons = {e.reason for e in s.query(AuditEvent).filter(AuditEvent.allowed.is_(False))}
    assert {"revoked token", "unknown token", "malformed token"} <= reasons
    assert any("scope 'read' does not allow grant.create" in r for r in reasons)


def test_a_read_token_cannot_mint_a_stronger_one(harbor: Harbor, token_for: Any) -> None:
    _, plain = token_for("admin")  # ann manages her own tokens with an admin-scoped token
    home = str(harbor.settings.resolved_home)
    ok = runner.invoke(app, ["--home", home, "token", "create", "ann", "--scope", "read", "--token", plain])
    assert ok.exit_code == 0, ok.output
    _, weak = token_for("read")
    bad = runner.invoke(app, ["--home", home, "token", "create", "ann", "--scope", "admin", "--token", weak])
    assert isinstance(bad.exception, Unauthorized)


def test_tokens_of_others_are_not_yours_to_manage(
    harbor: Harbor, act_as: Callable[..., Any], token_for: Any, make_principal: Callable[..., int]
) -> None:
    make_principal("tina", "trainer")
    with act_as() as acc:
        tok, tina_token = create_token(acc, principal="tina", scope="admin")
    tid, _ = token_for("write")
    with harbor.catalog.session() as s:
        tina = authenticate(s, tina_token)
    from dataharbor.access.errors import Forbidden

    with pytest.raises(Forbidden), act_as(tina) as acc:
        revoke_token(acc, tid)
    with act_as(tina) as acc:
        assert revoke_token(acc, tok.id).revoked_at is not None  # her own: fine
