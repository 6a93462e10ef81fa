"""The baseline of bench/load.py: a bare python-telegram-bot Application, no database.

Same ptb version and builder settings as bot/app.py (Defaults, the AIORateLimiter at 30
messages/s with 3 retries, sequential updates, long polling with every update type), and
handlers that make the Bot API calls the bot makes for the benchmarked updates, with texts of
about the same size:

- "at:<meeting>:y" button: answerCallbackQuery, then editMessageReplyMarkup (drop the keyboard)
- /meetings: one reply listing a few meetings
- /members: the roster of MEMBERS lines, split at 4096 characters as the bot splits it
- /join in a group: a quoted reply in the group, the approve/decline request privately to the
  group's secretary (user id = -chat id, as bench/load.py builds the join cells)
- /help: one reply
- /open in a group: the check-in message with its "ci:1" button; a "ci:" press:
  answerCallbackQuery, and the message edited with the count through the bot's coalescer
  (handlers/telegram/live.py: at most every 3 s), as bench/checkin.py compares

Run by bench/load.py as `python -m bench.bare_bot` with TELEGRAM_BOT_TOKEN and
TELEGRAM_API_BASE_URL set; BENCH_NO_LIMITER=1 builds it without the rate limiter.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
)

from handlers.telegram.live import Coalescer

MEMBERS = 300
MESSAGE_MAX = 4096

Context = ContextTypes.DEFAULT_TYPE

MEETINGS_TEXT = "\n".join(
    ["Lịch sinh hoạt của «Chi bộ 1»", "", "Sắp tới:"]
    + [f"#{n} Sinh hoạt chi bộ định kỳ — 0{n}/12/2026 19:30 (120 phút)" for n in range(1, 6)]
    + ["", "Gần đây:"]
    + [f"#{n} Sinh hoạt chi bộ định kỳ — 0{n}/10/2026 19:30 (120 phút)" for n in range(6, 9)]
    + ["", "Chi tiết: /meeting N"]
)
ROSTER_LINES = [
    "Chi bộ «Chi bộ 300»: 300 đảng viên (300 chính thức, 0 dự bị)",
    "",
    *(f"{n}. Member {2000 + n} — chính thức ✉️" for n in range(1, MEMBERS + 1)),
]
HELP_TEXT = "\n".join(
    ["Bạn có thể làm gì trong cuộc trò chuyện này:"]
    + [f"/command{n} — mô tả ngắn của lệnh số {n}" for n in range(1, 12)]
)


def roster_pieces() -> list[str]:
    """The roster cut into messages of at most MESSAGE_MAX characters at line ends."""
    pieces: list[str] = []
    current = ""
    for line in ROSTER_LINES:
        if current and len(current) + len(line) + 1 > MESSAGE_MAX:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    pieces.append(current)
    return pieces


ROSTER_PIECES = roster_pieces()


async def on_answer(update: Update, context: Context) -> None:
    """Will attend: answer the query and drop the keyboard."""
    query = update.callback_query
    assert query is not None
    await query.answer("Đã ghi nhận: bạn sẽ tham dự.")
    if query.message is not None and getattr(query.message, "reply_markup", None) is not None:
        await query.edit_message_reply_markup(None)


async def meetings(update: Update, context: Context) -> None:
    """/meetings."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(MEETINGS_TEXT)


async def members(update: Update, context: Context) -> None:
    """/members."""
    assert update.effective_message is not None
    for piece in ROSTER_PIECES:
        await update.effective_message.reply_text(piece)


async def join(update: Update, context: Context) -> None:
    """/join in a group."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    await message.reply_text("Yêu cầu tham gia «Chi bộ» đã được gửi tới bí thư.")
    user = update.effective_user
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✅ Duyệt: chính thức", callback_data=f"jr:{user.id}:o"),
                InlineKeyboardButton("✅ Duyệt: dự bị", callback_data=f"jr:{user.id}:p"),
            ],
            [InlineKeyboardButton("❌ Từ chối", callback_data=f"jr:{user.id}:x")],
        ]
    )
    await context.bot.send_message(
        -message.chat_id,
        f"{user.full_name} xin tham gia «Chi bộ» bằng /join.",
        reply_markup=keyboard,
    )


CHECKIN_TEXT = "\n".join(
    [
        "🟢 Khai mạc cuộc họp #1 «Sinh hoạt chi bộ» (sinh hoạt định kỳ).",
        "Chủ trì: đồng chí Member 1 · Thư ký: chưa chọn",
        "🔗 https://meet.jit.si/ChiBo1-Thang12",
        "Đề nghị các đồng chí bấm «✅ Có mặt» để điểm danh (đúng giờ đến 19:47).",
        "",
        "Có mặt: {n} đảng viên được triệu tập",
        "⏳ Chưa đủ số lượng để tiến hành sinh hoạt.",
    ]
)
CHECKIN_MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Có mặt", callback_data="ci:1")]])
_pressed: set[int] = set()
_board: dict[str, int] = {}


async def open_command(update: Update, context: Context) -> None:
    """/open in a group: the check-in message."""
    message = update.effective_message
    assert message is not None
    sent = await context.bot.send_message(
        message.chat_id, CHECKIN_TEXT.format(n=0), reply_markup=CHECKIN_MARKUP
    )
    _board.update(chat=sent.chat_id, message=sent.message_id)
    if "live" not in context.bot_data:

        async def edit(key: object) -> None:
            await context.bot.edit_message_text(
                CHECKIN_TEXT.format(n=len(_pressed)),
                chat_id=_board["chat"],
                message_id=_board["message"],
                reply_markup=CHECKIN_MARKUP,
            )

        context.bot_data["live"] = Coalescer(edit)


async def on_check_in(update: Update, context: Context) -> None:
    """A check-in press: answer it, then the coalesced edit of the count."""
    query = update.callback_query
    assert query is not None
    again = query.from_user.id in _pressed
    _pressed.add(query.from_user.id)
    await query.answer("Đã điểm danh cuộc họp #1: có mặt (lúc 19:32).")
    if not again and "live" in context.bot_data:
        context.bot_data["live"].touch(1)


async def help_command(update: Update, context: Context) -> None:
    """/help."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(HELP_TEXT)


def build(
    token: str, base_url: str, *, rate_limiter: bool = True
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bare application, built as bot/app.py builds the bot."""
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .defaults(Defaults(allow_sending_without_reply=True))
    )
    if rate_limiter:
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=3)
        )
    application = builder.build()
    application.add_handler(CallbackQueryHandler(on_answer, pattern=r"^at:"))
    application.add_handler(CommandHandler("meetings", meetings))
    application.add_handler(CommandHandler("members", members))
    application.add_handler(CommandHandler("join", join))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("open", open_command))
    application.add_handler(CallbackQueryHandler(on_check_in, pattern=r"^ci:"))
    return application


def main() -> None:
    """Run until interrupted."""
    logging.basicConfig(level=logging.WARNING)
    application = build(
        os.environ["TELEGRAM_BOT_TOKEN"],
        os.environ["TELEGRAM_API_BASE_URL"].rstrip("/"),
        rate_limiter=os.environ.get("BENCH_NO_LIMITER") != "1",
    )
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
