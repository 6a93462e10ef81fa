"""The Zalo edge: private-chat messages -> the core's services -> texts back.

Zalo has no buttons, no commands menu and no deep links, so on Zalo:

- the same slash commands as on Telegram are typed (``/help``, ``/members``, ``/move``...);
  those that need files (``/attach``, ``/calendar``) say so;
- ``/schedule`` alone runs the same guided dialog as on Telegram: its choices (kind,
  duration, agenda template, confirm) are numbered, the date, time, title and link typed; its
  numbers close with each question and expire with the dialog; ``/cancel`` alone, or the
  "Cancel" number, abandons it;
- a numbered choice the bot sent ("1. Sẽ tham dự", "2. Xin vắng") is answered by replying
  with its number, while it is open;
- an invite code (``/invite`` shows it) sent as a message asks to join that cell;
- ``/setup CODE`` in a private chat makes a cell run from Zalo private chats alone: it has no
  group (its chat id is a stand-in, ``zalo-cell:<random>``), and members get everything
  privately.

Each Zalo message is applied once: its message_id is recorded before it is handled (the
platform hands consumed updates back, and webhooks repeat).
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from bot.domain.cells import Role, parse_kind, parse_role
from bot.domain.dialogs import DIALOG_TTL
from bot.domain.identity import ChatRef, Identity
from bot.domain.meetings import MeetingStatus
from bot.domain.messages import (
    AnswerSummons,
    AssignRunner,
    CastBallot,
    CheckIn,
    Choice,
    Confirm,
    DecideAbsence,
    DecideJoin,
    SendAbsence,
)
from bot.errors import BadInput, NotFound, Usage, UserFacingError
from bot.i18n import N_, Translator, translator
from bot.rules.intents import reads_as_absence
from bot.services.attendance import MAX_REASON
from bot.services.meetings import RuleQuestion, RuleSet
from bot.services.registry import Services
from bot.services.running import reads_as_check_in
from bot.texts import OFFER, absence_offer, absence_reply, answer_choices, with_answer
from bot.texts import when as meeting_when
from handlers.connect import connect_reply, id_text
from handlers.names import name_reply
from handlers.report_texts import overview_text, record_text, report_text
from handlers.telegram import callback_data as cd
from handlers.telegram import meeting_render as mr
from handlers.telegram import render
from handlers.telegram import schedule_dialog as guided
from handlers.telegram.callback_data import DialogStep
from handlers.telegram.commands import visible
from handlers.telegram.meetings import CANCEL_EXAMPLE, NEW_ROOM_WORDS
from handlers.telegram.usage import example_of
from handlers.zalo import minutes as zalo_minutes
from handlers.zalo import running
from handlers.zalo import voting as zalo_voting
from handlers.zalo.budget import MonthlyBudget, quota_text
from handlers.zalo.client import ZaloMessage, parse_update
from handlers.zalo.notifier import (
    REPLY_WITH_NUMBER,
    VIRTUAL_GROUP_PREFIX,
    ZaloNotifier,
    numbered,
)
from handlers.zalo.photos import PhotoShelf, photo_base
from storage.sqlite.zalo import SqliteZaloState

logger = logging.getLogger(__name__)

CHANNEL = "zalo"
# What /invite makes (secrets.token_urlsafe(12)), with or without Telegram's "inv-".
INVITE_CODE = re.compile(r"(?:inv-)?([A-Za-z0-9_-]{16})")
NUMBER = re.compile(r"([0-9]{1,3})\.?")
NOT_ON_ZALO = N_(
    "/{command} needs buttons or files, which Zalo does not have: use it on Telegram, or ask "
    "your secretary."
)
DIALOG_CHOICE = cd.dialog_step("")  # the prefix of the guided dialog's numbered choices
UNKNOWN = N_("I did not understand. Send /help to see what you can do here.")
NO_SUCH_CHOICE = N_("There is no open choice with that number. Send /help to see what you can do.")
GENERIC_ERROR = N_("Something went wrong; nothing was changed. Please try again later.")
NO_FILES_ON_ZALO = N_(
    "Zalo cannot carry files, so the calendar file is only on Telegram. The meetings are in "
    "/meetings, each with /meeting N."
)
TELEGRAM_ONLY = frozenset({"attach", "calendar", "pdf"})
MOVE_EXAMPLE = "/move 12 06/12/2026 19:30"


class ZaloBot:
    """Handles Zalo updates with the core's services; answers through the Zalo notifier."""

    def __init__(self, services: Services, notifier: ZaloNotifier, state: SqliteZaloState) -> None:
        self.services = services
        self.notifier = notifier
        self.state = state
        # The report's chart is served by the webhook server (webhook mode only): Zalo's
        # sendPhoto takes a public URL.
        self.photos = PhotoShelf()
        self.photo_base = photo_base(
            services.settings.zalo_webhook_url if services.settings.zalo_webhook_secret else None
        )

    async def handle_update(self, update: dict[str, Any]) -> None:
        """One update from getUpdates or the webhook; a redelivered one is skipped."""
        message = await self.accept(update)
        if message is not None:
            await self.handle(message)

    async def accept(self, update: dict[str, Any]) -> ZaloMessage | None:
        """Store an update before it is acknowledged; the message to handle, or None for a
        redelivered one (or one with nothing to handle)."""
        message = parse_update(update)
        if message is None or message.is_bot:
            return None
        if not await self.state.receive(message.message_id, update, self.services.clock.now()):
            logger.debug("zalo message %s seen before: skipped", message.message_id)
            return None
        return message

    async def handle(self, message: ZaloMessage) -> None:
        """Handle a stored message and mark it handled."""
        await self.apply(message)
        await self.state.handled(message.message_id)

    async def resume(self) -> int:
        """At start: handle updates received before a stop but not handled; how many."""
        left = await self.state.unhandled()
        for update in left:
            message = parse_update(update)
            if message is not None:
                await self.apply(message)
                await self.state.handled(message.message_id)
        return len(left)

    async def apply(self, message: ZaloMessage) -> None:
        """Run one message; a user-facing error is told, anything else logged."""
        if not message.private or message.text is None:
            return  # groups are beta on Zalo and not used; images, stickers: nothing to do
        identity = Identity(CHANNEL, message.from_id, message.display_name)
        chat = ChatRef(CHANNEL, message.chat_id, is_private=True)
        members = self.services.members
        tr = translator(self.services.settings.default_language)
        try:
            # Whoever writes to the bot can be messaged privately from now on.
            await members.start_private(identity, chat)
            tr = translator(await members.language_for(identity))
            answer = await self.dispatch(identity, chat, message.text.strip(), tr)
        except UserFacingError as error:
            answer = render_error(tr, error)
        except Exception:
            logger.exception("zalo message %s failed", message.message_id)
            answer = "⚠️ " + tr.gettext(GENERIC_ERROR)
        if answer:
            operator = self.services.access.is_operator(identity)
            await self.notifier.send_text(message.chat_id, answer, operator=operator)

    async def dispatch(self, identity: Identity, chat: ChatRef, text: str, tr: Translator) -> str:
        """The answer to one text."""
        if text.startswith("/"):
            word, _, args = text[1:].partition(" ")
            return await self.command(identity, chat, word.lower(), args.strip(), tr)
        number = NUMBER.fullmatch(text)
        if number:
            answer = await self.choose(identity, chat, int(number[1]), tr)
            if answer is not None:
                return answer
        dialog = await self.services.dialogs.get(identity, chat)
        if dialog is not None and dialog.kind == guided.KIND:
            # A number that is no open choice may be a typed answer ("90" minutes).
            return await self.dialog_text(identity, chat, dialog.state, text, tr)
        if number:
            return tr.gettext(NO_SUCH_CHOICE)
        if dialog is not None and dialog.kind == "absence":
            meeting_id = int(str(dialog.state["meeting"]))
            done = await self.services.attendance.request_absence(identity, chat, meeting_id, text)
            await self.services.dialogs.end(identity, chat)
            return absence_reply(tr, done.status)
        if reads_as_check_in(text):
            return await running.checked_reply(self, identity, tr, None)
        said = await zalo_minutes.contribution(self, identity, chat, text, tr)
        if said is not None:
            return said
        code = INVITE_CODE.fullmatch(text)
        if code:
            return await self.join(identity, code[1], tr)
        offered = await self.offer_absence(identity, chat, text, tr)
        return offered or tr.gettext(UNKNOWN)

    async def offer_absence(
        self, identity: Identity, chat: ChatRef, text: str, tr: Translator
    ) -> str | None:
        """Typed words that ask to be excused: offer to send them as the absence request for
        the member's next meeting (None: they are not that, or no meeting is open)."""
        if not reads_as_absence(text):
            return None
        found = await self.services.attendance.next_open(identity)
        user = await self.services.members.known_user(identity)
        if found is None or user is None:
            return None
        cell, upcoming = found
        reason = text[:MAX_REASON]
        await self.services.dialogs.save(
            identity, chat, OFFER, {"meeting": upcoming.id, "reason": reason}
        )
        offer, choices = absence_offer(tr, upcoming, cell, reason)
        return await self.notifier.with_choices(user.id, tr, offer, choices)

    # --- the guided /schedule dialog -----------------------------------------------------------

    async def ask(self, identity: Identity, text: str, rows: guided.Rows, tr: Translator) -> str:
        """A question of the dialog with its choices numbered; the previous question's
        numbers close, these expire with the dialog."""
        user = await self.services.members.known_user(identity)
        assert user is not None  # start_private recorded the caller
        await self.state.withdraw(user.id, DIALOG_CHOICE)
        flat = [choice for row in rows for choice in row]
        if not flat:
            return text
        now = self.services.clock.now()
        numbers = await self.state.offer(
            user.id,
            [(label, cd.dialog_step(value)) for label, value in flat],
            now,
            now + DIALOG_TTL,
        )
        return f"{text}\n\n{numbered(tr, numbers, [label for label, _ in flat])}"

    async def next_question(self, identity: Identity, state: guided.State, tr: Translator) -> str:
        """The dialog's next question."""
        text, rows = guided.question(tr, state, self.services.settings.tz)
        return await self.ask(identity, text, rows, tr)

    async def schedule_dialog(self, identity: Identity, chat: ChatRef, tr: Translator) -> str:
        """/schedule alone: open the guided dialog (leaders of the caller's cell)."""
        text, rows = await guided.start(self.services, identity, chat, tr)
        return await self.ask(identity, text, rows, tr)

    async def dialog_text(
        self, identity: Identity, chat: ChatRef, state: guided.State, text: str, tr: Translator
    ) -> str:
        """A typed answer to the dialog's question; a wrong one leaves the question open."""
        if state.get("step") not in guided.TYPED:
            raise BadInput(REPLY_WITH_NUMBER)
        state = await guided.answer_text(self.services, identity, chat, state, text)
        return await self.next_question(identity, state, tr)

    async def dialog_choice(
        self, identity: Identity, chat: ChatRef, value: str, tr: Translator
    ) -> str:
        """A numbered answer to the dialog's question, applied as its button would be."""
        dialogs = self.services.dialogs
        found = await dialogs.get(identity, chat)
        if found is None or found.kind != guided.KIND:
            return tr.gettext(NO_SUCH_CHOICE)
        if value == "no":
            return await self.abandon(identity, chat, tr)
        try:
            if value == "ok":
                change = await guided.create(
                    self.services, identity, chat, found.state, tr.language
                )
            else:
                state = await guided.answer_button(
                    self.services, identity, chat, found.state, value
                )
                return await self.next_question(identity, state, tr)
        except NotFound as error:
            if error.message != guided.STALE:
                raise
            return tr.gettext(NO_SUCH_CHOICE)  # a number of a question already answered
        await change.announce()
        return mr.scheduled_text(tr, change)

    async def abandon(self, identity: Identity, chat: ChatRef, tr: Translator) -> str:
        """Close the dialog and its numbers; nothing is scheduled."""
        await self.services.dialogs.end(identity, chat)
        user = await self.services.members.known_user(identity)
        if user is not None:
            await self.state.withdraw(user.id, DIALOG_CHOICE)
        return tr.gettext("Cancelled; nothing was scheduled.")

    async def join(self, identity: Identity, code: str, tr: Translator) -> str:
        """An invite code: a request the cell's leaders decide on whichever channel."""
        request = await self.services.members.redeem_invite(identity, code)
        await request.announce()
        return tr.gettext(
            "Your request to join «{cell}» was sent to the secretary. "
            "I will tell you here when it is decided.",
            cell=request.cell.name,
        )

    async def choose(
        self, identity: Identity, chat: ChatRef, number: int, tr: Translator
    ) -> str | None:
        """A numbered reply: the open choice behind it, applied as its button would be; None
        when no choice is open under that number."""
        user = await self.services.members.known_user(identity)
        data = None
        if user is not None:
            data = await self.state.take(user.id, number, self.services.clock.now())
        action = cd.parse(data) if data else None
        if action is None:
            return None
        attendance = self.services.attendance
        if isinstance(action, zalo_minutes.MINUTES_ACTIONS):
            return await zalo_minutes.choose(self, identity, chat, action, tr)
        if isinstance(action, CastBallot):
            return await zalo_voting.choose(self, identity, chat, action, tr)
        if isinstance(action, DialogStep):
            return await self.dialog_choice(identity, chat, action.value, tr)
        if isinstance(action, AnswerSummons):
            if action.attend:
                await attendance.will_attend(identity, None, action.meeting_id)
                return tr.gettext("Recorded: you will attend.")
            await attendance.check_can_answer(identity, None, action.meeting_id)
            await self.services.dialogs.save(
                identity, chat, "absence", {"meeting": action.meeting_id}
            )
            return tr.gettext("Please reply with the reason for your absence.")
        if isinstance(action, SendAbsence):
            offered = await self.services.dialogs.get(identity, chat)
            if offered is None or offered[0] != OFFER:
                return tr.gettext(NO_SUCH_CHOICE)
            done = await attendance.request_absence(
                identity, None, action.meeting_id, str(offered[1]["reason"])
            )
            await self.services.dialogs.end(identity, chat)
            return absence_reply(tr, done.status)
        if isinstance(action, Confirm):
            return await self.confirmed(identity, chat, action, tr)
        if isinstance(action, CheckIn):
            return await running.checked_reply(self, identity, tr, action.meeting_id)
        if isinstance(action, AssignRunner):
            return await running.assigned_reply(self, identity, tr, action)
        if isinstance(action, DecideAbsence):
            found, member, status = await attendance.decide_absence(
                identity, None, action.meeting_id, action.user_id, action.approve
            )
            await self.services.notices.absence_decided(found, member, status)
            return tr.gettext(
                "{name}: {status}.", name=member.name, status=mr.reply_label(tr, status)
            )
        if isinstance(action, DecideJoin):
            decision = await self.services.members.decide_join(
                identity, action.membership_id, action.kind, chat
            )
            await decision.announce()
            who = decision.membership.user.name
            if decision.approved:
                return tr.gettext("{name} is now a member.", name=who)
            return tr.gettext("{name}'s request was declined.", name=who)
        return tr.gettext(NO_SUCH_CHOICE)

    async def confirmed(
        self, identity: Identity, chat: ChatRef, action: Confirm, tr: Translator
    ) -> str:
        """The numbered answer to a question asked before a change."""
        result = await self.services.meetings.confirm(
            identity, chat, action.confirmation_id, action.yes
        )
        if result is None:
            return tr.gettext(mr.NOTHING_CHANGED)
        await result.announce()
        if isinstance(result, RuleSet):
            return mr.recurring_text(tr, result)
        if result.meeting.status is MeetingStatus.CANCELLED:
            return mr.cancelled_text(tr, result)
        return mr.link_text(tr, result.meeting)

    async def offer(
        self,
        identity: Identity,
        text: str,
        choices: tuple[tuple[Choice, ...], ...],
        tr: Translator,
    ) -> str:
        """A text with numbered choices (Zalo's buttons), kept for the person's reply."""
        user = await self.services.members.known_user(identity)
        if user is None:
            return text
        return await self.notifier.with_choices(user.id, tr, text, choices)

    async def command(
        self, identity: Identity, chat: ChatRef, name: str, args: str, tr: Translator
    ) -> str:
        """A slash command typed on Zalo."""
        services = self.services
        if name in ("start", "help"):
            return await self.help(identity, tr)
        if name == "lang":
            language = await services.members.set_language(identity, args)
            return translator(language).gettext("Language: English.")
        if name in ("connect", "ketnoi"):
            return await connect_reply(services, identity, args)
        if name == "id":
            return id_text(tr, identity)
        if name == "name":
            return await name_reply(services, identity, chat, tr, args)
        if name == "setup":
            return await self.setup(identity, args, tr)
        if name == "invite":
            created = await services.members.create_invite(identity, chat, args.split())
            return tr.gettext(
                "Invite code to «{cell}», for {uses} people, valid until {until}:\n{code}\n"
                "On Zalo, send this code to the bot; on Telegram, open {link}. "
                "You approve each request.",
                cell=created.cell.name,
                uses=created.max_uses,
                until=created.expires_at.astimezone(services.settings.tz).strftime(
                    "%d/%m/%Y %H:%M"
                ),
                code=created.code,
                link=f"/start inv-{created.code}",
            )
        if name == "members":
            return render.roster_text(tr, await services.members.roster(identity, chat))
        if name == "meetings":
            everything = mr.overview_everything(args)
            overview = await services.meetings.overview(identity, chat, everything=everything)
            return mr.overview_text(tr, overview)
        if name == "schedule" and not args:
            return await self.schedule_dialog(identity, chat, tr)
        if name == "cancel" and not args:
            dialog = await services.dialogs.get(identity, chat)
            if dialog is not None and dialog.kind == guided.KIND:
                return await self.abandon(identity, chat, tr)
        if name in MEETING_COMMANDS:
            return await MEETING_COMMANDS[name](self, identity, chat, args, tr)
        if name in running.COMMANDS:
            return await running.COMMANDS[name](self, identity, chat, args, tr)
        if name in zalo_minutes.COMMANDS:
            return await zalo_minutes.COMMANDS[name](self, identity, chat, args, tr)
        if name in zalo_voting.COMMANDS:
            return await zalo_voting.COMMANDS[name](self, identity, chat, args, tr)
        if name in ("kind", "role", "remove"):
            return await self.member_command(identity, chat, name, args, tr)
        if name == "calendar":
            return tr.gettext(NO_FILES_ON_ZALO)
        if name == "schedule":
            change = await services.meetings.schedule_text(identity, chat, args, tr.language)
            await change.announce()
            return mr.scheduled_text(tr, change)
        if name in ("quota", "hanmuc"):  # hạn mức: the Vietnamese form
            services.cells.require_operator(identity)
            budget = self.notifier.budget
            report = await budget.report() if isinstance(budget, MonthlyBudget) else None
            return quota_text(tr, report)
        if name in ("cells", "newcell"):
            if name == "newcell":
                code = await services.cells.operator_cell_code(identity, args)
                return tr.gettext("Setup code for «{name}»: {code}", name=args, code=code)
            cells = await services.cells.list_cells(identity)
            return "\n".join(f"#{s.cell.id} {s.cell.name} ({s.active})" for s in cells) or "-"
        if name == "report":
            return await self.report(identity, chat, args, tr)
        if name == "me":
            record = await services.reports.my_record(identity, chat, args)
            known = await services.members.known_user(identity)
            return record_text(record, known.name if known else identity.display_name, tr)
        if name == "overview":
            found = await services.reports.overview(identity, args)
            return overview_text(found, tr)
        if name in TELEGRAM_ONLY:
            return tr.gettext(NOT_ON_ZALO, command=name)
        return tr.gettext(UNKNOWN)

    async def report(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/report [period]: the text, then the chart as a photo (with a webhook: Zalo
        fetches pictures by a public URL); the workbook only on Telegram."""
        found = await self.services.reports.cell_report(identity, chat, args)
        operator = self.services.access.is_operator(identity)
        text = report_text(found, tr)
        if self.photo_base is None:
            return (
                text
                + "\n\n"
                + tr.gettext(
                    "The chart and the workbook are sent on Telegram (on Zalo, the chart needs "
                    "the bot's Zalo webhook)."
                )
            )
        await self.notifier.send_text(chat.chat_id, text, operator=operator)
        # matplotlib loads on the first chart, not at start.
        from handlers.documents.chart import attendance_chart

        token = self.photos.put(attendance_chart(found, tr), self.services.clock.now())
        await self.notifier.send_photo(
            chat.chat_id,
            f"{self.photo_base}{token}.png",
            tr.gettext("Attendance by month, {period}", period=found.period.label),
            operator=operator,
        )
        return ""

    async def meeting(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/meeting N: one meeting with agenda and link (documents are named only)."""
        meeting_id = mr.meeting_number(args, "/meeting 12")
        cell, found, items, docs = await self.services.meetings.details(identity, chat, meeting_id)
        text = mr.meeting_text(tr, found, cell, items, docs)
        # A summoned member answers here too, any time before the start.
        mine = await self.services.attendance.mine(identity, chat, meeting_id)
        user = await self.services.members.known_user(identity)
        if not mine.summoned or not mine.open or user is None:
            return text
        choices = answer_choices(tr, meeting_id, mine.status)
        return await self.notifier.with_choices(
            user.id, tr, with_answer(text, tr, mine.status), choices
        )

    async def answers(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/answers N: each member's answer, and whom the reminders may have missed."""
        meeting_id = mr.meeting_number(args, "/answers 12")
        found, rows = await self.services.attendance.answers(identity, chat, meeting_id)
        return mr.answers_text(tr, found, rows)

    async def move(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/move N dd/mm/yyyy HH:MM."""
        words = args.split(maxsplit=1)
        if len(words) != 2:
            raise BadInput(
                N_("Give the meeting's number and the new date and time."), example=MOVE_EXAMPLE
            )
        meeting_id = mr.meeting_number(words[0], MOVE_EXAMPLE)
        change = await self.services.meetings.move(
            identity, chat, meeting_id, words[1], tr.language
        )
        await change.announce()
        return tr.gettext(
            "Meeting #{id} moved to {when}.",
            id=change.meeting.number,
            when=meeting_when(tr, change.meeting, change.cell),
        )

    async def cancel(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/cancel N [reason]: the meeting, and a numbered choice to confirm."""
        words = args.split(maxsplit=1)
        if not words:
            raise BadInput(N_("Give the meeting's number from /meetings."), example=CANCEL_EXAMPLE)
        number = mr.meeting_number(words[0], CANCEL_EXAMPLE)
        question = await self.services.meetings.ask_cancel(
            identity, chat, number, words[1] if len(words) == 2 else None
        )
        choices = mr.question_choices(tr, question.confirmation_id, mr.CANCEL_YES, mr.CANCEL_NO)
        return await self.offer(identity, mr.cancel_question_text(tr, question), choices, tr)

    async def restore(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/restore N: a cancelled meeting takes place after all."""
        number = mr.meeting_number(args, "/restore 4")
        change = await self.services.meetings.restore(identity, chat, number, tr.language)
        await change.announce()
        return mr.restored_text(tr, change)

    async def link(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/link N [URL|new]: shows the link (with a choice of a new room), or replaces it."""
        words = args.split()
        if not words or len(words) > 2:
            raise BadInput(
                N_("Give the meeting's number, and a link or 'new' for a new Jitsi room."),
                example="/link 12 https://meet.jit.si/...",
            )
        number = mr.meeting_number(words[0], "/link 12")
        meetings = self.services.meetings
        if len(words) == 1:
            question = await meetings.show_link(identity, chat, number)
            if not question.confirmation_id:  # cancelled or held: only shown
                return mr.link_question_text(tr, question)
            choices = mr.question_choices(tr, question.confirmation_id, mr.NEW_ROOM, mr.NOT_NOW)
            return await self.offer(identity, mr.link_question_text(tr, question), choices[:1], tr)
        new_room = words[1].lower() in NEW_ROOM_WORDS
        change = await meetings.set_link(identity, chat, number, None if new_room else words[1])
        await change.announce()
        return mr.link_text(tr, change.meeting)

    async def reminders(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/reminders 24h 1h 0: the cell's reminder times (without times: as they are)."""
        if not args:
            offsets = await self.services.reminders.current_offsets(identity, chat)
            return mr.current_offsets_text(tr, offsets)
        offsets, _ = await self.services.reminders.set_offsets(identity, chat, args)
        return mr.offsets_text(tr, offsets)

    async def agenda(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/agenda N [add TEXT | remove N | move N TO | edit N TEXT]."""
        words = args.split()
        example = "/agenda 12 add Phát biểu của đảng viên mới"
        if not words:
            raise BadInput(N_("Give the meeting's number from /meetings."), example=example)
        meeting_id = mr.meeting_number(words[0], example)
        meetings = self.services.meetings
        if len(words) == 1:
            cell, found, items, docs = await meetings.details(identity, chat, meeting_id)
            return mr.meeting_text(tr, found, cell, items, docs)
        found, items = await meetings.edit_agenda(
            identity, chat, meeting_id, words[1].lower(), words[2:]
        )
        return mr.agenda_text(tr, found, items)

    async def meetingkind(
        self, identity: Identity, chat: ChatRef, args: str, tr: Translator
    ) -> str:
        """/meetingkind N KIND: the meeting's kind; its agenda follows until edited."""
        meeting_id, meeting_type = mr.meeting_type_args(args)
        change = await self.services.meetings.set_type(
            identity, chat, meeting_id, meeting_type, tr.language
        )
        await change.announce()
        return mr.type_change_text(tr, change)

    async def recurring(self, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
        """/recurring [RULE]: the regular meeting's rule; coming occurrences follow it (a rule
        that cancels meetings is asked with a numbered choice first)."""
        meetings = self.services.meetings
        if not args:
            return mr.current_rule_text(tr, await meetings.current_rule(identity, chat))
        if len(args) > 100:
            raise BadInput(
                N_("Give the rule of the regular meeting."),
                example="/recurring ngày 5 hằng tháng 19:30",
            )
        result = await meetings.set_recurrence(identity, chat, args)
        if isinstance(result, RuleQuestion):
            choices = mr.question_choices(tr, result.confirmation_id, mr.RULE_YES, mr.RULE_NO)
            return await self.offer(identity, mr.rule_question_text(tr, result), choices, tr)
        return mr.recurring_text(tr, result)

    async def member_command(
        self, identity: Identity, chat: ChatRef, name: str, args: str, tr: Translator
    ) -> str:
        """/kind N KIND, /role N ROLE, /remove N: a member named by their roster number."""
        members = self.services.members
        usage = {"kind": Usage.KIND, "role": Usage.ROLE, "remove": Usage.REMOVE}[name]
        ref, rest = render.member_args(render.split_args(args), usage)
        if name == "remove":
            if rest:
                raise BadInput(N_("Give only the member's number."), usage=Usage.REMOVE)
            _, member = await members.remove_member(identity, chat, ref)
            return tr.gettext("{name} was removed from the cell.", name=member.user.name)
        if name == "kind":
            # Vietnamese kinds are several words ("chính thức"): matched whole.
            new_kind = parse_kind(" ".join(rest)) if rest else None
            if new_kind is None:
                raise BadInput(
                    N_("Choose official, probationary, exempted, elsewhere or visiting."),
                    usage=usage,
                )
            _, member = await members.set_kind(identity, chat, ref, new_kind)
        else:
            new_role = parse_role(" ".join(rest)) if rest else None
            if new_role is None:
                raise BadInput(N_("Choose deputy, committee, member or guest."), usage=usage)
            _, member = await members.set_role(identity, chat, ref, new_role)
        return tr.gettext("Updated: {line}", line=render.member_line(tr, member))

    async def setup(self, identity: Identity, code: str, tr: Translator) -> str:
        """/setup CODE on Zalo: a cell run from Zalo private chats (no group)."""
        if not code:
            raise BadInput(N_("Give the setup code you received from your operator."))
        where = ChatRef(CHANNEL, VIRTUAL_GROUP_PREFIX + secrets.token_hex(8), is_private=False)
        cell = await self.services.cells.setup_cell(identity, where, code)
        return tr.gettext(
            "The cell «{name}» is set up on Zalo, and you are its secretary. Make an invite "
            "code with /invite and give it to members: they send it to this bot.",
            name=cell.name,
        )

    async def help(self, identity: Identity, tr: Translator) -> str:
        """What the caller may do in a Zalo private chat."""
        services = self.services
        cells = await services.members.user_cells(identity)
        leader = any(render.is_leader(m) for _, m in cells)
        guest = any(m.role is Role.GUEST for _, m in cells)
        member = any(m.role is not Role.GUEST for _, m in cells)
        commands = visible(
            private=True,
            member=member,
            leader=leader,
            operator=services.access.is_operator(identity),
            guest=guest,
        )
        header = tr.gettext(
            "On Zalo: type the commands below; answer a numbered choice with its number; "
            "send an invite code to ask to join a cell."
        )
        return render.help_text(
            tr, [c for c in commands if c.name not in TELEGRAM_ONLY], header=header
        )


MEETING_COMMANDS = {
    "meeting": ZaloBot.meeting,
    "answers": ZaloBot.answers,
    "move": ZaloBot.move,
    "cancel": ZaloBot.cancel,
    "restore": ZaloBot.restore,
    "link": ZaloBot.link,
    "reminders": ZaloBot.reminders,
    "agenda": ZaloBot.agenda,
    "recurring": ZaloBot.recurring,
    "meetingkind": ZaloBot.meetingkind,
}


# Refusals whose advice is Telegram's (a group, /join), said the Zalo way.
ZALO_WORDING = {
    "Only cell members can record a name. Use /join in your group.": N_(
        "Only cell members can record a name. Send the invite code from your secretary to join."
    ),
}


def render_error(tr: Translator, error: UserFacingError) -> str:
    """A user-facing error in the user's language, with an example of the right form."""
    params = {k: str(v) for k, v in error.params.items()}
    message = ZALO_WORDING.get(error.message, error.message)
    text = "⚠️ " + tr.gettext(message, **params)
    example = example_of(error)
    if example:
        text += "\n" + tr.gettext("Example: {example}", example=example)
    return text
