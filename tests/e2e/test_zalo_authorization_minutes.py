"""The running meeting's and the minutes' authorization matrix (MINUTES_EXPECTED in world.py)
through the Zalo edge, as test_zalo_authorization.py reads the other matrices for Zalo:
everything is typed in the actor's private chat; the commands Telegram gives in a cell's group
act on the actor's only cell ("own"; a Zalo user reaches no other cell, so "foreign" is not
run); an operator belongs to no cell, so a meeting's number names nothing of his; a button is
a numbered choice forged into the actor's open choices."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.identity import ChatRef
from bot.services.members import MemberRef
from handlers.zalo.notifier import CHOICE_TTL
from tests.e2e.db import fetch_one, snapshot
from tests.e2e.test_authorization_minutes import BUTTONS, IN_GROUP
from tests.e2e.test_zalo_authorization import (
    CHANNEL,
    Case,
    _name,
    changed_tables,
    zalo_bot,
    zworld,  # noqa: F401 (the module's world fixture)
)
from tests.e2e.world import (
    MEMBER,
    MINUTES_EXPECTED,
    MINUTES_REFUSALS,
    MISSING,
    OK,
    STARTS_AT,
    TITLES,
    MeetingWorld,
    Outcomes,
    identity,
    matrix_cases,
    private_ref,
)


def on_zalo() -> dict[str, Outcomes]:
    """MINUTES_EXPECTED read for Zalo (see the module's docstring)."""
    zalo: dict[str, Outcomes] = {}
    for key, outcomes in MINUTES_EXPECTED.items():
        action, scope = key.split("/")
        if action in IN_GROUP:
            if scope == "own":
                zalo[key] = (*outcomes[:-1], MEMBER)
        elif action.startswith("press."):
            zalo[key] = outcomes
        else:
            zalo[key] = (*outcomes[:-1], MISSING)
    return zalo


ZALO_MINUTES_EXPECTED = on_zalo()


def command_text(case: Case) -> str:
    """What the actor sends."""
    n = case.meeting_number
    return {
        "next": "/next",
        "speaker": "/speaker",
        "close": "/close",
        "note": "/note Cần theo dõi thêm",
        "ghichu": "/ghichu Cần theo dõi thêm",
        "ketluan": "/ketluan Chi bộ nhất trí",
        "conclude": "/conclude Chi bộ nhất trí",
        "minutes.show": f"/minutes {n}",
        "bienban": f"/bienban {n}",
        "minutes.edit": f"/minutes {n} sửa 1 Chi bộ nhất trí cao",
        "minutes.add": f"/minutes {n} thêm Cuộc họp kết thúc lúc 21 giờ",
        "minutes.approve": f"/minutes {n} duyệt",
    }[case.action]


async def check(case: Case, reply: str) -> None:
    """The effect of an allowed action."""
    bot = case.zalo.bot

    async def one(sql: str) -> object:
        row = await fetch_one(bot, sql, case.meeting_id)
        assert row is not None, sql
        return row[0]

    action = case.action
    if action == "next":
        assert await one("SELECT current_item FROM meeting_runs WHERE meeting_id = ?") == 2
    elif action == "close":
        assert await one("SELECT COUNT(*) FROM minutes WHERE meeting_id = ?") == 1
    elif action in ("note", "ghichu", "ketluan", "conclude"):
        assert await one("SELECT COUNT(*) FROM contributions WHERE meeting_id = ?") == 1
    elif action == "speaker":
        assert "Mai Đỗ" in reply, reply  # on Zalo the name as the platform gives it
    elif action in ("minutes.show", "bienban"):
        assert TITLES["A"] in reply, reply
    elif action == "minutes.edit":
        assert "Chi bộ nhất trí cao" in str(
            await one("SELECT body FROM minutes WHERE meeting_id = ?")
        )
    elif action == "minutes.add":
        assert "21 giờ" in str(await one("SELECT body FROM minutes WHERE meeting_id = ?"))
    elif action in ("minutes.approve", "press.approve"):
        assert await one("SELECT state FROM minutes WHERE meeting_id = ?") == "approved"
    elif action == "press.hand":
        assert await one("SELECT COUNT(*) FROM speakers WHERE meeting_id = ?") >= 1  # type: ignore[operator]
    elif action == "press.next-speaker":
        assert (
            await one("SELECT COUNT(*) FROM speakers WHERE meeting_id = ? AND state = 'speaking'")
            == 1
        )
    elif action == "press.score":
        assert await one("SELECT SUM(count) FROM score_counts WHERE meeting_id = ?") == 1
    else:
        raise AssertionError(action)


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"), matrix_cases(ZALO_MINUTES_EXPECTED)
)
async def test_minutes_authorization_on_zalo(
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
        zalo.bot.clock.set(STARTS_AT + timedelta(minutes=5))
        case = Case(zalo, zworld, action, scope, role)
        services = case.services
        await services.members.start_private(
            identity(case.actor, CHANNEL), private_ref(case.actor, CHANNEL)
        )
        await prepare_on_zalo(case)
        if action.startswith("press."):
            data = BUTTONS[action.removeprefix("press.")].format(meeting=case.meeting_id)
            now = zalo.bot.clock.now()
            (number,) = await zalo.runner.state.offer(
                await case.user_id(), [("…", data)], now, now + CHOICE_TTL
            )
            text = str(number)
        else:
            text = command_text(case)
        before = await snapshot(zalo.bot)
        sent_before = len(zalo.platform.sent)
        replies = await zalo.says(case.zalo_id, text, name=_name(case.actor))
        assert len(replies) >= 1, replies
        reply = replies[0]
        if outcome == OK:
            assert not reply.startswith("⚠️"), reply
            await check(case, "\n".join(replies))
            return
        refusal = "⚠️ " + case.text(MINUTES_REFUSALS[outcome], id=case.meeting_number)
        if outcome == MISSING:
            refusal += "\n" + case.text("Example: {example}", example="/meetings")
        assert reply == refusal
        assert [s.text for s in zalo.platform.sent[sent_before:]] == [reply]
        assert changed_tables(before, await snapshot(zalo.bot)) == set()
    finally:
        with contextlib.suppress(StopAsyncIteration):
            await anext(bots)


async def prepare_on_zalo(case: Case) -> None:
    """Both meetings open (and closed, approved, for the minutes' actions), as on Telegram;
    the cells run from Zalo private chats (no group)."""
    services = case.services
    mworld = case.mworld
    for key, cast in mworld.world.cells.items():
        secretary = identity(cast.people["secretary"].user, CHANNEL)
        group = ChatRef(CHANNEL, cast.group, False)
        recorder = MemberRef(number=cast.people["official"].number)
        await services.running.open_meeting(
            secretary, group, mworld.numbers[key], recorder=recorder
        )
        meeting_id = mworld.meeting_ids[key]
        for role in ("secretary", "deputy", "official", "probationary", "guest"):
            await services.running.check_in(
                identity(cast.people[role].user, CHANNEL), group, meeting_id
            )
        await services.minutes.next_item(secretary, group)
        await services.minutes.raise_hand(
            identity(cast.people["probationary"].user, CHANNEL), group, meeting_id, 1
        )
        if case.action in (
            "minutes.show",
            "minutes.edit",
            "minutes.add",
            "minutes.approve",
            "bienban",
            "press.approve",
            "press.score",
        ):
            await services.minutes.close(secretary, group)
        if case.action in ("minutes.show", "bienban"):
            await services.minutes.approve(secretary, group, number=mworld.numbers[key])


def test_the_zalo_matrix_runs_every_action_of_the_telegram_one() -> None:
    telegram = {k.split("/")[0] for k in MINUTES_EXPECTED}
    assert {k.split("/")[0] for k in ZALO_MINUTES_EXPECTED} == telegram
