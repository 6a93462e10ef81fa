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
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from babel.messages.pofile import read_po

from bot.clock import FakeClock
from bot.domain.cells import Kind, Role
from bot.domain.identity import ChatRef, Identity
from bot.i18n import LOCALE_DIR, translator
from bot.rules.names import vietnamese_order
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

    @property
    def name(self) -> str:
        """The name the bot shows (family name first)."""
        return vietnamese_order(self.user.first_name, self.user.last_name)


@dataclass(frozen=True)
class CellCast:
    """One cell: its group and its people by role."""

    key: str
    name: str
    chat_id: int
    people: dict[str, Person]

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


def identity(user: TgUser) -> Identity:
    """The core's identity of a driver user, exactly as the Telegram edge builds it."""
    name = vietnamese_order(user.first_name, user.last_name)
    return Identity("telegram", str(user.id), name, user.username, user.language_code)


def private_ref(user: TgUser) -> ChatRef:
    """The core's view of the user's private chat."""
    return ChatRef("telegram", str(user.id), True)


async def build_world(directory: Path) -> World:
    """Two cells with a full cast each, built through the services into a template file."""
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
            chat = ChatRef("telegram", str(chat_id), False, name)
            by_role = dict(zip(CAST_ROLES, users, strict=True))
            for user in users:
                await members.start_private(identity(user), private_ref(user))
                everyone.append(user)
            secretary = identity(by_role["secretary"])
            cell = await cells.setup_cell(secretary, chat, code)
            kinds = {"probationary": Kind.PROBATIONARY}
            roles = {"deputy": Role.DEPUTY, "guest": Role.GUEST, "committee": Role.COMMITTEE}
            for role in CAST_ROLES[1:]:
                request = await members.request_join(identity(by_role[role]), chat)
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
                    known = await uow.users.get("telegram", str(user.id))
                    assert known is not None
                    found = await uow.memberships.get(cell.id, known.id)
                assert found is not None
                people[role] = Person(user, found.id, found.number)
            built[key] = CellCast(key, name, chat_id, people)
        spare_code = await cells.create_setup_code("Chi bộ dự phòng")
    finally:
        await db.close()
    return World(db_path, built, NONMEMBER, OPERATOR, spare_code, used_code, everyone)


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


def tr_text(language: str, msgid: str, **params: object) -> str:
    """A text in a language (the bot's own translator)."""
    return translator(language).gettext(msgid, **params)


ROLES = ("nonmember", "guest", "probationary", "official", "deputy", "secretary", "operator")


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
