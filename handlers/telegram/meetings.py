"""Handlers of meetings: scheduling (one line or guided), moving, agenda, link, documents,
calendar, reminders' settings and members' answers."""

from __future__ import annotations

import io
import logging
from zoneinfo import ZoneInfo

from telegram import CallbackQuery, ForceReply, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.errors import BadInput, NotFound
from bot.i18n import N_, Translator, translator
from bot.meetings import MeetingType, Reply
from bot.scheduling.dates import format_when
from bot.services.meetings import MOVE_EXAMPLE, SCHEDULE_EXAMPLE, Change
from handlers.telegram import callback_data as cd
from handlers.telegram import meeting_render as mr
from handlers.telegram import schedule_dialog as dialog
from handlers.telegram.common import (
    caller,
    command_args,
    identity_of,
    post_in_group,
    reply,
    send_private,
    tr_for,
    tr_of,
)
from handlers.telegram.context import BotApplication, BotContext
from handlers.telegram.reminders import apply_change

logger = logging.getLogger(__name__)

TYPE_CODES = {
    "r": MeetingType.REGULAR,
    "t": MeetingType.THEMATIC,
    "e": MeetingType.EXTRAORDINARY,
    "c": MeetingType.COMMITTEE,
}


def _meeting_id(text: str, example: str) -> int:
    word = text.lstrip("#")
    # ASCII digits only: isdigit() also takes "²" (int() refuses it) and other scripts' digits.
    if not (word.isascii() and word.isdigit()) or len(word) > 9 or int(word) == 0:
        raise BadInput(N_("Give the meeting's number from /meetings."), example=example)
    return int(word)


async def _announce(update: Update, context: BotContext, change: Change, message: str) -> None:
    """Tell the group and every summoned member reachable privately (times in each reader's
    language). The group gets one message: the answer to the command when it was given
    there. The member who gave the command is not messaged twice."""
    cell = change.cell
    apply_change(context.job_queue, change)
    group_tr = translator(cell.language)
    notice = group_tr.gettext(message, **_when_params(change))
    in_group = update.effective_chat is not None and str(update.effective_chat.id) == cell.chat_id
    if in_group:
        await reply(update, notice)
    elif cell.bot_present:
        await post_in_group(context, cell.chat_id, notice)
    actor = str(update.effective_user.id) if update.effective_user else None
    for user in await context.services.cells.summoned_users(cell.id):
        if user.external_id == actor and not in_group:
            continue  # already answered in this private chat
        tr = await tr_of(context, user)
        await send_private(context, user, tr.gettext(message, **_when_params(change, tr.language)))


def _when_params(change: Change, lang: str | None = None) -> dict[str, str]:
    tz = ZoneInfo(change.cell.timezone)
    lang = lang or change.cell.language
    params = {
        "id": str(change.meeting.id),
        "title": change.meeting.title,
        "when": format_when(change.meeting.starts_at, tz, lang),
        "cell": change.cell.name,
    }
    if change.previous_start is not None:
        params["old"] = format_when(change.previous_start, tz, lang)
    return params


# --- scheduling --------------------------------------------------------------------------------


