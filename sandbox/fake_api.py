"""An in-memory Telegram Bot API that checks every call against the official 10.1 spec.

`FakeTelegram` holds the server state (chats, messages, pending updates, the call log) and
answers `handle(method, params, files)` the way Telegram would. Two transports share it:
`FakeRequest` (ptb's request seam, no sockets) here, and `FakeBotApiServer` (real HTTP on
127.0.0.1) in `http_server.py`.

Malformed calls (unknown method or parameter, missing required field, text or callback data
over the limits, invalid HTML, broken keyboards) are answered with Telegram's error and also
appended to `FakeTelegram.violations`, so a fixture can fail the test even when the bot
swallows the error. Refusals that a correct bot must expect at run time (403 for a user who
never started the bot, "message is not modified", injected faults) are not violations.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]
# A rule consulted for every valid call: a Fault to answer instead of Telegram, or None.
FaultRule = Callable[[str, "JSONDict"], "Fault | None"]
# Transport faults, as the bot's HTTP client sees them (FakeRequest only):
# "connect_error" / "connect_timeout": the request never reached Telegram;
# "drop_reply": Telegram handled the call (a message was delivered), the answer was lost.
TRANSPORT_FAULTS = ("connect_error", "connect_timeout", "drop_reply")
TransportRule = Callable[[str, "JSONDict"], "str | None"]

BOT_ID = 7000000001
BOT_USERNAME = "cellmeet_test_bot"
BOT_FIRST_NAME = "Cellmeet"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_BUTTONS = 100
# Real long polls last up to 50 s; tests only need to see that the call waits and wakes.
LONG_POLL_CAP_SECONDS = 1.0

# Telegram's default when a bot never passed allowed_updates.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

SPEC_ENV_VAR = "CELLMEET_BOT_API_SPEC"

_SEND_METHOD_RE = re.compile(r"^(send[A-Z]\w*|copyMessages?|forwardMessages?)$")
_EDIT_METHOD_RE = re.compile(r"^editMessage\w+$")
_BOT_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_BUTTON_LOOK_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})


# --- the spec -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a Bot API method, or one field of a Bot API type."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    """One Bot API method as the official spec describes it."""

    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


def spec_path() -> Path:
    """Locate api.json: $CELLMEET_BOT_API_SPEC, sandbox/api.json, or ../shared/."""
    here = Path(__file__).resolve().parent
    candidates = [here / "api.json", here.parents[1] / "shared" / "telegram-bot-api" / "api.json"]
    if env := os.environ.get(SPEC_ENV_VAR):
        candidates.insert(0, Path(env))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"Bot API spec api.json not found (tried {tried})")


def _fields(raw: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    return {f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"])) for f in raw}


@cache
def _spec() -> tuple[dict[str, MethodSpec], dict[str, dict[str, FieldSpec]]]:
    raw = json.loads(spec_path().read_text(encoding="utf-8"))
    methods = {
        name: MethodSpec(name, _fields(m.get("fields", [])), tuple(m.get("returns", [])))
        for name, m in raw["methods"].items()
    }
    types = {name: _fields(t.get("fields", [])) for name, t in raw["types"].items()}
    return methods, types


def bot_api_methods() -> dict[str, MethodSpec]:
    """All Bot API methods of the spec, by exact (case-sensitive) name."""
    return _spec()[0]


def bot_api_type_fields(type_name: str) -> dict[str, FieldSpec]:
    """The fields of one Bot API type, e.g. "InlineKeyboardButton"."""
    return _spec()[1][type_name]


def _matches_json_type(value: Any, api_type: str) -> bool:
    if api_type == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if api_type == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if api_type == "Boolean":
        return isinstance(value, bool)
    if api_type in ("String", "InputFile"):
        return False
    if api_type.startswith("Array of"):
        return isinstance(value, list)
    return isinstance(value, dict)


def coerce_params(method: str, params: Mapping[str, Any]) -> JSONDict:
    """Decode form-style string values (JSON objects, numbers, booleans) by the spec's types."""
    spec = bot_api_methods().get(method)
    decoded: JSONDict = {}
    for name, value in params.items():
        field_spec = spec.fields.get(name) if spec else None
        decoded[name] = _coerce(value, field_spec.types) if field_spec else value
    return decoded


