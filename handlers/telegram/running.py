"""Handlers of a running meeting: /open and its check-in message, the "✅ Có mặt" button with the
live head count, /mark, /attendance, /quorum and /grace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from functools import partial

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain.messages import AssignRunner, CheckIn
from bot.errors import NotFound
from bot.i18n import N_, translator
from bot.services.members import MemberRef
from bot.services.running import CHECKIN_BUTTON, Board
from handlers.telegram import callback_data as cd
from handlers.telegram import running_render as rr
from handlers.telegram.common import (
    CHANNEL,
    after_commit,
    caller,
    chat_of,
    command_args,
    confirm,
    identity_of,
    reply,
    tr_for,
    tr_of,
    unless_unchanged,
)
from handlers.telegram.context import BotApplication, BotContext
from handlers.telegram.live import Coalescer
from handlers.telegram.meeting_render import meeting_number
from handlers.telegram.notifier import keyboard

logger = logging.getLogger(__name__)

JOIN_LABEL = "🔗"
ANSWER_RETRIES = (0.2, 0.5, 1.0)


def board_markup(board: Board) -> InlineKeyboardMarkup | None:
    """The check-in button, and the meeting's link as a button (while the meeting is open)."""
    if board.run.closed:
        return None
    tr = translator(board.cell.language)
    row = [
        InlineKeyboardButton(
            tr.gettext(CHECKIN_BUTTON), callback_data=cd.check_in(board.meeting.id)
        )
    ]
    link = board.meeting.link
    if link and link.startswith(("https://", "http://")):
        row.append(InlineKeyboardButton(JOIN_LABEL + " " + tr.gettext("Join"), url=link))
    return InlineKeyboardMarkup([row])


async def edit_board(application: BotApplication, key: Hashable) -> None:
    """Show a check-in message's current head count (the coalescer's edit)."""
    assert isinstance(key, int)
    board = await application.bot_data.services.running.board(key)
    run = board.run if board else None
    if board is None or run is None or run.checkin_chat is None or run.checkin_message is None:
        return
    text = rr.board_text(translator(board.cell.language), board)
    await unless_unchanged(
        application.bot.edit_message_text(
            text,
            chat_id=run.checkin_chat,
            message_id=run.checkin_message,
            reply_markup=board_markup(board),
        )
    )


def _replied(update: Update) -> MemberRef | None:
    message = update.effective_message
    target = message.reply_to_message.from_user if message and message.reply_to_message else None
    if target is None or target.is_bot:
        return None
    return MemberRef(external_id=str(target.id))