async def schedule(update: Update, context: BotContext) -> None:
    """/schedule [dd/mm/yyyy HH:MM title]: one line, or the guided dialog."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    text = command_args(message)
    meetings = context.services.meetings
    if not text:
        question, markup = await dialog.start(context, identity, chat, tr)
        await reply(update, question, markup)
        return
    if len(text) > 400:
        # Date and time take a few words: what makes the line this long is the title.
        raise BadInput(N_("The title can have at most 200 characters."), example=SCHEDULE_EXAMPLE)
    change = await meetings.schedule_text(identity, chat, text, tr.language)
    await _scheduled(update, context, tr, change)


async def _scheduled(update: Update, context: BotContext, tr: Translator, change: Change) -> None:
    # Arm the reminders first: they must not depend on the confirmation reaching the user.
    apply_change(context.job_queue, change)
    await reply(
        update,
        tr.gettext(
            "Meeting #{id} scheduled: {title}, {when}. Reminders will be sent before it.",
            **_when_params(change) | {"when": mr.when(tr, change.meeting, change.cell)},
        ),
    )
    if str(update.effective_chat.id if update.effective_chat else "") != change.cell.chat_id:
        group_tr = translator(change.cell.language)
        if change.cell.bot_present:
            await post_in_group(
                context,
                change.cell.chat_id,
                group_tr.gettext("📅 New meeting #{id}: {title}, {when}.", **_when_params(change)),
            )


async def on_dialog_button(update: Update, context: BotContext, value: str) -> None:
    """A button of the guided /schedule dialog."""
    query = update.callback_query
    assert query is not None and query.message is not None
    identity, chat = identity_of(query.from_user), caller(update)[1]
    meetings = context.services.meetings
    tr = await tr_for(update, context)
    found = await meetings.dialog(identity, chat)
    if found is None or found[0] != dialog.KIND:
        raise NotFound(N_("This button is no longer valid."))
    state = found[1]
    if value == "no":
        await meetings.end_dialog(identity, chat)
        await query.answer()
        await query.edit_message_text(tr.gettext("Cancelled; nothing was scheduled."))
        return
    if value == "ok":
        change = await dialog.create(context, identity, chat, state, tr.language)
        await query.answer()
        await _drop_keyboard(query)
        await _scheduled(update, context, tr, change)
        return
    state = await dialog.answer_button(context, identity, chat, state, value)
    await query.answer()
    chosen = dialog.describe_answer(tr, value)
    if chosen is not None:
        await query.edit_message_text(chosen)
    else:
        await _drop_keyboard(query)
    message = query.message
    assert isinstance(message, Message)
    await dialog.ask(message, tr, state, context)


async def on_text(update: Update, context: BotContext) -> None:
    """A typed answer to an open dialog (schedule steps, or an absence reason)."""
    message = update.effective_message
    if message is None or not message.text or update.effective_user is None:
        return
    identity, chat = caller(update)
    meetings = context.services.meetings
    found = await meetings.dialog(identity, chat)
    if found is None:
        if chat.is_private:
            tr = await tr_for(update, context)
            await reply(update, tr.gettext("Send /help to see what you can do here."))
        return
    kind, state = found
    tr = await tr_for(update, context)
    text = message.text.strip()
    if kind == "absence":
        request = await meetings.request_absence(identity, int(str(state["meeting"])), text)
        await meetings.end_dialog(identity, chat)
        await reply(update, tr.gettext("Your request was sent to the secretary."))
        for leader in request.leaders:
            leader_tr = await tr_of(context, leader)
            await send_private(
                context,
                leader,
                leader_tr.gettext(
                    "{name} asks to be excused from meeting #{id} «{title}»: {reason}",
                    name=request.member.name,
                    id=request.meeting.id,
                    title=request.meeting.title,
                    reason=request.reason,
                ),
                mr.absence_keyboard(leader_tr, request.meeting.id, request.member.id),
            )
        return
    if kind == dialog.KIND:
        state = await dialog.answer_text(context, identity, chat, state, text)
        await dialog.ask(message, tr, state, context)


async def recurring(update: Update, context: BotContext) -> None:
    """/recurring RULE: the regular meeting's rule; coming occurrences follow it."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    text = command_args(message)
    if not text or len(text) > 100:
        raise BadInput(
            N_("Give the rule of the regular meeting."),
            example="/recurring ngày 5 hằng tháng 19:30",
        )
    rule, changes, disarmed = await context.services.meetings.set_recurrence(identity, chat, text)
    if context.job_queue is not None:
        from handlers.telegram.reminders import disarm

        disarm(context.job_queue, disarmed)
        for change in changes:
            apply_change(context.job_queue, change)
    lines = [
        tr.gettext("Regular meeting: {rule}. Coming meetings:", rule=rule.describe(tr.language))
    ]
    lines += [mr.meeting_line(tr, c.meeting, c.cell) for c in changes]
    await reply(update, "\n".join(lines))


async def meetings_command(update: Update, context: BotContext) -> None:
    """/meetings: upcoming and recent meetings."""
    identity, chat = caller(update)
    tr = await tr_for(update, context)
    cell, upcoming, recent = await context.services.meetings.overview(identity, chat)
    lines = [tr.gettext("Meetings of «{cell}»", cell=cell.name), "", tr.gettext("Upcoming:")]
    lines += [mr.meeting_line(tr, m, cell) for m in upcoming] or [tr.gettext("none")]
    lines += ["", tr.gettext("Recent:")]
    lines += [mr.meeting_line(tr, m, cell) for m in recent] or [tr.gettext("none")]
    lines += ["", tr.gettext("Details: /meeting N")]
    await reply(update, "\n".join(lines))


