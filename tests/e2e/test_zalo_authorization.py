"""The authorization matrices of tests/e2e/world.py, through the Zalo edge: every command and
numbered choice, by every role, through the real client against the fake platform.

The world is the one the Telegram matrices use, built on Zalo: the same cast are Zalo users,
and cells A and B run from Zalo private chats (no group). The expectations are the shared
tables, read for Zalo by ``on_zalo`` below; what differs on Zalo is stated there:

- everything happens in the actor's private chat. A cell command acts on the actor's only
  cell, as Telegram's "dm" scope does; a command Telegram gives in B's group has no Zalo
  counterpart (a Zalo user can reach no other cell than their own), so those cases are not
  run; a message in a Zalo group (beta: the bot sees only mentions) is ignored, for everyone
  (``test_nothing_is_done_in_a_zalo_group``);
- in a private chat an operator belongs to no cell: the cell commands Telegram lets an
  operator use in a cell's group (/meetings) are refused as to any non-member;
- /setup CODE in a private chat makes a new cell run from Zalo: allowed to whoever holds a
  valid code (on Telegram the cases give it in a group that already is a cell);
- /join is the invite code sent to the bot (A's code, or B's);
- a button is a numbered choice; one is forged into the actor's open choices (as the Telegram
  matrix forges a button), and the actor sends its number. Zalo offers join and absence
  decisions, answers to the summons and the guided dialog's steps as choices; roster buttons
  (member card, kind, role, remove, back) and the language button never are: on Zalo those
  are typed (/kind, /role, /remove, /lang), and a number carrying one is no answer;
- /calendar and /attach carry files: on Zalo they say so, to everyone, and show nothing.

Allowed is checked by its effect (the answer, the database); refused by the localized refusal,
an unchanged database (but for the Zalo edge's own bookkeeping: updates seen, choices, the
message count) and answers that show no member's name, cell name or meeting title.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.cells import Kind, Role
from bot.domain.identity import ChatRef
from bot.rules.durations import format_offsets
from bot.services.registry import Services
from bot.texts import OFFER
from handlers.telegram import callback_data as cd
from handlers.zalo.bot import NO_FILES_ON_ZALO, NO_SUCH_CHOICE, NOT_ON_ZALO
from handlers.zalo.budget import QUOTA
from handlers.zalo.notifier import CHOICE_TTL
from sandbox.driver import TgUser
from tests.conftest import OPERATOR_ID
from tests.e2e.db import Snapshot, fetch_one, rows, snapshot
from tests.e2e.world import (
    CELL_EXPECTED,
    CELL_REFUSALS,
    DB_NAME,
    MEETING_EXAMPLES,
    MEETING_EXPECTED,
    MEETING_REFUSALS,
    MEMBER,
    MISSING,
    NAMELESS,
    OK,
    REASON,
    ROLES,
    TITLES,
    CellCast,
    MeetingWorld,
    Outcomes,
    build_meeting_world,
    identity,
    matrix_cases,
    private_ref,
    tr_text,
)
from tests.e2e.zalo_support import ZALO_TOKEN, ZaloWorld, running
from tests.harness.zalo_server import FakeZalo

CHANNEL = "zalo"
NO_CHOICE = "no-such-choice"  # a number carrying an action Zalo never offers
FILES = "files"  # /calendar, /attach: Zalo carries no files
# The Zalo edge's own bookkeeping, written for every message whoever sends it.
BOOKKEEPING = {"zalo_inbox", "zalo_choices", "zalo_budget"}

# Commands that act on the caller, given in private on Telegram in the "own" cases.
PERSONAL = {
    "start",
    "help",
    "lang",
    "name",
    "cells",
    "newcell",
    "quota",
    "hanmuc",
    "id",
    "connect",
    "ketnoi",
}
# The meetings' commands Telegram gives in the cell's group; on Zalo, in private.
IN_GROUP = {"meetings", "calendar", "schedule", "schedule.guided", "recurring", "reminders"}
# Choices the Zalo edge offers and takes.
OFFERED = {
    "press.approve",
    "press.decline",
    "press.attend",
    "press.absent",
    "press.approve-absence",
    "press.decline-absence",
    "press.step",
    "press.send-absence",
    "press.confirm",
}


def _without_operator(outcomes: Outcomes) -> Outcomes:
    """In a private chat an operator belongs to no cell: refused as any non-member."""
    return (*outcomes[:-1], MEMBER)


def on_zalo(expected: Mapping[str, Outcomes]) -> dict[str, Outcomes]:
    """A Telegram matrix read for Zalo: the scopes a Zalo private chat has, and what differs."""
    zalo: dict[str, Outcomes] = {}
    for key, outcomes in expected.items():
        action, scope = key.split("/")
        if action.startswith("press."):
            if action in OFFERED and action != "press.step":
                zalo[key] = outcomes  # a numbered choice on A's or B's member or meeting
            elif action == "press.step" and scope == "own":
                # The dialog is open in the actor's private chat: their own cell's.
                zalo[key] = _without_operator(outcomes)
            elif action not in OFFERED and scope == "own":
                zalo[key] = (NO_CHOICE,) * 7  # never offered on Zalo
        elif action in ("calendar", "attach"):
            if scope == "own" or action == "attach":
                zalo[key] = (FILES,) * 7
        elif action == "setup":
            if scope == "own":
                zalo[key] = (OK,) * 7  # a new cell run from Zalo, with the operator's code
        elif action == "join":
            zalo[key] = outcomes  # the invite code of A ("own") or of B ("foreign")
        elif action in PERSONAL:
            if scope == "own":
                zalo[key] = outcomes  # Telegram's "own" is given in private too
        elif action in IN_GROUP:
            if scope == "own":
                zalo[key] = _without_operator(outcomes)
        elif f"{action}/dm" in expected:
            if scope == "dm":
                zalo[f"{action}/own"] = outcomes  # the actor's only cell, as in a Telegram dm
        else:
            # By a meeting's number: as on Telegram, but an operator, who belongs to no cell,
            # names meetings in a cell's group, and Zalo has none: in private no number is his.
            zalo[key] = (*outcomes[:-1], MISSING)
    return zalo


ZALO_CELL_EXPECTED = on_zalo(CELL_EXPECTED)
ZALO_MEETING_EXPECTED = on_zalo(MEETING_EXPECTED)
REFUSALS = {**CELL_REFUSALS, **MEETING_REFUSALS}
NAMELESS_ON_ZALO = (
    "Only cell members can record a name. Send the invite code from your secretary to join."
)

NEW_NAME = "Nguyễn Văn An"
NEW_CELL = "Chi bộ Tàu 5"
NEW_TITLE = "Học tập nghị quyết mới"
NEW_ITEM = "Phát biểu của đảng viên mới"
NEW_LINK = "https://meet.jit.si/ChiBoKiemTraQuyen2026"
MOVED_TO = "2026-12-06T12:30:00+00:00"


@pytest.fixture(scope="module")
def zworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells on Zalo with a meeting each, built once; every case runs over a copy."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("zalo-world"), CHANNEL))


async def zalo_bot(mworld: MeetingWorld, directory: Path) -> AsyncIterator[ZaloWorld]:
    """The bot on Telegram and Zalo over a copy of the world; the operator is on Zalo."""
    shutil.copy(mworld.world.db_path, directory / DB_NAME)
    operators = frozenset({f"zalo:{OPERATOR_ID}"})
    async for world in running(directory, FakeZalo(token=ZALO_TOKEN), admin_ids=operators):
        yield world


@dataclass
class Case:
    """One matrix cell being run on Zalo."""

    zalo: ZaloWorld
    mworld: MeetingWorld
    action: str
    scope: str
    role: str
    number: str = ""  # the forged choice's number
    invite: str = ""  # the invite code sent for /join
    confirmation_id: int = 0  # the question a forged yes answers

    @property
    def key(self) -> str:
        """The cell the action touches: A (own) or B (foreign)."""
        return "B" if self.scope == "foreign" else "A"

    @property
    def cell(self) -> CellCast:
        """The cell the action touches."""
        return self.mworld.world.cells[self.key]

    @property
    def other(self) -> CellCast:
        """The cell the action does not touch."""
        return self.mworld.world.cells["A" if self.key == "B" else "B"]

    @property
    def actor(self) -> TgUser:
        """Who acts."""
        world = self.mworld.world
        if self.role == "nonmember":
            return world.nonmember
        if self.role == "operator":
            return world.operator
        return world.cells["A"].people[self.role].user

    @property
    def zalo_id(self) -> str:
        """The actor's Zalo id."""
        return str(self.actor.id)

    @property
    def language(self) -> str:
        """The cast chose their language with /lang; others have the default."""
        cast = self.role not in ("nonmember", "operator")
        return "en" if cast and self.actor.language_code == "en" else "vi"

    @property
    def meeting_id(self) -> int:
        """The touched cell's meeting (its id inside the bot)."""
        return self.mworld.meeting_ids[self.key]

    @property
    def meeting_number(self) -> int:
        """The touched meeting's number in its cell, as people name it."""
        return self.mworld.numbers[self.key]

    @property
    def services(self) -> Services:
        """The bot's services."""
        return self.zalo.bot.app.bot_data.services

    def text(self, msgid: str, **params: object) -> str:
        """A text in the actor's language."""
        return tr_text(self.language, msgid, **params)

    async def user_id(self, user: TgUser | None = None) -> int:
        """A Zalo user's row id."""
        row = await fetch_one(
            self.zalo.bot,
            "SELECT id FROM users WHERE channel = 'zalo' AND external_id = ?",
            str((user or self.actor).id),
        )
        assert row is not None
        return int(row[0])

    async def cell_id(self) -> int:
        """The touched cell's database id."""
        row = await fetch_one(
            self.zalo.bot, "SELECT id FROM cells WHERE chat_id = ?", self.cell.group
        )
        assert row is not None
        return int(row[0])

    async def membership(self, role: str) -> tuple[str, str, str]:
        """(status, kind, role) of a cast member of the touched cell."""
        row = await fetch_one(
            self.zalo.bot,
            "SELECT status, kind, role FROM memberships WHERE id = ?",
            self.cell.people[role].membership_id,
        )
        assert row is not None
        return str(row[0]), str(row[1]), str(row[2])

    async def meeting(self, column: str) -> object:
        """A column of the touched meeting."""
        row = await fetch_one(
            self.zalo.bot, f"SELECT {column} FROM meetings WHERE id = ?", self.meeting_id
        )
        assert row is not None
        return row[0]

    async def dialog(self) -> tuple[str, dict[str, object]] | None:
        """(kind, state) of the actor's dialog in their private chat."""
        row = await fetch_one(
            self.zalo.bot,
            "SELECT kind, state FROM dialogs WHERE user_id = ? AND chat_id = ?",
            await self.user_id(),
            self.zalo_id,
        )
        return (str(row[0]), json.loads(row[1])) if row else None

    async def reply_status(self, user_id: int) -> str | None:
        """The answer a user gave to the touched meeting's summons."""
        row = await fetch_one(
            self.zalo.bot,
            "SELECT status FROM attendance_replies WHERE meeting_id = ? AND user_id = ?",
            self.meeting_id,
            user_id,
        )
        return str(row[0]) if row else None