def _coerce(value: Any, types: tuple[str, ...]) -> Any:
    # Over HTTP every form value is a string; Telegram reads it by the parameter's type, so
    # "123" is a chat id but stays a string in `text`.
    if not isinstance(value, str) or all(t == "String" for t in types):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if any(_matches_json_type(decoded, t) for t in types) else value


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count 2)."""
    return len(text.encode("utf-16-le")) // 2


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded as a multipart part."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass
class Call:
    """One Bot API call as the fake received it, with the answer it gave.

    `call["text"]` reads a parameter, so a list of calls reads like a list of param dicts.
    """

    method: str
    params: JSONDict
    files: dict[str, UploadedFile] = field(default_factory=dict)
    seq: int = 0
    status: int = 0
    response: JSONDict = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        """A parameter, or `default` when the bot did not send it."""
        return self.params.get(key, default)

    @property
    def ok(self) -> bool:
        """Whether the fake accepted the call."""
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Violation:
    """A call the bot should never make: Telegram would reject it as malformed."""

    method: str
    description: str
    params: JSONDict

    def __str__(self) -> str:
        return f"{self.method}: {self.description} (params: {self.params!r})"


@dataclass(frozen=True)
class Fault:
    """A scripted failure for the next call to `method` ("*" matches any method).

    `parameters` becomes the error's ResponseParameters, e.g. {"retry_after": 1}.
    """

    method: str
    status: int
    description: str = ""
    parameters: JSONDict | None = None

    def body(self) -> JSONDict:
        """The error body Telegram would send."""
        body: JSONDict = {
            "ok": False,
            "error_code": self.status,
            "description": self.description or _default_fault_description(self),
        }
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def _default_fault_description(fault: Fault) -> str:
    if fault.status == 429:
        retry_after = (fault.parameters or {}).get("retry_after", 1)
        return f"Too Many Requests: retry after {retry_after}"
    return {
        400: "Bad Request",
        403: "Forbidden",
        409: "Conflict",
        500: "Internal Server Error",
        502: "Bad Gateway",
        504: "Gateway Timeout",
    }.get(fault.status, "Error")


class _Reject(Exception):
    """Telegram's refusal of a call, raised inside the fake and turned into an error body."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        violation: bool = False,
        parameters: JSONDict | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.violation = violation
        self.parameters = parameters


def _malformed(description: str) -> _Reject:
    return _Reject(400, f"Bad Request: {description}", violation=True)


# --- formatting -----------------------------------------------------------------------------

_HTML_TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}


@dataclass
class _OpenTag:
    tag: str
    offset: int
    attrs: dict[str, str | None]


