"""Telegram to core conversions, language lookup, safe private sends and the error handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update
from telegram import User as TgUser
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.domain.identity import ChatRef, Identity, User
from bot.errors import UserFacingError
from bot.i18n import N_, Translator, translator
from bot.rules.names import vietnamese_order
from handlers.telegram.context import CURRENT_ATTEMPT, BotContext
from handlers.telegram.usage import example_of

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
CALLBACK_ANSWER_MAX = 200
MESSAGE_MAX = 4096
GENERIC_ERROR = N_("Something went wrong; nothing was changed. Please try again later.")


async def unless_unchanged(edit: Awaitable[object]) -> None:
    """Await an edit of a message; Telegram's refusal of an edit that changes nothing ("message
    is not modified": a double tap, a live count already showing the same) is no fault."""
    try:
        await edit
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of the pressed message, if it still has any (a second press of a
    button, e.g. a double tap, finds them gone)."""
    message = query.message
    if message is None or getattr(message, "reply_markup", None) is None:
        return
    await unless_unchanged(query.edit_message_reply_markup(None))


def identity_of(user: TgUser) -> Identity:
    """The core's view of a Telegram user."""
    return Identity(
        channel=CHANNEL,
        external_id=str(user.id),
        # Family name first, as Vietnamese write it (Telegram's full_name is first + last).
        display_name=vietnamese_order(user.first_name, user.last_name),
        username=user.username,
        language_code=user.language_code,
    )


def chat_of(chat: Chat) -> ChatRef:
    """The core's view of a Telegram chat."""
    return ChatRef(
        channel=CHANNEL,
        chat_id=str(chat.id),
        is_private=chat.type == ChatType.PRIVATE,
        title=chat.title,
    )


def caller(update: Update) -> tuple[Identity, ChatRef]:
    """Who sent the update, and where."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        raise ValueError("update without user or chat")
    return identity_of(user), chat_of(chat)


async def tr_for(update: Update, context: BotContext) -> Translator:
    """Texts for the chat the update came from: in a group (messages sent or edited there),
    the cell's language, as everyone reads them; in private, the language of the user who
    sent the update. A button's alert, which only its presser sees, uses tr_person."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        cell = await context.services.cells.cell_of_chat(chat_of(chat))
        return translator(cell.language if cell else context.services.settings.default_language)
    return await tr_person(update, context)


async def tr_person(update: Update, context: BotContext) -> Translator:
    """Texts in the language of the user who sent the update (what they alone read)."""
    user = update.effective_user
    if user is None:
        return translator(context.services.settings.default_language)
    language = await context.services.members.language_for(identity_of(user))
    return translator(language)


async def tr_of(context: BotContext, user: User) -> Translator:
    """Texts in a known user's language."""
    return translator(context.services.members.user_language(user))


def command_args(message: Message) -> str:
    """The text after the command word (and its @botname)."""
    text = message.text or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def split_text(text: str, limit: int = MESSAGE_MAX) -> list[str]:
    """Pieces of at most `limit` UTF-16 units (Telegram's measure), cut at line ends."""
    pieces: list[str] = []
    current, size = "", 0
    for line in text.splitlines(keepends=True):
        units = _utf16_units(line)
        if size + units > limit and current:
            pieces.append(current)
            current, size = "", 0
        while units > limit:
            head, line = _utf16_cut(line, limit)
            pieces.append(head)
            units = _utf16_units(line)
        current, size = current + line, size + units
    pieces.append(current)
    # Telegram refuses blank messages: blank lines at a cut are dropped.
    return [piece.rstrip("\n") for piece in pieces if piece.strip()] or [text]


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_cut(text: str, limit: int) -> tuple[str, str]:
    size = 0
    for index, char in enumerate(text):
        size += _utf16_units(char)
        if size > limit:
            return text[:index], text[index:]
    return text, ""


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer the message that triggered this update (in several messages if it is long)."""
    message = update.effective_message
    if message is not None:
        # A long roster or cell list (many members with long names) exceeds one message.
        pieces = split_text(text)
        for piece in pieces[:-1]:
            await message.reply_text(piece)
        await message.reply_text(pieces[-1], reply_markup=markup)


async def confirm(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer after a committed change. The change stands whatever Telegram does now: a
    failed answer is logged, never reported as an error (which would say nothing changed),
    and whatever follows (notices to others) still runs."""
    await after_commit(reply(update, text, markup))