async def open_command(update: Update, context: BotContext) -> None:
    """/open [N] [chair @member] [thư ký @member]: opens the meeting (the one due now without
    N) and posts the check-in message in the group; on an open meeting, changes the chair or
    the minute-taker."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    number, chair, recorder, pick = rr.open_args(command_args(message), _replied(update))
    if pick is not None:
        # "/open N chủ trì": the leader chooses with buttons among the cell's members.
        board, users = await context.services.running.candidates(identity, chat, number)
        recorder_pick = pick == "recorder"
        tr = await tr_for(update, context)
        markup = keyboard(rr.pick_choices(board, users, recorder_pick))
        await reply(update, rr.pick_text(tr, board, recorder_pick), markup)
        return
    opening = await context.services.running.open_meeting(
        identity, chat, number, chair=chair, recorder=recorder
    )
    board = opening.board
    cell = board.cell
    tr = await tr_for(update, context)
    in_group = not chat.is_private and chat.chat_id == cell.chat_id
    if opening.already_open:
        await confirm(update, rr.opened_text(tr, board, True))
        await opening.announce()
        return
    posted = False
    if cell.has_group and cell.channel == CHANNEL:
        group_tr = translator(cell.language)
        try:
            sent = await context.bot.send_message(
                int(cell.chat_id), rr.board_text(group_tr, board), reply_markup=board_markup(board)
            )
        except TelegramError as error:
            logger.warning(
                "could not post the check-in message of meeting %s: %r", board.meeting.id, error
            )
        else:
            posted = True
            await context.services.running.set_checkin_message(
                board.meeting.id, str(sent.chat_id), sent.message_id
            )
    if not (posted and in_group):
        await confirm(update, rr.opened_text(tr, board, False))
    await opening.announce()


async def on_check_in(update: Update, context: BotContext) -> None:
    """The "✅ Có mặt" button: recorded first, then answered ("present" or "late"), then the
    live head count follows (coalesced)."""
    query = update.callback_query
    assert query is not None
    data = cd.parse(query.data)
    if not isinstance(data, CheckIn):
        raise NotFound(N_("This button is no longer valid."))
    where = chat_of(query.message.chat) if query.message else None
    checked = await context.services.running.check_in(
        identity_of(query.from_user), where, data.meeting_id
    )
    # The alert is the presser's alone: in their language (no second look-up: the user is known).
    tr = await tr_of(context, checked.user)
    # The live head count follows by itself (the service tells the coalescer).
    await after_commit(answer_press(query, rr.checked_text(tr, checked)))


async def answer_press(query: CallbackQuery, text: str) -> None:
    """Answer a committed press, again after a broken connection: every press must be
    answered, and a second answer of the same query (when the first did arrive) is only
    refused by Telegram."""
    for delay in (*ANSWER_RETRIES, None):
        try:
            await query.answer(text)
            return
        except BadRequest as error:
            # Already answered (the lost reply's request had arrived), or too old.
            logger.debug("press %s not answered again: %s", query.id, error)
            return
        except NetworkError:
            if delay is None:
                raise
            await asyncio.sleep(delay)


async def on_assign(update: Update, context: BotContext) -> None:
    """A button naming the chair or the minute-taker of an open meeting (leaders)."""
    query = update.callback_query
    assert query is not None
    data = cd.parse(query.data)
    if not isinstance(data, AssignRunner):
        raise NotFound(N_("This button is no longer valid."))
    where = chat_of(query.message.chat) if query.message else None
    board = await context.services.running.assign(
        identity_of(query.from_user), where, data.meeting_id, data.recorder, data.user_id
    )
    tr = await tr_for(update, context)
    text = rr.assigned_text(tr, board, data.recorder)
    await after_commit(query.answer(text))
    await after_commit(query.edit_message_text(text))


async def mark(update: Update, context: BotContext) -> None:
    """/mark MEMBER present|late|absent [reason]: the chair or a leader records a member."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    ref, status, reason = rr.mark_args(command_args(message), _replied(update))
    marked = await context.services.running.mark(identity, chat, ref, status, reason or None)
    tr = await tr_for(update, context)
    await confirm(update, rr.marked_text(tr, marked))


async def attendance(update: Update, context: BotContext) -> None:
    """/attendance N: the roll by name."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    number = meeting_number(command_args(message), rr.ATTENDANCE_EXAMPLE)
    roll = await context.services.running.attendance(identity, chat, number)
    await reply(update, rr.attendance_text(await tr_for(update, context), roll))


async def quorum(update: Update, context: BotContext) -> None:
    """/quorum [PERCENT]: the cell's quorum (leaders change it)."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    value = rr.percent_arg(command_args(message))
    running = context.services.running
    tr = await tr_for(update, context)
    if value is None:
        await reply(update, rr.rules_text(tr, await running.rules(identity, chat)))
        return
    rules = await running.set_rules(identity, chat, quorum_percent=value)
    await confirm(update, rr.rules_text(tr, rules))


async def grace(update: Update, context: BotContext) -> None:
    """/grace [MINUTES]: the cell's grace period before a check-in is late."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    value = rr.minutes_arg(command_args(message))
    running = context.services.running
    tr = await tr_for(update, context)
    if value is None:
        await reply(update, rr.rules_text(tr, await running.rules(identity, chat)))
        return
    rules = await running.set_rules(identity, chat, grace_minutes=value)
    await confirm(update, rr.rules_text(tr, rules))


def register(application: BotApplication) -> None:
    """Add this area's handlers and the live head count's coalescer."""
    live = Coalescer(partial(edit_board, application))
    application.bot_data.live = live
    # Every committed check-in, mark or change of chair (on any channel) edits the message.
    application.bot_data.services.running.watch(live.touch)
    commands = {
        "open": open_command,
        "mark": mark,
        "attendance": attendance,
        "quorum": quorum,
        "grace": grace,
    }
    for command, callback in commands.items():
        application.add_handler(
            CommandHandler(command, callback, filters=filters.UpdateType.MESSAGE)
        )
    application.add_handler(CallbackQueryHandler(on_check_in, pattern=r"^ci:"))
    application.add_handler(CallbackQueryHandler(on_assign, pattern=r"^rp:"))
