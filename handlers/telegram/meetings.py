"""Handlers of meetings: scheduling (one line or guided), moving, agenda, link, documents,
calendar, reminders' settings and members' answers."""

from __future__ import annotations

import io
import logging

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.meetings import Document, DocumentRef, MeetingStatus, MeetingType, Reply
from bot.domain.messages import AnswerSummons, Confirm, DecideAbsence, SendAbsence
from bot.errors import BadInput, NotFound, Refused
from bot.i18n import N_, Translator
from bot.rules.intents import reads_as_absence
from bot.services.attendance import MAX_REASON
from bot.services.meetings import Change, RuleQuestion, RuleSet
from bot.texts import OFFER, absence_offer, absence_reply, answer_choices, with_answer
from bot.texts import when as meeting_when
from handlers.telegram import callback_data as cd
from handlers.telegram import meeting_render as mr
from handlers.telegram import schedule_dialog as dialog
from handlers.telegram import voting
from handlers.telegram.cells import on_edited_command
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
    unless_unchanged,
)
from handlers.telegram.context import BotApplication, BotContext
from handlers.telegram.notifier import keyboard

logger = logging.getLogger(__name__)

DOCUMENT_LABEL_MAX = 40
DOCUMENT_BUTTONS_MAX = 20
SCHEDULE_EXAMPLE = "/schedule 05/12/2026 19:30 Sinh hoạt chi bộ tháng 12"
MOVE_EXAMPLE = "/move 12 06/12/2026 19:30"
CANCEL_EXAMPLE = "/cancel 4 Trùng lịch họp Đảng ủy phường"
# /link N new: an explicit new room (without a word, /link N only shows the link).
NEW_ROOM_WORDS = frozenset({"new", "mới", "moi", "jitsi"})

TYPE_CODES = {
    "r": MeetingType.REGULAR,
    "t": MeetingType.THEMATIC,
    "e": MeetingType.EXTRAORDINARY,
    "c": MeetingType.COMMITTEE,
}


_meeting_id = mr.meeting_number


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
        question, rows = await dialog.start(context.services, identity, chat, tr)
        await confirm(update, question, dialog.buttons(rows))
        return
    if len(text) > 400:
        # Date and time take a few words: what makes the line this long is the title.
        raise BadInput(N_("The title can have at most 200 characters."), example=SCHEDULE_EXAMPLE)
    change = await meetings.schedule_text(
        identity, chat, text, tr.language, source=message.message_id
    )
    await _scheduled(update, context, tr, change)


async def schedule_edited(update: Update, context: BotContext) -> None:
    """An edited one-line /schedule message: the meeting it made is amended (no second one);
    a message that made no meeting gets the hint to send the command anew."""
    message = update.edited_message
    assert message is not None
    identity, chat = caller(update)
    tr = await tr_for(update, context)
    text = command_args(message)
    change = None
    if text and len(text) <= 400:
        change = await context.services.meetings.amend(
            identity, chat, message.message_id, text, tr.language
        )
    if change is None:
        await on_edited_command(update, context)
        return
    # A change given in the group is told there by the core: that is the answer.
    if change.unchanged or chat.chat_id != change.cell.chat_id:
        await confirm(
            update,
            tr.gettext(
                "Meeting #{id} amended: {title}, {when}.",
                id=change.meeting.number,
                title=change.meeting.title,
                when=meeting_when(tr, change.meeting, change.cell),
            ),
        )
    await change.announce()


async def _scheduled(update: Update, context: BotContext, tr: Translator, change: Change) -> None:
    # The core armed the reminders and told the group before this confirmation.
    await confirm(update, mr.scheduled_text(tr, change))
    await change.announce()