# --- running an action -------------------------------------------------------------------------


def choice_data(case: Case) -> str:
    """The action behind the forged numbered choice."""
    button = case.action.removeprefix("press.")
    people = case.cell.people
    applicant, target = people["applicant"].membership_id, people["target"].membership_id
    n, target_user = case.meeting_id, case.mworld.target_user_ids[case.key]
    return {
        "approve": cd.join_choice(applicant, Kind.OFFICIAL),
        "decline": cd.join_choice(applicant, None),
        "card": cd.member_card(target),
        "kind": cd.set_kind(target, Kind.PROBATIONARY),
        "role": cd.set_role(target, Role.DEPUTY),
        "ask-remove": cd.ask_remove(target),
        "remove": cd.confirm_remove(target),
        "back": cd.back_to_list(),
        "language": cd.choose_language("en"),
        "attend": cd.answer(n, True),
        "absent": cd.answer(n, False),
        "approve-absence": cd.absence(n, target_user, True),
        "decline-absence": cd.absence(n, target_user, False),
        "step": cd.dialog_step("type:r"),
        "send-absence": f"as:{n}",
        "confirm": cd.confirm(case.confirmation_id or 1, True),
    }[button]


async def prepare(case: Case) -> None:
    """What is in place before the action: the actor has written to the bot before (their
    first message records them, as on Telegram /start does); a forged choice; an invite."""
    services = case.services
    who = identity(case.actor, CHANNEL)
    private = private_ref(case.actor, CHANNEL)
    await services.members.start_private(who, private)
    if case.action == "join":
        secretary = identity(case.cell.people["secretary"].user, CHANNEL)
        created = await services.members.create_invite(
            secretary, ChatRef(CHANNEL, case.cell.group, False), []
        )
        case.invite = created.code
    group = ChatRef(CHANNEL, case.cell.group, False)
    secretary = identity(case.cell.people["secretary"].user, CHANNEL)
    if case.action == "restore":
        # The touched meeting was cancelled; restoring it is the action.
        await services.meetings.cancel(secretary, group, case.meeting_id)
    if case.action.startswith("press."):
        if case.action == "press.step":
            await services.dialogs.save(who, private, "schedule", {"step": "type"})
        if case.action == "press.send-absence":
            # The actor typed an absence request and was offered this meeting (or forged it).
            await services.dialogs.save(
                who, private, OFFER, {"meeting": case.meeting_id, "reason": "Đi trực"}
            )
        if case.action == "press.confirm":
            # The cell's secretary was asked "cancel this meeting?"; the actor answers yes.
            asked = await services.meetings.ask_cancel(secretary, group, case.meeting_number, None)
            case.confirmation_id = asked.confirmation_id
        now = case.zalo.bot.clock.now()
        (number,) = await case.zalo.runner.state.offer(
            await case.user_id(), [("…", choice_data(case))], now, now + CHOICE_TTL
        )
        case.number = str(number)


