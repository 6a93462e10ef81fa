"""The running-a-meeting matrix (RUNNING_EXPECTED in world.py) through the Zalo edge: the same
cast on Zalo, cells A and B run from Zalo private chats, every command typed in the actor's
private chat and the check-in button a numbered choice forged into the actor's open choices
(or «có mặt» typed). What differs from Telegram is read by ``on_zalo_running``: the commands
Telegram gives in the cell's group act on the actor's only cell (B's group has no Zalo
counterpart), and in private an operator, who belongs to no cell, is refused as a non-member
(commands by number: no number is his)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.identity import ChatRef
from handlers.telegram import callback_data as cd
from handlers.zalo.notifier import CHOICE_TTL
from tests.e2e.db import fetch_one, snapshot
from tests.e2e.test_zalo_authorization import CHANNEL, changed_tables, zalo_bot, zworld
from tests.e2e.world import (
    MEETING_EXAMPLES,
    MEMBER,
    MISSING,
    OK,
    RUNNING_EXPECTED,
    RUNNING_REFUSALS,
    STARTS_AT,
    MeetingWorld,
    Outcomes,
    identity,
    matrix_cases,
    private_ref,
    tr_text,
)

IN_GROUP = {"mark", "quorum", "grace", "quorum.show"}
_ = zworld  # the module fixture, shared with the Zalo matrices


def on_zalo_running(expected: Mapping[str, Outcomes]) -> dict[str, Outcomes]:
    """The Telegram matrix read for Zalo."""
    zalo: dict[str, Outcomes] = {}
    for key, outcomes in expected.items():
        action, scope = key.split("/")
        if action.startswith("press."):
            zalo[key] = outcomes
        elif action in IN_GROUP:
            if scope == "own":
                zalo[key] = (*outcomes[:-1], MEMBER)
        else:
            zalo[key] = (*outcomes[:-1], MISSING)
    # The check-in typed as words acts on the actor's own cell's open meeting.
    zalo["type.check-in/own"] = expected["press.check-in/own"]
    return zalo


ZALO_RUNNING_EXPECTED = on_zalo_running(RUNNING_EXPECTED)


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"), matrix_cases(ZALO_RUNNING_EXPECTED)
)
async def test_running_authorization_on_zalo(
    zworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bots = zalo_bot(zworld, tmp_path)
    zalo = await anext(bots)
    try:
        world = zworld.world
        key = "B" if scope == "foreign" else "A"
        cast = world.cells[key]
        actor = (
            world.nonmember
            if role == "nonmember"
            else world.operator
            if role == "operator"
            else world.cells["A"].people[role].user
        )
        language = (
            "en" if role not in ("nonmember", "operator") and actor.language_code == "en" else "vi"
        )
        services = zalo.bot.app.bot_data.services
        zalo.bot.clock.set(STARTS_AT - timedelta(minutes=10))
        await services.members.start_private(identity(actor, CHANNEL), private_ref(actor, CHANNEL))
        if action != "open":
            for k, c in world.cells.items():
                await services.running.open_meeting(
                    identity(c.people["secretary"].user, CHANNEL),
                    ChatRef(CHANNEL, c.group, False),
                    zworld.numbers[k],
                )
        number = zworld.numbers[key]
        official = cast.people["official"]
        texts = {
            "open": f"/open {number}",
            "open.chair": f"/open {number} chủ trì {official.number}",
            "open.pick": f"/open {number} chủ trì",
            "attendance": f"/attendance {number}",
            "mark": f"/mark {official.number} vắng Đi biển dài ngày",
            "quorum": "/quorum 60",
            "grace": "/grace 10",
            "quorum.show": "/quorum",
            "type.check-in": "có mặt",
        }
        if action.startswith("press."):
            if action == "press.assign":
                chair = await fetch_one(
                    zalo.bot,
                    "SELECT id FROM users WHERE channel = 'zalo' AND external_id = ?",
                    str(official.user.id),
                )
                assert chair is not None
                data = cd.assign_runner(zworld.meeting_ids[key], False, int(chair[0]))
            elif action == "press.check-in":
                data = cd.check_in(zworld.meeting_ids[key])
            else:
                data = "ci:99999"
            user = await fetch_one(
                zalo.bot,
                "SELECT id FROM users WHERE channel = 'zalo' AND external_id = ?",
                str(actor.id),
            )
            assert user is not None
            now = zalo.bot.clock.now()
            (offered,) = await zalo.runner.state.offer(
                int(user[0]), [("…", data)], now, now + CHOICE_TTL
            )
            text = str(offered)
        else:
            text = texts[action]
        before = await snapshot(zalo.bot)
        name = " ".join(p for p in (actor.first_name, actor.last_name) if p)
        replies = await zalo.says(str(actor.id), text, name=name)
        reply = replies[-1]
        if outcome == OK:
            assert not any(r.startswith("⚠️") for r in replies), replies
            changed = changed_tables(before, await snapshot(zalo.bot))
            if action == "attendance":
                assert reply.startswith("📋") and official.name in reply, reply
            elif action == "open.pick":
                assert official.name in reply and "1. " in reply, reply
            elif action == "quorum.show":
                assert reply == tr_text(
                    language,
                    "Quorum: {quorum}% of the members summoned. A check-in more than {grace} "
                    "minutes after the start is late. Leaders change them with /quorum PERCENT "
                    "and /grace MINUTES.",
                    quorum=67,
                    grace=15,
                )
            else:
                assert changed, f"{action} allowed but nothing changed"
            return
        refusal = "⚠️ " + tr_text(language, RUNNING_REFUSALS[outcome])
        if outcome in MEETING_EXAMPLES:
            refusal += "\n" + tr_text(
                language, "Example: {example}", example=MEETING_EXAMPLES[outcome]
            )
        assert replies == [refusal]
        assert changed_tables(before, await snapshot(zalo.bot)) == set()
        assert reply == refusal
    finally:
        with contextlib.suppress(StopAsyncIteration):
            await anext(bots)


def test_the_zalo_running_matrix_runs_every_action() -> None:
    assert {k.split("/")[0] for k in RUNNING_EXPECTED} <= {
        k.split("/")[0] for k in ZALO_RUNNING_EXPECTED
    }
