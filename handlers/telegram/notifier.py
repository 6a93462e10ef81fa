"""The Notifier over the Bot API: channel-neutral content to Telegram messages."""

from __future__ import annotations

import logging

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.domain.identity import Channel
from bot.domain.messages import Choice, Content, Group, Outcome, Recipient
from handlers.telegram import callback_data as cd
from handlers.telegram.common import split_text

logger = logging.getLogger(__name__)
CAPTION_MAX = 1024
START_PAYLOAD_HELLO = "hi"


# Transport errors raised before the request reached Telegram: nothing was sent.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def outcome_of(error: TelegramError) -> Outcome:
    """What a Bot API error says about the message: not delivered (retry), refused for good,
    or unknown (the request went out and no answer came back: it may have been delivered).

    ptb raises TimedOut for every timeout (also one before the request was sent) and
    NetworkError for 5xx answers and transport errors alike; the httpx cause tells them apart.
    """
    cause = error.__cause__
    if isinstance(error, RetryAfter):
        return Outcome.FAILED  # 429: Telegram refused it, nothing was sent
    if isinstance(error, Forbidden | BadRequest):
        return Outcome.UNREACHABLE  # blocked, chat not found...: permanent
    if isinstance(error, TimedOut):
        if isinstance(cause, NOT_SENT) or "not* sent" in error.message:
            return Outcome.FAILED
        return Outcome.UNKNOWN
    if isinstance(error, NetworkError):
        if cause is None or isinstance(cause, NOT_SENT):
            return Outcome.FAILED  # an error answer (5xx), or no connection: not delivered
        return Outcome.UNKNOWN  # the connection broke after sending (read error, ...)
    return Outcome.UNREACHABLE  # any other refusal (e.g. the group migrated): recorded


def keyboard(choices: tuple[tuple[Choice, ...], ...]) -> InlineKeyboardMarkup | None:
    """Inline buttons for the choices, their data built in callback_data."""
    if not choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(c.label, callback_data=cd.for_action(c.action)) for c in row]
            for row in choices
        ]
    )


class TelegramNotifier:
    """Sends through the bot (and its rate limiter); reports how it went, never raises."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def private_chat_link(self) -> str:
        """A deep link that opens the private chat with the bot."""
        return f"https://t.me/{self.bot.username}?start={START_PAYLOAD_HELLO}"

    async def send(self, to: Recipient, content: Content) -> Outcome:
        """One message to a person's private chat or a cell's group."""
        if isinstance(to, Group):
            chat_id = to.cell.chat_id
        else:
            if to.user.channel != Channel.TELEGRAM or not to.user.private_chat_id:
                return Outcome.UNREACHABLE
            chat_id = to.user.private_chat_id
        try:
            if content.document is not None:
                if content.document.channel != Channel.TELEGRAM:
                    return Outcome.UNREACHABLE  # a file another channel holds
                await self.bot.send_document(
                    int(chat_id),
                    content.document.ref,
                    caption=content.text[:CAPTION_MAX],
                    protect_content=content.protect,
                )
            else:
                # A long text (a list of many names) goes in pieces; the choices under the last.
                pieces = split_text(content.text)
                for index, piece in enumerate(pieces, start=1):
                    await self.bot.send_message(
                        int(chat_id),
                        piece,
                        reply_markup=keyboard(content.choices) if index == len(pieces) else None,
                        protect_content=content.protect or None,
                    )
        except TelegramError as error:
            outcome = outcome_of(error)
            if outcome is not Outcome.UNREACHABLE or not isinstance(error, Forbidden):
                logger.warning("sending to %s: %s (%s)", chat_id, outcome.value, error)
            return outcome
        return Outcome.DELIVERED