def command_text(case: Case) -> str:
    """What the actor sends."""
    if case.action.startswith("press."):
        return case.number
    n = case.meeting_number
    target = case.cell.people["target"].number
    return {
        "start": "/start",
        "help": "/help",
        "join": case.invite,
        "lang": "/lang en",
        "name": f"/name {NEW_NAME}",
        "setup": f"/setup {case.mworld.world.spare_code}",
        "invite": "/invite 5 3",
        "members": "/members",
        "kind": f"/kind {target} probationary",
        "role": f"/role {target} deputy",
        "remove": f"/remove {target}",
        "cells": "/cells",
        "newcell": f"/newcell {NEW_CELL}",
        "quota": "/quota",
        "hanmuc": "/hanmuc",
        "id": "/id",
        "connect": "/connect",
        "ketnoi": "/ketnoi",
        "meetings": "/meetings",
        "calendar": "/calendar",
        "meeting": f"/meeting {n}",
        "agenda.show": f"/agenda {n}",
        "schedule": f"/schedule 12/12/2026 19:30 {NEW_TITLE}",
        "schedule.guided": "/schedule",
        "recurring": "/recurring ngày 5 hằng tháng 19:30",
        "reminders": "/reminders 48h 2h 0",
        "move": f"/move {n} 06/12/2026 19:30",
        "cancel": f"/cancel {n}",
        "agenda.add": f"/agenda {n} add {NEW_ITEM}",
        "agenda.remove": f"/agenda {n} remove 1",
        "agenda.move": f"/agenda {n} move 1 2",
        "agenda.edit": f"/agenda {n} edit 1 {NEW_ITEM}",
        "link": f"/link {n} {NEW_LINK}",
        "link.generate": f"/link {n} new",
        "link.show": f"/link {n}",
        "restore": f"/restore {n}",
        "attach": f"/attach {n}",
        "answers": f"/answers {n}",
    }[case.action]


