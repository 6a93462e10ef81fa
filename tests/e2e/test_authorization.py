"""The authorization matrix: every command and button, pressed by every role, in its own cell
and in a foreign one, against the role table of SPEC §2.

Two cells A and B each have a secretary, a deputy, an official, a probationary member, a guest,
a target official (the object of managing actions), a removed former member and a pending
applicant. The actor of each case is the person with that role in cell A (or an outsider:
a user unknown to the bot, or an operator who belongs to no cell); "own" acts on A,
"foreign" on B (a secretary of A is nobody in B), "dm" gives a cell command in the actor's
private chat, where the bot takes the actor's own cell.

Allowed is checked by its effect (the reply, the database); refused by the localized refusal,
an unchanged database and a reply that shows no member's name.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.app import build_application
from bot.domain.cells import Kind, Role
from bot.rules.names import vietnamese_order
from handlers.telegram import callback_data as cd
from handlers.telegram import cells as cells_handlers
from handlers.zalo.budget import NO_ZALO
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call, FakeRequest, FakeTelegram
from tests.conftest import Bot, make_settings, stop_bot
from tests.e2e.world import (
    BOUND,
    CELL_EXPECTED,
    CELL_LANGUAGE,
    CELL_REFUSALS,
    LEADER,
    MEMBER,
    OK,
    ROLES,
    CellCast,
    World,
    alert_text,
    build_world,
    committee_cases,
    fetch_one,
    matrix_cases,
    outgoing_texts,
    snapshot,
    start_world_bot,
    store_bot_message,
    tr_text,
)

REFUSALS = CELL_REFUSALS
# Beside the shared table (SPEC §2): making a member a committee member, by command or button,
# and a leader's correction of a member's name (/name N Full Name) manage the roster.
# fmt: off
KIND_ROWS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                         nonmember guest probat. official deputy secretary operator
    "role.committee/own":     (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "role.committee/dm":      (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "role.committee/foreign": (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "name.member/own":        (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "name.member/dm":         (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "name.member/foreign":    (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.committee/own":    (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.committee/foreign": (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
}
# fmt: on
EXPECTED = CELL_EXPECTED | KIND_ROWS

NEW_NAME = "Nguyễn Văn An"
MEMBER_NAME = "Lê Văn Cường"
NEW_CELL = "Chi bộ Tàu 5"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Both cells built once; every case runs over a copy."""
    return asyncio.run(build_world(tmp_path_factory.mktemp("world")))


@dataclass
class Case:
    """One matrix cell being run."""

    bot: Bot
    world: World
    action: str
    scope: str
    role: str
    # The chat the action was given in (its answers are written there).
    where: int | None = None

    @property
    def own(self) -> CellCast:
        """Cell A, where the actor has their role."""
        return self.world.cells["A"]

    @property
    def cell(self) -> CellCast:
        """The cell the action touches."""
        return self.world.cells["B" if self.scope == "foreign" else "A"]

    @property
    def actor(self) -> TgUser:
        """Who acts."""
        if self.role == "nonmember":
            return self.world.nonmember
        if self.role == "operator":
            return self.world.operator
        return self.own.people[self.role].user

    @property
    def language(self) -> str:
        """The actor's language (Telegram's code; nobody chose one with /lang)."""
        return self.actor.language_code or "vi"

    @property
    def private(self) -> TgChat:
        """The actor's private chat with the bot."""
        return self.bot.driver.private_chat(self.actor)

    def text(self, msgid: str, **params: object) -> str:
        """A text the bot writes where the action was given: in a cell's group in the cell's
        language, in private (and a button's alert) in the actor's."""
        return tr_text(self.chat_language(self.where), msgid, **params)

    def personal(self, msgid: str, **params: object) -> str:
        """A text for the actor alone (a refusal told privately, a button's alert)."""
        return tr_text(self.language, msgid, **params)

    def chat_language(self, chat_id: int | None) -> str:
        """The language of texts in a chat: a cell's group speaks the cell's language."""
        groups = {cell.chat_id for cell in self.world.cells.values()}
        return CELL_LANGUAGE if chat_id in groups else self.language

    async def actor_row(self, column: str) -> object:
        """A column of the actor's users row."""
        row = await fetch_one(
            self.bot, f"SELECT {column} FROM users WHERE external_id = ?", str(self.actor.id)
        )
        return row[0] if row else None

    async def membership(self, role: str) -> tuple[str, str, str]:
        """(status, kind, role) of a cast member of the touched cell."""
        row = await fetch_one(
            self.bot,
            "SELECT status, kind, role FROM memberships WHERE id = ?",
            self.cell.people[role].membership_id,
        )
        assert row is not None
        return str(row[0]), str(row[1]), str(row[2])


