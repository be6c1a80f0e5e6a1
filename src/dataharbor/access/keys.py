"""The encryption keys through the policy: only admins see their status or rotate the master key, and a
rotation is an audit-log event (who, when, which master, how many data keys were re-wrapped)."""

from __future__ import annotations

from typing import Any

from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action
from dataharbor.access.resources import platform_resource
from dataharbor.store.keys import Keyring


def key_status(acc: AccessContext, keyring: Keyring) -> dict[str, Any]:
    acc.require(Action.KEYS_MANAGE, platform_resource())
    return keyring.status()


def rotate_master_key(acc: AccessContext, keyring: Keyring) -> dict[str, Any]:
    decision = acc.require(Action.KEYS_MANAGE, platform_resource())
    out = keyring.rotate()
    acc.audit(Action.KEYS_MANAGE, "platform:keys", decision, op="rotate", **out)
    return out