# --- what allowed looks like -------------------------------------------------------------------


def head(case: Case, msgid: str, **params: object) -> str:
    """A text's beginning up to its first placeholder left open ("\\0")."""
    return case.text(msgid, **params).split("\0")[0]


async def check_help(case: Case, reply: str) -> None:
    header = case.text(
        "On Zalo: type the commands below; answer a numbered choice with its number; "
        "send an invite code to ask to join a cell."
    )
    assert reply.startswith(header), reply
    listed = {line.split()[0] for line in reply.splitlines() if line.startswith("/")}
    index = ROLES.index(case.role)
    may_manage = ZALO_CELL_EXPECTED["invite/own"][index] == OK
    assert ("/invite" in listed) == may_manage, listed
    assert ("/schedule" in listed) == may_manage, listed
    assert ("/members" in listed) == (ZALO_CELL_EXPECTED["members/own"][index] == OK), listed
    assert ("/quota" in listed) == (case.role == "operator"), listed
    assert not listed & {"/calendar", "/attach"}, listed


async def check_join(case: Case, reply: str) -> None:
    if case.scope == "own" and case.role not in ("nonmember", "operator"):
        assert reply == "⚠️ " + case.text(
            "You are already a member of «{name}».", name=case.cell.name
        )
        return
    assert reply.startswith(
        head(
            case,
            "Your request to join «{cell}» was sent to the secretary. "
            "I will tell you here when it is decided.",
            cell="\0",
        )
    )
    row = await fetch_one(
        case.zalo.bot,
        "SELECT status FROM memberships WHERE user_id = ? AND cell_id = ?",
        await case.user_id(),
        await case.cell_id(),
    )
    assert row == ("pending",)