async def on_dialog_button(update: Update, context: BotContext, value: str) -> None:
    """A button of the guided /schedule dialog."""
    query = update.callback_query
    assert query is not None and query.message is not None
    identity, chat = identity_of(query.from_user), caller(update)[1]
    dialogs = context.services.dialogs
    tr = await tr_for(update, context)
    found = await dialogs.get(identity, chat)
    if found is None or found[0] != dialog.KIND:
        if not chat.is_private and await dialogs.open_in(chat, dialog.KIND):
            # Pressed by someone else in the group: whose the dialog is, not "no longer valid".
            raise Refused(N_("This is the dialog of the secretary who started /schedule."))
        raise NotFound(N_("This button is no longer valid."))
    state = found[1]
    if value == "no":
        await dialogs.end(identity, chat)
        await after_commit(query.answer())
        await after_commit(
            query.edit_message_text(tr.gettext("Cancelled; nothing was scheduled."))
        )
        return
    if value == "ok":
        change = await dialog.create(context.services, identity, chat, state, tr.language)
        await after_commit(query.answer())
        await after_commit(drop_keyboard(query))
        await _scheduled(update, context, tr, change)
        return
    state = await dialog.answer_button(context.services, identity, chat, state, value)
    await after_commit(query.answer())
    # The choice stays in the question's place: "Họp trong bao lâu? — 90 phút".
    label = _pressed_label(query)
    question = getattr(query.message, "text", None)
    if label is not None and question:
        await after_commit(query.edit_message_text(f"{question} — {label}"))
    else:
        await after_commit(drop_keyboard(query))
    message = query.message
    assert isinstance(message, Message)
    await after_commit(dialog.ask(message, tr, state, context.services, query.from_user))


def _pressed_label(query: CallbackQuery) -> str | None:
    """The text of the button that was pressed."""
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()):
        for button in row:
            if button.callback_data == query.data:
                return str(button.text)
    return None


async def on_text(update: Update, context: BotContext) -> None:
    """A typed answer to an open dialog (schedule steps, or an absence reason)."""
    message = update.effective_message
    if message is None or not message.text or update.effective_user is None:
        return
    identity, chat = caller(update)
    found = await context.services.dialogs.get(identity, chat)
    if found is None or found[0] == OFFER:
        if chat.is_private:
            tr = await tr_for(update, context)
            if not await offer_absence(update, context, tr, message.text.strip()):
                await reply(update, tr.gettext("Send /help to see what you can do here."))
        return
    kind, state = found
    tr = await tr_for(update, context)
    text = message.text.strip()
    if not chat.is_private and not _answers_the_bot(message, context):
        return  # in a group, only a reply to the bot's question answers it
    if dialog.abandons(text):
        await context.services.dialogs.end(identity, chat)
        await confirm(update, tr.gettext(ABANDONED.get(kind, DIALOG_CLOSED)))
        return
    if kind == "absence":
        meeting_id = int(str(state["meeting"]))
        done = await context.services.attendance.request_absence(identity, chat, meeting_id, text)
        await context.services.dialogs.end(identity, chat)
        await confirm(update, absence_reply(tr, done.status))
        pressed = state.get("message")
        if isinstance(pressed, int) and isinstance(state.get("text"), str):
            # The reminder (or /meeting) whose button asked: its answer line and marks follow.
            await after_commit(
                context.bot.edit_message_text(
                    with_answer(str(state["text"]), tr, done.status),
                    chat_id=message.chat_id,
                    message_id=pressed,
                    reply_markup=keyboard(answer_choices(tr, meeting_id, done.status)),
                )
            )
        return
    if kind == voting.DIALOG:
        await voting.on_dialog_text(update, context, state, text)
        return
    if kind == dialog.KIND:
        state = await dialog.answer_text(context.services, identity, chat, state, text)
        await after_commit(dialog.ask(message, tr, state, context.services, update.effective_user))


ABANDONED = {dialog.KIND: N_("Cancelled; nothing was scheduled.")}
DIALOG_CLOSED = N_("Cancelled; nothing was changed.")


def _answers_the_bot(message: Message, context: BotContext) -> bool:
    """Whether a group message replies to one of the bot's own messages."""
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    return author is not None and author.id == context.bot.id


async def offer_absence(update: Update, context: BotContext, tr: Translator, text: str) -> bool:
    """Typed words that ask to be excused: offer to send them as the absence request for the
    member's next meeting. False when they are not that (or there is no such meeting)."""
    if not reads_as_absence(text):
        return False
    identity, chat = caller(update)
    found = await context.services.attendance.next_open(identity)
    if found is None:
        return False
    cell, upcoming = found
    reason = text[:MAX_REASON]
    await context.services.dialogs.save(
        identity, chat, OFFER, {"meeting": upcoming.id, "reason": reason}
    )
    offer, choices = absence_offer(tr, upcoming, cell, reason)
    await reply(update, offer, keyboard(choices))
    return True


