"""Votes on Telegram: /vote (guided or one line), /baucu, /endvote, ballot buttons (open ones
in the group, secret ones only in private chats), the live "N of M have voted", the result."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from functools import partial

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain.messages import CastBallot
from bot.domain.votes import VoteKind, VoteMode, VoteState
from bot.errors import BadInput, NotFound
from bot.i18n import N_, Translator, translator
from bot.rules.vote_forms import parse_vote
from bot.services.voting import NO_BALLOTS, Closed, Started, VoteRequest, option_labels
from bot.vote_texts import announce_text, result_text
from handlers.telegram import callback_data as cd
from handlers.telegram.common import (
    CHANNEL,
    after_commit,
    caller,
    chat_of,
    command_args,
    confirm,
    identity_of,
    reply,
    split_text,
    tr_for,
    tr_person,
    unless_unchanged,
)
from handlers.telegram.context import BotApplication, BotContext
from handlers.telegram.live import Coalescer
from handlers.telegram.notifier import keyboard

logger = logging.getLogger(__name__)

DIALOG = "vote"
ANSWER_ATTEMPTS = 3
BALLOT_BUTTON = N_("🗳 My ballot (private chat)")
END_BUTTON = N_("⏹ Close the vote")
# The guided dialog's buttons: a kind, then a mode (vd:k:r, vd:m:s).
KIND_CODES = {
    "r": VoteKind.RESOLUTION,
    "a": VoteKind.ADMISSION,
    "c": VoteKind.RECOGNITION,
    "e": VoteKind.ELECTION,
    "x": VoteKind.CLASSIFICATION,
}
KIND_BUTTONS = {
    VoteKind.RESOLUTION: N_("Resolution"),
    VoteKind.ADMISSION: N_("Admission"),
    VoteKind.RECOGNITION: N_("Recognition as official"),
    VoteKind.ELECTION: N_("Election"),
    VoteKind.CLASSIFICATION: N_("Classification"),
}
PROMPTS = {
    VoteKind.RESOLUTION: N_("Reply to this message with what the meeting votes on."),
    VoteKind.ADMISSION: N_("Reply with the full name of the person the cell votes to admit."),
    VoteKind.RECOGNITION: N_(
        "Reply with the roster number or @username of the probationary member."
    ),
    VoteKind.ELECTION: N_(
        "Reply with the number of seats, then the candidates separated by ';', e.g. "
        "2; Nguyễn Văn A; Trần Thị B"
    ),
}


async def answer(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a press after its ballot was committed. A connection dropped under load
    (NetworkError) is retried: answering a query twice is harmless, leaving a press
    unanswered is not (the member would not know the ballot counted)."""
    for attempt in range(ANSWER_ATTEMPTS):
        try:
            await query.answer(text)
            return
        except BadRequest as error:  # too old, already answered: nothing to retry
            logger.info("could not answer a ballot press: %s", error.message)
            return
        except NetworkError as error:
            if attempt == ANSWER_ATTEMPTS - 1:
                logger.warning("could not answer a ballot press: %r", error)
                return
            await asyncio.sleep(0.2 * (attempt + 1))
        except TelegramError as error:
            logger.warning("could not answer a ballot press: %r", error)
            return


def announce_markup(
    tr: Translator,
    started_vote_id: int,
    kind: VoteKind,
    mode: VoteMode,
    labels: list[str],
    closed: bool,
) -> InlineKeyboardMarkup | None:
    """Under the vote's message in the group: the options of an open vote, the button that
    brings a secret ballot (or a classification) to the private chat, the chair's close."""
    if closed:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    if mode is VoteMode.OPEN and kind is not VoteKind.CLASSIFICATION:
        rows.append(
            [
                InlineKeyboardButton(label, callback_data=cd.ballot(started_vote_id, 0, f"o{i}"))
                for i, label in enumerate(labels)
            ]
        )
    else:
        rows.append(
            [
                InlineKeyboardButton(
                    tr.gettext(BALLOT_BUTTON), callback_data=cd.ballot_request(started_vote_id)
                )
            ]
        )
    rows.append(
        [InlineKeyboardButton(tr.gettext(END_BUTTON), callback_data=cd.end_vote(started_vote_id))]
    )
    return InlineKeyboardMarkup(rows)


