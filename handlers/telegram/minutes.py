"""Handlers of a running meeting's agenda and of its minutes: /next, replies to an item's
message, ✋ and the speakers' queue (/speaker), /note (/ghichu), /ketluan (/conclude),
/close, /minutes, and the approve and scoring buttons."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.messages import ApproveMinutes, Choice, NextSpeaker, RaiseHand, ScoreMeeting
from bot.domain.proceedings import ContributionKind
from bot.errors import NotFound
from bot.i18n import N_, translator
from bot.minutes_text import minutes_text
from bot.services.minutes import ITEM_TEXT, RAISE_HAND, approve_choices, queue_choices
from handlers.telegram import callback_data as cd
from handlers.telegram import meetings
from handlers.telegram.common import (
    CHANNEL,
    after_commit,
    caller,
    chat_of,
    command_args,
    confirm,
    drop_keyboard,
    identity_of,
    reply,
    tr_for,
    tr_person,
)
from handlers.telegram.context import BotApplication, BotContext
from handlers.telegram.meeting_render import meeting_number
from handlers.telegram.minutes_render import (
    draft_text,
    hand_text,
    parse_minutes_args,
    queue_text,
    recorded_text,
)
from handlers.telegram.notifier import keyboard
from handlers.telegram.reports import send_minutes_pdf

logger = logging.getLogger(__name__)


def _optional_number(text: str, example: str) -> int | None:
    return meeting_number(text, example) if text else None


async def next_item(update: Update, context: BotContext) -> None:
    """/next [N]: the next agenda item, posted in the group as its own message."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    minutes = context.services.minutes
    taken = await minutes.next_item(
        identity, chat, _optional_number(command_args(message), "/next")
    )
    cell, meeting = taken.cell, taken.meeting
    in_group = False
    if cell.channel == CHANNEL and cell.has_group and cell.bot_present:
        group_tr = translator(cell.language)
        text = group_tr.gettext(
            ITEM_TEXT,
            position=taken.position,
            total=taken.total,
            id=meeting.number,
            title=taken.title,
        )
        hand = Choice(group_tr.gettext(RAISE_HAND), RaiseHand(meeting.id, taken.position))
        try:
            sent = await context.bot.send_message(
                int(cell.chat_id), text, reply_markup=keyboard(((hand,),))
            )
        except TelegramError as error:
            logger.warning(
                "could not post item %s of meeting %s: %r", taken.position, meeting.id, error
            )
        else:
            await minutes.item_posted(meeting.id, taken.position, cell.chat_id, sent.message_id)
            in_group = True
    if chat.is_private or not in_group:
        await confirm(
            update,
            tr.gettext(
                "Item {position}/{total}: {title}",
                position=taken.position,
                total=taken.total,
                title=taken.title,
            ),
        )
    await taken.announce(in_group)


async def on_reply(update: Update, context: BotContext) -> None:
    """A reply in the group to an agenda item's message is that item's contribution; any
    other text goes on to the dialogs."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if message is None or replied is None or not message.text or update.effective_user is None:
        await meetings.on_text(update, context)
        return
    identity, chat = caller(update)
    minutes = context.services.minutes
    found = await minutes.item_of_message(chat.chat_id, replied.message_id)
    if found is None:
        await meetings.on_text(update, context)
        return
    meeting_id, position = found
    await minutes.contribute(
        identity, chat, meeting_id, position, message.text, (chat.chat_id, message.message_id)
    )


async def on_edited_reply(update: Update, context: BotContext) -> None:
    """An edited reply to an item's message: the contribution follows the edit (the
    minutes record what the speaker meant); other edits change nothing."""
    message = update.edited_message
    replied = message.reply_to_message if message else None
    if message is None or replied is None or not message.text or update.effective_user is None:
        return
    identity, chat = caller(update)
    minutes = context.services.minutes
    found = await minutes.item_of_message(chat.chat_id, replied.message_id)
    if found is not None:
        await minutes.amend(
            identity, chat, found[0], message.text, (chat.chat_id, message.message_id)
        )


async def _record(update: Update, context: BotContext, kind: ContributionKind) -> None:
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    minutes = context.services.minutes
    meeting_id = position = None
    replied = message.reply_to_message
    if replied is not None:
        found = await minutes.item_of_message(chat.chat_id, replied.message_id)
        if found is not None:
            meeting_id, position = found
    recorded = await minutes.record(
        identity, chat, kind, command_args(message), meeting_id=meeting_id, position=position
    )
    await confirm(update, recorded_text(tr, recorded))


async def note(update: Update, context: BotContext) -> None:
    """/note TEXT (/ghichu): the minute-taker's note on the current item (or the replied one)."""
    await _record(update, context, ContributionKind.NOTE)


async def conclude(update: Update, context: BotContext) -> None:
    """/ketluan TEXT (/conclude): the chair's conclusion of the current (or replied) item."""
    await _record(update, context, ContributionKind.CONCLUSION)


