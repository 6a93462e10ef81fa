"""The authorization matrix of votes (VOTING_EXPECTED in world.py): /vote (one line and
guided), /endvote, a ballot button, the chair's close button and forged ballot data, by every
role, in its own cell and in a foreign one; a refusal is told in the right language, with the
reason, and changes nothing."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import build_application
from bot.domain.identity import ChatRef
from bot.domain.votes import VoteKind, VoteMode
from bot.services.voting import VoteRequest
from handlers.telegram import callback_data as cd
from handlers.telegram import voting as voting_handlers
from sandbox.driver import TgUser
from sandbox.fake_api import Call, FakeRequest, FakeTelegram
from tests.conftest import Bot, make_settings, stop_bot
from tests.e2e.world import (
    CELL_LANGUAGE,
    OK,
    STARTS_AT,
    VOTING_EXPECTED,
    VOTING_REFUSALS,
    MeetingWorld,
    alert_text,
    build_meeting_world,
    committee_cases,
    fetch_one,
    identity,
    matrix_cases,
    outgoing_texts,
    snapshot,
    start_world_bot,
    store_bot_message,
    tr_text,
)

SUBJECT = "Thông qua nghị quyết quý IV"


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells and their meetings built once; every case runs over a copy."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("voting-matrix")))


def actor_of(mworld: MeetingWorld, role: str) -> TgUser:
    """Who acts: the person with that role in cell A, or an outsider."""
    if role == "nonmember":
        return mworld.world.nonmember
    if role == "operator":
        return mworld.world.operator
    return mworld.world.cells["A"].people[role].user


async def open_both(bot: Bot, mworld: MeetingWorld, with_vote: bool) -> dict[str, int]:
    """Both meetings open, both casts checked in; with a running open vote in each: its id."""
    services = bot.app.bot_data.services
    votes = {}
    for key, cast in mworld.world.cells.items():
        group = ChatRef("telegram", str(cast.chat_id), False, cast.name)
        secretary = identity(cast.people["secretary"].user)
        await services.running.open_meeting(secretary, group, mworld.numbers[key])
        for role in ("secretary", "deputy", "official", "probationary", "guest", "committee"):
            await services.running.check_in(
                identity(cast.people[role].user), group, mworld.meeting_ids[key]
            )
        if with_vote:
            started = await services.voting.start(
                secretary, group, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, SUBJECT)
            )
            votes[key] = started.vote.id
    return votes


async def act(
    bot: Bot, mworld: MeetingWorld, action: str, key: str, actor: TgUser, votes: dict[str, int]
) -> tuple[list[Call], int | None]:
    """Do the action in the touched cell's group; the calls and the chat (None: a button)."""
    cast = mworld.world.cells[key]
    d = bot.driver
    if action.startswith("press."):
        data = {
            "press.ballot": cd.ballot(votes.get(key, 0), 0, "o0"),
            "press.end": cd.end_vote(votes.get(key, 0)),
            "press.forged": "vb:99999:0:o0",
        }[action]
        message_id = store_bot_message(bot, cast.chat)
        return await d.press_data(actor, cast.chat, data, message_id), None
    texts = {
        "vote": f'/vote resolution open "{SUBJECT}"',
        "vote.guided": "/vote",
        "endvote": "/endvote",
    }
    return await d.send(actor, cast.chat, texts[action]), cast.chat.id


async def check_allowed(bot: Bot, action: str, votes: dict[str, int], key: str) -> None:
    """The effect an allowed action must have."""
    if action == "vote":
        assert await fetch_one(bot, "SELECT count(*) FROM votes WHERE subject = ?", SUBJECT) == (
            1,
        )
    elif action == "vote.guided":
        assert await fetch_one(bot, "SELECT kind FROM dialogs WHERE kind = 'vote'") == ("vote",)
    elif action in ("endvote", "press.end"):
        assert await fetch_one(bot, "SELECT state FROM votes WHERE id = ?", votes[key]) == (
            "closed",
        )
    elif action == "press.ballot":
        assert await fetch_one(
            bot, "SELECT count(*) FROM open_ballots WHERE vote_id = ?", votes[key]
        ) == (1,)


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"),
    matrix_cases(VOTING_EXPECTED) + committee_cases(VOTING_EXPECTED),
)
async def test_voting_authorization(
    mworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bot = await start_world_bot(mworld.world, tmp_path)
    try:
        bot.clock.set(STARTS_AT)
        votes = await open_both(bot, mworld, with_vote=not action.startswith("vote"))
        key = "B" if scope == "foreign" else "A"
        actor = actor_of(mworld, role)
        before = await snapshot(bot)
        calls, where = await act(bot, mworld, action, key, actor, votes)
        await bot.app.bot_data.vote_live.idle()
        texts = outgoing_texts(calls)
        if outcome == OK:
            assert not any(t.startswith("⚠️") for t in texts), texts
            await check_allowed(bot, action, votes, key)
            return
        actor_language = actor.language_code or "vi"
        if where is None:
            language = actor_language
        else:
            told = calls[0].get("chat_id")
            groups = {c.chat_id for c in mworld.world.cells.values()}
            language = CELL_LANGUAGE if told in groups else actor_language
        refusal = "⚠️ " + tr_text(language, VOTING_REFUSALS[outcome])
        if where is None:
            assert [c.method for c in calls] == ["answerCallbackQuery"], calls
            assert alert_text(calls) == refusal
        else:
            assert [c.method for c in calls] == ["sendMessage"], [c.method for c in calls]
            assert texts == [refusal]
        assert await snapshot(bot) == before, "a refused action changed the database"
    finally:
        await stop_bot(bot)


def test_the_matrix_covers_every_voting_command_and_button(tmp_path: Path) -> None:
    app = build_application(
        make_settings(tmp_path), request=FakeRequest(FakeTelegram()), rate_limiter=False
    )
    registered = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        and getattr(handler.callback, "__module__", "") == voting_handlers.__name__
        for command in handler.commands
    }
    # The Vietnamese names run the same callbacks; /baucu is /vote election; /ballot and
    # /phieu only bring one's own ballots (nothing to authorize: everyone gets their own).
    assert registered == {
        "vote",
        "bieuquyet",
        "baucu",
        "endvote",
        "dongbieuquyet",
        "ballot",
        "phieu",
    }
    actions = {key.split("/")[0].split(".")[0] for key in VOTING_EXPECTED}
    assert actions - {"press"} == {"vote", "endvote"}
    buttons = {
        handler.pattern.pattern
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CallbackQueryHandler)
        and getattr(handler.callback, "__module__", "") == voting_handlers.__name__
        and isinstance(handler.pattern, re.Pattern)
    }
    # vr: (my ballot) and vd: (the guided dialog's steps) are covered in test_voting.py.
    assert buttons == {"^vb:", "^ve:", "^vr:", "^vd:"}