async def recurring(update: Update, context: BotContext) -> None:
    """/recurring RULE: the regular meeting's rule; coming occurrences follow it."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    text = command_args(message)
    meetings = context.services.meetings
    if not text:
        await reply(update, mr.current_rule_text(tr, await meetings.current_rule(identity, chat)))
        return
    if len(text) > 100:
        raise BadInput(
            N_("Give the rule of the regular meeting."),
            example="/recurring ngày 5 hằng tháng 19:30",
        )
    result = await meetings.set_recurrence(identity, chat, text)
    if isinstance(result, RuleQuestion):
        choices = mr.question_choices(tr, result.confirmation_id, mr.RULE_YES, mr.RULE_NO)
        await confirm(update, mr.rule_question_text(tr, result), keyboard(choices))
        return
    await confirm(update, mr.recurring_text(tr, result))


async def meetings_command(update: Update, context: BotContext) -> None:
    """/meetings [all]: upcoming and recent meetings."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    everything = mr.overview_everything(command_args(message))
    overview = await context.services.meetings.overview(identity, chat, everything=everything)
    await reply(update, mr.overview_text(tr, overview))


async def meeting(update: Update, context: BotContext) -> None:
    """/meeting N: one meeting with agenda, link and documents."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    meeting_id = _meeting_id(command_args(message), "/meeting 12")
    cell, found, items, docs = await context.services.meetings.details(identity, chat, meeting_id)
    text = mr.meeting_text(tr, found, cell, items, docs)
    documents = _documents_keyboard(docs, found.id)
    if chat.is_private:
        # A summoned member answers here too, any time before the start.
        # Buttons carry the meeting's id; its number in the cell is what was typed.
        mine = await context.services.attendance.mine(identity, chat, found.id)
        if mine.summoned and mine.open:
            answers = keyboard(answer_choices(tr, found.id, mine.status))
            rows = [
                *(answers.inline_keyboard if answers else ()),
                *(documents.inline_keyboard if documents else ()),
            ]
            await reply(update, with_answer(text, tr, mine.status), InlineKeyboardMarkup(rows))
            return
    await reply(update, text, documents)


def _documents_keyboard(docs: list[Document], meeting_id: int) -> InlineKeyboardMarkup | None:
    """A button per document: pressed, it comes to the presser's private chat (a confidential
    one protected, and to members only)."""
    if not docs:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("🔒 " if d.confidential else "📄 ") + d.file_name[:DOCUMENT_LABEL_MAX],
                    callback_data=cd.fetch_document(meeting_id, d.id),
                )
            ]
            for d in docs[:DOCUMENT_BUTTONS_MAX]
        ]
    )


async def _send_document(update: Update, context: BotContext, data: cd.FetchDocument) -> None:
    """A document button: the document to the presser's private chat with the bot."""
    query = update.callback_query
    assert query is not None
    identity = identity_of(query.from_user)
    where = chat_of(query.message.chat) if query.message else None
    tr = await tr_for(update, context)
    _, document = await context.services.meetings.document(
        identity, where, data.meeting_id, data.document_id
    )
    if document.file.channel != CHANNEL:
        raise NotFound(N_("This document is not on Telegram."))
    in_private = where is not None and where.is_private
    if in_private:
        assert where is not None
        private_chat: str | None = where.chat_id
    else:
        user = await context.services.members.known_user(identity)
        account = user.on(CHANNEL) if user is not None else None
        reachable = account is not None and account.reachable
        private_chat = account.private_chat_id if account is not None and reachable else None
    start_first = tr.gettext(
        "To get documents, open a private chat with the bot and press Start, then "
        "press the button again."
    )
    if private_chat is None:
        await query.answer(start_first, show_alert=True)
        return
    try:
        await context.bot.send_document(
            int(private_chat),
            document.file.ref,
            caption=document.file_name[:1024],
            protect_content=document.confidential,
        )
    except Forbidden:
        await context.services.members.set_reachable(CHANNEL, str(query.from_user.id), False)
        await query.answer(start_first, show_alert=True)
        return
    await after_commit(
        query.answer(None if in_private else tr.gettext("Sent to your private chat with the bot."))
    )


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
    # The core told the group (this one, when the command was given here) and the members.
    if str(chat.chat_id) != change.cell.chat_id:
        when = meeting_when(tr, change.meeting, change.cell)
        await confirm(
            update,
            tr.gettext("Meeting #{id} moved to {when}.", id=change.meeting.number, when=when),
        )
    await change.announce()


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel N [reason]: shows the meeting and asks to confirm."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    words = command_args(message).split(maxsplit=1)
    if not words:
        # /cancel alone in an open dialog gives the dialog up (no meeting is touched).
        found = await context.services.dialogs.get(identity, chat)
        if found is not None and found[0] in (dialog.KIND, "absence", OFFER):
            await context.services.dialogs.end(identity, chat)
            await confirm(update, tr.gettext(ABANDONED.get(found[0], DIALOG_CLOSED)))
            return
        raise BadInput(N_("Give the meeting's number from /meetings."), example=CANCEL_EXAMPLE)
    number = _meeting_id(words[0], CANCEL_EXAMPLE)
    question = await context.services.meetings.ask_cancel(
        identity, chat, number, words[1] if len(words) == 2 else None
    )
    choices = mr.question_choices(tr, question.confirmation_id, mr.CANCEL_YES, mr.CANCEL_NO)
    await confirm(update, mr.cancel_question_text(tr, question), keyboard(choices))