async def edit_vote(application: BotApplication, key: Hashable) -> None:
    """Show a vote's current "N of M have voted" on its group message (the coalescer's edit)."""
    assert isinstance(key, int)
    found = await application.bot_data.services.voting.tally(key)
    if found is None:
        return
    vote, tally, message = found.vote, found.tally, found.message
    if message is None or vote.state is VoteState.CLOSED:
        return
    tr = translator(found.cell.language)
    await unless_unchanged(
        application.bot.edit_message_text(
            announce_text(tr, vote, tally.voted, tally.eligible),
            chat_id=int(message[0]),
            message_id=message[1],
            reply_markup=announce_markup(
                tr, vote.id, vote.kind, vote.mode, option_labels(tr, vote), False
            ),
        )
    )


async def _post(update: Update, context: BotContext, started: Started) -> None:
    """The vote's message in the group, and a word to the chair."""
    vote, cell = started.vote, started.cell
    _, chat = caller(update)
    tr_group = translator(cell.language)
    posted = False
    if cell.channel == CHANNEL and cell.has_group:
        try:
            sent = await context.bot.send_message(
                int(cell.chat_id),
                announce_text(tr_group, vote, 0, started.tally.eligible),
                reply_markup=announce_markup(
                    tr_group, vote.id, vote.kind, vote.mode, option_labels(tr_group, vote), False
                ),
            )
        except (TelegramError, ValueError) as error:
            logger.warning("could not post vote %s in its group: %r", vote.id, error)
        else:
            posted = True
            await context.services.voting.set_message(vote.id, str(sent.chat_id), sent.message_id)
    tr = await tr_for(update, context)
    lines = []
    if not posted or chat.is_private:
        lines.append(announce_text(tr, vote, 0, started.tally.eligible))
    if started.ballots_missed:
        lines.append(
            tr.gettext(
                "No private ballot could reach: {names}. They press “{button}” under the vote "
                "after opening a private chat with the bot.",
                names=", ".join(u.name for u in started.ballots_missed),
                button=tr.gettext(BALLOT_BUTTON),
            )
        )
    if lines:
        await confirm(update, "\n".join(lines))


