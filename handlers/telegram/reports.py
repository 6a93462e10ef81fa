"""Handlers of reports: /report (text, chart, workbook), /me, /pdf N (printable minutes),
/overview (operators). Reports name members and their absences: given in a group, they are
sent to the caller's private chat, and the group is only told so."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Forbidden
from telegram.ext import CommandHandler, filters

from bot.domain.identity import ChatRef, Identity
from bot.domain.minutes import MinutesState
from bot.errors import BadInput, NotFound, Refused
from bot.i18n import N_, Translator
from handlers.report_texts import overview_text, record_text, report_text
from handlers.telegram import meeting_render as mr
from handlers.telegram.common import (
    CHANNEL,
    caller,
    command_args,
    identity_of,
    split_text,
    tr_for,
    tr_person,
)
from handlers.telegram.context import BotApplication, BotContext

logger = logging.getLogger(__name__)

NOT_APPROVED_YET = N_("Meeting #{number} has no approved minutes yet.")
OPEN_PRIVATE = N_(
    "Reports are sent privately: open a private chat with the bot (press Start there) and "
    "send the command again."
)


async def _private_chat(update: Update, context: BotContext) -> int:
    """Where a report goes: this private chat, or the caller's private chat when asked in a
    group (on Telegram a user's private chat has the user's id; a bot the user never started
    is refused there, and the user is told how to start it)."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    if chat.type == ChatType.PRIVATE:
        return chat.id
    known = await context.services.members.known_user(identity_of(user))
    known = known.on(CHANNEL) if known is not None else None
    if known is not None and known.private_chat_id:
        return int(known.private_chat_id)
    return user.id


async def _told_in_group(update: Update, context: BotContext, target: int) -> None:
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None or chat.id == target:
        return
    tr = await tr_for(update, context)
    await message.reply_text(tr.gettext("📬 Sent to you in a private chat."))


async def _send_text(context: BotContext, target: int, text: str) -> None:
    for piece in split_text(text):
        await context.bot.send_message(target, piece)


async def _deliver(
    update: Update, context: BotContext, target: int, send: Awaitable[None]
) -> None:
    """Run the sends to the private chat; a blocked bot is told as a refusal."""
    try:
        await send
    except Forbidden:
        user = update.effective_user
        if user is not None:
            await context.services.members.set_reachable(CHANNEL, str(user.id), False)
        raise Refused(OPEN_PRIVATE) from None
    await _told_in_group(update, context, target)


async def report(update: Update, context: BotContext) -> None:
    """/report [period]: the cell's report, its chart and its workbook."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    found = await context.services.reports.cell_report(identity, chat, command_args(message))
    # The documents' libraries (matplotlib, openpyxl) load on the first report, not at start.
    from handlers.documents.chart import attendance_chart
    from handlers.documents.workbook import report_workbook

    target = await _private_chat(update, context)
    tr = await tr_person(update, context)

    async def send() -> None:
        await _send_text(context, target, report_text(found, tr))
        name = found.period.label.replace("/", "-").replace("..", "_")
        await context.bot.send_photo(
            target,
            io.BytesIO(attendance_chart(found, tr)),
            caption=tr.gettext("Attendance by month, {period}", period=found.period.label),
        )
        await context.bot.send_document(
            target,
            io.BytesIO(report_workbook(found, tr)),
            filename=f"bao-cao-{name}.xlsx",
            caption=tr.gettext("The report as a workbook (one sheet per topic)."),
        )

    await _deliver(update, context, target, send())


async def me(update: Update, context: BotContext) -> None:
    """/me [period]: the caller's own attendance and answers."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    record = await context.services.reports.my_record(identity, chat, command_args(message))
    target = await _private_chat(update, context)
    tr = await tr_person(update, context)
    known = await context.services.members.known_user(identity)
    name = known.name if known is not None else identity.display_name
    text = record_text(record, name, tr)
    await _deliver(update, context, target, _send_text(context, target, text))


async def minutes_pdf_command(update: Update, context: BotContext) -> None:
    """/pdf N: the approved minutes of meeting N as a printable PDF."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    number = mr.meeting_number(command_args(message).split(" ")[0], "/pdf 12")
    await send_minutes_pdf(update, context, identity, chat, number)


async def send_minutes_pdf(
    update: Update, context: BotContext, identity: Identity, chat: ChatRef, number: int
) -> None:
    """Send meeting N's approved minutes as PDF (also /minutes N pdf): whoever may read the
    minutes (/minutes N) may print them; a draft is never printed."""
    message = update.effective_message
    assert message is not None
    minutes = await context.services.minutes.show(identity, chat, number)
    if minutes.state is not MinutesState.APPROVED:
        raise NotFound(NOT_APPROVED_YET, number=minutes.meeting_number)
    from handlers.documents.minutes_pdf import minutes_pdf

    tr = await tr_for(update, context)
    await message.reply_document(
        io.BytesIO(minutes_pdf(minutes, tr)),
        filename=f"bien-ban-{minutes.meeting_number}.pdf",
        caption=_pdf_caption(tr, minutes.meeting_number),
    )


def _pdf_caption(tr: Translator, number: int) -> str:
    return tr.gettext("Minutes of meeting #{number}, to print.", number=number)


async def overview(update: Update, context: BotContext) -> None:
    """/overview [period]: every cell, those breaching the rules first (operators)."""
    identity, _ = caller(update)
    message = update.effective_message
    assert message is not None
    chat = update.effective_chat
    if not context.services.access.is_operator(identity):
        raise Refused(N_("Only operators can do this."))
    if chat is not None and chat.type != ChatType.PRIVATE:
        # Every cell's figures are for operators alone: never posted in a group.
        raise BadInput(N_("Use this command in your private chat with the bot."))
    found = await context.services.reports.overview(identity, command_args(message))
    from handlers.documents.workbook import overview_workbook

    tr = await tr_person(update, context)
    await _send_text(context, message.chat_id, overview_text(found, tr))
    await message.reply_document(
        io.BytesIO(overview_workbook(found.lines, found.period.label, tr)),
        filename=f"tong-hop-{found.period.label.replace('/', '-').replace('..', '_')}.xlsx",
    )


def register(application: BotApplication) -> None:
    """Add this area's handlers."""
    commands = {
        "report": report,
        "me": me,
        "pdf": minutes_pdf_command,
        "overview": overview,
    }
    for command, callback in commands.items():
        application.add_handler(
            CommandHandler(command, callback, filters=filters.UpdateType.MESSAGE)
        )
