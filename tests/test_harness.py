"""The offline Telegram harness catches the mistakes a real Bot API would refuse."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox.driver import Driver, TgChat, TgUser
from sandbox.fake_api import (
    BOT_ID,
    BOT_USERNAME,
    FakeRequest,
    FakeTelegram,
    bot_api_methods,
)
from sandbox.http_server import FakeBotApiServer

TOKEN = "7000000001:AAFakeTokenForTestsOnly"
ALICE = TgUser(id=1001, first_name="Lan", last_name="Nguyễn", username="lan")
BOB = TgUser(id=1002, first_name="Minh")
FIXED_NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram(clock=lambda: FIXED_NOW)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, request=FakeRequest(fake), get_updates_request=FakeRequest(fake)) as b:
        yield b


@pytest.fixture
def server(fake: FakeTelegram) -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer(fake) as s:
        yield s


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    """One callback button per row."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t, callback_data=d)] for t, d in labels_and_data]
    )


# --- the spec checks ---


def test_spec_is_the_bot_api_method_list() -> None:
    methods = bot_api_methods()
    assert "sendMessage" in methods
    assert methods["sendMessage"].fields["chat_id"].required


def test_unknown_method_is_rejected_case_sensitively(fake: FakeTelegram) -> None:
    status, body = fake.handle("sendmessage", {"chat_id": -1, "text": "x"})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert [v.method for v in fake.violations] == ["sendmessage"]


