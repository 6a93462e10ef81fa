"""Shared scenery for the end-to-end tests of cells and members: people, a cell, readers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from bot.domain.cells import Membership
from bot.domain.identity import ChatRef
from bot.i18n import Translator, translator
from sandbox.driver import Driver, TgChat, TgUser
from sandbox.fake_api import Call, JSONDict
from tests.conftest import Bot
from tests.e2e.db import count_rows

LANGUAGES = ("vi", "en")
# Every test marked with this runs once per language: the users' Telegram language_code.
BOTH_LANGUAGES = pytest.mark.parametrize("lang", LANGUAGES)

CELL_NAME = "Chi bộ Đồn Biên phòng 1"
GROUP_ID = -1001
BOT_LINK = "https://t.me/cellmeet_test_bot?start="
SETUP_OK = (
    "This group is now the cell «{name}», and you are its secretary. "
    "Members join with /join here; you approve them with a button."
)


GROUP_LANGUAGE = "The bot writes in this group in English."


def t(lang: str, msgid: str, /, **params: object) -> str:
    """The bot's text for `msgid` in `lang`; Vietnamese must really be translated."""
    text = translator(lang).gettext(msgid, **params)
    if lang == "vi":
        assert translator("vi").gettext(msgid) != msgid, f"no Vietnamese text for {msgid!r}"
    return text


def tr(lang: str) -> Translator:
    """The translator of a language."""
    return translator(lang)


def error(lang: str, msgid: str, /, *, example: str | None = None, **params: object) -> str:
    """A refusal as the bot renders it: ⚠️, the message, and the example on its own line."""
    text = "⚠️ " + t(lang, msgid, **params)
    if example:
        text += "\n" + t(lang, "Example: {example}", example=example)
    return text


def roster_line(lang: str, number: int, name: str, *labels: str, reachable: bool = True) -> str:
    """A /members line as a reader expects it: number, name, kind and role, reachability."""
    described = ", ".join(t(lang, label) for label in labels)
    return f"{number}. {name} — {described} {'✉️' if reachable else '🔕'}"


def invite_payload(text: str) -> str:
    """The start payload of the deep link in an /invite answer."""
    assert BOT_LINK in text, text
    return text.split(BOT_LINK, 1)[1].split("\n", 1)[0]


def person(
    user_id: int,
    first: str,
    last: str | None = None,
    *,
    lang: str | None,
    username: str | None = None,
) -> TgUser:
    """A Telegram user with a language code."""
    return TgUser(user_id, first, last, username=username, language_code=lang)


def sent(calls: Iterable[Call], chat_id: int | None = None) -> list[str]:
    """Texts of accepted sendMessage calls (to one chat, or anywhere)."""
    return [
        str(c["text"])
        for c in calls
        if c.method == "sendMessage" and c.ok and (chat_id is None or c.get("chat_id") == chat_id)
    ]


def only_text(calls: Iterable[Call], chat_id: int) -> str:
    """The one message the bot sent to `chat_id`."""
    texts = sent(calls, chat_id)
    assert len(texts) == 1, texts
    return texts[0]


def answer_to(calls: Iterable[Call], group_id: int, user_id: int) -> str:
    """The one answer to a command in a group: in the group, or (a refusal to someone the bot
    can reach) privately."""
    calls = list(calls)
    texts = sent(calls, group_id) + sent(calls, user_id)
    assert len(texts) == 1, texts
    return texts[0]


def edits(calls: Iterable[Call]) -> list[Call]:
    """Accepted edits of message text."""
    return [c for c in calls if c.method == "editMessageText" and c.ok]


def alerts(calls: Iterable[Call]) -> list[str]:
    """Texts of callback answers shown as an alert."""
    return [
        str(c.get("text"))
        for c in calls
        if c.method == "answerCallbackQuery" and c.get("show_alert") is True
    ]


def buttons(message_or_call: JSONDict | Call) -> list[str]:
    """Labels of a message's (or a call's) inline keyboard, row by row."""
    if isinstance(message_or_call, Call):
        markup = message_or_call.get("reply_markup") or {}
    else:
        markup = message_or_call.get("reply_markup") or {}
    return [str(b["text"]) for row in markup.get("inline_keyboard", []) for b in row]


def no_writes(calls: Iterable[Call]) -> None:
    """Nothing but one answer: no private messages, no edits."""
    methods = [c.method for c in calls]
    assert "editMessageText" not in methods and "editMessageReplyMarkup" not in methods, methods


