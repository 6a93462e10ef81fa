"""A built world for end-to-end tests: two cells with a full cast, snapshots and error texts.

The world is built once through the service layer into a template SQLite file; each test
copies the file and starts a fresh bot over the copy, then drives it through the Telegram
harness. Snapshots of every table tell whether an update wrote anything.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import string
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from babel.messages.pofile import read_po

from bot.clock import FakeClock
from bot.domain.cells import NO_GROUP_PREFIX, Kind, Role
from bot.domain.identity import ChatRef, Identity
from bot.domain.meetings import DocumentRef
from bot.i18n import LOCALE_DIR, translator
from bot.rules.names import vietnamese_order
from bot.services.access import NO_SUCH_MEETING, REFUSE_NOT_LEADER, REFUSE_NOT_MEMBER
from bot.services.registry import Services
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call, JSONDict, inline_buttons
from storage.sqlite.db import Database
from tests.conftest import NOW, OPERATOR_ID, Bot, make_settings, start_bot
from tests.e2e.db import Snapshot as Snapshot
from tests.e2e.db import fetch_one as fetch_one
from tests.e2e.db import snapshot as snapshot
from tests.fakes import RecordingNotifier, RecordingScheduler

DB_NAME = "cellmeet.sqlite3"
FRESH_GROUP_ID = -1009
FRESH_GROUP_TITLE = "Nhóm mới"

# Who is who in each cell, in the order they join; "former" was removed, "applicant" waits;
# "committee" is an official member on the cell committee (chi ủy viên).
CAST_ROLES = (
    "secretary",
    "deputy",
    "official",
    "probationary",
    "guest",
    "target",
    "former",
    "applicant",
    "committee",
)


@dataclass(frozen=True)
class Person:
    """A cast member: the Telegram user and their membership in their cell."""

    user: TgUser
    membership_id: int
    number: int
    channel: str = "telegram"

    @property
    def name(self) -> str:
        """The name the bot shows: on Telegram family name first (the last-name field first);
        on Zalo the display name as the platform gives it."""
        if self.channel == "telegram":
            return vietnamese_order(self.user.first_name, self.user.last_name)
        return " ".join(p for p in (self.user.first_name, self.user.last_name) if p)


@dataclass(frozen=True)
class CellCast:
    """One cell: its group and its people by role."""

    key: str
    name: str
    chat_id: int
    people: dict[str, Person]
    # The cell's chat as the bot stores it: the Telegram group's id, or on Zalo the stand-in
    # of a cell run from private chats.
    group: str = ""

    @property
    def chat(self) -> TgChat:
        """The cell's group."""
        return TgChat(id=self.chat_id, type="group", title=self.name)

    def names(self) -> set[str]:
        """Every cast member's shown name."""
        return {p.name for p in self.people.values()}


@dataclass
class World:
    """Both cells, the outsiders, and codes kept for /setup tests."""

    db_path: Path
    cells: dict[str, CellCast]
    nonmember: TgUser
    operator: TgUser
    spare_code: str
    used_code: str
    everyone: list[TgUser] = field(default_factory=list)

    def all_member_names(self) -> set[str]:
        """Names of every cast member of every cell."""
        return set().union(*(c.names() for c in self.cells.values()))


CAST: dict[str, tuple[str, int, list[TgUser]]] = {
    "A": (
        "Chi bộ Đồn Biên phòng A",
        -1001,
        [
            TgUser(101, "Lan", "Trần", username="lan_tran", language_code="vi"),
            TgUser(102, "Minh", "Lê", username="minh_le", language_code="en"),
            TgUser(103, "Hùng", "Phạm", language_code="vi"),
            TgUser(104, "Mai", "Đỗ", language_code="en"),
            TgUser(105, "Quân", "Vũ", language_code="vi"),
            TgUser(106, "Tâm", "Hoàng", username="tam_hoang", language_code="vi"),
            TgUser(107, "Cường", "Đặng", language_code="vi"),
            TgUser(108, "Hoa", "Bùi", language_code="en"),
            TgUser(109, "Thu", "Trịnh", language_code="en"),
        ],
    ),
    "B": (
        "Chi bộ Tàu Hải đội B",
        -1002,
        [
            TgUser(201, "Sơn", "Ngô", username="son_ngo", language_code="en"),
            TgUser(202, "Thảo", "Dương", language_code="vi"),
            TgUser(203, "Việt", "Đinh", language_code="en"),
            TgUser(204, "Yến", "Lý", language_code="vi"),
            TgUser(205, "Khánh", "Hồ", language_code="en"),
            TgUser(206, "Phúc", "Mạc", username="phuc_mac", language_code="vi"),
            TgUser(207, "Dũng", "Kiều", language_code="vi"),
            TgUser(208, "Ngọc", "Tạ", language_code="en"),
            TgUser(209, "Hằng", "Châu", language_code="vi"),
        ],
    ),
}
NONMEMBER = TgUser(301, "Khoa", "Lương", username="khoa_luong", language_code="en")
OPERATOR = TgUser(OPERATOR_ID, "Operator", username="op", language_code="vi")