# --- running an action -------------------------------------------------------------------------

PERSONAL = {
    "start",
    "lang",
    "name",
    "cells",
    "newcell",
    "quota",
    "hanmuc",
    "connect",
    "ketnoi",
    "id",
}


async def send(case: Case) -> list[Call]:
    """Give the command of this case where its scope says."""
    d = case.bot.driver
    target = case.cell.people["target"].number
    texts = {
        "start": "/start",
        "help": "/help",
        "join": "/join",
        "lang": "/lang en",
        "name": f"/name {NEW_NAME}",
        "setup": f"/setup {case.world.spare_code}",
        "invite": "/invite 5 3",
        "members": "/members",
        "kind": f"/kind {target} probationary",
        "role": f"/role {target} deputy",
        "role.committee": f"/role {target} chi ủy viên",
        "name.member": f"/name {target} {MEMBER_NAME}",
        "remove": f"/remove {target}",
        "cells": "/cells",
        "newcell": f"/newcell {NEW_CELL}",
        "connect": "/connect",
        "ketnoi": "/ketnoi",
        "id": "/id",
        "quota": "/quota",
        "hanmuc": "/hanmuc",
    }
    if case.scope == "dm" or (case.scope == "own" and case.action in PERSONAL):
        chat = case.private
    else:
        chat = case.cell.chat
    case.where = chat.id
    return await d.send(case.actor, chat, texts[case.action])


async def press(case: Case) -> list[Call]:
    """Press the button of this case on a bot message."""
    button = case.action.removeprefix("press.")
    people = case.cell.people
    applicant, target = people["applicant"].membership_id, people["target"].membership_id
    data = {
        "approve": cd.join_choice(applicant, Kind.OFFICIAL),
        "decline": cd.join_choice(applicant, None),
        "card": cd.member_card(target),
        "kind": cd.set_kind(target, Kind.PROBATIONARY),
        "role": cd.set_role(target, Role.DEPUTY),
        "committee": cd.set_role(target, Role.COMMITTEE),
        "ask-remove": cd.ask_remove(target),
        "remove": cd.confirm_remove(target),
        "back": cd.back_to_list(),
        "language": cd.choose_language("en"),
    }[button]
    in_group = button in ("back", "language") and case.scope == "foreign"
    chat = case.cell.chat if in_group else case.private
    case.where = chat.id
    message_id = store_bot_message(case.bot, chat)
    return await case.bot.driver.press_data(case.actor, chat, data, message_id)


# --- what allowed looks like -------------------------------------------------------------------


def _name(user: TgUser) -> str:
    """The name the bot shows: family name first."""
    return vietnamese_order(user.first_name, user.last_name)


def sent_to(calls: list[Call], chat_id: int) -> list[str]:
    """Texts of messages the bot sent to one chat."""
    return [
        str(c["text"])
        for c in calls
        if c.method == "sendMessage" and c.ok and c.get("chat_id") == chat_id
    ]


def edits(calls: list[Call]) -> list[str]:
    """Texts the bot put in place of the pressed message."""
    return [str(c["text"]) for c in calls if c.method == "editMessageText" and c.ok]


def first_reply(calls: list[Call]) -> str:
    """The bot's first message, the answer to the actor."""
    replies = [str(c["text"]) for c in calls if c.method == "sendMessage" and c.ok]
    assert replies, f"no reply; calls: {[c.method for c in calls]}"
    return replies[0]


