"""The sandbox's world: the local Telegram, its people, the clock, and the bot running against it.

The bot is the real one (`bot.app.build_application` and `handlers.telegram.runtime.serve`,
long polling over HTTP), given the sandbox's clock and scheduler and a database of its own. The
page acts as the people: what they type and press becomes updates in the local Bot API, which
the bot fetches like any other; what the bot sends is kept there and shown on the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from bot.app import build_application
from bot.domain.identity import ChatRef
from bot.domain.meetings import MeetingStatus
from bot.i18n import translator
from config import Settings
from handlers.telegram.context import BotApplication
from handlers.telegram.runtime import serve
from sandbox.clock import TravelClock, TravelScheduler
from sandbox.driver import Driver, TgChat
from sandbox.fake_api import Call, FakeTelegram, JSONDict, UploadedFile, inline_buttons
from sandbox.people import (
    BY_ID,
    BY_KEY,
    GROUP,
    GROUP_ID,
    OPERATOR,
    PEOPLE,
    SANDBOX_TOKEN,
    SECRETARY,
    Person,
)
from sandbox.texts import TOUR_STEPS, page_texts, tour_texts

logger = logging.getLogger(__name__)

BOT_USERNAME = "cellmeet_sandbox_bot"
# The demo cell is complete once the bot has sent nothing for this long (notices that follow
# a commit included).
QUIET_SECONDS = 0.15
SETTLE_DEADLINE_SECONDS = 15.0
# The bot asks the local Bot API for updates this often (its answer waits up to 1 s).
LONG_POLL_SECONDS = 1
MAX_TEXT = 4096
# getUpdates calls kept in the call log (the page has no use for them).
KEEP_CALLS = 2000
_SETUP_CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")


class SandboxError(ValueError):
    """A page request that cannot be done (unknown person, chat, button...)."""


@dataclass(frozen=True)
class Action:
    """Something a person did on the page: wrote `text` or pressed a button with `data`."""

    person: str
    chat_id: int
    text: str = ""
    data: str = ""


class Sandbox:
    """One training ground: rebuilt from nothing by `new_world` at start and at each reset."""

    def __init__(self, settings: Settings, database_path: Path, *, empty: bool = False) -> None:
        self.base_settings = settings
        self.database_path = database_path
        self.empty = empty
        self.port = 0
        self.language = settings.default_language
        self.version = 0
        self.subscribers: set[asyncio.Queue[int]] = set()
        self.reset_requested = False
        self.ready = asyncio.Event()
        self.stop_event = asyncio.Event()
        self.application: BotApplication | None = None
        self.new_world()

    # -- the world ------------------------------------------------------------------------------

    def new_world(self) -> None:
        """A fresh local Telegram and clock; the people and the group are known to it."""
        self.clock = TravelClock()
        self.fake = FakeTelegram(clock=self.clock.now)
        self.fake.bot_username = BOT_USERNAME
        self.fake.observers.append(self._observe)
        self.scheduler = TravelScheduler(self.clock)
        self.scheduler.on_run = self._job_ran
        # Builds the updates people send; the bot fetches them, the driver never delivers.
        self.users = Driver(cast(Any, None), self.fake, raise_errors=False)
        self.files: dict[str, UploadedFile] = {}
        self.force_replies: set[tuple[int, int]] = set()
        self.toasts: dict[str, list[JSONDict]] = {}
        self.queries: dict[str, str] = {}
        self.actions: list[Action] = []
        self.tour_done: set[str] = set()
        self.seen: dict[tuple[str, int], int] = {}
        self.last_call_at = time.monotonic()
        self.users.group(GROUP.id, str(GROUP.title), type=GROUP.type)
        # An administrator bot sees every group message, as the README advises.
        self.fake.member_statuses[(GROUP.id, self.fake.bot_id)] = "administrator"
        for person in PEOPLE:
            self.users.private_chat(person.user)
            self.fake.member_statuses[(GROUP.id, person.user.id)] = (
                "creator" if person is SECRETARY else "member"
            )

    def bot_settings(self) -> Settings:
        """The operator's settings, with everything that would reach outside replaced."""
        return replace(
            self.base_settings,
            token=SANDBOX_TOKEN,
            api_base_url=f"http://127.0.0.1:{self.port}",
            database_path=self.database_path,
            admin_ids=frozenset({f"telegram:{OPERATOR.user.id}"}),
            registration="code",
            webhook_url=None,
            webhook_secret=None,
            zalo_token=None,
            zalo_webhook_url=None,
            zalo_webhook_secret=None,
        )

    def _remove_database(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.database_path}{suffix}").unlink(missing_ok=True)

    async def run_bot(self) -> None:
        """Run the real bot against this world until `stop_event` is set."""
        self._remove_database()
        settings = self.bot_settings()
        application = build_application(settings, clock=self.clock, scheduler=self.scheduler)
        self.application = application
        stop = self.stop_event
        self.scheduler.start()

        async def stop_jobs_first() -> None:
            # Jobs stop before the bot closes its database under them.
            await stop.wait()
            await self.scheduler.stop()

        stopper = asyncio.create_task(stop_jobs_first())
        try:
            await serve(
                application,
                settings,
                self.clock,
                request=application.bot_data.updates_request,
                stop=stop,
                long_poll_seconds=LONG_POLL_SECONDS,
            )
        finally:
            stop.set()
            await stopper
            self.application = None

    async def wait_polling(self) -> None:
        """Until the bot asks the local Bot API for updates."""
        deadline = time.monotonic() + SETTLE_DEADLINE_SECONDS
        while not any(call.method == "getUpdates" for call in self.fake.calls):
            if time.monotonic() > deadline or self.stop_event.is_set():
                raise RuntimeError("the bot did not start polling")
            await asyncio.sleep(0.02)

    # -- following the bot ----------------------------------------------------------------------

    def _observe(self, call: Call) -> None:
        if call.method == "getUpdates":
            self.fake.trim_calls(KEEP_CALLS)
            return
        self.last_call_at = time.monotonic()
        result = call.response.get("result") if call.ok else None
        if call.method == "sendDocument" and isinstance(result, dict):
            self._keep_file(result["document"]["file_id"], call.params.get("document"))
        elif call.method == "sendPhoto" and isinstance(result, dict):
            for size in result["photo"]:
                self._keep_file(size["file_id"], call.params.get("photo"))
        elif call.method == "sendMessage" and isinstance(result, dict):
            markup = call.params.get("reply_markup") or {}
            if markup.get("force_reply"):
                self.force_replies.add((int(result["chat"]["id"]), int(result["message_id"])))
        elif call.method == "answerCallbackQuery" and call.ok:
            person = self.queries.pop(str(call.params["callback_query_id"]), None)
            if person is not None and call.params.get("text"):
                self.toasts.setdefault(person, []).append(
                    {"text": call.params["text"], "alert": bool(call.params.get("show_alert"))}
                )
        self.changed()

    def _keep_file(self, file_id: str, upload: Any) -> None:
        if isinstance(upload, UploadedFile):
            self.files[file_id] = upload
        elif isinstance(upload, str) and upload in self.files:
            self.files[file_id] = self.files[upload]

    def _job_ran(self, name: str) -> None:
        if name.startswith("reminder:"):
            self.tour_done.add("remind")
        self.changed()

    def changed(self) -> None:
        """Tell every open page that something changed."""
        self.version += 1
        for queue in self.subscribers:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(self.version)

    # -- people acting --------------------------------------------------------------------------

    def _person(self, key: str) -> Person:
        if key not in BY_KEY:
            raise SandboxError(f"unknown person {key!r}")
        person = BY_KEY[key]
        return replace(person, user=replace(person.user, language_code=self.language))

    def _chat(self, person: Person, chat_id: int) -> TgChat:
        if chat_id == GROUP.id:
            return GROUP
        if chat_id == person.user.id:
            return self.users.private_chat(person.user)
        raise SandboxError(f"{person.key} has no chat {chat_id}")

    def send(self, key: str, chat_id: int, text: str, reply_to: int | None = None) -> None:
        """A person writes in a chat (a reply to a message when `reply_to` is given)."""
        person = self._person(key)
        chat = self._chat(person, chat_id)
        text = text.strip()
        if not text or len(text) > MAX_TEXT:
            raise SandboxError("a message has 1 to 4096 characters")
        if reply_to is not None and self.fake.message(chat.id, reply_to) is None:
            reply_to = None
        update = self.users.message_update(person.user, chat, text, reply_to_message_id=reply_to)
        self.actions.append(Action(key, chat.id, text=text))
        self.fake.push_update(update)
        self.changed()

    def press(self, key: str, chat_id: int, message_id: int, data: str) -> None:
        """A person presses the button with callback `data` under one of the bot's messages."""
        person = self._person(key)
        chat = self._chat(person, chat_id)
        message = self.fake.message(chat.id, message_id)
        if message is None or not any(
            button.get("callback_data") == data for button in inline_buttons(message)
        ):
            raise SandboxError("that button is no longer there")
        update = self.users.callback_update(person.user, chat, data, message)
        self.queries[update["callback_query"]["id"]] = key
        self.actions.append(Action(key, chat.id, data=data))
        self.fake.push_update(update)
        self.changed()

    def file(self, file_id: str) -> UploadedFile | None:
        """A document or photo the bot sent, by its file id."""
        return self.files.get(file_id)

    # -- the clock ------------------------------------------------------------------------------

    async def move_clock(self, how: str) -> str | None:
        """Move the clock forward; None, or the page text saying there was nowhere to go."""
        now = self.clock.now()
        if how == "hour":
            target = now + timedelta(hours=1)
        elif how == "day":
            target = now + timedelta(days=1)
        elif how == "reminder":
            found = await self._next_reminder()
            if found is None:
                return "no_reminder"
            target = found
        elif how == "meeting":
            found = await self._next_meeting()
            if found is None:
                return "no_meeting"
            target = found
        else:
            raise SandboxError(f"unknown clock move {how!r}")
        await self.scheduler.travel(max(target, now))
        self.changed()
        return None

    async def _next_reminder(self) -> Any:
        if self.application is None:
            return None
        services = self.application.bot_data.services
        now = self.clock.now()
        async with services.store.reading() as uow:
            pending = await uow.reminders.pending()
        coming = [r.due_at for r in pending if r.due_at > now]
        return min(coming, default=None)

    async def _next_meeting(self) -> Any:
        if self.application is None:
            return None
        services = self.application.bot_data.services
        cell = await services.cells.cell_of_chat(
            ChatRef("telegram", str(GROUP_ID), False, GROUP.title)
        )
        if cell is None:
            return None
        now = self.clock.now()
        async with services.store.reading() as uow:
            meetings = await uow.meetings.of_cell(
                cell.id, after=now, statuses=[MeetingStatus.SCHEDULED], limit=1
            )
        return meetings[0].starts_at if meetings else None

    # -- seeding --------------------------------------------------------------------------------

    async def _until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + SETTLE_DEADLINE_SECONDS
        while not condition():
            if time.monotonic() > deadline or self.stop_event.is_set():
                raise RuntimeError(f"the demo cell could not be made: no {what}")
            await asyncio.sleep(0.01)

    def _texts_to(self, chat_id: int, since: int) -> list[str]:
        return [
            str(call.get("text", ""))
            for call in self.fake.calls_since(since)
            if call.method == "sendMessage" and call.ok and call.get("chat_id") == chat_id
        ]

    async def _all_answer(self, said: list[tuple[Person, TgChat, str]], what: str) -> None:
        """Everyone says their line at once (their chats run side by side); until each chat
        had as many answers as lines were said in it."""
        since = self.fake.next_call_seq
        lines: dict[int, int] = {}
        for person, chat, text in said:
            self.send(person.key, chat.id, text)
            lines[chat.id] = lines.get(chat.id, 0) + 1
        await self._until(
            lambda: all(len(self._texts_to(c, since)) >= n for c, n in lines.items()), what
        )

    def _join_requests(self) -> list[tuple[int, str]]:
        return [
            (message["message_id"], str(button["callback_data"]))
            for message in self.fake.messages_in(SECRETARY.user.id)
            for button in inline_buttons(message)
            if str(button.get("callback_data", "")).startswith("jr:")
        ]

    async def _quiet(self) -> None:
        """Until the bot sent nothing for a moment (notices sent after a commit)."""
        await self._until(lambda: time.monotonic() - self.last_call_at > QUIET_SECONDS, "quiet")

    async def seed(self) -> None:
        """Make the demo cell through the bot, as its people would: the operator's code,
        /setup, /join and approval, kinds and roles, full names; then empty the chats."""
        members = [p for p in PEOPLE if p.joins_as]
        private = {p.key: self.users.private_chat(p.user) for p in PEOPLE}
        await self._all_answer(
            [(p, private[p.key], "/start") for p in [OPERATOR, SECRETARY, *members]], "/start"
        )
        since = self.fake.next_call_seq
        self.send(OPERATOR.key, OPERATOR.user.id, f"/newcell {GROUP.title}")
        codes: list[str] = []

        def code_given() -> bool:
            codes[:] = _SETUP_CODE.findall("\n".join(self._texts_to(OPERATOR.user.id, since)))
            return bool(codes)

        await self._until(code_given, "setup code for the operator")
        await self._all_answer([(SECRETARY, GROUP, f"/setup {codes[0]}")], "answer to /setup")
        for person in members:
            # One at a time, so that each request is known to be this person's.
            self.send(person.key, GROUP.id, "/join")
            await self._until(lambda: bool(self._join_requests()), "join request")
            message_id, data = self._join_requests()[-1]
            kind_data = re.sub(r":[a-z]$", f":{person.joins_as}", data)
            self.press(SECRETARY.key, SECRETARY.user.id, message_id, kind_data)
            await self._until(lambda: not self._join_requests(), "approval")
        await self._until(lambda: not self.fake.unanswered_callback_queries(), "button answer")
        await self._all_answer(
            [(SECRETARY, private[SECRETARY.key], str(p.then)) for p in members if p.then],
            "kinds and roles",
        )
        await self._all_answer(
            [(p, private[p.key], f"/name {p.full_name}") for p in [SECRETARY, *members]],
            "full names",
        )
        await self._quiet()
        self.fake.forget_messages()
        self.files.clear()
        self.force_replies.clear()
        self.toasts.clear()
        self.actions.clear()
        self.seen.clear()
        self.tour_done = {"newcell", "setup"}
        self.changed()

    # -- what the page shows --------------------------------------------------------------------

    async def _tour(self) -> list[JSONDict]:
        def did(
            person: str | None, what: str, *, chat: int | None = None, data: bool = False
        ) -> bool:
            return any(
                (person is None or a.person == person)
                and (chat is None or a.chat_id == chat)
                and ((a.data if data else a.text).startswith(what))
                for a in self.actions
            )

        done = self.tour_done
        members = {p.key for p in PEOPLE if p.joins_as}
        checks = {
            "newcell": did(OPERATOR.key, "/newcell"),
            "setup": did(SECRETARY.key, "/setup", chat=GROUP.id),
            "help": did(SECRETARY.key, "/help"),
            "join": did("newcomer", "/join", chat=GROUP.id),
            "approve": any(
                a.person == SECRETARY.key and re.fullmatch(r"jr:[0-9]+:[op]", a.data)
                for a in self.actions
            ),
            "answer": any(a.person in members and a.data.startswith("at:") for a in self.actions),
            "answers": did(SECRETARY.key, "/answers"),
        }
        done.update(step for step, ok in checks.items() if ok)
        # The database is read only while the bot runs (not during a reset).
        if "schedule" not in done and self.ready.is_set() and await self._next_meeting():
            done.add("schedule")
        texts = tour_texts(self.language)
        return [{"key": key, "text": texts[key], "done": key in done} for key in TOUR_STEPS]

    def _render(self, message: JSONDict, viewer: Person) -> JSONDict:
        sender = message.get("from", {})
        chat_id = int(message["chat"]["id"])
        is_bot = bool(sender.get("is_bot"))
        person = BY_ID.get(int(sender.get("id", 0)))
        shown: JSONDict = {
            "id": message["message_id"],
            "date": message["date"],
            "mine": sender.get("id") == viewer.user.id,
            "bot": is_bot,
            "sender": person.full_name if person else str(sender.get("first_name", "")),
            "text": message.get("text", message.get("caption", "")),
            "entities": message.get("entities", message.get("caption_entities", [])),
            "protected": bool(message.get("has_protected_content")),
            "edited": "edit_date" in message,
            "force_reply": (chat_id, message["message_id"]) in self.force_replies,
            "buttons": [
                [
                    {"text": b["text"], "data": b.get("callback_data"), "url": b.get("url")}
                    for b in row
                ]
                for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            ],
        }
        if document := message.get("document"):
            shown["document"] = {
                "name": document.get("file_name", "file"),
                "size": document.get("file_size", 0),
                "url": f"/api/files/{document['file_id']}",
            }
        if photo := message.get("photo"):
            shown["photo"] = f"/api/files/{photo[-1]['file_id']}"
        if replied := message.get("reply_to_message"):
            text = str(replied.get("text", replied.get("caption", "")))
            shown["reply_to"] = {"id": replied["message_id"], "text": text[:80]}
        return shown

    def _chats_of(self, person: Person) -> list[tuple[int, str]]:
        return [(GROUP.id, str(GROUP.title)), (person.user.id, "private")]

    def _unread(self, person: Person, chat_id: int) -> int:
        seen = self.seen.get((person.key, chat_id), 0)
        return sum(
            1
            for m in self.fake.chat_history(chat_id)
            if m["message_id"] > seen and m.get("from", {}).get("id") != person.user.id
        )

    async def state(self, key: str, open_chat: int | None) -> JSONDict:
        """Everything the page shows to one person, with `open_chat` marked as read."""
        person = self._person(key)
        if open_chat is not None:
            self._chat(person, open_chat)
            history = self.fake.chat_history(open_chat)
            if history:
                self.seen[(key, open_chat)] = history[-1]["message_id"]
        chats = []
        for chat_id, title in self._chats_of(person):
            messages = [self._render(m, person) for m in self.fake.chat_history(chat_id)]
            chats.append(
                {
                    "id": chat_id,
                    "title": title,
                    "group": chat_id == GROUP.id,
                    "unread": self._unread(person, chat_id),
                    "messages": messages,
                }
            )
        tr = translator(self.language)
        return {
            "version": self.version,
            "language": self.language,
            "timezone": self.base_settings.timezone,
            "now": self.clock.now().timestamp(),
            "ready": self.ready.is_set(),
            "texts": page_texts(self.language),
            "me": key,
            "people": [
                {
                    "key": p.key,
                    "name": p.full_name,
                    "role": tr.gettext(p.role),
                    "unread": self._unread(p, p.user.id),
                }
                for p in PEOPLE
            ],
            "chats": chats,
            "toasts": self.toasts.pop(key, []),
            "tour": await self._tour(),
            "violations": [str(v) for v in self.fake.violations[-5:]],
        }

    def request_reset(self) -> None:
        """Stop the bot; the runner starts a new world with the demo cell."""
        self.reset_requested = True
        self.ready.clear()
        self.stop_event.set()
        self.changed()

    def set_language(self, language: str) -> None:
        """The page's language, and the Telegram language the people's apps report."""
        if language not in ("vi", "en"):
            raise SandboxError("language is vi or en")
        self.language = language
        self.changed()