def identity(user: TgUser, channel: str = "telegram") -> Identity:
    """The core's identity of a driver user, exactly as the Telegram edge builds it (or the
    Zalo edge: the same id as a Zalo user id, no username, no language code)."""
    if channel == "zalo":
        return Identity(
            "zalo", str(user.id), " ".join(filter(None, (user.first_name, user.last_name)))
        )
    name = vietnamese_order(user.first_name, user.last_name)
    return Identity("telegram", str(user.id), name, user.username, user.language_code)


def private_ref(user: TgUser, channel: str = "telegram") -> ChatRef:
    """The core's view of the user's private chat."""
    return ChatRef(channel, str(user.id), True)


def cell_chat(channel: str, key: str, chat_id: int, name: str) -> ChatRef:
    """A cell's chat: its Telegram group, or on Zalo the stand-in of a cell with no group."""
    if channel == "zalo":
        return ChatRef("zalo", f"{NO_GROUP_PREFIX}{key}", False, name)
    return ChatRef("telegram", str(chat_id), False, name)


async def build_world(directory: Path, channel: str = "telegram") -> World:
    """Two cells with a full cast each, built through the services into a template file.

    On Zalo (``channel="zalo"``) the same cast are Zalo users (their Telegram ids as Zalo ids)
    and both cells run from Zalo private chats; those whose Telegram language is English chose
    English with /lang."""
    db_path = directory / DB_NAME
    settings = make_settings(directory)
    db = Database(db_path)
    services = Services.build(
        settings, FakeClock(NOW), db, RecordingNotifier(), RecordingScheduler()
    )
    cells = services.cells
    members = services.members
    await db.connect()
    built: dict[str, CellCast] = {}
    used_code = ""
    everyone: list[TgUser] = []
    try:
        for key, (name, chat_id, users) in CAST.items():
            code = await cells.create_setup_code(name)
            used_code = used_code or code
            chat = cell_chat(channel, key, chat_id, name)
            by_role = dict(zip(CAST_ROLES, users, strict=True))
            for user in users:
                await members.start_private(identity(user, channel), private_ref(user, channel))
                if channel == "zalo" and user.language_code == "en":
                    await members.set_language(identity(user, channel), "en")
                everyone.append(user)
            secretary = identity(by_role["secretary"], channel)
            cell = await cells.setup_cell(secretary, chat, code)
            kinds = {"probationary": Kind.PROBATIONARY}
            roles = {"deputy": Role.DEPUTY, "guest": Role.GUEST, "committee": Role.COMMITTEE}
            for role in CAST_ROLES[1:]:
                request = await members.request_join(identity(by_role[role], channel), chat)
                if role == "applicant":
                    continue
                mid = request.membership.id
                await members.decide_join(secretary, mid, kinds.get(role, Kind.OFFICIAL), None)
                if role in roles:
                    await members.set_role(secretary, cell.id, mid, roles[role])
                if role == "former":
                    await members.remove_member(secretary, cell.id, mid)
            people = {}
            for role, user in by_role.items():
                async with db.reading() as uow:
                    known = await uow.users.get(channel, str(user.id))
                    assert known is not None
                    found = await uow.memberships.get(cell.id, known.id)
                assert found is not None
                people[role] = Person(user, found.id, found.number, channel)
            built[key] = CellCast(key, name, chat_id, people, chat.chat_id)
        spare_code = await cells.create_setup_code("Chi bộ dự phòng")
    finally:
        await db.close()
    return World(db_path, built, NONMEMBER, OPERATOR, spare_code, used_code, everyone)


# --- the meetings' world -----------------------------------------------------------------------

TITLES = {"A": "Họp kín Đồn Biên phòng A", "B": "Họp mật Hải đội B"}
REASON = "Đi công tác biển đảo"
# 05/12/2026 19:30 in Hanoi; NOW is 21/11/2026 14:00 UTC.
STARTS_AT = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
EARLIER_B = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)  # B's first meeting, its #1


@dataclass(frozen=True)
class MeetingWorld:
    """The cells' world with one meeting per cell and a waiting absence request."""

    world: World
    meeting_ids: dict[str, int]
    target_user_ids: dict[str, int]
    numbers: dict[str, int]
    # On Telegram, each meeting's documents: (public id, confidential id).
    document_ids: dict[str, tuple[int, int]] = field(default_factory=dict)