async def check_setup(case: Case, reply: str) -> None:
    assert reply.startswith(
        head(
            case,
            "The cell «{name}» is set up on Zalo, and you are its secretary. Make an invite "
            "code with /invite and give it to members: they send it to this bot.",
            name="\0",
        )
    ), reply
    row = await fetch_one(
        case.zalo.bot,
        "SELECT m.role FROM memberships m JOIN cells c ON c.id = m.cell_id"
        " WHERE m.user_id = ? AND c.name = 'Chi bộ dự phòng'",
        await case.user_id(),
    )
    assert row == ("secretary",)


def roster_header(case: Case) -> str:
    """The first line of the touched cell's roster: guests are not counted."""
    return case.text(
        "Cell «{name}»: {count} members ({official} official, {probationary} probationary)",
        name=case.cell.name,
        count=6,
        official=5,
        probationary=1,
    )


async def check_members(case: Case, reply: str) -> None:
    people = case.cell.people
    assert reply.startswith(roster_header(case)), reply
    for role in ("secretary", "deputy", "official", "probationary", "guest", "target"):
        assert people[role].name in reply, (role, reply)
    assert people["former"].name not in reply
    leader = case.role in ("deputy", "secretary")
    assert (people["applicant"].name in reply) == leader, reply


async def check_invite(case: Case, reply: str) -> None:
    assert f"«{case.cell.name}»" in reply
    found = await rows(
        case.zalo.bot,
        "SELECT code, max_uses FROM invites WHERE cell_id = ?",
        await case.cell_id(),
    )
    assert [r["max_uses"] for r in found] == [5]
    assert f"\n{found[0]['code']}\n" in reply, reply  # the code in plain text, for Zalo


async def check_simple(case: Case, reply: str) -> None:
    """The commands whose effect is one row or one line."""
    bot, action = case.zalo.bot, case.action
    if action == "start":
        await check_help(case, reply)
    elif action == "lang":
        assert reply == "Language: English."
        assert await fetch_one(
            bot, "SELECT language FROM users WHERE id = ?", await case.user_id()
        ) == ("en",)
    elif action == "name":
        assert reply == case.text("Your name is recorded as: {name}", name=NEW_NAME)
        assert await fetch_one(
            bot, "SELECT full_name FROM users WHERE id = ?", await case.user_id()
        ) == (NEW_NAME,)
    elif action == "kind":
        assert reply.startswith(case.text("Updated: {line}", line=""))
        assert await case.membership("target") == ("active", "probationary", "member")
    elif action == "role":
        assert reply.startswith(case.text("Updated: {line}", line=""))
        assert await case.membership("target") == ("active", "official", "deputy")
    elif action == "remove":
        name = case.cell.people["target"].name
        assert reply == case.text("{name} was removed from the cell.", name=name)
        assert await case.membership("target") == ("removed", "official", "member")
    elif action == "cells":
        for cell in case.mworld.world.cells.values():
            assert f" {cell.name} (" in reply, reply
    elif action == "newcell":
        assert reply.startswith(
            head(case, "Setup code for «{name}»: {code}", name=NEW_CELL, code="\0")
        )
        count = await fetch_one(
            bot, "SELECT COUNT(*) FROM setup_codes WHERE cell_name = ?", NEW_CELL
        )
        assert count == (1,)
    elif action == "id":
        assert reply.endswith(f" zalo:{case.zalo_id}"), reply
    elif action in ("connect", "ketnoi"):
        assert re.search(r"^/connect \d{5} \d{5}$", reply, re.M), reply
        assert await fetch_one(bot, "SELECT COUNT(*) FROM connect_codes") == (1,)
    else:
        assert action in ("quota", "hanmuc"), action
        assert reply == case.text(
            QUOTA, month="11/2026", sent=0, quota=3000, percent=0, limit=2980, reserve=20
        )


async def check_meetings(case: Case, reply: str) -> None:
    assert reply.startswith(case.text("Meetings of «{cell}»", cell=case.cell.name)), reply
    assert f"#{case.meeting_number} · " in reply and TITLES[case.key] in reply, reply


async def check_details(case: Case, reply: str) -> None:
    assert reply.startswith(f"#{case.meeting_number} · "), reply
    assert TITLES[case.key] in reply and case.text("Agenda:") in reply, reply


