"""The Notifier over the Bot API: channel-neutral content to Telegram messages."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

from bot.domain.identity import Channel
from bot.domain.messages import Choice, Content, Group, Outcome, Recipient
from handlers.telegram import callback_data as cd
from handlers.telegram.common import split_text

logger = logging.getLogger(__name__)
CAPTION_MAX = 1024
START_PAYLOAD_HELLO = "hi"


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
        except Forbidden:
            return Outcome.UNREACHABLE
        except (NetworkError, RetryAfter) as error:
            # NetworkError covers timeouts and 5xx: not delivered, worth retrying.
            logger.warning("sending to %s failed for now: %s", chat_id, type(error).__name__)
            return Outcome.FAILED
        except TelegramError as error:
            # A permanent refusal (e.g. chat not found): recorded, never retried.
            logger.warning("sending to %s refused: %s", chat_id, error)
            return Outcome.UNREACHABLE
        return Outcome.DELIVERED