async def after_commit(call: Awaitable[object]) -> None:
    """Run a Telegram call that follows a committed change; its failure is only logged."""
    try:
        await call
    except TelegramError as error:
        logger.warning("could not tell the user about a committed change: %r", error)


def render_error(tr: Translator, error: UserFacingError) -> str:
    """A user-facing error in the user's language, with an example of the right form."""
    params = {k: str(v) for k, v in error.params.items()}
    text = "⚠️ " + tr.gettext(error.message, **params)
    example = example_of(error)
    if example:
        text += "\n" + tr.gettext("Example: {example}", example=example)
    return text


async def on_error(update: object, context: BotContext) -> None:
    """Render expected errors to the user; log the rest and tell the user nothing changed.

    Under the runtime an unexpected error is recorded for it (it retries the update and logs
    one line when it gives up); the user hears only about the last attempt.
    """
    error = context.error
    if not isinstance(update, Update):
        logger.error("error outside an update", exc_info=error)
        return
    if isinstance(error, UserFacingError):
        logger.debug("refused: %s", error.message)
        refused = error

        def render(tr: Translator) -> str:
            return render_error(tr, refused)
    else:
        attempt = CURRENT_ATTEMPT.get()
        if attempt is None:
            logger.error("unexpected error while handling an update", exc_info=error)
        else:
            attempt.error = error
            if not attempt.final and not isinstance(error, TelegramError):
                return

        def render(tr: Translator) -> str:
            return "⚠️ " + tr.gettext(GENERIC_ERROR)

    text = render(await _safe_tr(update, context))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:CALLBACK_ANSWER_MAX], show_alert=True)
        elif update.effective_message is not None and update.effective_chat is not None:
            await _tell_error(update, context, text, render)
    except (BadRequest, Forbidden):
        logger.info("could not tell the user about an error")
    except TelegramError as failure:
        logger.warning("could not tell the user about an error (%s)", failure)


async def _tell_error(
    update: Update, context: BotContext, text: str, render: Callable[[Translator], str]
) -> None:
    """In a private chat, reply; in a group, tell the sender privately if the bot can, once
    (`text`, in their language), else in the group (rendered in the cell's language).

    A group gets 20 messages a minute from the bot: one member's mistakes must not spend them.
    """
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None
    if chat.type == ChatType.PRIVATE or user is None:
        await message.reply_text(text)
        return
    if not context.bot_data.refusals.first(chat.id, user.id, text):
        logger.debug("refusal to %s in %s already told", user.id, chat.id)
        return
    known = await _reachable(context, user)
    if known is not None:
        # Refusals name the cell where it matters; the text is the same as in the group.
        try:
            await context.bot.send_message(int(known), text)
            return
        except Forbidden:
            # They blocked the bot: say it in the group, and remember.
            await context.services.members.set_reachable(CHANNEL, str(user.id), False)
    # Everyone in the group reads it: the cell's language.
    await message.reply_text(render(await _safe_tr(update, context, group=True)))


async def _reachable(context: BotContext, user: TgUser) -> str | None:
    """The private chat of a sender the bot can write to, if any."""
    try:
        known = await context.services.members.known_user(identity_of(user))
    except Exception:  # the database may be what failed: fall back to the group
        logger.warning("user lookup failed while telling an error")
        return None
    # The person's Telegram account (their first account may be on another channel).
    known = known.on(CHANNEL) if known is not None else None
    if known is None or not known.reachable or not known.private_chat_id:
        return None
    return known.private_chat_id


async def _safe_tr(update: Update, context: BotContext, *, group: bool = False) -> Translator:
    # A refusal is told to its sender (privately when the bot can): in their language; one
    # said in the group is in the cell's.
    try:
        return await (tr_for(update, context) if group else tr_person(update, context))
    except Exception:  # the database itself may be what failed
        logger.warning("language lookup failed", exc_info=True)
        return translator(context.services.settings.default_language)