async def restore(update: Update, context: BotContext) -> None:
    """/restore N: a cancelled meeting takes place after all."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    number = _meeting_id(command_args(message), "/restore 4")
    change = await context.services.meetings.restore(identity, chat, number, tr.language)
    # The core tells the group (this one, when the command was given here) and the members.
    if chat.chat_id != change.cell.chat_id:
        await confirm(update, mr.restored_text(tr, change))
    await change.announce()


async def agenda(update: Update, context: BotContext) -> None:
    """/agenda N [add TEXT | remove N | move N TO | edit N TEXT]."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    words = command_args(message).split()
    example = "/agenda 12 add Phát biểu của đảng viên mới"
    if not words:
        raise BadInput(N_("Give the meeting's number from /meetings."), example=example)
    meeting_id = _meeting_id(words[0], example)
    if len(words) == 1:
        cell, found, items, docs = await context.services.meetings.details(
            identity, chat, meeting_id
        )
        await reply(update, mr.meeting_text(tr, found, cell, items, docs))
        return
    found, items = await context.services.meetings.edit_agenda(
        identity, chat, meeting_id, words[1].lower(), words[2:]
    )
    await confirm(update, mr.agenda_text(tr, found, items))


async def meetingkind(update: Update, context: BotContext) -> None:
    """/meetingkind N regular|thematic|extraordinary|committee."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    meeting_id, meeting_type = mr.meeting_type_args(command_args(message))
    change = await context.services.meetings.set_type(
        identity, chat, meeting_id, meeting_type, tr.language
    )
    await confirm(update, mr.type_change_text(tr, change))
    await change.announce()


async def link(update: Update, context: BotContext) -> None:
    """/link N [URL]: set the link, or generate a Jitsi room."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    words = command_args(message).split()
    if not words or len(words) > 2:
        raise BadInput(
            N_("Give the meeting's number, and a link or 'new' for a new Jitsi room."),
            example="/link 12 https://meet.jit.si/...",
        )
    number = _meeting_id(words[0], "/link 12")
    meetings = context.services.meetings
    if len(words) == 1:
        question = await meetings.show_link(identity, chat, number)
        choices = mr.question_choices(tr, question.confirmation_id, mr.NEW_ROOM, mr.NOT_NOW)
        # A meeting cancelled or held gets no new room: its link is only shown.
        markup = keyboard(choices[:1]) if question.confirmation_id else None
        await confirm(update, mr.link_question_text(tr, question), markup)
        return
    new_room = words[1].lower() in NEW_ROOM_WORDS
    change = await meetings.set_link(identity, chat, number, None if new_room else words[1])
    # A changed link is posted in the group by the core: given there, that is the answer.
    if change.unchanged or chat.chat_id != change.cell.chat_id:
        await confirm(update, mr.link_text(tr, change.meeting))
    await change.announce()