async def check_schedule(case: Case, reply: str) -> None:
    row = await fetch_one(
        case.zalo.bot,
        "SELECT id FROM meetings WHERE cell_id = ? AND title = ?",
        await case.cell_id(),
        NEW_TITLE,
    )
    assert row is not None
    assert reply.startswith(
        head(
            case,
            "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
            id=2 if case.key == "A" else 3,
            kind=case.text("regular meeting"),
            title=NEW_TITLE,
            when="\0",
        )
    ), reply


async def check_guided(case: Case, reply: str) -> None:
    assert reply.startswith(case.text("New meeting. What kind of meeting?") + "\n\n1. "), reply
    assert await case.dialog() == ("schedule", {"step": "type"})


async def check_recurring(case: Case, reply: str) -> None:
    assert reply.startswith(head(case, "Regular meeting: {rule}. Coming meetings:", rule="\0"))
    row = await fetch_one(
        case.zalo.bot,
        "SELECT COUNT(*) FROM meeting_series WHERE cell_id = ? AND active = 1",
        await case.cell_id(),
    )
    assert row == (1,)


async def check_reminders(case: Case, reply: str) -> None:
    assert reply == case.text(
        "Reminders for each meeting: {times}.",
        times=format_offsets((2880, 120, 0), case.language),
    )
    row = await fetch_one(
        case.zalo.bot, "SELECT reminder_offsets FROM cells WHERE id = ?", await case.cell_id()
    )
    assert row == ("2880,120,0",)


async def check_move(case: Case, reply: str) -> None:
    assert reply.startswith(
        head(case, "Meeting #{id} moved to {when}.", id=case.meeting_number, when="\0")
    )
    assert await case.meeting("starts_at") == MOVED_TO


async def check_cancel(case: Case, reply: str) -> None:
    # Asked first; the leader's yes (a number) cancels it.
    assert case.text("Cancel this meeting? The group and the members will be told.") in reply
    assert await case.meeting("status") == "scheduled"
    yes = re.search(
        rf"^(\d+)\. {re.escape(case.text('❌ Yes, cancel the meeting'))}$", reply, re.M
    )
    assert yes is not None, reply
    (done,) = await case.zalo.says(case.zalo_id, yes[1], name=_name(case.actor))
    assert done == case.text("Meeting #{id} cancelled.", id=case.meeting_number)
    assert await case.meeting("status") == "cancelled"


async def check_restore(case: Case, reply: str) -> None:
    assert reply.startswith(
        head(
            case,
            "Meeting #{id} restored: {title}, {when}. Reminders will be sent before it.",
            id=case.meeting_number,
            title=TITLES[case.key],
            when="\0",
        )
    ), reply
    assert await case.meeting("status") == "scheduled"


async def check_link_shown(case: Case, reply: str) -> None:
    assert reply.startswith(case.text("Meeting #{id} has no link yet.", id=case.meeting_number)), (
        reply
    )
    assert await case.meeting("link") is None


async def check_agenda(case: Case, reply: str, before: list[str]) -> None:
    lines = reply.splitlines()
    assert lines[0] == case.text("Agenda of meeting #{id}:", id=case.meeting_number)
    found = await rows(
        case.zalo.bot,
        "SELECT item FROM agenda_items WHERE meeting_id = ? ORDER BY position",
        case.meeting_id,
    )
    after = [str(r[0]) for r in found]
    operation = case.action.removeprefix("agenda.")
    if operation == "add":
        assert after[:-1] == before and NEW_ITEM in after[-1], after
    elif operation == "remove":
        assert after == before[1:], after
    elif operation == "move":
        assert after == [before[1], before[0], *before[2:]], after
    else:
        assert NEW_ITEM in after[0] and after[1:] == before[1:], after


async def check_link(case: Case, reply: str) -> None:
    link = await case.meeting("link")
    if case.action == "link":
        assert link == NEW_LINK
    else:
        assert isinstance(link, str) and link.startswith("https://meet.jit.si/"), link
    assert reply == case.text("Link of meeting #{id}: {link}", id=case.meeting_number, link=link)


async def check_answers(case: Case, reply: str) -> None:
    assert reply.startswith(
        case.text(
            "Answers for meeting #{id} «{title}»:", id=case.meeting_number, title=TITLES[case.key]
        )
    )
    target = case.cell.people["target"].name
    assert f"• {target}: " in reply and f"({REASON})" in reply, reply
    for role in ("guest", "former", "applicant"):
        assert case.cell.people[role].name not in reply, (role, reply)