async def check_start(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    if case.scope == "own":
        hello = case.text(
            "Hello {name}! I am cellmeet: I schedule your cell's online meetings, send "
            "reminders and record who will attend and who asks to be excused.",
            name=_name(case.actor),
        )
        assert reply.startswith(hello), reply
        assert await case.actor_row("reachable") == 1
    else:
        assert reply == case.text("Send /help to see what you can do here.")


async def check_help(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    header = case.text("Cell «{name}». What you can do here:", name=case.cell.name)
    assert reply.startswith(header), reply
    # A committee member sees what an official member sees.
    index = ROLES.index("official" if case.role == "committee" else case.role)
    listed = {line.split()[0] for line in reply.splitlines()[2:] if line.startswith("/")}
    may_manage = EXPECTED[f"invite/{case.scope}"][index] == OK
    assert ("/invite" in listed) == may_manage, listed
    assert ("/kind" in listed) == may_manage, listed
    if case.role != "operator":
        # An operator sees rosters through /cells; /help in a group shows what members use.
        assert ("/members" in listed) == (EXPECTED[f"members/{case.scope}"][index] == OK), listed


async def check_join(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    already = case.scope == "own" and case.role not in ("nonmember", "operator")
    if already:
        # A refusal: told privately, in the actor's language.
        assert sent_to(calls, case.actor.id) == [reply]
        assert reply == "⚠️ " + case.personal(
            "You are already a member of «{name}».", name=case.cell.name
        )
        return
    assert reply == case.text(
        "Your request to join «{cell}» was sent to the secretary.", cell=case.cell.name
    )
    row = await fetch_one(
        case.bot,
        "SELECT m.status FROM memberships m JOIN users u ON u.id = m.user_id"
        " JOIN cells c ON c.id = m.cell_id WHERE u.external_id = ? AND c.chat_id = ?",
        str(case.actor.id),
        str(case.cell.chat_id),
    )
    assert row == ("pending",)


async def check_lang(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls) == "Language: English."
    assert await case.actor_row("language") == "en"


async def check_name(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls) == case.text("Your name is recorded as: {name}", name=NEW_NAME)
    assert await case.actor_row("full_name") == NEW_NAME


async def check_invite(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    assert f"«{case.cell.name}»" in reply
    assert "?start=inv-" in reply, reply
    row = await fetch_one(
        case.bot,
        "SELECT COUNT(*), MAX(max_uses) FROM invites i JOIN cells c ON c.id = i.cell_id"
        " WHERE c.chat_id = ?",
        str(case.cell.chat_id),
    )
    assert row == (1, 5)


def roster_header(case: Case) -> str:
    """The first line of the touched cell's roster: guests are not counted."""
    return case.text(
        "Cell «{name}»: {count} members ({official} official, {probationary} probationary)",
        name=case.cell.name,
        count=6,
        official=5,
        probationary=1,
    )


async def check_members(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    people = case.cell.people
    assert reply.startswith(roster_header(case)), reply
    for role in ("secretary", "deputy", "official", "probationary", "guest", "target"):
        assert people[role].name in reply, (role, reply)
    assert people["former"].name not in reply
    # Pending requests are the leaders' business only.
    leader = case.role in ("deputy", "secretary") and case.scope != "foreign"
    assert (people["applicant"].name in reply) == leader, reply


def reply_and_notice(case: Case, calls: list[Call]) -> tuple[str, list[str]]:
    """The answer to the actor, and what the changed member was told privately."""
    target = case.cell.people["target"].user.id
    to_target = [
        str(c["text"]) for c in calls if c.method == "sendMessage" and c["chat_id"] == target
    ]
    others = [c for c in calls if not (c.method == "sendMessage" and c["chat_id"] == target)]
    return first_reply(others), to_target


async def check_kind(case: Case, calls: list[Call]) -> None:
    reply, told = reply_and_notice(case, calls)
    assert reply.startswith(case.text("Updated: {line}", line=""))
    assert len(told) == 1, told
    assert await case.membership("target") == ("active", "probationary", "member")


async def check_role(case: Case, calls: list[Call]) -> None:
    reply, told = reply_and_notice(case, calls)
    assert reply.startswith(case.text("Updated: {line}", line=""))
    assert len(told) == 1, told
    assert await case.membership("target") == ("active", "official", "deputy")


async def check_role_committee(case: Case, calls: list[Call]) -> None:
    line, told = reply_and_notice(case, calls)
    assert line.startswith(case.text("Updated: {line}", line="")), line
    assert case.text("committee member") in line, line
    assert len(told) == 1, told
    assert await case.membership("target") == ("active", "official", "committee")


async def check_member_name(case: Case, calls: list[Call]) -> None:
    target = case.cell.people["target"]
    assert first_reply(calls) == case.text(
        "Member {number}'s name is recorded as: {name}", number=target.number, name=MEMBER_NAME
    )
    row = await fetch_one(
        case.bot,
        "SELECT u.full_name FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.id = ?",
        target.membership_id,
    )
    assert row == (MEMBER_NAME,)


async def check_remove(case: Case, calls: list[Call]) -> None:
    name = case.cell.people["target"].name
    reply, told = reply_and_notice(case, calls)
    assert reply == case.text("{name} was removed from the cell.", name=name)
    assert len(told) == 1, told
    assert await case.membership("target") == ("removed", "official", "member")


async def check_cells(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    for cell in case.world.cells.values():
        assert f" {cell.name}: " in reply, reply


async def check_newcell(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    assert "/setup " in reply, reply
    row = await fetch_one(
        case.bot, "SELECT COUNT(*) FROM setup_codes WHERE cell_name = ?", NEW_CELL
    )
    assert row == (1,)


async def check_id(case: Case, calls: list[Call]) -> None:
    assert first_reply(calls).endswith(f" telegram:{case.actor.id}"), first_reply(calls)


async def check_connect(case: Case, calls: list[Call]) -> None:
    reply = first_reply(calls)
    assert re.search(r"^/connect \d{5} \d{5}$", reply, re.M), reply
    assert await fetch_one(case.bot, "SELECT COUNT(*) FROM connect_codes") == (1,)


async def check_button(case: Case, calls: list[Call]) -> None:
    button = case.action.removeprefix("press.")
    assert alert_text(calls) == "", "a button answered with an alert"
    shown = edits(calls)
    assert len(shown) == 1, [c.method for c in calls]
    text = shown[0]
    people = case.cell.people
    target, applicant = people["target"].name, people["applicant"].name
    if button == "approve":
        assert text == case.text(
            "{name} was approved: {kind}.", name=applicant, kind=case.text("official")
        )
        assert await case.membership("applicant") == ("active", "official", "member")
        assert sent_to(calls, people["applicant"].user.id), "the applicant was not told"
    elif button == "decline":
        assert text == case.text("{name} was declined.", name=applicant)
        assert await case.membership("applicant") == ("declined", "official", "member")
    elif button == "card":
        assert target in text and case.text("Kind: {kind}", kind=case.text("official")) in text
        assert await case.membership("target") == ("active", "official", "member")
    elif button == "kind":
        assert case.text("Kind: {kind}", kind=case.text("probationary")) in text
        assert await case.membership("target") == ("active", "probationary", "member")
    elif button == "role":
        assert case.text("Role: {role}", role=case.text("deputy secretary")) in text
        assert await case.membership("target") == ("active", "official", "deputy")
    elif button == "committee":
        assert case.text("Role: {role}", role=case.text("committee member")) in text
        assert await case.membership("target") == ("active", "official", "committee")
    elif button == "ask-remove":
        assert text == case.text("Remove {name} from the cell?", name=target)
        assert await case.membership("target") == ("active", "official", "member")
    elif button == "remove":
        assert text == case.text("{name} was removed from the cell.", name=target)
        assert await case.membership("target") == ("removed", "official", "member")
    elif button == "back":
        assert text.startswith(roster_header(case)), text
        assert target in text
    else:
        assert text == "Language: English."
        assert await case.actor_row("language") == "en"


async def check_quota(case: Case, calls: list[Call]) -> None:
    # This bot runs on Telegram alone (the Zalo matrix sees the count).
    assert first_reply(calls) == case.text(NO_ZALO)


CHECKS: dict[str, Callable[[Case, list[Call]], Awaitable[None]]] = {
    "start": check_start,
    "help": check_help,
    "join": check_join,
    "lang": check_lang,
    "name": check_name,
    "invite": check_invite,
    "members": check_members,
    "kind": check_kind,
    "role": check_role,
    "role.committee": check_role_committee,
    "name.member": check_member_name,
    "remove": check_remove,
    "cells": check_cells,
    "newcell": check_newcell,
    "connect": check_connect,
    "ketnoi": check_connect,
    "id": check_id,
    "quota": check_quota,
    "hanmuc": check_quota,
}


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"), matrix_cases(EXPECTED) + committee_cases(EXPECTED)
)
async def test_authorization(
    world: World, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bot = await start_world_bot(world, tmp_path)
    try:
        case = Case(bot, world, action, scope, role)
        before = await snapshot(bot)
        button = action.startswith("press.")
        calls = await (press(case) if button else send(case))
        texts = outgoing_texts(calls)
        if outcome == OK:
            assert not any(t.startswith("⚠️") for t in texts) or action == "join", texts
            await (check_button(case, calls) if button else CHECKS[action](case, calls))
            # Nothing of the other cell shows, whatever was allowed here.
            other = world.cells["A" if case.cell.key == "B" else "B"]
            leaked = {n for n in other.names() - {_name(case.actor)} if any(n in t for t in texts)}
            assert not leaked, (leaked, texts)
            return
        params = {"name": case.cell.name} if outcome == BOUND else {}
        # A refusal is the actor's: told privately (or as an alert) in their language; said in
        # a group (the bot cannot write to them) in the cell's.
        told = None if button else calls[0].get("chat_id")
        refusal = "⚠️ " + tr_text(case.chat_language(told), REFUSALS[outcome], **params)
        if button:
            assert alert_text(calls) == refusal
            assert [c.method for c in calls] == ["answerCallbackQuery"], calls
            answer = next(c for c in calls if c.method == "answerCallbackQuery")
            assert answer.get("show_alert") is True
        else:
            assert [c.method for c in calls] == ["sendMessage"], [c.method for c in calls]
            assert texts == [refusal]
        assert await snapshot(bot) == before, "a refused action changed the database"
        leaked = {n for n in world.all_member_names() if any(n in t for t in texts)}
        assert not leaked, (leaked, texts)
        if outcome != BOUND:
            assert not any(c.name in t for c in world.cells.values() for t in texts), texts
    finally:
        await stop_bot(bot)


BUTTON_PREFIXES = {
    "approve": "jr",
    "decline": "jr",
    "card": "mc",
    "kind": "mk",
    "role": "mr",
    "committee": "mr",
    "ask-remove": "mx",
    "remove": "my",
    "back": "ml",
    "language": "lg",
}


def test_the_matrix_covers_every_command_and_button(tmp_path: Path) -> None:
    app = build_application(
        make_settings(tmp_path), request=FakeRequest(FakeTelegram()), rate_limiter=False
    )
    registered = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        and getattr(handler.callback, "__module__", "") == cells_handlers.__name__
        for command in handler.commands
    }
    actions = {key.split("/")[0] for key in EXPECTED}
    assert registered and registered <= actions
    assert {f"press.{b}" for b in BUTTON_PREFIXES} <= actions
    buttons = {
        prefix
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CallbackQueryHandler)
        and handler.callback is cells_handlers.on_button
        and isinstance(handler.pattern, re.Pattern)
        for prefix in re.findall(r"\w+", handler.pattern.pattern)
    }
    assert set(BUTTON_PREFIXES.values()) == buttons
    for key in EXPECTED:
        action, scope = key.split("/")
        assert scope in ("own", "foreign", "dm")
        assert f"{action}/own" in EXPECTED and f"{action}/foreign" in EXPECTED, key