async def build_meeting_world(directory: Path, channel: str = "telegram") -> MeetingWorld:
    """build_world, then a meeting in each cell with the target's absence request."""
    world = await build_world(directory, channel)
    db = Database(world.db_path)
    services = Services.build(
        make_settings(directory), FakeClock(NOW), db, RecordingNotifier(), RecordingScheduler()
    )
    await db.connect()
    meeting_ids: dict[str, int] = {}
    target_user_ids: dict[str, int] = {}
    numbers: dict[str, int] = {}
    document_ids: dict[str, tuple[int, int]] = {}
    try:
        for key, cast in world.cells.items():
            secretary = identity(cast.people["secretary"].user, channel)
            chat = cell_chat(channel, key, cast.chat_id, cast.name)
            if key == "B":
                # B's meeting is its #2, and its id differs from A's number.
                await services.meetings.schedule(
                    secretary, chat, starts_at=EARLIER_B, title=TITLES[key], lang="vi"
                )
            change = await services.meetings.schedule(
                secretary, chat, starts_at=STARTS_AT, title=TITLES[key], lang="vi"
            )
            meeting_ids[key] = change.meeting.id
            numbers[key] = change.meeting.number
            if channel == "telegram":
                attached = [
                    await services.meetings.attach(
                        secretary,
                        private_ref(cast.people["secretary"].user),
                        change.meeting.number,
                        file=DocumentRef("telegram", f"{key}-{name}"),
                        file_name=f"{name}.pdf",
                        confidential=name == "secret",
                    )
                    for name in ("public", "secret")
                ]
                document_ids[key] = (attached[0].document.id, attached[1].document.id)
            target = identity(cast.people["target"].user, channel)
            await services.attendance.request_absence(target, None, change.meeting.id, REASON)
            known = await services.members.known_user(target)
            assert known is not None
            target_user_ids[key] = known.id
    finally:
        await db.close()
    assert numbers == {"A": 1, "B": 2}
    return MeetingWorld(world, meeting_ids, target_user_ids, numbers, document_ids)


async def start_world_bot(world: World, directory: Path) -> Bot:
    """A fresh bot over a copy of the world's database, the cast able to get private messages."""
    shutil.copy(world.db_path, directory / DB_NAME)
    bot = await start_bot(make_settings(directory))
    bot.fake.started_users.update(u.id for u in world.everyone)
    for cast in world.cells.values():
        bot.driver.group(cast.chat_id, cast.name)
    bot.driver.group(FRESH_GROUP_ID, FRESH_GROUP_TITLE)
    return bot


def store_bot_message(bot: Bot, chat: TgChat, text: str = "…") -> int:
    """A message from the bot in `chat` that buttons can be pressed on; its id."""
    fake = bot.fake
    message_id = fake.next_message_id(chat.id)
    fake.store_message(
        {
            "message_id": message_id,
            "from": fake.bot_user(),
            "chat": chat.to_dict(),
            "date": fake.now(),
            "text": text,
        }
    )
    return message_id


def outgoing_texts(calls: list[Call]) -> list[str]:
    """Every text the bot showed: messages, edits, alerts and button labels."""
    texts: list[str] = []
    for call in calls:
        for key in ("text", "caption"):
            value = call.get(key)
            if isinstance(value, str):
                texts.append(value)
        markup = call.get("reply_markup")
        if isinstance(markup, dict):
            message: JSONDict = {"reply_markup": markup}
            texts += [str(b.get("text", "")) for b in inline_buttons(message)]
    return texts


def alert_text(calls: list[Call]) -> str | None:
    """The text of the callback answer among the calls, if any."""
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    return str(answers[-1].get("text") or "") if answers else None


# --- error texts from the catalogs -------------------------------------------------------------


@cache
def catalog(language: str) -> dict[str, str]:
    """msgid -> msgstr over every catalog file of a language."""
    entries: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as po_file:
            for message in read_po(po_file, locale=language):
                if message.id and isinstance(message.id, str) and isinstance(message.string, str):
                    entries[message.id] = message.string or message.id
    return entries


def _pattern(text: str) -> str:
    """A regex for a translated text: literal, with each {placeholder} matching anything."""
    parts = []
    for literal, field_name, _, _ in string.Formatter().parse(text):
        parts.append(re.escape(literal))
        if field_name is not None:
            parts.append(".+?")
    return "".join(parts)


@cache
def _error_patterns(language: str) -> list[tuple[str, re.Pattern[str]]]:
    example = _pattern(catalog(language)["Example: {example}"])
    return [
        (msgid, re.compile(rf"⚠️ {_pattern(msgstr)}(?:\n{example})?", re.DOTALL))
        for msgid, msgstr in catalog(language).items()
    ]


def error_msgids(text: str, language: str) -> set[str]:
    """The catalog messages a "⚠️" error text can be a rendering of, in that language."""
    return {msgid for msgid, pattern in _error_patterns(language) if pattern.fullmatch(text)}


# The world's cells speak DEFAULT_LANGUAGE (no leader set another): what the bot writes in
# their groups is Vietnamese, whatever the language of who gave the command.
CELL_LANGUAGE = "vi"


def tr_text(language: str, msgid: str, **params: object) -> str:
    """A text in a language (the bot's own translator)."""
    return translator(language).gettext(msgid, **params)


ROLES = ("nonmember", "guest", "probationary", "official", "deputy", "secretary", "operator")


# --- the authorization matrices (SPEC §2), shared by the Telegram and Zalo edges' tests -------

# One outcome per role, in the order of ROLES.
Outcomes = tuple[str, str, str, str, str, str, str]

OK = "ok"
MEMBER = "only-members"  # Only members of this cell can do this.
LEADER = "only-leaders"  # Only the secretary or deputy secretary of this cell can do this.
OPERATORS = "only-operators"  # Only operators can do this.
NAMELESS = "name-needs-a-cell"  # Only cell members can record a name.
BOUND = "already-a-cell"  # /setup in a group that already is a cell: refused for everyone.
PRIVATE = "private-only"  # /newcell in a group: a code posted there could be used by anyone.