async def meeting(update: Update, context: BotContext) -> None:
    """/meeting N: one meeting with agenda, link and documents."""
    identity, _ = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    meeting_id = _meeting_id(command_args(message), "/meeting 12")
    cell, found, items, docs = await context.services.meetings.details(identity, meeting_id)
    await reply(update, mr.meeting_text(tr, found, cell, items, docs))


async def move(update: Update, context: BotContext) -> None:
    """/move N dd/mm/yyyy HH:MM."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    words = command_args(message).split(maxsplit=1)
    if len(words) != 2:
        raise BadInput(
            N_("Give the meeting's number and the new date and time."), example=MOVE_EXAMPLE
        )
    change = await context.services.meetings.move(
        identity, chat, _meeting_id(words[0], MOVE_EXAMPLE), words[1], tr.language
    )
    if str(chat.chat_id) != change.cell.chat_id:
        when = mr.when(tr, change.meeting, change.cell)
        await reply(
            update, tr.gettext("Meeting #{id} moved to {when}.", id=change.meeting.id, when=when)
        )
    await _announce(
        update, context, change, N_("📅 Meeting #{id} «{title}» moved from {old} to {when}.")
    )


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel N."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    meeting_id = _meeting_id(command_args(message), "/cancel 12")
    change = await context.services.meetings.cancel(identity, chat, meeting_id)
    if chat.chat_id != change.cell.chat_id:
        await reply(update, tr.gettext("Meeting #{id} cancelled.", id=change.meeting.id))
    await _announce(
        update, context, change, N_("❌ Meeting #{id} «{title}» at {when} is cancelled.")
    )


async def agenda(update: Update, context: BotContext) -> None:
    """/agenda N [add TEXT | remove N | move N TO | edit N TEXT]."""
    identity, _ = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    words = command_args(message).split()
    example = "/agenda 12 add Phát biểu của đảng viên mới"
    if not words:
        raise BadInput(N_("Give the meeting's number from /meetings."), example=example)
    meeting_id = _meeting_id(words[0], example)
    if len(words) == 1:
        cell, found, items, docs = await context.services.meetings.details(identity, meeting_id)
        await reply(update, mr.meeting_text(tr, found, cell, items, docs))
        return
    found, items = await context.services.meetings.edit_agenda(
        identity, meeting_id, words[1].lower(), words[2:]
    )
    lines = [tr.gettext("Agenda of meeting #{id}:", id=found.id)]
    lines += [f"{n}. {i.render(tr.language)}" for n, i in enumerate(items, 1)]
    await reply(update, "\n".join(lines))


async def link(update: Update, context: BotContext) -> None:
    """/link N [URL]: set the link, or generate a Jitsi room."""
    identity, _ = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    words = command_args(message).split()
    if not words or len(words) > 2:
        raise BadInput(
            N_("Give the meeting's number and a link (or nothing to generate one)."),
            example="/link 12 https://meet.jit.si/...",
        )
    meeting_id = _meeting_id(words[0], "/link 12")
    found = await context.services.meetings.set_link(
        identity, meeting_id, words[1] if len(words) == 2 else None
    )
    await reply(update, tr.gettext("Link of meeting #{id}: {link}", id=found.id, link=found.link))


async def attach(update: Update, context: BotContext) -> None:
    """/attach N [confidential], as a reply to a document or as a document's caption."""
    identity, _ = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    text = message.text or message.caption or ""
    words = text.split()[1:]
    document = message.document or (
        message.reply_to_message.document if message.reply_to_message else None
    )
    example = "/attach 12 mat"
    if document is None or not words or len(words) > 2:
        raise BadInput(
            N_("Reply to a document with /attach N (add 'mat' for confidential)."), example=example
        )
    confidential = len(words) == 2
    if confidential and words[1].lower() not in ("mat", "mật", "confidential", "secret"):
        raise BadInput(
            N_("Reply to a document with /attach N (add 'mat' for confidential)."), example=example
        )
    found, doc = await context.services.meetings.attach(
        identity,
        _meeting_id(words[0], example),
        file_id=document.file_id,
        file_name=document.file_name or "document",
        confidential=confidential,
    )
    key = (
        N_(
            "Confidential document «{name}» attached to meeting #{id}: "
            "it goes only privately to members, protected."
        )
        if doc.confidential
        else N_("Document «{name}» attached to meeting #{id}: it goes out with the reminders.")
    )
    await reply(update, tr.gettext(key, name=doc.file_name, id=found.id))


