"""The reports' authorization matrix (REPORTS_EXPECTED in world.py) through the Zalo edge:
everything typed in the actor's private chat, on the actor's only cell ("own"; a Zalo user
reaches no other cell, so "foreign" is not run); an operator belongs to no cell, so /report
and /me are refused to him as to any non-member; /pdf carries a file, which Zalo cannot: it
says to use Telegram, whoever asks."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from handlers.zalo.bot import NOT_ON_ZALO
from tests.e2e.db import snapshot
from tests.e2e.test_zalo_authorization import (
    CHANNEL,
    FILES,
    Case,
    _name,
    changed_tables,
    zalo_bot,
    zworld,  # noqa: F401 (the module's world fixture)
)
from tests.e2e.world import (
    MEMBER,
    OK,
    REPORTS_EXPECTED,
    REPORTS_REFUSALS,
    MeetingWorld,
    Outcomes,
    identity,
    matrix_cases,
    private_ref,
)


def on_zalo() -> dict[str, Outcomes]:
    """REPORTS_EXPECTED read for Zalo (see the module's docstring)."""
    zalo: dict[str, Outcomes] = {}
    for key, outcomes in REPORTS_EXPECTED.items():
        action, scope = key.split("/")
        if scope != "own":
            continue
        if action == "pdf":
            zalo[key] = (FILES,) * 7
        elif action in ("report", "me"):
            zalo[key] = (*outcomes[:-1], MEMBER)
        else:
            zalo[key] = outcomes
    return zalo


ZALO_REPORTS_EXPECTED = on_zalo()


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"), matrix_cases(ZALO_REPORTS_EXPECTED)
)
async def test_reports_authorization_on_zalo(
    zworld: MeetingWorld,  # noqa: F811
    tmp_path: Path,
    action: str,
    scope: str,
    role: str,
    outcome: str,
) -> None:
    bots = zalo_bot(zworld, tmp_path)
    zalo = await anext(bots)
    try:
        case = Case(zalo, zworld, action, scope, role)
        await case.services.members.start_private(
            identity(case.actor, CHANNEL), private_ref(case.actor, CHANNEL)
        )
        text = f"/pdf {case.meeting_number}" if action == "pdf" else f"/{action}"
        before = await snapshot(zalo.bot)
        replies = await zalo.says(case.zalo_id, text, name=_name(case.actor))
        assert len(replies) >= 1, replies
        reply = replies[0]
        if outcome == OK:
            heading = {"report": "📊", "me": "📋", "overview": "🗂"}[action]
            assert reply.startswith(heading), reply
        elif outcome == FILES:
            assert reply == case.text(NOT_ON_ZALO, command="pdf")
        else:
            assert reply == "⚠️ " + case.text(REPORTS_REFUSALS[outcome])
            assert replies == [reply]
        assert changed_tables(before, await snapshot(zalo.bot)) == set()
    finally:
        with contextlib.suppress(StopAsyncIteration):
            await anext(bots)