CELL_REFUSALS = {
    MEMBER: REFUSE_NOT_MEMBER,
    LEADER: REFUSE_NOT_LEADER,
    OPERATORS: "Only operators can do this.",
    NAMELESS: "Only cell members can record a name. Use /join in your group.",
    BOUND: "This group is already the cell «{name}».",
    PRIVATE: "Use this command in your private chat with the bot.",
}

# Derived from SPEC §2, not from the code: anyone may /start, /help, /join and choose a language;
# members (official, probationary, deputy, secretary; not guests) see their cell's roster;
# secretary and deputy manage their own cell; operators see every cell and create cell codes
# but never manage one. A guest is in the cell (invited to attend and speak), so records a name
# for the minutes. A member card is the management panel of one member: leaders only.
# Personal commands (/start, /lang, /name, /cells, /newcell, /connect, /id) act on the caller,
# not a cell: "own" gives them in private, "foreign" in cell B's group, with the same outcome
# (but /connect, refused in any group: a code posted there could be used by anyone).
# fmt: off
CELL_EXPECTED: dict[str, Outcomes] = {
    #                   nonmember guest   probat.  official deputy secretary operator
    "start/own":       (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "start/foreign":   (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "help/own":        (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "help/foreign":    (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "join/own":        (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "join/foreign":    (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "lang/own":        (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "lang/foreign":    (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "name/own":        (NAMELESS, OK,     OK,      OK,      OK,    OK,       NAMELESS),
    "name/foreign":    (NAMELESS, OK,     OK,      OK,      OK,    OK,       NAMELESS),
    "setup/own":       (BOUND,    BOUND,  BOUND,   BOUND,   BOUND, BOUND,    BOUND),
    "setup/foreign":   (BOUND,    BOUND,  BOUND,   BOUND,   BOUND, BOUND,    BOUND),
    "members/own":     (MEMBER,   MEMBER, OK,      OK,      OK,    OK,       OK),
    "members/dm":      (MEMBER,   MEMBER, OK,      OK,      OK,    OK,       MEMBER),
    "members/foreign": (MEMBER,   MEMBER, MEMBER,  MEMBER,  MEMBER, MEMBER,  OK),
    "invite/own":      (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "invite/dm":       (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "invite/foreign":  (MEMBER,   MEMBER, MEMBER,  MEMBER,  MEMBER, MEMBER,  MEMBER),
    "kind/own":        (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "kind/dm":         (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "kind/foreign":    (MEMBER,   MEMBER, MEMBER,  MEMBER,  MEMBER, MEMBER,  MEMBER),
    "role/own":        (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "role/dm":         (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "role/foreign":    (MEMBER,   MEMBER, MEMBER,  MEMBER,  MEMBER, MEMBER,  MEMBER),
    "remove/own":      (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "remove/dm":       (MEMBER,   LEADER, LEADER,  LEADER,  OK,    OK,       MEMBER),
    "remove/foreign":  (MEMBER,   MEMBER, MEMBER,  MEMBER,  MEMBER, MEMBER,  MEMBER),
    "cells/own":       (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OK),
    "cells/foreign":   (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OK),
    "quota/own":       (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OK),
    "quota/foreign":   (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OK),
    "hanmuc/own":      (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OK),
    "hanmuc/foreign":  (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OK),
    "newcell/own":     (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OK),
    "newcell/foreign": (OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, OPERATORS, PRIVATE),
    "id/own":          (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "id/foreign":      (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "connect/own":     (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "connect/foreign": (PRIVATE,  PRIVATE, PRIVATE, PRIVATE, PRIVATE, PRIVATE, PRIVATE),
    "ketnoi/own":      (OK,       OK,     OK,      OK,      OK,    OK,       OK),
    "ketnoi/foreign":  (PRIVATE,  PRIVATE, PRIVATE, PRIVATE, PRIVATE, PRIVATE, PRIVATE),
    # Buttons, pressed in the actor's private chat on a member of A ("own") or of B ("foreign");
    # "back" and "language" are pressed on a message in the private chat or in B's group.
    "press.approve/own":     (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.approve/foreign": (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.decline/own":     (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.decline/foreign": (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.card/own":        (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.card/foreign":    (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.kind/own":        (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.kind/foreign":    (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.role/own":        (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.role/foreign":    (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.ask-remove/own":  (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.ask-remove/foreign": (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.remove/own":      (MEMBER, LEADER, LEADER, LEADER, OK,    OK,     MEMBER),
    "press.remove/foreign":  (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER),
    "press.back/own":        (MEMBER, MEMBER, OK,     OK,     OK,    OK,     MEMBER),
    "press.back/foreign":    (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, OK),
    "press.language/own":    (OK,     OK,     OK,     OK,     OK,    OK,     OK),
    "press.language/foreign": (OK,    OK,     OK,     OK,     OK,    OK,     OK),
}
# fmt: on

# The meetings' matrix: the world of build_world with one meeting per cell (see
# test_authorization_meetings.py); "own" acts on A's meeting or in A's group, "foreign" on B's.
MISSING = "no-such-meeting"  # No such meeting: what one may not see does not exist.

STALE = "stale-button"  # This button is no longer valid.

MEETING_REFUSALS = {
    MEMBER: REFUSE_NOT_MEMBER,
    LEADER: REFUSE_NOT_LEADER,
    MISSING: NO_SUCH_MEETING,
    STALE: "This button is no longer valid.",
}
MEETING_EXAMPLES = {MISSING: "/meetings"}

# Derived from SPEC §2, not from the code. Viewing (/meetings, /meeting, /agenda N, /calendar):
# members of any kind, leaders, guests (invited to attend) and operators (who see every cell).
# Managing (everything else a secretary does, absence decisions, the guided dialog's steps):
# the secretary and deputy of that cell only. Answering the summons: summoned members
# (official or probationary, leaders included); a guest is no member, an operator no member of
# the cell. A meeting the actor may not even see is "no such meeting" (nothing of it leaks);
# an operator sees every meeting, so is refused as a non-member where he may not act.
# Refused in a group: a non-member of that group's cell is refused as such.
# fmt: off
VIEW_IN_GROUP_OWN = (MEMBER, OK, OK, OK, OK, OK, OK)
VIEW_IN_GROUP_FOREIGN = (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, OK)
VIEW_BY_NUMBER_OWN = (MISSING, OK, OK, OK, OK, OK, OK)
VIEW_BY_NUMBER_FOREIGN = (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, OK)
MANAGE_IN_GROUP_OWN = (MEMBER, LEADER, LEADER, LEADER, OK, OK, MEMBER)
MANAGE_IN_GROUP_FOREIGN = (MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, MEMBER)
MANAGE_BY_NUMBER_OWN = (MISSING, LEADER, LEADER, LEADER, OK, OK, MEMBER)
MANAGE_BY_NUMBER_FOREIGN = (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MEMBER)
ANSWER_OWN = (MISSING, MEMBER, OK, OK, OK, OK, MEMBER)
ANSWER_FOREIGN = (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MEMBER)

MEETING_EXPECTED: dict[str, Outcomes] = {
    #                                nonmember guest probat. official deputy secretary operator
    "meetings/own":                  VIEW_IN_GROUP_OWN,
    "meetings/foreign":              VIEW_IN_GROUP_FOREIGN,
    "calendar/own":                  VIEW_IN_GROUP_OWN,
    "calendar/foreign":              VIEW_IN_GROUP_FOREIGN,
    "meeting/own":                   VIEW_BY_NUMBER_OWN,
    "meeting/foreign":               VIEW_BY_NUMBER_FOREIGN,
    "agenda.show/own":               VIEW_BY_NUMBER_OWN,
    "agenda.show/foreign":           VIEW_BY_NUMBER_FOREIGN,
    "schedule/own":                  MANAGE_IN_GROUP_OWN,
    "schedule/foreign":              MANAGE_IN_GROUP_FOREIGN,
    "schedule.guided/own":           MANAGE_IN_GROUP_OWN,
    "schedule.guided/foreign":       MANAGE_IN_GROUP_FOREIGN,
    "recurring/own":                 MANAGE_IN_GROUP_OWN,
    "recurring/foreign":             MANAGE_IN_GROUP_FOREIGN,
    "reminders/own":                 MANAGE_IN_GROUP_OWN,
    "reminders/foreign":             MANAGE_IN_GROUP_FOREIGN,
    "move/own":                      MANAGE_BY_NUMBER_OWN,
    "move/foreign":                  MANAGE_BY_NUMBER_FOREIGN,
    "cancel/own":                    MANAGE_BY_NUMBER_OWN,
    "cancel/foreign":                MANAGE_BY_NUMBER_FOREIGN,
    "agenda.add/own":                MANAGE_BY_NUMBER_OWN,
    "agenda.add/foreign":            MANAGE_BY_NUMBER_FOREIGN,
    "agenda.remove/own":             MANAGE_BY_NUMBER_OWN,
    "agenda.remove/foreign":         MANAGE_BY_NUMBER_FOREIGN,
    "agenda.move/own":               MANAGE_BY_NUMBER_OWN,
    "agenda.move/foreign":           MANAGE_BY_NUMBER_FOREIGN,
    "agenda.edit/own":               MANAGE_BY_NUMBER_OWN,
    "agenda.edit/foreign":           MANAGE_BY_NUMBER_FOREIGN,
    "link/own":                      MANAGE_BY_NUMBER_OWN,
    "link/foreign":                  MANAGE_BY_NUMBER_FOREIGN,
    "link.generate/own":             MANAGE_BY_NUMBER_OWN,
    "link.generate/foreign":         MANAGE_BY_NUMBER_FOREIGN,
    "link.show/own":                 MANAGE_BY_NUMBER_OWN,
    "link.show/foreign":             MANAGE_BY_NUMBER_FOREIGN,
    "restore/own":                   MANAGE_BY_NUMBER_OWN,
    "restore/foreign":               MANAGE_BY_NUMBER_FOREIGN,
    "attach/own":                    MANAGE_BY_NUMBER_OWN,
    "attach/foreign":                MANAGE_BY_NUMBER_FOREIGN,
    "answers/own":                   MANAGE_BY_NUMBER_OWN,
    "answers/foreign":               MANAGE_BY_NUMBER_FOREIGN,
    # Buttons: answers and absence decisions in the actor's private chat, on A's or B's
    # meeting; the guided dialog's step in A's or B's group, on a dialog the actor has open
    # there (opened while they could, or forged: the step checks again).
    "press.attend/own":              ANSWER_OWN,
    "press.attend/foreign":          ANSWER_FOREIGN,
    "press.absent/own":              ANSWER_OWN,
    "press.absent/foreign":          ANSWER_FOREIGN,
    "press.send-absence/own":        ANSWER_OWN,
    "press.send-absence/foreign":    ANSWER_FOREIGN,
    "press.approve-absence/own":     MANAGE_BY_NUMBER_OWN,
    "press.approve-absence/foreign": MANAGE_BY_NUMBER_FOREIGN,
    "press.decline-absence/own":     MANAGE_BY_NUMBER_OWN,
    "press.decline-absence/foreign": MANAGE_BY_NUMBER_FOREIGN,
    "press.step/own":                MANAGE_IN_GROUP_OWN,
    "press.step/foreign":            MANAGE_IN_GROUP_FOREIGN,
    # The yes of "cancel this meeting?" asked to the cell's secretary: his to answer; pressed
    # by anyone else it is as stale as a forged button (nothing is cancelled).
    "press.confirm/own":             (STALE, STALE, STALE, STALE, STALE, OK, STALE),
    "press.confirm/foreign":         (STALE,) * 7,
}
# fmt: on

# Running a meeting (issue 11): A's meeting #1 and B's #2, ten minutes before their start; for
# every action but "open" both are open already. /open and /attendance name the meeting by
# number (in private; an operator in the cell's group); /mark, /quorum and /grace are given in
# the group; the check-in button is pressed on the group's check-in message. Opening and the
# cell's rules are managing (leaders); the roll by name is the members' (and operators', who
# see every cell's members), not a guest's; marking is the chair's, the secretary's or a
# deputy's, other members are refused as such; a check-in is anyone's of that cell (a guest
# comes unsummoned), an outsider's or another cell's is refused as not a member; forged data
# is stale for everyone. "/open N chủ trì" (no member named) lists the members as buttons; a
# button naming the chair ("press.assign") is pressed in the actor's private chat (an
# operator's in the cell's group) and checked as managing that meeting.
CHAIR = "only-chair"  # Only the chair, the secretary or the deputy secretary can mark members.
RUNNING_REFUSALS = MEETING_REFUSALS | {
    CHAIR: "Only the chair, the secretary or the deputy secretary can mark members."
}
# fmt: off
RUNNING_EXPECTED: dict[str, Outcomes] = {
    #                         nonmember guest  probat. official deputy secretary operator
    "open/own":               MANAGE_BY_NUMBER_OWN,
    "open/foreign":           MANAGE_BY_NUMBER_FOREIGN,
    "open.chair/own":         MANAGE_BY_NUMBER_OWN,
    "open.chair/foreign":     MANAGE_BY_NUMBER_FOREIGN,
    "open.pick/own":          MANAGE_BY_NUMBER_OWN,
    "open.pick/foreign":      MANAGE_BY_NUMBER_FOREIGN,
    "press.assign/own":       MANAGE_BY_NUMBER_OWN,
    "press.assign/foreign":   MANAGE_BY_NUMBER_FOREIGN,
    "attendance/own":         (MISSING, MEMBER, OK,     OK,     OK,    OK,      OK),
    "attendance/foreign":     (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, OK),
    "mark/own":               (MEMBER,  MEMBER, CHAIR,  CHAIR,  OK,    OK,      MEMBER),
    "mark/foreign":           (MEMBER,) * 7,
    "quorum/own":             MANAGE_IN_GROUP_OWN,
    "quorum/foreign":         MANAGE_IN_GROUP_FOREIGN,
    "grace/own":              MANAGE_IN_GROUP_OWN,
    "grace/foreign":          MANAGE_IN_GROUP_FOREIGN,
    "quorum.show/own":        (MEMBER,  MEMBER, OK,     OK,     OK,    OK,      OK),
    "quorum.show/foreign":    (MEMBER,  MEMBER, MEMBER, MEMBER, MEMBER, MEMBER, OK),
    "press.check-in/own":     (MEMBER,  OK,     OK,     OK,     OK,    OK,      MEMBER),
    "press.check-in/foreign": (MEMBER,) * 7,
    "press.forged/own":       (STALE,) * 7,
    "press.forged/foreign":   (STALE,) * 7,
}
# fmt: on

# The votes' matrix (test_authorization_voting.py, test_zalo_authorization_voting.py): both
# meetings open and everyone of both casts checked in. Starting and closing a vote: the
# secretary and deputy of that cell. A ballot: official members present (leaders included);
# the others are told why they may not vote (a probationary member, a guest, anyone not on the
# meeting's roll: an outsider, an operator, a member of another cell). Forged data: refused.
OUTSIDER = "not-on-roll"
PROBATIONARY = "probationary-no-vote"
GUEST = "guest-no-vote"
FORGED_BALLOT = "forged-ballot"
VOTING_REFUSALS = MEETING_REFUSALS | {
    OUTSIDER: "You are not on this meeting's roll, so you cannot vote in it.",
    PROBATIONARY: "Probationary members attend and speak but do not vote (Party Statute).",
    GUEST: "Guests attend and speak but are not counted and do not vote.",
    FORGED_BALLOT: "This ballot button is not valid (old or altered): nothing was recorded.",
}
# fmt: off
VOTING_EXPECTED: dict[str, Outcomes] = {
    #                       nonmember guest  probat.       official deputy secretary operator
    "vote/own":             MANAGE_IN_GROUP_OWN,
    "vote/foreign":         MANAGE_IN_GROUP_FOREIGN,
    "vote.guided/own":      MANAGE_IN_GROUP_OWN,
    "vote.guided/foreign":  MANAGE_IN_GROUP_FOREIGN,
    "endvote/own":          MANAGE_IN_GROUP_OWN,
    "endvote/foreign":      MANAGE_IN_GROUP_FOREIGN,
    "press.ballot/own":     (OUTSIDER, GUEST, PROBATIONARY, OK,   OK,    OK,      OUTSIDER),
    "press.ballot/foreign": (OUTSIDER,) * 7,
    "press.end/own":        MANAGE_IN_GROUP_OWN,
    "press.end/foreign":    (MEMBER,) * 7,
    "press.forged/own":     (FORGED_BALLOT,) * 7,
    "press.forged/foreign": (FORGED_BALLOT,) * 7,
}
# fmt: on


# The running meeting's and the minutes' matrix (test_authorization_minutes.py): A's and B's
# meetings are open, the secretary chairs, the official member takes the minutes; "own" acts
# in A's group or on A's meeting, "foreign" in B's group or on B's meeting. Derived from the
# issue, not from the code: the chair, secretary and deputy move through the agenda, call
# the next speaker and close; the minute-taker too adds notes and conclusions; those who get
# the draft (leaders, chair, minute-taker) correct and approve it; participants (members and
# guests) ask to speak and read approved minutes; those who attended score the meeting
# (guests are no members: they do not score). An operator sees every cell but takes no part.
CHAIR = "only-the-chair"
RECORDER = "only-the-minute-taker"
OFFICER = "only-the-officers"
ATTENDED = "only-attendees"

MINUTES_REFUSALS = {
    MEMBER: REFUSE_NOT_MEMBER,
    MISSING: NO_SUCH_MEETING,
    CHAIR: "Only the chair, the secretary or the deputy secretary can do this.",
    RECORDER: (
        "Only the minute-taker, the chair, the secretary or the deputy secretary can do this."
    ),
    OFFICER: (
        "Only the secretary, the deputy secretary, the chair or the minute-taker of this "
        "meeting can correct or approve its minutes."
    ),
    ATTENDED: "Only members who attended meeting #{id} can score it.",
}
# fmt: off
CHAIR_IN_GROUP_OWN = (MEMBER, CHAIR, CHAIR, CHAIR, OK, OK, MEMBER)
RECORDER_IN_GROUP_OWN = (MEMBER, RECORDER, RECORDER, OK, OK, OK, MEMBER)
IN_GROUP_FOREIGN = (MEMBER,) * 7
OFFICER_BY_NUMBER_OWN = (MISSING, OFFICER, OFFICER, OK, OK, OK, MEMBER)
PARTICIPANT_BY_NUMBER_OWN = (MISSING, OK, OK, OK, OK, OK, MEMBER)
BY_NUMBER_FOREIGN = (MISSING,) * 6 + (MEMBER,)

MINUTES_EXPECTED: dict[str, Outcomes] = {
    #                          nonmember guest probat. official deputy secretary operator
    "next/own":                CHAIR_IN_GROUP_OWN,
    "next/foreign":            IN_GROUP_FOREIGN,
    "speaker/own":             CHAIR_IN_GROUP_OWN,
    "speaker/foreign":         IN_GROUP_FOREIGN,
    "close/own":               CHAIR_IN_GROUP_OWN,
    "close/foreign":           IN_GROUP_FOREIGN,
    "note/own":                RECORDER_IN_GROUP_OWN,
    "note/foreign":            IN_GROUP_FOREIGN,
    "ghichu/own":              RECORDER_IN_GROUP_OWN,
    "ghichu/foreign":          IN_GROUP_FOREIGN,
    "ketluan/own":             RECORDER_IN_GROUP_OWN,
    "ketluan/foreign":         IN_GROUP_FOREIGN,
    "conclude/own":            RECORDER_IN_GROUP_OWN,
    "conclude/foreign":        IN_GROUP_FOREIGN,
    "minutes.show/own":        PARTICIPANT_BY_NUMBER_OWN,
    "minutes.show/foreign":    BY_NUMBER_FOREIGN,
    "minutes.edit/own":        OFFICER_BY_NUMBER_OWN,
    "minutes.edit/foreign":    BY_NUMBER_FOREIGN,
    "minutes.add/own":         OFFICER_BY_NUMBER_OWN,
    "minutes.add/foreign":     BY_NUMBER_FOREIGN,
    "minutes.approve/own":     OFFICER_BY_NUMBER_OWN,
    "minutes.approve/foreign": BY_NUMBER_FOREIGN,
    "bienban/own":             PARTICIPANT_BY_NUMBER_OWN,
    "bienban/foreign":         BY_NUMBER_FOREIGN,
    # Buttons, pressed in the actor's private chat on A's or B's meeting.
    "press.hand/own":          PARTICIPANT_BY_NUMBER_OWN,
    "press.hand/foreign":      BY_NUMBER_FOREIGN,
    "press.next-speaker/own":  (MISSING, CHAIR, CHAIR, CHAIR, OK, OK, MEMBER),
    "press.next-speaker/foreign": BY_NUMBER_FOREIGN,
    "press.approve/own":       OFFICER_BY_NUMBER_OWN,
    "press.approve/foreign":   BY_NUMBER_FOREIGN,
    "press.score/own":         (MISSING, ATTENDED, OK, OK, OK, OK, MEMBER),
    "press.score/foreign":     BY_NUMBER_FOREIGN,
}
# fmt: on


def matrix_cases(expected: Mapping[str, Sequence[str]]) -> list[object]:
    """One pytest param per cell of an authorization matrix, named action-role-scope."""
    params: list[object] = []
    for key, outcomes in expected.items():
        action, scope = key.split("/")
        for role, outcome in zip(ROLES, outcomes, strict=True):
            params.append(
                pytest.param(action, scope, role, outcome, id=f"{action}-{role}-{scope}")
            )
    return params


def committee_cases(expected: Mapping[str, Sequence[str]]) -> list[object]:
    """The committee member's column of an authorization matrix: SPEC §2 says a committee
    member may do what an official member may (they are only summoned to more meetings)."""
    official = ROLES.index("official")
    return [
        pytest.param(
            *key.split("/"), "committee", outcomes[official], id=f"{key.replace('/', '-')}-c"
        )
        for key, outcomes in expected.items()
    ]


T = TypeVar("T")


@dataclass(repr=False)
class HostileHarness:
    """One running bot over a copy of the world, on an event loop a hypothesis test drives;
    every action must leave the database as it was."""

    runner: asyncio.Runner
    bot: Bot
    world: World

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cells A and B)"

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one example's async body on the bot's loop."""
        return self.runner.run(coroutine)

    def person(self, role: str, cell: str = "A") -> TgUser:
        """A cast member's Telegram user."""
        return self.world.cells[cell].people[role].user

    @property
    def group(self) -> TgChat:
        """Cell A's group."""
        return self.world.cells["A"].chat

    def private(self, user: TgUser) -> TgChat:
        """A user's private chat with the bot."""
        return self.bot.driver.private_chat(user)

    async def unchanged(self, action: Coroutine[Any, Any, list[Call]]) -> list[Call]:
        """Run an action; it must write nothing, raise nothing and call the API correctly."""
        before = await snapshot(self.bot)
        calls = await action
        assert await snapshot(self.bot) == before, "hostile input changed the database"
        assert self.bot.unexpected == [], self.bot.unexpected
        self.bot.fake.assert_no_violations()
        assert not self.bot.fake.unanswered_callback_queries()
        return calls

    def send(
        self, user: TgUser, chat: TgChat, text: str, *, reply_to: int | None = None
    ) -> list[Call]:
        """The user writes `text`; nothing may be written."""
        driver = self.bot.driver
        return self.run(
            self.unchanged(driver.send(user, chat, text, reply_to_message_id=reply_to))
        )

    def press(self, user: TgUser, chat: TgChat, data: str) -> list[Call]:
        """The user presses a button carrying `data`; nothing may be written."""

        async def pressing() -> list[Call]:
            message_id = store_bot_message(self.bot, chat)
            return await self.unchanged(self.bot.driver.press_data(user, chat, data, message_id))

        return self.run(pressing())


# Reports (issue 13): both cells' meetings held and their minutes approved (test_reports.py's
# world). "own" gives /report and /me in A's group, /pdf N on A's meeting in the actor's
# private chat (an operator's in A's group), /overview in private; "foreign" in B's group, on
# B's meeting, /overview in B's group. Derived from SPEC §2 and §3, not from the code: the
# cell's report (every member's attendance and breaches) is its leaders'; one's own record is
# every member's (a guest is summoned to nothing); the approved minutes are printed by whoever
# reads them (members and guests; an operator takes no part in a cell); the overview across
# cells is the operators', and only in private.
# fmt: off
REPORTS_EXPECTED: dict[str, Outcomes] = {
    #                  nonmember guest  probat. official deputy secretary operator
    "report/own":      MANAGE_IN_GROUP_OWN,
    "report/foreign":  MANAGE_IN_GROUP_FOREIGN,
    "me/own":          (MEMBER,  MEMBER, OK,     OK,     OK,    OK,      MEMBER),
    "me/foreign":      (MEMBER,) * 7,
    "pdf/own":         PARTICIPANT_BY_NUMBER_OWN,
    "pdf/foreign":     BY_NUMBER_FOREIGN,
    "overview/own":    (OPERATORS,) * 6 + (OK,),
    "overview/foreign": (OPERATORS,) * 6 + (PRIVATE,),
}
# fmt: on
REPORTS_REFUSALS = {**CELL_REFUSALS, MISSING: NO_SUCH_MEETING}