async def calendar(update: Update, context: BotContext) -> None:
    """/calendar: an .ics file of the cell's meetings."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    data = await context.services.meetings.calendar(identity, chat, tr.language)
    await message.reply_document(
        io.BytesIO(data),
        filename="cellmeet.ics",
        caption=tr.gettext("Open this file to add the meetings to your phone's calendar."),
    )


async def reminders_command(update: Update, context: BotContext) -> None:
    """/reminders 24h 1h 0: the cell's reminder times."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    offsets, changes = await context.services.meetings.set_offsets(
        identity, chat, command_args(message)
    )
    for change in changes:
        apply_change(context.job_queue, change)
    shown = ", ".join(
        f"{o // 60}h" if o and o % 60 == 0 else f"{o}m" if o else "0" for o in offsets
    )
    await reply(
        update,
        tr.gettext("Reminders before each meeting: {offsets} (0 = at the start).", offsets=shown),
    )


async def answers(update: Update, context: BotContext) -> None:
    """/answers N: who will attend, who asked to be excused, who has not answered."""
    identity, _ = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    found, rows = await context.services.meetings.answers(
        identity, _meeting_id(command_args(message), "/answers 12")
    )
    lines = [tr.gettext("Answers for meeting #{id} «{title}»:", id=found.id, title=found.title)]
    for user, status, reason in rows:
        lines.append(
            f"• {user.name}: {mr.reply_label(tr, status)}" + (f" ({reason})" if reason else "")
        )
    await reply(update, "\n".join(lines))


# --- buttons -----------------------------------------------------------------------------------


async def _drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of the pressed message, if it still has any (a second press of a
    button, e.g. a double tap, finds them gone: Telegram refuses an edit that changes nothing)."""
    message = query.message
    if message is None or getattr(message, "reply_markup", None) is None:
        return
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def on_button(update: Update, context: BotContext) -> None:
    """Answer buttons, absence decisions and dialog steps."""
    query = update.callback_query
    assert query is not None
    identity = identity_of(query.from_user)
    tr = await tr_for(update, context)
    data = cd.parse(query.data)
    meetings = context.services.meetings
    if isinstance(data, cd.DialogStep):
        await on_dialog_button(update, context, data.value)
        return
    if isinstance(data, cd.Answer):
        if data.attend:
            found = await meetings.will_attend(identity, data.meeting_id)
            await query.answer(tr.gettext("Recorded: you will attend."))
            await _drop_keyboard(query)
            del found
            return
        await meetings.check_can_answer(identity, data.meeting_id)
        if query.message is None:
            raise NotFound(N_("This button is no longer valid."))
        chat = caller(update)[1]
        await meetings.save_dialog(identity, chat, "absence", {"meeting": data.meeting_id})
        await query.answer()
        await query.message.chat.send_message(
            tr.gettext("Please reply with the reason for your absence."), reply_markup=ForceReply()
        )
        return
    if isinstance(data, cd.DecideAbsence):
        found, member, status = await meetings.decide_absence(
            identity, data.meeting_id, data.user_id, data.approve
        )
        await query.answer()
        await _drop_keyboard(query)
        await reply(
            update,
            tr.gettext(
                "{name}: {status}.", name=member.name, status=mr.reply_label(tr, status.value)
            ),
        )
        member_tr = await tr_of(context, member)
        text = (
            member_tr.gettext(
                "Your absence from meeting #{id} «{title}» is approved.",
                id=found.id,
                title=found.title,
            )
            if status is Reply.ABSENT_WITH_REASON
            else member_tr.gettext(
                "Your absence from meeting #{id} «{title}» was not accepted; please attend.",
                id=found.id,
                title=found.title,
            )
        )
        await send_private(context, member, text)
        return
    raise NotFound(N_("This button is no longer valid."))


def register(application: BotApplication) -> None:
    """Add this area's handlers."""
    commands = {
        "schedule": schedule,
        "recurring": recurring,
        "meetings": meetings_command,
        "meeting": meeting,
        "move": move,
        "cancel": cancel,
        "agenda": agenda,
        "link": link,
        "attach": attach,
        "calendar": calendar,
        "reminders": reminders_command,
        "answers": answers,
    }
    for command, callback in commands.items():
        application.add_handler(CommandHandler(command, callback))
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/attach\b"), attach)
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^(at|ab|sd):"))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
