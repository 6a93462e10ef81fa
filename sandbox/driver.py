"""A user-side driver: people type, press buttons and change groups; the bot's calls come back.

The driver knows the bot only as a `telegram.ext.Application`. It builds the update dicts
Telegram would send, feeds them to `Application.process_update`, and reads what the bot did
from the `FakeTelegram` call log.

The test fixture must `await app.initialize()` first (and `await app.shutdown()` after);
the driver never starts the application or polling, so nothing runs behind the test's back.
Handlers registered with `block=False` run as tasks the driver does not wait for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext

from sandbox.fake_api import (
    Call,
    FakeTelegram,
    JSONDict,
    chat_member_dict,
    inline_buttons,
    utf16_length,
)

_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@(?P<bot>[A-Za-z0-9_]+))?")

# Telegram's placeholder sender for anonymous group admins.
GROUP_ANONYMOUS_BOT_ID = 1087968824


@dataclass(frozen=True)
class TgUser:
    """A Telegram user as the driver plays them."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "vi"
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        """The User object Telegram would put in an update."""
        user: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if value := getattr(self, key):
                user[key] = value
        return user


GROUP_ANONYMOUS_BOT = TgUser(
    GROUP_ANONYMOUS_BOT_ID, "Group", username="GroupAnonymousBot", language_code=None, is_bot=True
)


@dataclass(frozen=True)
class TgChat:
    """A chat as updates describe it: a private chat with one user, or a group."""

    id: int
    type: str
    title: str | None = None
    user: TgUser | None = None

    def to_dict(self) -> JSONDict:
        """The Chat object Telegram would put in an update."""
        chat: JSONDict = {"id": self.id, "type": self.type}
        if self.user is not None:
            chat.update(
                {
                    k: v
                    for k, v in self.user.to_dict().items()
                    if k not in ("is_bot", "language_code")
                }
            )
            chat["id"] = self.id
        if self.title is not None:
            chat["title"] = self.title
        return chat