async def check_choice(case: Case, reply: str) -> None:
    button = case.action.removeprefix("press.")
    people = case.cell.people
    platform = case.zalo.platform
    if button in ("approve", "decline"):
        applicant = people["applicant"]
        if button == "approve":
            assert reply == case.text("{name} is now a member.", name=applicant.name)
            assert await case.membership("applicant") == ("active", "official", "member")
            assert platform.texts_to(str(applicant.user.id)), "the applicant was not told"
        else:
            assert reply == case.text("{name}'s request was declined.", name=applicant.name)
            assert await case.membership("applicant") == ("declined", "official", "member")
    elif button == "attend":
        assert reply == case.text("Recorded: you will attend.")
        assert await case.reply_status(await case.user_id()) == "will_attend"
    elif button == "absent":
        assert reply == case.text("Please reply with the reason for your absence.")
        assert await case.dialog() == ("absence", {"meeting": case.meeting_id})
    elif button in ("approve-absence", "decline-absence"):
        approve = button == "approve-absence"
        status = "absent_with_reason" if approve else "absence_declined"
        label = case.text("absent with reason" if approve else "absence not accepted")
        target = people["target"]
        assert reply == case.text("{name}: {status}.", name=target.name, status=label)
        assert await case.reply_status(case.mworld.target_user_ids[case.key]) == status
        told = platform.texts_to(str(target.user.id))
        assert len(told) == 1 and TITLES[case.key] in told[0], told
    elif button == "send-absence":
        assert reply == case.text("Your request was sent to the secretary.")
        assert await case.reply_status(await case.user_id()) == "absence_requested"
    elif button == "confirm":
        assert reply == case.text("Meeting #{id} cancelled.", id=case.meeting_number)
        assert await case.meeting("status") == "cancelled"
    else:
        assert button == "step", button
        assert reply.startswith(
            case.text("Date and time? Reply with dd/mm/yyyy HH:MM, e.g. 05/12/2026 19:30.")
        )
        found = await case.dialog()
        assert found is not None and found[1]["step"] == "when", found


CHECKS: dict[str, Callable[[Case, str], Awaitable[None]]] = {
    "help": check_help,
    "join": check_join,
    "setup": check_setup,
    "members": check_members,
    "invite": check_invite,
    "meetings": check_meetings,
    "meeting": check_details,
    "agenda.show": check_details,
    "schedule": check_schedule,
    "schedule.guided": check_guided,
    "recurring": check_recurring,
    "reminders": check_reminders,
    "move": check_move,
    "cancel": check_cancel,
    "link": check_link,
    "link.generate": check_link,
    "link.show": check_link_shown,
    "restore": check_restore,
    "answers": check_answers,
}


# --- the matrices ------------------------------------------------------------------------------


def changed_tables(before: Snapshot, after: Snapshot) -> set[str]:
    """Tables whose rows changed, but for the Zalo edge's own bookkeeping."""
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)} - BOOKKEEPING


