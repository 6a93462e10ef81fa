"""The votes' matrix (VOTING_EXPECTED in world.py) through the Zalo edge: the same cast on
Zalo, cells A and B run from Zalo private chats, every command typed in the actor's private
chat and a ballot a numbered choice forged into the actor's open choices. What differs from
Telegram: the commands Telegram gives in the cell's group act on the actor's only cell, so
only their "own" cases exist, and an operator, who belongs to no cell, is refused as a
non-member there; Zalo has no guided /vote and no close button (/endvote instead)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.domain.identity import ChatRef
from bot.domain.votes import VoteKind, VoteMode
from bot.services.voting import VoteRequest
from handlers.telegram import callback_data as cd
from handlers.zalo.notifier import CHOICE_TTL
from tests.e2e.db import fetch_one, snapshot
from tests.e2e.test_zalo_authorization import CHANNEL, changed_tables, zalo_bot, zworld
from tests.e2e.world import (
    MEMBER,
    OK,
    STARTS_AT,
    VOTING_EXPECTED,
    VOTING_REFUSALS,
    MeetingWorld,
    Outcomes,
    identity,
    matrix_cases,
    private_ref,
    tr_text,
)

_ = zworld  # the module fixture, shared with the Zalo matrices
SUBJECT = "Thông qua nghị quyết quý IV"


def on_zalo_voting(expected: Mapping[str, Outcomes]) -> dict[str, Outcomes]:
    """The Telegram matrix read for Zalo."""
    zalo: dict[str, Outcomes] = {}
    for key, outcomes in expected.items():
        action, scope = key.split("/")
        if action in ("vote.guided", "press.end"):
            continue
        if action.startswith("press."):
            zalo[key] = outcomes
        elif scope == "own":
            zalo[key] = (*outcomes[:-1], MEMBER)
    return zalo


ZALO_VOTING_EXPECTED = on_zalo_voting(VOTING_EXPECTED)


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"), matrix_cases(ZALO_VOTING_EXPECTED)
)
async def test_voting_authorization_on_zalo(
    zworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bots = zalo_bot(zworld, tmp_path)
    zalo = await anext(bots)
    try:
        world = zworld.world
        key = "B" if scope == "foreign" else "A"
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
        zalo.bot.clock.set(STARTS_AT)
        await services.members.start_private(identity(actor, CHANNEL), private_ref(actor, CHANNEL))
        votes = {}
        for k, c in world.cells.items():
            group = ChatRef(CHANNEL, c.group, False)
            secretary = identity(c.people["secretary"].user, CHANNEL)
            await services.running.open_meeting(secretary, group, zworld.numbers[k])
            for r in ("secretary", "deputy", "official", "probationary", "guest", "committee"):
                user = c.people[r].user
                await services.running.check_in(
                    identity(user, CHANNEL), private_ref(user, CHANNEL), zworld.meeting_ids[k]
                )
            if action != "vote":
                started = await services.voting.start(
                    secretary, group, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, SUBJECT)
                )
                votes[k] = started.vote.id
        if action.startswith("press."):
            data = cd.ballot(votes[key], 0, "o0") if action == "press.ballot" else "vb:99999:0:o0"
            user_row = await fetch_one(
                zalo.bot,
                "SELECT id FROM users WHERE channel = 'zalo' AND external_id = ?",
                str(actor.id),
            )
            assert user_row is not None
            now = zalo.bot.clock.now()
            (offered,) = await zalo.runner.state.offer(
                int(user_row[0]), [("…", data)], now, now + CHOICE_TTL
            )
            text = str(offered)
        else:
            text = {"vote": f'/vote resolution open "{SUBJECT}"', "endvote": "/endvote"}[action]
        before = await snapshot(zalo.bot)
        name = " ".join(p for p in (actor.first_name, actor.last_name) if p)
        replies = await zalo.says(str(actor.id), text, name=name)
        if outcome == OK:
            assert not any(r.startswith("⚠️") for r in replies), replies
            assert changed_tables(before, await snapshot(zalo.bot)), f"{action}: nothing changed"
            return
        refusal = "⚠️ " + tr_text(language, VOTING_REFUSALS[outcome])
        assert replies == [refusal]
        assert changed_tables(before, await snapshot(zalo.bot)) == set()
    finally:
        with contextlib.suppress(StopAsyncIteration):
            await anext(bots)


def test_the_zalo_voting_matrix_runs_the_commands_and_ballots() -> None:
    assert {k.split("/")[0] for k in ZALO_VOTING_EXPECTED} == {
        "vote",
        "endvote",
        "press.ballot",
        "press.forged",
    }