class _TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode: a small tag set, every tag closed, entities in UTF-16."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSONDict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAG_ENTITIES:
            raise _malformed(f'can\'t parse entities: Unsupported start tag "{tag}"')
        attributes = dict(attrs)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise _malformed('can\'t parse entities: Tag "span" must have class "tg-spoiler"')
        if tag == "a" and not attributes.get("href"):
            raise _malformed('can\'t parse entities: Tag "a" must have attribute "href"')
        self.stack.append(_OpenTag(tag, self.length, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _malformed(f'can\'t parse entities: Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise _malformed(f'can\'t parse entities: Unexpected end tag "{tag}"')
        opened = self.stack.pop()
        if opened.tag != tag:
            raise _malformed(
                f'can\'t parse entities: Unmatched end tag, expected "</{opened.tag}>", '
                f'found "</{tag}>"'
            )
        length = self.length - opened.offset
        language = (opened.attrs.get("class") or "").removeprefix("language-")
        if tag == "code" and self.stack and self.stack[-1].tag == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            if language:
                self.stack[-1].attrs["language"] = language
            return
        if length == 0:
            return
        entity: JSONDict = {"type": _HTML_TAG_ENTITIES[tag], "offset": opened.offset}
        entity["length"] = length
        if tag == "a":
            entity["url"] = opened.attrs["href"]
        elif tag == "pre" and opened.attrs.get("language"):
            entity["language"] = opened.attrs["language"]
        elif tag == "blockquote" and "expandable" in opened.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = opened.attrs.get("emoji-id") or ""
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_length(data)

    def handle_comment(self, data: str) -> None:
        raise _malformed("can't parse entities: comments are not supported")

    def handle_decl(self, decl: str) -> None:
        raise _malformed("can't parse entities: declarations are not supported")

    def finish(self) -> tuple[str, list[JSONDict]]:
        self.close()
        if self.stack:
            raise _malformed(
                "can't parse entities: Can't find end tag corresponding to start tag "
                f'"{self.stack[-1].tag}"'
            )
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


# Characters MarkdownV2 never uses as markup outside code and link URLs: an unescaped one is
# the classic "Character '.' is reserved" rejection.
_MARKDOWN_V2_RESERVED = frozenset("#+-={}.!()")


def _check_markdown_v2(text: str) -> None:
    i = 0
    code_fence: str | None = None
    in_url = False
    line_start = True
    while i < len(text):
        char = text[i]
        if char == "\\":
            i, line_start = i + 2, False
            continue
        if code_fence:
            if text.startswith(code_fence, i):
                i, code_fence = i + len(code_fence), None
            else:
                i += 1
            continue
        if in_url:
            in_url = char != ")"
            i += 1
            continue
        if text.startswith("```", i) or char == "`":
            code_fence = "```" if text.startswith("```", i) else "`"
            i += len(code_fence)
            continue
        if text.startswith("](", i):
            i, in_url = i + 2, True
            continue
        if text.startswith("![", i):
            i += 1
            continue
        if char in _MARKDOWN_V2_RESERVED or (char == ">" and not line_start):
            raise _malformed(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        line_start = char == "\n"
        i += 1
    if code_fence:
        raise _malformed("can't parse entities: Can't find end of Code entity")


def _render(text: Any, parse_mode: Any, entities: Any, what: str) -> tuple[str, list[JSONDict]]:
    """The text Telegram stores, with its entities; Markdown modes keep the raw text."""
    if not isinstance(text, str):
        raise _malformed(f"{what} must be a string")
    mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
    if mode == "html":
        parser = _TelegramHtml()
        parser.feed(text)
        return parser.finish()
    if mode == "markdownv2":
        _check_markdown_v2(text)
    elif mode not in ("", "markdown"):
        raise _malformed("unsupported parse_mode")
    if entities is not None and not isinstance(entities, list):
        raise _malformed("can't parse entities JSON object")
    return text, list(entities or [])


def _check_text_length(text: str) -> None:
    # Telegram trims surrounding whitespace, so a blank text counts as empty.
    if not text.strip():
        raise _malformed("message text is empty")
    if utf16_length(text) > MAX_TEXT_LENGTH:
        raise _malformed("message is too long")


# --- keyboards ------------------------------------------------------------------------------


def _parse_markup(markup: Any) -> JSONDict:
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            raise _malformed("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise _malformed("can't parse reply keyboard markup JSON object")
    return markup


def _rows(markup: JSONDict, key: str) -> list[list[Any]]:
    rows = markup[key]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _malformed(f'field "{key}" of the keyboard must be an Array of Arrays')
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _malformed("can't parse inline keyboard button: expected an object")
    known = bot_api_type_fields("InlineKeyboardButton")
    unknown = sorted(set(button) - set(known))
    if unknown:
        raise _malformed(f"can't parse inline keyboard button: unknown fields {unknown}")
    if not isinstance(button.get("text"), str) or not button["text"]:
        raise _malformed("can't parse inline keyboard button: Text must be non-empty")
    actions = sorted(set(button) - _BUTTON_LOOK_FIELDS)
    if not actions:
        raise _malformed(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _malformed(
            f"can't parse inline keyboard button: exactly one action field expected, got {actions}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise _malformed("BUTTON_DATA_INVALID")


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> JSONDict:
    """Validate reply_markup (a dict or its JSON) as Telegram would; return it decoded."""
    decoded = _parse_markup(markup)
    if "inline_keyboard" in decoded:
        rows = _rows(decoded, "inline_keyboard")
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise _malformed("reply markup is too long")
        for row in rows:
            for button in row:
                _check_inline_button(button)
        return decoded
    if inline_only:
        raise _malformed("inline keyboard expected")
    if "keyboard" in decoded:
        for row in _rows(decoded, "keyboard"):
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise _malformed("can't parse keyboard button: Text must be non-empty")
        return decoded
    if decoded.get("remove_keyboard") is True or decoded.get("force_reply") is True:
        return decoded
    raise _malformed("can't parse reply keyboard markup JSON object")


def inline_buttons(message: Mapping[str, Any]) -> list[JSONDict]:
    """Every inline keyboard button of a message dict, row by row."""
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


# --- chat members ---------------------------------------------------------------------------


def chat_member_dict(user: JSONDict, status: str) -> JSONDict:
    """A ChatMember dict with the fields its status requires."""
    member: JSONDict = {"status": status, "user": dict(user)}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":
        member.update(
            is_member=True,
            until_date=0,
            can_send_messages=False,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
        )
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}")
    return member


def _chat_id_key(chat_id: Any) -> Any:
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        return int(chat_id)
    return chat_id


# --- the server state -----------------------------------------------------------------------


class FakeTelegram:
    """The state of a fake Bot API server: call log, chats, messages, updates, fault script.

    Thread-safe: every entry point takes one lock, so the HTTP server's threads and an event
    loop can share one instance.
    """

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.bot_id = BOT_ID
        self.bot_username = BOT_USERNAME
        self.bot_first_name = BOT_FIRST_NAME
        # With privacy mode on (Telegram's default) a bot does not see ordinary group messages.
        self.privacy_mode = True

        self.calls: list[Call] = []
        self.violations: list[Violation] = []
        # Consumed front to back by the first call whose method matches.
        self.fail_next: list[Fault] = []
        # Consulted for every valid call that no scripted fault took (outages, random faults).
        self.fault_rule: FaultRule | None = None
        self.transport_next: list[tuple[str, str]] = []
        self.transport_rule: TransportRule | None = None

        self.started_users: set[int] = set()
        self.blocked_users: set[int] = set()
        self.kicked_from: set[int] = set()
        self.left_chats: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.users: dict[int, JSONDict] = {}
        self.chats: dict[int, JSONDict] = {}
        self.member_statuses: dict[tuple[int, int], str] = {}

        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.callback_answers: dict[str, JSONDict] = {}
        self.invite_links: list[JSONDict] = []
        # Told of every call once answered (outside the lock): the sandbox's page follows them.
        self.observers: list[Callable[[Call], None]] = []

        self._lock = threading.RLock()
        self._updates_changed = threading.Condition(self._lock)
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._updates: list[JSONDict] = []
        self._allowed_updates: list[str] = []
        self._next_update_id = 100_000_001
        self._next_seq = 1
        self._next_file = 1
        self._next_callback = 1
        self._last_message_id: dict[Any, int] = {}
        self._messages: dict[Any, dict[int, JSONDict]] = {}
        self._open_callback_queries: set[str] = set()

    # -- identities --

    def bot_user(self) -> JSONDict:
        """The bot as a User dict."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def register_user(self, user: JSONDict) -> None:
        """Make a user known (names for private chats and getChatMember)."""
        with self._lock:
            self.users[int(user["id"])] = dict(user)

    def register_chat(self, chat: JSONDict) -> None:
        """Make a chat known, so messages and getChat carry its title and type."""
        with self._lock:
            self.chats[int(chat["id"])] = dict(chat)

    def now(self) -> int:
        """The fake's clock as a Unix timestamp, as Telegram dates are."""
        return int(self.clock().timestamp())

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id in a chat (users and the bot share the sequence)."""
        with self._lock:
            key = _chat_id_key(chat_id)
            self._last_message_id[key] = self._last_message_id.get(key, 0) + 1
            return self._last_message_id[key]

    def next_update_id(self) -> int:
        """Allocate an update id."""
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
            return update_id

    def open_callback_query(self) -> str:
        """Issue a callback query id the bot may answer once."""
        with self._lock:
            query_id = str(4_000_000_000_000_000_000 + self._next_callback)
            self._next_callback += 1
            self._open_callback_queries.add(query_id)
            return query_id

    def unanswered_callback_queries(self) -> set[str]:
        """Callback query ids the bot never answered (the user still sees a spinner)."""
        with self._lock:
            return set(self._open_callback_queries)

    # -- messages --

    def store_message(self, message: JSONDict) -> None:
        """Keep a message (e.g. one a user sent) so replies and edits can find it."""
        with self._lock:
            chat_key = _chat_id_key(message["chat"]["id"])
            self._messages.setdefault(chat_key, {})[message["message_id"]] = copy.deepcopy(message)
            last = self._last_message_id.get(chat_key, 0)
            self._last_message_id[chat_key] = max(last, message["message_id"])

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """The current state of one message, or None if unknown or deleted."""
        with self._lock:
            found = self._messages.get(_chat_id_key(chat_id), {}).get(message_id)
            return copy.deepcopy(found) if found else None

    def messages_in(self, chat_id: int) -> list[JSONDict]:
        """The bot's messages still in a chat, oldest first, as they look after edits."""
        with self._lock:
            stored = self._messages.get(_chat_id_key(chat_id), {})
            return [
                copy.deepcopy(m)
                for _, m in sorted(stored.items())
                if m.get("from", {}).get("id") == self.bot_id
            ]

    def chat_history(self, chat_id: int) -> list[JSONDict]:
        """Every message still in a chat, the users' and the bot's, oldest first."""
        with self._lock:
            stored = self._messages.get(_chat_id_key(chat_id), {})
            return [copy.deepcopy(m) for _, m in sorted(stored.items())]

    def forget_messages(self) -> None:
        """Empty every chat's history (message ids keep growing, as on Telegram)."""
        with self._lock:
            self._messages.clear()

    def last_message(self, chat_id: int) -> JSONDict:
        """The bot's newest message in a chat; AssertionError if there is none."""
        messages = self.messages_in(chat_id)
        if not messages:
            raise AssertionError(f"the bot has no message in chat {chat_id}")
        return messages[-1]

    # -- call log --

    @property
    def next_call_seq(self) -> int:
        """The `seq` the next recorded call will get (a bookmark for `calls_since`)."""
        with self._lock:
            return self._next_seq

    def calls_since(self, seq: int) -> list[Call]:
        """Calls recorded from bookmark `seq` on."""
        with self._lock:
            return [c for c in self.calls if c.seq >= seq]

    def sent(
        self, chat_id: int | str | None = None, method: str = "sendMessage"
    ) -> list[JSONDict]:
        """Params of accepted calls to `method`, optionally only those to one chat."""
        with self._lock:
            return [
                c.params
                for c in self.calls
                if c.method == method
                and c.ok
                and (
                    chat_id is None
                    or _chat_id_key(c.params.get("chat_id")) == _chat_id_key(chat_id)
                )
            ]

    def trim_calls(self, keep: int) -> None:
        """Forget the oldest calls once there are more than `keep` (a long-running sandbox)."""
        with self._lock:
            if len(self.calls) > keep:
                del self.calls[: len(self.calls) - keep // 2]

    def clear_calls(self) -> None:
        """Forget the call log (violations stay)."""
        with self._lock:
            self.calls.clear()

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every malformed call so far."""
        with self._lock:
            if self.violations:
                listed = "\n  ".join(str(v) for v in self.violations)
                raise AssertionError(f"Bot API violations:\n  {listed}")

    # -- fault injection --

    def fail(
        self,
        method: str,
        status: int,
        description: str = "",
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Script the next call to `method` ("*" for any) to fail with `status`."""
        parameters: JSONDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        with self._lock:
            self.fail_next.append(Fault(method, status, description, parameters or None))

    def _take_fault(self, method: str, params: JSONDict) -> Fault | None:
        for i, fault in enumerate(self.fail_next):
            if fault.method in (method, "*"):
                return self.fail_next.pop(i)
        return self.fault_rule(method, params) if self.fault_rule else None

    def fail_transport(self, method: str, kind: str) -> None:
        """Script the next call to `method` ("*" for any) to fail in transport (see
        TRANSPORT_FAULTS); only FakeRequest plays these."""
        if kind not in TRANSPORT_FAULTS:
            raise ValueError(f"unknown transport fault {kind!r}")
        with self._lock:
            self.transport_next.append((method, kind))

    def take_transport_fault(self, method: str, params: JSONDict) -> str | None:
        """The transport fault for this call, if one is scripted or the rule gives one."""
        with self._lock:
            for i, (scripted, kind) in enumerate(self.transport_next):
                if scripted in (method, "*"):
                    del self.transport_next[i]
                    return kind
            return self.transport_rule(method, params) if self.transport_rule else None

    # -- updates --

    def push_update(self, update: JSONDict) -> int:
        """Queue an update for getUpdates (assigning update_id if missing); return its id."""
        with self._lock:
            update = copy.deepcopy(update)
            if "update_id" not in update:
                update["update_id"] = self.next_update_id()
            self._updates.append(update)
            self._updates_changed.notify_all()
            for loop, event in self._async_waiters:
                # A closed loop's waiter is gone with it.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(event.set)
            return int(update["update_id"])

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by an offset."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def _deliverable(self, params: Mapping[str, Any]) -> list[JSONDict]:
        offset = params.get("offset")
        allowed = params.get("allowed_updates") or self._allowed_updates
        selected = []
        for update in self._updates:
            if isinstance(offset, int) and offset > 0 and update["update_id"] < offset:
                continue
            kind = next((k for k in update if k != "update_id"), "")
            if (kind in allowed) if allowed else (kind not in DEFAULT_EXCLUDED_UPDATES):
                selected.append(update)
        return selected

    def _long_poll_timeout(self, params: Mapping[str, Any]) -> float:
        timeout = params.get("timeout") or 0
        return min(float(timeout), LONG_POLL_CAP_SECONDS) if not self.webhook_url else 0.0

    def wait_for_updates(self, params: Mapping[str, Any]) -> None:
        """Block (in a server thread) until getUpdates has something or its timeout passes."""
        params = coerce_params("getUpdates", params)
        with self._updates_changed:
            deadline = time.monotonic() + self._long_poll_timeout(params)
            while not self._deliverable(params):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._updates_changed.wait(remaining)

    async def wait_for_updates_async(self, params: Mapping[str, Any]) -> None:
        """Like `wait_for_updates`, without blocking the event loop."""
        params = coerce_params("getUpdates", params)
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            deadline = time.monotonic() + self._long_poll_timeout(params)
            self._async_waiters.append(waiter)
        try:
            while True:
                with self._lock:
                    if self._deliverable(params):
                        return
                    waiter[1].clear()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                try:
                    await asyncio.wait_for(waiter[1].wait(), remaining)
                except TimeoutError:
                    return
        finally:
            with self._lock:
                self._async_waiters.remove(waiter)

    # -- the API --

    def handle(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, JSONDict]:
        """Answer one Bot API call: (HTTP status, JSON body), recording call and violations."""
        with self._lock:
            spec = bot_api_methods().get(method)
            decoded = coerce_params(method, params)
            files = dict(files or {})
            if spec:
                # ptb leaves a directly uploaded file out of the parameters: its multipart
                # part carries the parameter's name instead.
                for name, upload in files.items():
                    if name in spec.fields and name not in decoded:
                        decoded[name] = upload
                for name, value in decoded.items():
                    if isinstance(value, str) and value.startswith("attach://"):
                        decoded[name] = files.get(value.removeprefix("attach://"), value)
            call = Call(method, decoded, files, seq=self._next_seq)
            self._next_seq += 1
            self.calls.append(call)
            try:
                if spec is None:
                    raise _Reject(404, "Not Found", violation=True)
                self._validate(spec, decoded)
                fault = self._take_fault(method, decoded)
                if fault:
                    call.status, call.response = fault.status, fault.body()
                else:
                    call.status, call.response = (
                        200,
                        {"ok": True, "result": self._dispatch(spec, decoded)},
                    )
            except _Reject as reject:
                if reject.violation:
                    self.violations.append(Violation(method, reject.description, decoded))
                body: JSONDict = {
                    "ok": False,
                    "error_code": reject.status,
                    "description": reject.description,
                }
                if reject.parameters:
                    body["parameters"] = reject.parameters
                call.status, call.response = reject.status, body
            answer = call.status, copy.deepcopy(call.response)
        for observer in list(self.observers):
            observer(call)
        return answer

    def _validate(self, spec: MethodSpec, params: JSONDict) -> None:
        missing = [f.name for f in spec.fields.values() if f.required and f.name not in params]
        if missing:
            raise _malformed(f"{missing[0]} is empty (required parameter missing)")
        # Telegram ignores unknown parameters, so the call goes through; the bot still meant
        # something it did not get (a typo, or a parameter this API version removed).
        for name in params:
            if name not in spec.fields:
                self.violations.append(Violation(spec.name, f"unknown parameter {name!r}", params))
        if "reply_markup" in params:
            inline_only = spec.name.startswith("edit") or spec.name == "stopPoll"
            params["reply_markup"] = check_reply_markup(
                params["reply_markup"], inline_only=inline_only
            )
        if "caption" in params:
            caption, _ = _render(
                params["caption"],
                params.get("parse_mode"),
                params.get("caption_entities"),
                "caption",
            )
            if utf16_length(caption) > MAX_CAPTION_LENGTH:
                raise _malformed("message caption is too long")
        if spec.name == "answerCallbackQuery":
            text = params.get("text") or ""
            if utf16_length(text) > MAX_CALLBACK_ANSWER_LENGTH:
                raise _malformed("MESSAGE_TOO_LONG")
        if spec.name == "setMyCommands":
            _check_commands(params["commands"])

    def _dispatch(self, spec: MethodSpec, params: JSONDict) -> Any:
        handler = getattr(self, f"_api_{spec.name}", None)
        if "chat_id" in params:
            self._check_reachable(spec.name, params)
        if handler is not None:
            return handler(params)
        if spec.returns == ("Boolean",):
            return True
        raise _Reject(
            501,
            f"FakeTelegram has no result for {spec.name} (returns {'/'.join(spec.returns)}); "
            "teach sandbox/fake_api.py this method",
            violation=True,
        )

    # -- chats --

    def _chat(self, chat_id: Any) -> JSONDict:
        key = _chat_id_key(chat_id)
        if isinstance(key, str):
            for chat in self.chats.values():
                if key.startswith("@") and chat.get("username") == key[1:]:
                    return chat
            raise _Reject(400, "Bad Request: chat not found")
        if not isinstance(key, int):
            raise _malformed("chat_id must be an Integer or a String")
        if key in self.migrated:
            raise _Reject(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self.migrated[key]},
            )
        if key in self.chats:
            return self.chats[key]
        if key > 0:
            user = self.users.get(key, {"first_name": f"User {key}"})
            chat = {"id": key, "type": "private", "first_name": user["first_name"]}
            for extra in ("last_name", "username"):
                if user.get(extra):
                    chat[extra] = user[extra]
            return chat
        kind = "supergroup" if key <= -1_000_000_000_000 else "group"
        return {"id": key, "type": kind, "title": f"Group {key}"}

    def _check_reachable(self, method: str, params: JSONDict) -> None:
        chat = self._chat(params["chat_id"])
        chat_id = chat["id"]
        if chat["type"] == "private":
            if chat_id in self.blocked_users and (
                _SEND_METHOD_RE.match(method) or _EDIT_METHOD_RE.match(method)
            ):
                raise _Reject(403, "Forbidden: bot was blocked by the user")
            if chat_id not in self.started_users and _SEND_METHOD_RE.match(method):
                raise _Reject(403, "Forbidden: bot can't initiate conversation with a user")
        elif chat_id in self.kicked_from:
            raise _Reject(403, f"Forbidden: bot was kicked from the {chat['type']} chat")
        elif chat_id in self.left_chats:
            raise _Reject(403, f"Forbidden: bot is not a member of the {chat['type']} chat")

    def _user(self, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            return self.bot_user()
        return self.users.get(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        )

    # -- messages sent by the bot --

    def _new_message(self, params: JSONDict, content: JSONDict) -> JSONDict:
        chat = self._chat(params["chat_id"])
        message: JSONDict = {
            "message_id": 0,
            "from": self.bot_user(),
            "chat": dict(chat),
            "date": self.now(),
        }
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and "message_id" in reply:
            target_chat = _chat_id_key(reply.get("chat_id", chat["id"]))
            target = self.message(target_chat, int(reply["message_id"]))
            if target is not None:
                target.pop("reply_to_message", None)
                message["reply_to_message"] = target
            elif not reply.get("allow_sending_without_reply"):
                raise _Reject(400, "Bad Request: message to be replied not found")
        message.update(content)
        if params.get("protect_content"):
            message["has_protected_content"] = True
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            # Telegram echoes only inline keyboards in the returned Message.
            message["reply_markup"] = markup
        message["message_id"] = self.next_message_id(chat["id"])
        self.store_message(message)
        return message

    def _api_sendMessage(self, params: JSONDict) -> JSONDict:
        text, entities = _render(
            params["text"], params.get("parse_mode"), params.get("entities"), "text"
        )
        _check_text_length(text)
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._new_message(params, content)

    def _caption_content(self, params: JSONDict) -> JSONDict:
        if "caption" not in params:
            return {}
        caption, entities = _render(
            params["caption"], params.get("parse_mode"), params.get("caption_entities"), "caption"
        )
        content: JSONDict = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
        return content

    def _file_ids(self) -> tuple[str, str]:
        number = self._next_file
        self._next_file += 1
        return f"BQACAgIAAxkBAAI{number:08d}", f"AgAD{number:08d}"

    def _upload(self, value: Any) -> UploadedFile | str:
        if isinstance(value, UploadedFile) and not value.content:
            raise _malformed("file must be non-empty")
        # An attach:// left unresolved names a part the request did not carry.
        if not isinstance(value, UploadedFile | str) or not value or "attach://" in str(value):
            raise _malformed("wrong file identifier/HTTP URL specified")
        return value

    def _api_sendDocument(self, params: JSONDict) -> JSONDict:
        upload = self._upload(params["document"])
        file_id, unique_id = self._file_ids()
        document: JSONDict = {"file_id": file_id, "file_unique_id": unique_id}
        if isinstance(upload, UploadedFile):
            document.update(file_name=upload.filename, file_size=len(upload.content))
            if upload.mime_type:
                document["mime_type"] = upload.mime_type
        else:
            document["file_id"] = upload
        return self._new_message(params, {"document": document, **self._caption_content(params)})

    def _api_sendPhoto(self, params: JSONDict) -> JSONDict:
        upload = self._upload(params["photo"])
        size = len(upload.content) if isinstance(upload, UploadedFile) else 0
        photo = []
        for width in (90, 320, 800):
            file_id, unique_id = self._file_ids()
            photo.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": width,
                    "file_size": size,
                }
            )
        return self._new_message(params, {"photo": photo, **self._caption_content(params)})

    # -- edits --

    def _editable(self, params: JSONDict) -> JSONDict | None:
        if "inline_message_id" in params:
            return None
        if "chat_id" not in params or "message_id" not in params:
            raise _malformed("message identifier is not specified")
        chat = self._chat(params["chat_id"])
        message = self._messages.get(chat["id"], {}).get(params["message_id"])
        if message is None:
            raise _Reject(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _Reject(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(self, message: JSONDict, changes: JSONDict, markup: Any) -> JSONDict:
        # Omitting reply_markup in an edit removes the keyboard, as on Telegram.
        updated = copy.deepcopy(message)
        updated.pop("edit_date", None)
        for key, value in changes.items():
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = value
        updated.pop("reply_markup", None)
        if markup and "inline_keyboard" in markup:
            updated["reply_markup"] = markup
        if updated == {k: v for k, v in message.items() if k != "edit_date"}:
            raise _Reject(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of the "
                "message",
            )
        updated["edit_date"] = self.now()
        message.clear()
        message.update(updated)
        return copy.deepcopy(message)

    def _api_editMessageText(self, params: JSONDict) -> JSONDict | bool:
        if "text" not in params:
            raise _malformed("text is empty (required parameter missing)")
        text, entities = _render(
            params["text"], params.get("parse_mode"), params.get("entities"), "text"
        )
        _check_text_length(text)
        message = self._editable(params)
        if message is None:
            return True
        if "text" not in message:
            raise _Reject(400, "Bad Request: there is no text in the message to edit")
        changes = {"text": text, "entities": entities or None}
        return self._apply_edit(message, changes, params.get("reply_markup"))

    def _api_editMessageCaption(self, params: JSONDict) -> JSONDict | bool:
        message = self._editable(params)
        if message is None:
            return True
        if "text" in message:
            raise _Reject(400, "Bad Request: there is no caption in the message to edit")
        content = self._caption_content(params)
        changes = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._apply_edit(message, changes, params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, params: JSONDict) -> JSONDict | bool:
        message = self._editable(params)
        if message is None:
            return True
        return self._apply_edit(message, {}, params.get("reply_markup"))

    def _api_deleteMessage(self, params: JSONDict) -> bool:
        chat = self._chat(params["chat_id"])
        if self._messages.get(chat["id"], {}).pop(params["message_id"], None) is None:
            raise _Reject(400, "Bad Request: message to delete not found")
        return True

    def _api_answerCallbackQuery(self, params: JSONDict) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id not in self._open_callback_queries:
            raise _Reject(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid",
            )
        self._open_callback_queries.discard(query_id)
        self.callback_answers[query_id] = dict(params)
        return True

    # -- bot and webhook --

    def _api_getMe(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_getUpdates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook_url:
            raise _Reject(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._updates = self._updates[offset:]
        if params.get("allowed_updates"):
            self._allowed_updates = list(params["allowed_updates"])
        # Telegram never creates updates of types the bot did not ask for.
        deliverable = self._deliverable(params)
        self._updates = [u for u in self._updates if u in deliverable]
        limit = params.get("limit") or 100
        return copy.deepcopy(deliverable[: max(1, min(int(limit), 100))])

    def _api_setWebhook(self, params: JSONDict) -> bool:
        self.webhook_url = str(params["url"])
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if params.get("allowed_updates"):
            self._allowed_updates = list(params["allowed_updates"])
        return True

    def _api_deleteWebhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: JSONDict) -> JSONDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _api_setMyCommands(self, params: JSONDict) -> bool:
        self.commands[_commands_key(params)] = list(params["commands"])
        return True

    def _api_deleteMyCommands(self, params: JSONDict) -> bool:
        self.commands.pop(_commands_key(params), None)
        return True

    def _api_getMyCommands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(_commands_key(params), []))

    # -- chats and members --

    def _api_getChat(self, params: JSONDict) -> JSONDict:
        return {
            **self._chat(params["chat_id"]),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _status(self, chat_id: int, user_id: int) -> str:
        return self.member_statuses.get((chat_id, user_id), "member")

    def _api_getChatMember(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params["chat_id"])
        user_id = int(params["user_id"])
        return chat_member_dict(self._user(user_id), self._status(chat["id"], user_id))

    def _api_getChatAdministrators(self, params: JSONDict) -> list[JSONDict]:
        chat = self._chat(params["chat_id"])
        return [
            chat_member_dict(self._user(user_id), status)
            for (chat_id, user_id), status in self.member_statuses.items()
            if chat_id == chat["id"] and status in ("creator", "administrator")
        ]

    def _api_getChatMemberCount(self, params: JSONDict) -> int:
        chat = self._chat(params["chat_id"])
        present = {
            user_id
            for (chat_id, user_id), status in self.member_statuses.items()
            if chat_id == chat["id"] and status not in ("left", "kicked")
        }
        return len(present | {self.bot_id})

    def _api_leaveChat(self, params: JSONDict) -> bool:
        chat = self._chat(params["chat_id"])
        self.left_chats.add(chat["id"])
        self.member_statuses[(chat["id"], self.bot_id)] = "left"
        return True

    def _api_createChatInviteLink(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params["chat_id"])
        link: JSONDict = {
            "invite_link": f"https://t.me/+fake{len(self.invite_links) + 1:06d}",
            "creator": self.bot_user(),
            "creates_join_request": bool(params.get("creates_join_request", False)),
            "is_primary": False,
            "is_revoked": False,
        }
        for key in ("name", "expire_date", "member_limit"):
            if key in params:
                link[key] = params[key]
        self.invite_links.append({"chat_id": chat["id"], **link})
        return link

    def _api_revokeChatInviteLink(self, params: JSONDict) -> JSONDict:
        for stored in self.invite_links:
            if stored["invite_link"] == params["invite_link"]:
                stored["is_revoked"] = True
                return {k: v for k, v in stored.items() if k != "chat_id"}
        raise _Reject(400, "Bad Request: INVITE_HASH_EXPIRED")

    def _api_exportChatInviteLink(self, params: JSONDict) -> str:
        chat = self._chat(params["chat_id"])
        return f"https://t.me/+primary{abs(chat['id'])}"


def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _check_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > 100:
        raise _malformed("commands must be an Array of at most 100 BotCommand")
    for command in commands:
        if not isinstance(command, dict) or not _BOT_COMMAND_RE.match(
            str(command.get("command", ""))
        ):
            raise _malformed("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise _malformed("BOT_COMMAND_DESCRIPTION_INVALID")


# --- ptb's request seam ---------------------------------------------------------------------


def _read_upload(field_tuple: Any) -> UploadedFile:
    filename, content, mime_type = field_tuple
    data = content.read() if hasattr(content, "read") else content
    return UploadedFile(str(filename), bytes(data), mime_type)


class FakeRequest(BaseRequest):
    """ptb's `BaseRequest` answered by a `FakeTelegram` in memory: no sockets, no threads."""

    def __init__(self, fake: FakeTelegram, *, read_timeout: float | None = 5.0) -> None:
        self.fake = fake
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout ptb adds long-poll timeouts to."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route the call to the fake by the URL's last path segment."""
        if "/file/bot" in url:
            not_found = {"ok": False, "error_code": 404, "description": "Not Found"}
            return 404, json.dumps(not_found).encode()
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params: JSONDict = {}
        files: dict[str, UploadedFile] = {}
        if request_data is not None:
            # A JSON round trip is what the wire would do: tuples become lists, and anything
            # not JSON-serializable fails here as it would in ptb's HTTP request.
            params = json.loads(json.dumps(request_data.parameters))
            files = {k: _read_upload(v) for k, v in request_data.multipart_data.items()}
        if api_method == "getUpdates":
            await self.fake.wait_for_updates_async(params)
        # Raised as ptb's HTTPXRequest raises them, with the httpx error as the cause.
        fault = self.fake.take_transport_fault(api_method, params)
        if fault == "connect_error":
            error = httpx.ConnectError("[Errno 111] Connection refused")
            raise NetworkError(f"httpx.ConnectError: {error}") from error
        if fault == "connect_timeout":
            raise TimedOut from httpx.ConnectTimeout("timed out")
        status, body = self.fake.handle(api_method, params, files)
        if fault == "drop_reply":
            raise TimedOut from httpx.ReadTimeout("timed out")
        return status, json.dumps(body).encode()