async def test_unknown_method_through_ptb_raises(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendMesage", api_kwargs={"chat_id": -1, "text": "x"})
    assert fake.violations


def test_missing_required_field_is_rejected(fake: FakeTelegram) -> None:
    status, body = fake.handle("sendMessage", {"text": "xin chào"})
    assert status == 400
    assert "chat_id" in body["description"]
    assert "chat_id" in fake.violations[0].description
    assert fake.sent() == []


def test_unknown_parameter_is_a_violation_though_telegram_ignores_it(fake: FakeTelegram) -> None:
    status, _ = fake.handle("sendMessage", {"chat_id": -5, "text": "x", "reply_to_message": 3})
    assert status == 200
    assert "reply_to_message" in fake.violations[0].description


async def test_text_of_4096_is_sent_and_4097_rejected(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(-5, "a" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(-5, "a" * 4097)
    # Telegram counts UTF-16 code units: an emoji outside the BMP is two.
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(-5, "😀" * 2049)
    assert len(fake.violations) == 2


async def test_blank_text_is_rejected(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot.send_message(-5, "  \n")
    assert fake.violations


async def test_caption_over_1024_is_rejected(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(-5, io.BytesIO(b"x"), filename="a.txt", caption="c" * 1025)


async def test_callback_data_of_65_bytes_is_rejected(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(-5, "ok", reply_markup=keyboard(("A", "á" * 32)))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(-5, "too long", reply_markup=keyboard(("A", "x" * 65)))
    assert len(fake.violations) == 1


@pytest.mark.parametrize(
    ("button", "problem"),
    [
        ({"text": "no action"}, "Text buttons are unallowed"),
        ({"text": "two", "callback_data": "a", "url": "https://t.me"}, "exactly one"),
        ({"text": "", "callback_data": "a"}, "non-empty"),
        ({"text": "typo", "callback": "a"}, "unknown fields"),
        ({"text": "empty data", "callback_data": ""}, "BUTTON_DATA_INVALID"),
    ],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_malformed_inline_buttons_are_rejected(
    fake: FakeTelegram, button: dict[str, str], problem: str, as_json: bool
) -> None:
    markup: Any = {"inline_keyboard": [[button]]}
    status, body = fake.handle(
        "sendMessage",
        {"chat_id": -5, "text": "x", "reply_markup": json.dumps(markup) if as_json else markup},
    )
    assert status == 400
    assert problem in body["description"]
    assert problem in fake.violations[0].description


async def test_html_is_parsed_and_bad_html_rejected(bot: Bot, fake: FakeTelegram) -> None:
    message = await bot.send_message(-5, "<b>Họp</b> chi bộ &amp; 😀 <i>x</i>", parse_mode="HTML")
    assert message.text == "Họp chi bộ & 😀 x"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 3),
        ("italic", 16, 1),
    ]
    with pytest.raises(BadRequest, match=r'(?i)Unsupported start tag "br"'):
        await bot.send_message(-5, "a<br>b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)end tag"):
        await bot.send_message(-5, "<b>unclosed", parse_mode="HTML")
    assert len(fake.violations) == 2


async def test_markdown_v2_reserved_characters_must_be_escaped(
    bot: Bot, fake: FakeTelegram
) -> None:
    await bot.send_message(-5, r"*Họp* lúc 8\.00 `a.b`", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(-5, "Họp lúc 8.00", parse_mode="MarkdownV2")


async def test_bad_command_list_is_rejected(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start", "Bắt đầu")])
    await bot.set_my_commands([("start", "Bắt đầu")], language_code="vi")
    assert [c.command for c in await bot.get_my_commands(language_code="vi")] == ["start"]
    assert await bot.get_my_commands() == ()


# --- Telegram's run-time refusals ---


async def test_user_who_never_started_the_bot_cannot_be_messaged(
    bot: Bot, fake: FakeTelegram
) -> None:
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(ALICE.id, "xin chào")
    fake.started_users.add(ALICE.id)
    await bot.send_message(ALICE.id, "xin chào")
    fake.blocked_users.add(ALICE.id)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(ALICE.id, "xin chào")
    assert fake.violations == []
    assert [p["text"] for p in fake.sent(ALICE.id)] == ["xin chào"]


async def test_kicked_and_migrated_groups_refuse_messages(bot: Bot, fake: FakeTelegram) -> None:
    fake.kicked_from.add(-5)
    with pytest.raises(Forbidden, match=r"(?i)kicked from the group chat"):
        await bot.send_message(-5, "x")
    fake.migrated[-6] = -1006
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-6, "x")
    assert migrated.value.new_chat_id == -1006


async def test_edits_follow_telegram_rules(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(-5, "Điểm danh", reply_markup=keyboard(("Có mặt", "att:1")))
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text(
            "Điểm danh",
            chat_id=-5,
            message_id=sent.message_id,
            reply_markup=keyboard(("Có mặt", "att:1")),
        )
    # Leaving out reply_markup removes the keyboard, as on Telegram.
    await bot.edit_message_text("Đã chốt", chat_id=-5, message_id=sent.message_id)
    assert fake.last_message(-5)["text"] == "Đã chốt"
    assert "reply_markup" not in fake.last_message(-5)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=-5, message_id=999)
    assert await bot.delete_message(-5, sent.message_id)
    assert fake.messages_in(-5) == []
    assert fake.violations == []


async def test_uploads_become_documents(bot: Bot, fake: FakeTelegram) -> None:
    message = await bot.send_document(
        -5, io.BytesIO(b"BEGIN:VCALENDAR"), filename="họp.ics", caption="Lịch họp"
    )
    assert message.document is not None
    assert message.document.file_name == "họp.ics"
    upload = fake.sent(-5, method="sendDocument")[0]["document"]
    assert upload.content == b"BEGIN:VCALENDAR"
    with pytest.raises(BadRequest, match=r"(?i)non-empty"):
        await bot.send_document(-5, io.BytesIO(b""), filename="empty.ics")


async def test_injected_429_round_trips_as_retry_after(
    bot: Bot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without opting in to timedelta, ptb 22 warns while building RetryAfter, and under
    # filterwarnings=error the bot would get a PTBDeprecationWarning instead.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake.fail("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(-5, "x")
    assert raised.value.retry_after == timedelta(seconds=3)
    await bot.send_message(-5, "x")
    fake.fail("*", 502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.get_chat(-5)
    assert [c.status for c in fake.calls[-3:]] == [429, 200, 502]
    assert fake.violations == []


# --- getUpdates ---


async def test_get_updates_confirms_by_offset_and_long_polls(bot: Bot, fake: FakeTelegram) -> None:
    first = fake.push_update(
        {"message": {"message_id": 1, "date": 0, "chat": {"id": -5, "type": "group"}}}
    )
    assert [u.update_id for u in await bot.get_updates()] == [first]
    assert [u.update_id for u in await bot.get_updates(offset=first + 1, timeout=0)] == []
    asyncio.get_running_loop().call_later(
        0.05,
        fake.push_update,
        {"message": {"message_id": 2, "date": 0, "chat": {"id": -5, "type": "group"}}},
    )
    started = time.monotonic()
    updates = await bot.get_updates(offset=first + 1, timeout=10)
    assert [u.update_id for u in updates] == [first + 1]
    assert time.monotonic() - started < 0.9


async def test_get_updates_skips_chat_member_unless_asked(bot: Bot, fake: FakeTelegram) -> None:
    member = {
        "chat": {"id": -5, "type": "group", "title": "g"},
        "from": ALICE.to_dict(),
        "date": 0,
        "old_chat_member": {"status": "left", "user": ALICE.to_dict()},
        "new_chat_member": {"status": "member", "user": ALICE.to_dict()},
    }
    fake.push_update({"chat_member": member})
    assert await bot.get_updates() == ()
    fake.push_update({"chat_member": member})
    assert len(await bot.get_updates(allowed_updates=["chat_member"])) == 1


# --- over real HTTP ---


async def test_http_server_serves_ptb_over_the_wire(
    server: FakeBotApiServer, fake: FakeTelegram
) -> None:
    fake.started_users.add(ALICE.id)
    async with Bot(TOKEN, base_url=server.base_url + "/bot") as http_bot:
        assert http_bot.username == BOT_USERNAME
        me = await http_bot.get_me()
        assert me.id == BOT_ID
        sent = await http_bot.send_message(
            ALICE.id, "<b>Chào</b> Lan", parse_mode="HTML", reply_markup=keyboard(("Có", "att:1"))
        )
        assert sent.text == "Chào Lan"
        document = await http_bot.send_document(
            -5, io.BytesIO(b"\x00\r\n\xff"), filename="biên bản.pdf"
        )
        assert document.document is not None
        with pytest.raises(Forbidden):
            await http_bot.send_message(BOB.id, "x")
    call = fake.sent(ALICE.id)[0]
    # Form values arrive as strings and are decoded by the spec's types, as Telegram does.
    assert call["chat_id"] == ALICE.id
    assert call["reply_markup"] == {
        "inline_keyboard": [[{"text": "Có", "callback_data": "att:1"}]]
    }
    assert fake.sent(-5, method="sendDocument")[0]["document"].content == b"\x00\r\n\xff"
    assert fake.violations == []


async def test_http_long_poll_wakes_on_pushed_update(
    server: FakeBotApiServer, fake: FakeTelegram
) -> None:
    async with Bot(TOKEN, base_url=server.base_url + "/bot") as http_bot:
        update = {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -5, "type": "group"},
                "text": "hi",
            }
        }
        asyncio.get_running_loop().call_later(0.1, fake.push_update, update)
        started = time.monotonic()
        updates = await http_bot.get_updates(timeout=30)
        assert time.monotonic() - started < 0.9
        assert updates[0].message is not None
        assert updates[0].message.text == "hi"


def test_http_server_rejects_wrong_token_and_paths(fake: FakeTelegram) -> None:
    import urllib.error
    import urllib.request

    with FakeBotApiServer(fake, token=TOKEN) as secured:
        with pytest.raises(urllib.error.HTTPError) as wrong_token:
            urllib.request.urlopen(f"{secured.base_url}/botWRONG/getMe", timeout=5)
        wrong_token.value.close()
        assert wrong_token.value.code == 401
        request = urllib.request.Request(
            f"{secured.base_url}/bot{TOKEN}/sendMessage",
            data=json.dumps({"chat_id": -5, "text": "json body"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["result"]["text"] == "json body"


# --- ptb's own polling against the fake ---


async def test_ptb_polling_receives_pushed_updates(fake: FakeTelegram) -> None:
    received: asyncio.Queue[str] = asyncio.Queue()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await received.put(str(update.message.text))

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.push_update(
            {
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": -5, "type": "group"},
                    "text": "ping",
                }
            }
        )
        assert await asyncio.wait_for(received.get(), 5) == "ping"
        await app.updater.stop()
        await app.stop()
    assert fake.pending_updates == []


# --- the driver ---


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask with two buttons, as a bot under test would."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Bạn có tham gia họp không?", reply_markup=keyboard(("Có", "att:yes"), ("Không", "att:no"))
    )


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and replace the question with the choice."""
    query = update.callback_query
    assert query is not None
    await query.answer("Đã ghi nhận")
    await query.edit_message_text(f"Đã chọn: {query.data}")


async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A handler with a bug."""
    raise RuntimeError("handler bug")


@pytest.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[AnyApp]:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("boom", boom))
    application.add_handler(CallbackQueryHandler(answer, pattern=r"^att:"))
    await application.initialize()
    yield application
    await application.shutdown()


async def test_driver_sends_a_command_and_presses_a_button(
    app: AnyApp, fake: FakeTelegram
) -> None:
    driver = Driver(app, fake)
    chat = driver.private_chat(ALICE)
    calls = await driver.send(ALICE, chat, "/start")
    assert [c.method for c in calls] == ["sendMessage"]
    assert calls[0]["text"] == "Bạn có tham gia họp không?"
    assert driver.replies(ALICE.id) == ["Bạn có tham gia họp không?"]
    assert ALICE.id in fake.started_users

    calls = await driver.press(ALICE, chat, "Không")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert fake.last_message(ALICE.id)["text"] == "Đã chọn: att:no"
    assert "reply_markup" not in fake.last_message(ALICE.id)
    assert fake.unanswered_callback_queries() == set()
    assert driver.replies(ALICE.id) == []
    fake.assert_no_violations()


async def test_driver_press_lists_labels_when_button_is_missing(
    app: AnyApp, fake: FakeTelegram
) -> None:
    driver = Driver(app, fake)
    chat = driver.private_chat(ALICE)
    await driver.send(ALICE, chat, "/start")
    with pytest.raises(AssertionError, match=r"available: \['Có', 'Không'\]"):
        await driver.press(ALICE, chat, "Có lẽ")


async def test_driver_commands_in_groups(app: AnyApp, fake: FakeTelegram) -> None:
    driver = Driver(app, fake)
    group = driver.group(-100200, "Chi bộ 1")
    assert await driver.send(BOB, group, f"/start@{BOT_USERNAME} now")
    assert await driver.send(BOB, group, "/start@some_other_bot") == []
    # Privacy mode: a plain group message never reaches a non-admin bot.
    assert await driver.send(BOB, group, "chào cả nhà") == []
    reply = fake.last_message(group.id)
    # ptb's reply_text quotes the user's message in groups; the fake resolves the quote.
    assert reply["reply_to_message"]["from"]["id"] == BOB.id
    calls = await driver.press_data(BOB, group, "att:forged", reply["message_id"])
    assert calls[0].method == "answerCallbackQuery"
    assert BOB.id not in fake.started_users
    fake.assert_no_violations()


async def test_driver_reraises_handler_errors(app: AnyApp, fake: FakeTelegram) -> None:
    driver = Driver(app, fake)
    with pytest.raises(RuntimeError, match="handler bug"):
        await driver.send(ALICE, driver.private_chat(ALICE), "/boom")


async def test_driver_membership_and_migration(app: AnyApp, fake: FakeTelegram) -> None:
    seen: list[str] = []

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if update.my_chat_member:
            seen.append(f"me:{update.my_chat_member.new_chat_member.status}")
        elif message and message.migrate_to_chat_id:
            seen.append(f"to:{message.migrate_to_chat_id}")
        elif message and message.migrate_from_chat_id:
            seen.append(f"from:{message.migrate_from_chat_id}")

    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_update), group=1)
    app.add_handler(ChatMemberHandler(on_update, ChatMemberHandler.MY_CHAT_MEMBER), group=2)
    driver = Driver(app, fake)
    group = driver.group(-300, "Chi bộ 3")
    await driver.my_chat_member(group, "member", "kicked", ALICE)
    with pytest.raises(Forbidden):
        await app.bot.send_message(group.id, "x")
    await driver.my_chat_member(group, "left", "member", ALICE)
    await app.bot.send_message(group.id, "x")
    await driver.migrate(group.id, -1000000000300)
    assert seen == ["me:kicked", "me:member", "to:-1000000000300", "from:-300"]
    with pytest.raises(ChatMigrated):
        await app.bot.send_message(group.id, "x")
    await app.bot.send_message(-1000000000300, "x")
    assert fake.chats[-1000000000300]["type"] == "supergroup"


def test_chat_descriptors() -> None:
    chat = TgChat(ALICE.id, "private", user=ALICE)
    assert chat.to_dict() == {
        "id": ALICE.id,
        "type": "private",
        "first_name": "Lan",
        "last_name": "Nguyễn",
        "username": "lan",
    }