@dataclass
class World:
    """A running bot with one cell bound to a group and its secretary."""

    bot: Bot
    lang: str
    secretary: TgUser
    group: TgChat
    name: str = CELL_NAME

    @property
    def d(self) -> Driver:
        """The driver."""
        return self.bot.driver

    def private(self, user: TgUser) -> TgChat:
        """The user's private chat with the bot."""
        return self.d.private_chat(user)

    def t(self, msgid: str, /, **params: object) -> str:
        """A text in the world's language."""
        return t(self.lang, msgid, **params)

    def error(self, msgid: str, /, *, example: str | None = None, **params: object) -> str:
        """A refusal in the world's language."""
        return error(self.lang, msgid, example=example, **params)

    async def say(self, user: TgUser, text: str, *, private: bool = False) -> list[Call]:
        """The user writes in the group (or privately)."""
        chat = self.private(user) if private else self.group
        return await self.d.send(user, chat, text)

    async def reply_in_group(self, user: TgUser, text: str) -> str:
        """The user writes in the group; the one answer: there, or privately for a refusal."""
        return answer_to(await self.say(user, text), self.group.id, user.id)

    async def reply_in_private(self, user: TgUser, text: str) -> str:
        """The user writes privately; the one answer the bot gave there."""
        return only_text(await self.say(user, text, private=True), user.id)

    async def start(self, user: TgUser) -> list[Call]:
        """The user opens the private chat and presses Start."""
        return await self.say(user, "/start", private=True)

    async def join(
        self, user: TgUser, *, start: bool = True, kind: str | None = "official"
    ) -> list[Call]:
        """/join in the group, then the secretary decides with the private buttons."""
        if start:
            await self.start(user)
        calls = await self.say(user, "/join")
        assert sent(calls, self.secretary.id), "no request reached the secretary"
        label = {
            "official": "✅ Approve: official",
            "probationary": "✅ Approve: probationary",
            None: "❌ Decline",
        }[kind]
        return await self.d.press(self.secretary, self.private(self.secretary), self.t(label))

    # -- the database, read through the app's own connection --

    async def membership(self, user: TgUser) -> Membership | None:
        """The user's membership in the cell, whatever its status."""
        services = self.bot.app.bot_data.services
        cell = await services.cells.cell_of_chat(
            ChatRef("telegram", str(self.group.id), is_private=False)
        )
        assert cell is not None
        async with self.bot.app.bot_data.database.reading() as uow:
            found = await uow.users.get("telegram", str(user.id))
            return await uow.memberships.get(cell.id, found.id) if found else None

    async def history(self, user: TgUser) -> list[tuple[str, str | None, str]]:
        """(field, old, new) of every recorded change of the user's membership."""
        membership = await self.membership(user)
        assert membership is not None
        async with self.bot.app.bot_data.database.reading() as uow:
            changes = await uow.memberships.history(membership.id)
        return [(c.field, c.old_value, c.new_value) for c in changes]

    async def count(self, table: str) -> int:
        """Rows in a table."""
        return await count_rows(self.bot, table)


async def new_code(bot: Bot, name: str = CELL_NAME) -> str:
    """A one-time setup code, as the operator's CLI makes it."""
    return await bot.app.bot_data.services.cells.create_setup_code(name)


async def make_cell(
    bot: Bot,
    lang: str,
    *,
    secretary: TgUser | None = None,
    group_id: int = GROUP_ID,
    name: str = CELL_NAME,
    reachable: bool = True,
) -> World:
    """A cell set up with an operator's code by a secretary who started the bot (or not)."""
    secretary = secretary or person(101, "Lan", "Trần", username="lan", lang=lang)
    world = World(bot, lang, secretary, bot.driver.group(group_id, name), name)
    if reachable:
        await world.start(secretary)
    code = await new_code(bot, name)
    texts = sent(await world.say(secretary, f"/setup {code}"), world.group.id)
    # The group speaks the cell's language: DEFAULT_LANGUAGE (vi) until a leader sets another.
    assert texts[0] == t("vi", SETUP_OK, name=name)
    hint = t(
        "vi",
        "To get reminders and approval buttons privately, open {link} and press Start.",
        link=BOT_LINK + "hi",
    )
    assert texts[1:] == ([] if reachable else [hint])
    if lang != "vi":
        said = sent(await world.say(secretary, f"/lang {lang}"), world.group.id)
        assert said == [world.t("Language: English.") + "\n" + world.t(GROUP_LANGUAGE)]
    return world