async def speaker(update: Update, context: BotContext) -> None:
    """/speaker [N]: the speakers' queue, with the chair's next-speaker button."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    queue = await context.services.minutes.queue(identity, chat, None)
    markup = keyboard(queue_choices(tr, queue.meeting.id)) if queue.waiting else None
    await reply(update, queue_text(tr, queue), markup)


async def close(update: Update, context: BotContext) -> None:
    """/close [N]: the final attendance in the group, the draft to the secretary."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    closed = await context.services.minutes.close(
        identity, chat, _optional_number(command_args(message), "/close 12")
    )
    if chat.is_private or chat.chat_id != closed.cell.chat_id:
        await confirm(
            update,
            tr.gettext(
                "Meeting #{id} is closed; the final attendance went to the group and the "
                "draft minutes to the secretary and the minute-taker.",
                id=closed.meeting.number,
            ),
        )
    await closed.announce()


async def minutes_command(update: Update, context: BotContext) -> None:
    """/minutes N [vK | edit ITEM[.K] TEXT | add TEXT | approve]."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    words = command_args(message).split()
    if len(words) == 2 and words[1].casefold() == "pdf":
        # /minutes N pdf: the approved minutes as a printable document (handlers/telegram/reports).
        await send_minutes_pdf(update, context, identity, chat, meeting_number(words[0], "/pdf 1"))
        return
    args = parse_minutes_args(command_args(message))
    service = context.services.minutes
    if args.verb == "show":
        shown = await service.show(identity, chat, args.number, args.version)
        await reply(update, minutes_text(tr, shown))
        return
    if args.verb == "approve":
        approved = await service.approve(identity, chat, number=args.number)
        await _approved_reply(update, context, approved.cell.chat_id, approved.meeting.number)
        await approved.announce()
        return
    draft = await service.correct(identity, chat, args.number, args.verb, args.target, args.text)
    markup = keyboard(approve_choices(tr, draft.meeting.id, draft.minutes.version))
    await confirm(update, draft_text(tr, draft), markup)


async def _approved_reply(
    update: Update, context: BotContext, cell_chat: str, number: int
) -> None:
    chat = update.effective_chat
    if chat is not None and str(chat.id) == cell_chat:
        return  # the group gets the minutes themselves
    tr = await tr_for(update, context)
    await confirm(
        update,
        tr.gettext(
            "The minutes of meeting #{id} are approved and published in the group.", id=number
        ),
    )


async def on_button(update: Update, context: BotContext) -> None:
    """✋, the next-speaker button, approving a draft, scoring the meeting."""
    query = update.callback_query
    assert query is not None
    identity = identity_of(query.from_user)
    where = chat_of(query.message.chat) if query.message else None
    data = cd.parse(query.data)
    service = context.services.minutes
    alert_tr = await tr_person(update, context)
    if isinstance(data, RaiseHand):
        queue = await service.raise_hand(identity, where, data.meeting_id, data.position)
        await after_commit(query.answer(hand_text(alert_tr, queue)))
        await queue.announce()
        return
    if isinstance(data, NextSpeaker):
        queue = await service.next_speaker(identity, where, data.meeting_id)
        tr = await tr_for(update, context)
        await after_commit(query.answer())
        markup = keyboard(queue_choices(tr, data.meeting_id)) if queue.waiting else None
        await after_commit(query.edit_message_text(queue_text(tr, queue), reply_markup=markup))
        await queue.announce()
        return
    if isinstance(data, ApproveMinutes):
        approved = await service.approve(
            identity, where, meeting_id=data.meeting_id, version=data.version
        )
        await after_commit(query.answer(alert_tr.gettext("Approved.")))
        await after_commit(drop_keyboard(query))
        await _approved_reply(update, context, approved.cell.chat_id, approved.meeting.number)
        await approved.announce()
        return
    if isinstance(data, ScoreMeeting):
        await service.score(identity, where, data.meeting_id, data.grade)
        await after_commit(
            query.answer(alert_tr.gettext("Thank you: your score is counted, without your name."))
        )
        await after_commit(drop_keyboard(query))
        return
    raise NotFound(N_("This button is no longer valid."))


def register(application: BotApplication) -> None:
    """Add this area's handlers (before the meetings' text handler, which replies pass to)."""
    commands = {
        "next": next_item,
        "speaker": speaker,
        "note": note,
        "ghichu": note,
        "ketluan": conclude,
        "conclude": conclude,
        "close": close,
        "minutes": minutes_command,
        "bienban": minutes_command,
    }
    for command, callback in commands.items():
        application.add_handler(
            CommandHandler(command, callback, filters=filters.UpdateType.MESSAGE)
        )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^(rh|ns|ma|sc):"))
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & filters.REPLY,
            on_reply,
        )
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND & filters.REPLY,
            on_edited_reply,
        )
    )