async def attach(update: Update, context: BotContext) -> None:
    """/attach N [confidential], as a reply to a document or as a document's caption."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    text = message.text or message.caption or ""
    words = text.split()[1:]
    document_message = message if message.document else message.reply_to_message
    document = document_message.document if document_message else None
    example = "/attach 12 mat"
    replied = message.reply_to_message
    if document is None and (message.photo or (replied is not None and replied.photo)):
        # Telegram keeps a photo as a compressed picture, not the file: say how to send it.
        raise BadInput(
            N_(
                "This is a photo: send the document as a file (📎 → File), then reply to it "
                "with /attach N."
            ),
            example=example,
        )
    if document is None or not words or len(words) > 2:
        raise BadInput(
            N_("Reply to a document with /attach N (add 'mat' for confidential)."), example=example
        )
    confidential = len(words) == 2
    if confidential and words[1].lower() not in ("mat", "mật", "confidential", "secret"):
        raise BadInput(
            N_("Reply to a document with /attach N (add 'mat' for confidential)."), example=example
        )
    meeting_id = _meeting_id(words[0], example)
    if confidential and not chat.is_private:
        await _refuse_confidential_in_group(update, context, meeting_id, document_message)
    found, doc = await context.services.meetings.attach(
        identity,
        chat,
        meeting_id,
        file=DocumentRef(CHANNEL, document.file_id),
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
    await confirm(update, tr.gettext(key, name=doc.file_name, id=found.number))


async def _refuse_confidential_in_group(
    update: Update, context: BotContext, meeting_id: int, document_message: Message | None
) -> None:
    """A confidential document posted in a group: refused, and (when the caller may attach
    documents: nobody else gets the bot to delete a message) the posted file deleted, since
    everyone in the group can read it."""
    identity, chat = caller(update)
    await context.services.meetings.check_may_schedule(identity, chat)
    deleted = False
    if document_message is not None:
        try:
            deleted = bool(await document_message.delete())
        except TelegramError as error:
            logger.info("could not delete a confidential document in a group: %s", error)
    raise Refused(
        N_(
            "Confidential documents are attached only in your private chat with the bot: send "
            "the file there with /attach {id} mat. The file posted here was deleted."
        )
        if deleted
        else N_(
            "Confidential documents are attached only in your private chat with the bot: send "
            "the file there with /attach {id} mat. Delete the file posted here: everyone in "
            "the group can read it."
        ),
        id=meeting_id,
    )


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
    """/reminders 24h 1h 0: the cell's reminder times (without times: as they are)."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    reminders = context.services.reminders
    if not command_args(message):
        offsets = await reminders.current_offsets(identity, chat)
        await reply(update, mr.current_offsets_text(tr, offsets))
        return
    offsets, _ = await reminders.set_offsets(identity, chat, command_args(message))
    await confirm(update, mr.offsets_text(tr, offsets))