async def vote_command(update: Update, context: BotContext) -> None:
    """/vote (guided), or /vote KIND [open|secret] … in one line."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    args = command_args(message)
    tr = await tr_for(update, context)
    if not args:
        # Only a leader during an open meeting gets the guided dialog: checked at once.
        await context.services.voting.check_may_start(identity, chat)
        await context.services.dialogs.save(identity, chat, DIALOG, {"step": "kind"})
        rows = [
            [InlineKeyboardButton(tr.gettext(label), callback_data=cd.vote_dialog(f"k:{code}"))]
            for code, kind in KIND_CODES.items()
            for label in (KIND_BUTTONS[kind],)
        ]
        await reply(
            update, tr.gettext("What does the meeting vote on?"), InlineKeyboardMarkup(rows)
        )
        return
    await _start_line(update, context, args)


async def election_command(update: Update, context: BotContext) -> None:
    """/baucu SEATS "A; B; C": an election by secret ballot."""
    message = update.effective_message
    assert message is not None
    await _start_line(update, context, "election secret " + command_args(message))


async def _start_line(update: Update, context: BotContext, args: str) -> None:
    identity, chat = caller(update)
    form = parse_vote(args)
    recognition = form.kind is VoteKind.RECOGNITION
    request = VoteRequest(
        form.kind,
        form.mode,
        "" if recognition else form.subject,
        form.candidates,
        form.seats,
        member=form.subject if recognition else None,
        basis=form.basis,
        threshold=form.threshold,
    )
    started = await context.services.voting.start(identity, chat, request)
    await _post(update, context, started)


async def on_dialog_button(update: Update, context: BotContext) -> None:
    """A button of the guided /vote: the kind, then the mode."""
    query = update.callback_query
    assert query is not None and query.message is not None
    identity = identity_of(query.from_user)
    chat = chat_of(query.message.chat)
    found = await context.services.dialogs.get(identity, chat)
    tr = await tr_for(update, context)
    if found is None or found.kind != DIALOG:
        raise NotFound(N_("This button is no longer valid."))
    state = dict(found.state)
    step = cd.parse(query.data)
    if not isinstance(step, cd.VoteDialogStep):
        raise NotFound(N_("This button is no longer valid."))
    parts = ["vd", *step.value.split(":")]
    if parts[1] == "k" and parts[2] in KIND_CODES:
        kind = KIND_CODES[parts[2]]
        state = {"step": "mode", "kind": kind.value}
        if kind is VoteKind.ELECTION:
            state = {"step": "text", "kind": kind.value, "mode": VoteMode.SECRET.value}
    elif parts[1] == "m" and parts[2] in ("o", "s") and state.get("step") == "mode":
        state["mode"] = (VoteMode.OPEN if parts[2] == "o" else VoteMode.SECRET).value
        state["step"] = "text"
    else:
        raise NotFound(N_("This button is no longer valid."))
    await answer(query)
    kind = VoteKind(str(state["kind"]))
    if state["step"] == "mode":
        await context.services.dialogs.save(identity, chat, DIALOG, state)
        rows = [
            [InlineKeyboardButton(tr.gettext("Open vote"), callback_data=cd.vote_dialog("m:o"))],
            [
                InlineKeyboardButton(
                    tr.gettext("Secret ballot"), callback_data=cd.vote_dialog("m:s")
                )
            ],
        ]
        await after_commit(
            query.edit_message_text(
                tr.gettext(
                    "{kind}: open vote or secret ballot?", kind=tr.gettext(KIND_BUTTONS[kind])
                ),
                reply_markup=InlineKeyboardMarkup(rows),
            )
        )
        return
    if kind is VoteKind.CLASSIFICATION:
        await context.services.dialogs.end(identity, chat)
        await after_commit(query.edit_message_reply_markup(None))
        started = await context.services.voting.start(
            identity, chat, VoteRequest(kind, VoteMode(str(state["mode"])))
        )
        await _post(update, context, started)
        return
    await context.services.dialogs.save(identity, chat, DIALOG, state)
    await after_commit(query.edit_message_text(tr.gettext(PROMPTS[kind])))


async def on_dialog_text(
    update: Update, context: BotContext, state: dict[str, object], text: str
) -> None:
    """The typed answer of the guided /vote: the subject, name, member or candidates."""
    identity, chat = caller(update)
    if state.get("step") != "text":
        return
    kind = VoteKind(str(state["kind"]))
    mode = VoteMode(str(state["mode"]))
    if kind is VoteKind.ELECTION:
        seats_text, _, names = text.replace(",", ";").partition(";")
        if not seats_text.strip().isdigit():
            raise BadInput(
                N_("Give the number of seats, then the candidates separated by ';'."),
                example="2; Nguyễn Văn A; Trần Thị B",
            )
        request = VoteRequest(
            kind,
            mode,
            "",
            tuple(n.strip() for n in names.split(";") if n.strip()),
            int(seats_text),
        )
    elif kind is VoteKind.RECOGNITION:
        request = VoteRequest(kind, mode, "", member=text.strip())
    else:
        request = VoteRequest(kind, mode, text)
    started = await context.services.voting.start(identity, chat, request)
    await context.services.dialogs.end(identity, chat)
    await _post(update, context, started)


async def on_ballot(update: Update, context: BotContext) -> None:
    """A ballot button: recorded first, then answered; the live count follows."""
    query = update.callback_query
    assert query is not None
    data = cd.parse(query.data)
    if not isinstance(data, CastBallot) or query.message is None:
        raise NotFound(N_("This button is no longer valid."))
    voting = context.services.voting
    cast = await voting.cast(
        identity_of(query.from_user),
        chat_of(query.message.chat),
        data.vote_id,
        data.item,
        data.code,
    )
    tr = await tr_person(update, context)
    vote = cast.vote
    if not cast.final:
        # A tick on a secret election ballot: the ballot again, with its ticks.
        assert cast.ballot is not None
        await answer(query)
        await after_commit(
            query.edit_message_text(cast.ballot.text, reply_markup=keyboard(cast.ballot.choices))
        )
        return
    if vote.mode is VoteMode.SECRET:
        await answer(query, tr.gettext("✅ Your secret ballot is cast."))
        text = getattr(query.message, "text", None) or ""
        await after_commit(
            query.edit_message_text(
                text + "\n\n" + tr.gettext("✅ Cast. Your choice is not stored with your name.")
            )
        )
    else:
        labels = option_labels(tr, vote, data.item)
        chosen = ", ".join(labels[i] for i in sorted(cast.choices)) or "—"
        await answer(
            query,
            tr.gettext(
                "Recorded: {choice}. You may change it until the vote closes.", choice=chosen
            ),
        )
        if query.message.chat.type == "private":
            ballot_text = getattr(query.message, "text", None) or ""
            marked = ballot_text.split("\n\n➡️")[0] + "\n\n➡️ " + chosen
            await after_commit(
                query.edit_message_text(
                    marked, reply_markup=getattr(query.message, "reply_markup", None)
                )
            )
    context.bot_data.vote_live.touch(vote.id)


async def on_ballot_request(update: Update, context: BotContext) -> None:
    """The "my ballot" button under a vote: the presser's ballot comes to the private chat."""
    query = update.callback_query
    assert query is not None
    data = cd.parse(query.data)
    if not isinstance(data, cd.BallotRequest):
        raise NotFound(N_("This button is no longer valid."))
    _, ballots = await context.services.voting.ballot_for(
        identity_of(query.from_user), data.vote_id
    )
    tr = await tr_person(update, context)
    try:
        for content in ballots:
            await context.bot.send_message(
                query.from_user.id, content.text, reply_markup=keyboard(content.choices)
            )
    except Forbidden:
        await query.answer(
            tr.gettext(
                "Open a private chat with the bot first ({link}), then press again.",
                link=context.services.delivery.notifier.private_chat_link(),
            ),
            show_alert=True,
        )
        return
    await answer(query, tr.gettext("Your ballot is in your private chat with the bot."))