async def run_case(
    mworld: MeetingWorld, directory: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    bots = zalo_bot(mworld, directory)
    zalo = await anext(bots)
    try:
        await run_on(zalo, mworld, action, scope, role, outcome)
    finally:
        # The bot stops (and the platform is checked) when the generator ends.
        with contextlib.suppress(StopAsyncIteration):
            await anext(bots)


async def run_on(
    zalo: ZaloWorld, mworld: MeetingWorld, action: str, scope: str, role: str, outcome: str
) -> None:
    case = Case(zalo, mworld, action, scope, role)
    await prepare(case)
    before = await snapshot(zalo.bot)
    agenda = await rows(
        zalo.bot,
        "SELECT item FROM agenda_items WHERE meeting_id = ? ORDER BY position",
        case.meeting_id,
    )
    sent_before = len(zalo.platform.sent)
    replies = await zalo.says(case.zalo_id, command_text(case), name=_name(case.actor))
    everything = [s.text for s in zalo.platform.sent[sent_before:]]
    if action in ("help", "start") and outcome == OK:
        # A leader's list of commands is longer than one Zalo message: it comes in pieces
        # cut at line ends, each within the platform's 2000 characters.
        assert all(len(piece) <= 2000 for piece in replies), replies
        replies = ["\n".join(replies)]
    assert len(replies) == 1, replies
    reply = replies[0]
    if outcome == OK:
        assert not reply.startswith("⚠️") or action == "join", reply
        if action.startswith("press."):
            await check_choice(case, reply)
        elif action.startswith("agenda.") and action != "agenda.show":
            await check_agenda(case, reply, [str(r[0]) for r in agenda])
        else:
            await CHECKS.get(action, check_simple)(case, reply)
        if action == "cells":
            return  # an operator's list of every cell
        # Nothing of the other cell shows to anyone, whatever was allowed here.
        other = case.other
        secrets = (other.names() - {_name(case.actor)}) | {TITLES[other.key], other.name}
        leaked = {s for s in secrets if any(s in text for text in everything)}
        assert not leaked, (leaked, everything)
        return
    if outcome == NO_CHOICE:
        assert reply == case.text(NO_SUCH_CHOICE)
    elif outcome == FILES:
        expected = NO_FILES_ON_ZALO if action == "calendar" else NOT_ON_ZALO
        assert reply == case.text(expected, command=action)
    else:
        params = {"name": case.cell.name} if outcome == "already-a-cell" else {}
        refusal = "⚠️ " + case.text(
            NAMELESS_ON_ZALO if outcome == NAMELESS else REFUSALS[outcome], **params
        )
        if outcome in MEETING_EXAMPLES:
            example = MEETING_EXAMPLES[outcome]
            refusal += "\n" + case.text("Example: {example}", example=example)
        assert reply == refusal
    assert everything == [reply], everything
    assert changed_tables(before, await snapshot(zalo.bot)) == set()
    world = mworld.world
    secrets = world.all_member_names() | set(TITLES.values())
    secrets |= {c.name for c in world.cells.values()}
    leaked = {s for s in secrets if s in reply}
    assert not leaked, (leaked, reply)


def _name(user: TgUser) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p)


@pytest.mark.parametrize(("action", "scope", "role", "outcome"), matrix_cases(ZALO_CELL_EXPECTED))
async def test_authorization_on_zalo(
    zworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    await run_case(zworld, tmp_path, action, scope, role, outcome)


@pytest.mark.parametrize(
    ("action", "scope", "role", "outcome"), matrix_cases(ZALO_MEETING_EXPECTED)
)
async def test_meeting_authorization_on_zalo(
    zworld: MeetingWorld, tmp_path: Path, action: str, scope: str, role: str, outcome: str
) -> None:
    await run_case(zworld, tmp_path, action, scope, role, outcome)


def test_the_zalo_matrices_run_every_action_of_the_telegram_ones() -> None:
    for telegram, zalo in (
        (CELL_EXPECTED, ZALO_CELL_EXPECTED),
        (MEETING_EXPECTED, ZALO_MEETING_EXPECTED),
    ):
        assert {k.split("/")[0] for k in telegram} == {k.split("/")[0] for k in zalo}
    # What differs from Telegram is only what on_zalo states.
    assert ZALO_CELL_EXPECTED["setup/own"] == (OK,) * 7
    assert ZALO_MEETING_EXPECTED["meetings/own"][-1] == MEMBER
    assert ZALO_MEETING_EXPECTED["move/foreign"][:-1] == MEETING_EXPECTED["move/foreign"][:-1]
    assert ZALO_CELL_EXPECTED["kind/own"] == CELL_EXPECTED["kind/dm"]


async def test_nothing_is_done_in_a_zalo_group(zworld: MeetingWorld, tmp_path: Path) -> None:
    """Groups are beta on Zalo (the bot sees only mentions): a command there, from a leader or
    from an outsider, is recorded as seen and ignored: no answer, nothing changed."""
    world = zworld.world
    async for zalo in zalo_bot(zworld, tmp_path):
        texts = {
            "/help",
            "/members",
            "/invite",
            "/schedule",
            "/meetings",
            "/setup " + world.spare_code,
            f"/cancel {zworld.meeting_ids['A']}",
            "/quota",
            "/cells",
            "1",
        }
        for user in (world.cells["A"].people["secretary"].user, world.nonmember, world.operator):
            for text in sorted(texts):
                before = await snapshot(zalo.bot)
                sent = len(zalo.platform.sent)
                zalo.platform.user_sends(str(user.id), text, name=_name(user), group="g-123")
                assert await zalo.runner.poll_once() == 1
                assert zalo.platform.sent[sent:] == [], text
                assert changed_tables(before, await snapshot(zalo.bot)) == set(), text