async def answers(update: Update, context: BotContext) -> None:
    """/answers N: who will attend, who asked to be excused, who has not answered."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    found, rows = await context.services.attendance.answers(
        identity, chat, _meeting_id(command_args(message), "/answers 12")
    )
    await reply(update, mr.answers_text(tr, found, rows))


# --- buttons -----------------------------------------------------------------------------------


async def _mark_answer(
    query: CallbackQuery, tr: Translator, meeting_id: int, status: Reply
) -> None:
    """The pressed message shows the answer given, and its buttons mark it."""
    message = query.message
    text = getattr(message, "text", None)
    markup = keyboard(answer_choices(tr, meeting_id, status))
    if not text:
        return
    await unless_unchanged(
        query.edit_message_text(with_answer(text, tr, status), reply_markup=markup)
    )


async def on_button(update: Update, context: BotContext) -> None:
    """Answer buttons, absence decisions and dialog steps."""
    query = update.callback_query
    assert query is not None
    identity = identity_of(query.from_user)
    # The chat of the pressed message (None if Telegram no longer has it).
    where = chat_of(query.message.chat) if query.message else None
    tr = await tr_for(update, context)
    data = cd.parse(query.data)
    attendance = context.services.attendance
    if isinstance(data, cd.DialogStep):
        await on_dialog_button(update, context, data.value)
        return
    if isinstance(data, cd.FetchDocument):
        await _send_document(update, context, data)
        return
    if isinstance(data, AnswerSummons):
        if data.attend:
            await attendance.will_attend(identity, where, data.meeting_id)
            # The alert is the presser's alone: in their language.
            alert = (await tr_person(update, context)).gettext("Recorded: you will attend.")
            await after_commit(query.answer(alert))
            # The answer shows in the message, its button marked; it can still be changed.
            await after_commit(_mark_answer(query, tr, data.meeting_id, Reply.WILL_ATTEND))
            return
        await attendance.check_can_answer(identity, where, data.meeting_id)
        if query.message is None:
            raise NotFound(N_("This button is no longer valid."))
        chat = caller(update)[1]
        state: dict[str, object] = {"meeting": data.meeting_id}
        text = getattr(query.message, "text", None)
        if text:
            state |= {"message": query.message.message_id, "text": text}
        await context.services.dialogs.save(identity, chat, "absence", state)
        await after_commit(query.answer())
        await after_commit(
            query.message.chat.send_message(
                tr.gettext("Please reply with the reason for your absence."),
                reply_markup=ForceReply(selective=True),
            )
        )
        return
    if isinstance(data, SendAbsence):
        chat = caller(update)[1]
        offered = await context.services.dialogs.get(identity, chat)
        if offered is None or offered[0] != OFFER or offered[1].get("meeting") != data.meeting_id:
            raise NotFound(N_("This button is no longer valid."))
        done = await attendance.request_absence(
            identity, where, data.meeting_id, str(offered[1]["reason"])
        )
        await context.services.dialogs.end(identity, chat)
        await after_commit(query.answer())
        await after_commit(query.edit_message_text(absence_reply(tr, done.status)))
        return
    if isinstance(data, Confirm):
        await on_confirm(update, context, data)
        return
    if isinstance(data, DecideAbsence):
        found, member, status = await attendance.decide_absence(
            identity, where, data.meeting_id, data.user_id, data.approve
        )
        await after_commit(query.answer())
        await after_commit(drop_keyboard(query))
        await confirm(
            update,
            tr.gettext("{name}: {status}.", name=member.name, status=mr.reply_label(tr, status)),
        )
        await context.services.notices.absence_decided(found, member, status)
        return
    raise NotFound(N_("This button is no longer valid."))


async def on_confirm(update: Update, context: BotContext, data: Confirm) -> None:
    """The answer to a question asked before a change (cancel, a new rule, a new room)."""
    query = update.callback_query
    assert query is not None
    identity = identity_of(query.from_user)
    where = caller(update)[1] if query.message else None
    tr = await tr_for(update, context)
    result = await context.services.meetings.confirm(
        identity, where, data.confirmation_id, data.yes
    )
    await after_commit(query.answer())
    await after_commit(drop_keyboard(query))
    if result is None:
        await confirm(update, tr.gettext(mr.NOTHING_CHANGED))
        return
    if isinstance(result, RuleSet):
        await confirm(update, mr.recurring_text(tr, result))
        await result.announce()
        return
    if result.meeting.status is MeetingStatus.CANCELLED:
        # The group is told by the core; the leader who confirmed in private hears it here.
        if where is None or where.chat_id != result.cell.chat_id:
            await confirm(update, mr.cancelled_text(tr, result))
    elif result.unchanged or where is None or where.chat_id != result.cell.chat_id:
        await confirm(update, mr.link_text(tr, result.meeting))
    await result.announce()


def register(application: BotApplication) -> None:
    """Add this area's handlers."""
    commands = {
        "schedule": schedule,
        "recurring": recurring,
        "meetings": meetings_command,
        "meeting": meeting,
        "move": move,
        "cancel": cancel,
        "restore": restore,
        "agenda": agenda,
        "meetingkind": meetingkind,
        "link": link,
        "attach": attach,
        "calendar": calendar,
        "reminders": reminders_command,
        "answers": answers,
    }
    for command, callback in commands.items():
        # Only new messages: an edited command must not run again (ptb's default takes edits).
        application.add_handler(
            CommandHandler(command, callback, filters=filters.UpdateType.MESSAGE)
        )
    # An edited one-line /schedule amends the meeting it made.
    application.add_handler(
        CommandHandler("schedule", schedule_edited, filters=filters.UpdateType.EDITED_MESSAGE)
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE
            & (filters.Document.ALL | filters.PHOTO)
            & filters.CaptionRegex(r"^/attach\b"),
            attach,
        )
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^(at|ab|as|cf|sd|dc):"))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_text)
    )