async def ballot_command(update: Update, context: BotContext) -> None:
    """/ballot: the caller's ballots of the running votes come to the private chat."""
    user = update.effective_user
    assert user is not None
    ballots = await context.services.voting.my_ballots(identity_of(user))
    tr = await tr_person(update, context)
    if not ballots:
        await reply(update, tr.gettext(NO_BALLOTS))
        return
    try:
        for content in ballots:
            await context.bot.send_message(
                user.id, content.text, reply_markup=keyboard(content.choices)
            )
    except Forbidden:
        await reply(
            update,
            tr.gettext(
                "Open a private chat with the bot first ({link}), then press again.",
                link=context.services.delivery.notifier.private_chat_link(),
            ),
        )


async def _announce_result(context: BotContext, closed: Closed) -> bool:
    """The result in the group, the vote's message without its buttons. False: no group."""
    vote = closed.vote
    tr = translator(closed.language)
    found = await context.services.voting.tally(vote.id)
    if found is None:
        return False
    cell, message = found.cell, found.message
    if message is not None:
        # The vote's message keeps its final count and loses its buttons.
        await after_commit(
            context.bot.edit_message_text(
                announce_text(tr, vote, found.tally.voted, found.tally.eligible),
                chat_id=int(message[0]),
                message_id=message[1],
            )
        )
    if cell.channel != CHANNEL or not cell.has_group:
        return False
    try:
        # An open vote's result names everyone: a large cell's list takes several messages.
        for piece in split_text(result_text(tr, vote, closed.outcome)):
            await context.bot.send_message(int(cell.chat_id), piece)
    except (TelegramError, ValueError) as error:
        logger.warning("could not post the result of vote %s: %r", vote.id, error)
        return False
    return True


async def end_command(update: Update, context: BotContext) -> None:
    """/endvote [N]: the chair closes a vote for good; the result follows."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    args = command_args(message).strip()
    if args and not args.isdigit():
        raise BadInput(N_("Give the vote's number: /endvote 2."), example="/endvote 2")
    closed = await context.services.voting.close(identity, chat, int(args) if args else None)
    posted = await _announce_result(context, closed)
    if chat.is_private or not posted:
        tr = await tr_for(update, context)
        await confirm(update, result_text(tr, closed.vote, closed.outcome))


async def on_end_button(update: Update, context: BotContext) -> None:
    """The chair's close button under a vote."""
    query = update.callback_query
    assert query is not None
    data = cd.parse(query.data)
    if not isinstance(data, cd.EndVote) or query.message is None:
        raise NotFound(N_("This button is no longer valid."))
    closed = await context.services.voting.close_by_button(
        identity_of(query.from_user), chat_of(query.message.chat), data.vote_id
    )
    tr = await tr_person(update, context)
    await answer(query, tr.gettext("The vote is closed."))
    await _announce_result(context, closed)


def register(application: BotApplication) -> None:
    """Add this area's handlers and the live count's coalescer."""
    application.bot_data.vote_live = Coalescer(partial(edit_vote, application))
    commands = {
        "vote": vote_command,
        "bieuquyet": vote_command,
        "baucu": election_command,
        "endvote": end_command,
        "ballot": ballot_command,
        "phieu": ballot_command,
        "dongbieuquyet": end_command,
    }
    for command, callback in commands.items():
        application.add_handler(
            CommandHandler(command, callback, filters=filters.UpdateType.MESSAGE)
        )
    application.add_handler(CallbackQueryHandler(on_ballot, pattern=r"^vb:"))
    application.add_handler(CallbackQueryHandler(on_ballot_request, pattern=r"^vr:"))
    application.add_handler(CallbackQueryHandler(on_end_button, pattern=r"^ve:"))
    application.add_handler(CallbackQueryHandler(on_dialog_button, pattern=r"^vd:"))