class Driver:
    """Plays users against an initialized `Application` wired to a `FakeTelegram`.

    Every action returns the Bot API calls the bot made while handling it (each `Call` reads
    like its params dict: `calls[0]["text"]`). Exceptions escaping the bot's handlers are
    re-raised into the test unless `raise_errors=False` (then the bot's own error handlers
    are all that see them).
    """

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        fake: FakeTelegram,
        *,
        raise_errors: bool = True,
    ) -> None:
        self.app = app
        self.fake = fake
        self._errors: list[Exception] = []
        self._mark = fake.next_call_seq
        if raise_errors:
            app.add_error_handler(self._collect_error)

    async def _collect_error(
        self, update: object, context: CallbackContext[Any, Any, Any, Any]
    ) -> None:
        if context.error is not None:
            self._errors.append(context.error)

    # -- chats --

    def private_chat(self, user: TgUser) -> TgChat:
        """The user's private chat with the bot."""
        self.fake.register_user(user.to_dict())
        return TgChat(id=user.id, type="private", user=user)

    def group(self, chat_id: int, title: str, type: str = "group") -> TgChat:
        """A group or supergroup the bot is in."""
        if chat_id >= 0 or type not in ("group", "supergroup"):
            raise ValueError("a group has a negative id and type 'group' or 'supergroup'")
        chat = TgChat(id=chat_id, type=type, title=title)
        self.fake.register_chat(chat.to_dict())
        return chat

    # -- building updates --

    def _message(self, user: TgUser, chat: TgChat, **content: Any) -> JSONDict:
        self.fake.register_user(user.to_dict())
        message: JSONDict = {
            "message_id": self.fake.next_message_id(chat.id),
            "from": user.to_dict(),
            "chat": chat.to_dict(),
            "date": self.fake.now(),
            **content,
        }
        self.fake.store_message(message)
        return message

    def message_update(
        self,
        user: TgUser,
        chat: TgChat,
        text: str,
        *,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """A text message update (commands get their bot_command entity); stores the message."""
        content: JSONDict = {"text": text}
        if match := _COMMAND_RE.match(text):
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(match[0])}
            ]
        if reply_to_message_id is not None:
            replied = self.fake.message(chat.id, reply_to_message_id)
            if replied is None:
                raise AssertionError(f"no message {reply_to_message_id} in chat {chat.id}")
            replied.pop("reply_to_message", None)
            content["reply_to_message"] = replied
        if chat.type == "private":
            # Writing to a bot is what "starting" it means; it also lifts a block.
            self.fake.started_users.add(user.id)
            self.fake.blocked_users.discard(user.id)
        return {
            "update_id": self.fake.next_update_id(),
            "message": self._message(user, chat, **content),
        }

    def _reaches_bot(self, chat: TgChat, message: JSONDict) -> bool:
        # Privacy mode: in groups a bot sees commands meant for it and replies to its messages,
        # unless it is an admin.
        if chat.type == "private" or not self.fake.privacy_mode:
            return True
        if self.fake.member_statuses.get((chat.id, self.fake.bot_id)) in (
            "administrator",
            "creator",
        ):
            return True
        if match := _COMMAND_RE.match(message.get("text", "")):
            return match["bot"] is None or match["bot"].lower() == self.fake.bot_username.lower()
        replied = message.get("reply_to_message") or {}
        return bool(replied.get("from", {}).get("id") == self.fake.bot_id)

    # -- delivering --

    async def deliver(self, update: JSONDict) -> list[Call]:
        """Process one raw update dict; return the calls the bot made meanwhile."""
        # Messages in `update` should be in the fake (store_message) if the bot may reply to
        # or edit them: Telegram refuses to quote a message it does not know.
        start = self.fake.next_call_seq
        self._mark = start
        self._errors.clear()
        await self.app.process_update(Update.de_json(update, self.app.bot))
        if self._errors:
            error = self._errors[0]
            self._errors.clear()
            raise error
        return self.fake.calls_since(start)

    async def send(
        self,
        user: TgUser,
        chat: TgChat,
        text: str,
        *,
        reply_to_message_id: int | None = None,
    ) -> list[Call]:
        """The user writes `text` in `chat`; returns the bot's calls."""
        # With privacy mode on (FakeTelegram.privacy_mode, Telegram's default) a plain group
        # message does not reach a non-admin bot: it is stored, and nothing happens.
        update = self.message_update(user, chat, text, reply_to_message_id=reply_to_message_id)
        if not self._reaches_bot(chat, update["message"]):
            self._mark = self.fake.next_call_seq
            return []
        return await self.deliver(update)

    async def service_message(self, user: TgUser, chat: TgChat, **fields: Any) -> list[Call]:
        """A service message, e.g. new_chat_members=[...] or left_chat_member={...}."""
        update = {
            "update_id": self.fake.next_update_id(),
            "message": self._message(user, chat, **fields),
        }
        return await self.deliver(update)

    def _find_button(
        self, chat: TgChat, label: str, message: JSONDict | int | None
    ) -> tuple[JSONDict, JSONDict]:
        if message is None:
            candidates = list(reversed(self.fake.messages_in(chat.id)))
        else:
            message_id = message if isinstance(message, int) else int(message["message_id"])
            current = self.fake.message(chat.id, message_id)
            if current is None:
                raise AssertionError(
                    f"message {message_id} is not (or no longer) in chat {chat.id}"
                )
            candidates = [current]
        labels: list[str] = []
        for candidate in candidates:
            for button in inline_buttons(candidate):
                if button.get("text") == label:
                    if "callback_data" not in button:
                        raise AssertionError(
                            f"button {label!r} is not a callback button: {button}"
                        )
                    return candidate, button
                labels.append(str(button.get("text")))
        raise AssertionError(f"no button {label!r} in chat {chat.id}; available: {labels}")

    def callback_update(
        self, user: TgUser, chat: TgChat, data: str, message: JSONDict
    ) -> JSONDict:
        """A callback_query update for a button press on `message`."""
        self.fake.register_user(user.to_dict())
        query = {
            "id": self.fake.open_callback_query(),
            "from": user.to_dict(),
            "message": message,
            # Constant per chat, as Telegram's is.
            "chat_instance": str(abs(chat.id) * 7919 + 104729),
            "data": data,
        }
        return {"update_id": self.fake.next_update_id(), "callback_query": query}

    async def press(
        self,
        user: TgUser,
        chat: TgChat,
        label: str,
        *,
        message: JSONDict | int | None = None,
    ) -> list[Call]:
        """Press the button labelled `label` on the newest bot message that shows it."""
        found, button = self._find_button(chat, label, message)
        return await self.deliver(self.callback_update(user, chat, button["callback_data"], found))

    async def press_data(
        self, user: TgUser, chat: TgChat, data: str, message_id: int
    ) -> list[Call]:
        """Send arbitrary (forged or stale) callback data as if pressed on `message_id`."""
        message = self.fake.message(chat.id, message_id) or {
            "message_id": message_id,
            "date": self.fake.now(),
            "chat": chat.to_dict(),
            "from": self.fake.bot_user(),
            "text": "",
        }
        return await self.deliver(self.callback_update(user, chat, data, message))

    # -- membership --

    def _member_update(
        self, chat: TgChat, member: JSONDict, old_status: str, new_status: str, by_user: TgUser
    ) -> JSONDict:
        return {
            "chat": chat.to_dict(),
            "from": by_user.to_dict(),
            "date": self.fake.now(),
            "old_chat_member": chat_member_dict(member, old_status),
            "new_chat_member": chat_member_dict(member, new_status),
        }

    async def my_chat_member(
        self, chat: TgChat, old_status: str, new_status: str, by_user: TgUser
    ) -> list[Call]:
        """The bot's own membership changes (added, promoted, removed) by `by_user`."""
        # Groups also get a new_chat_members/left_chat_member message: send it with
        # service_message() when the bot under test cares.
        fake = self.fake
        fake.member_statuses[(chat.id, fake.bot_id)] = new_status
        if new_status == "kicked":
            fake.kicked_from.add(chat.id)
        elif new_status == "left":
            fake.left_chats.add(chat.id)
        else:
            fake.kicked_from.discard(chat.id)
            fake.left_chats.discard(chat.id)
        if chat.type == "private":
            # In a private chat "kicked" is the user blocking the bot.
            if new_status == "kicked":
                fake.blocked_users.add(chat.id)
            else:
                fake.blocked_users.discard(chat.id)
        update = self._member_update(chat, fake.bot_user(), old_status, new_status, by_user)
        return await self.deliver({"update_id": fake.next_update_id(), "my_chat_member": update})

    async def member_update(
        self,
        chat: TgChat,
        user: TgUser,
        old_status: str,
        new_status: str,
        *,
        by_user: TgUser | None = None,
    ) -> list[Call]:
        """A chat_member update for `user` (a status change made by `by_user` or themselves)."""
        # Telegram sends these only to admin bots that list "chat_member" in allowed_updates.
        self.fake.register_user(user.to_dict())
        self.fake.member_statuses[(chat.id, user.id)] = new_status
        update = self._member_update(chat, user.to_dict(), old_status, new_status, by_user or user)
        return await self.deliver({"update_id": self.fake.next_update_id(), "chat_member": update})

    async def migrate(
        self, old_chat_id: int, new_chat_id: int, *, by_user: TgUser | None = None
    ) -> list[Call]:
        """A group becomes a supergroup: the two service messages Telegram sends, in order."""
        sender = by_user or GROUP_ANONYMOUS_BOT
        old = self.fake.chats.get(old_chat_id, {})
        title = str(old.get("title", f"Group {old_chat_id}"))
        old_chat = TgChat(old_chat_id, "group", title)
        new_chat = self.group(new_chat_id, title, type="supergroup")
        start = self.fake.next_call_seq
        # From now on Telegram refuses the old id with migrate_to_chat_id.
        self.fake.migrated[old_chat_id] = new_chat_id
        await self.service_message(sender, old_chat, migrate_to_chat_id=new_chat_id)
        await self.service_message(sender, new_chat, migrate_from_chat_id=old_chat_id)
        self._mark = start
        return self.fake.calls_since(start)

    # -- reading what the bot did --

    @property
    def last_calls(self) -> list[Call]:
        """Calls made since the last driver action began."""
        return self.fake.calls_since(self._mark)

    def replies(self, chat_id: int) -> list[str]:
        """Texts of accepted sendMessage calls to `chat_id` since the last driver action."""
        return [
            str(call["text"])
            for call in self.last_calls
            if call.method == "sendMessage" and call.ok and call.get("chat_id") == chat_id
        ]
