"""The Notifier over the Zalo Bot Platform: texts only, choices as a numbered list.

Zalo has no buttons, no edits and no files. A message's choices become lines "1. Sẽ tham dự",
"2. Xin vắng"; the action behind each number is kept in the database for that person (with an
expiry), and their reply "1" or "2" is taken as that choice by the Zalo edge. Documents are
never sent: the member is told to read them where the cell allows (confidential material never
leaves Telegram's protected private chats).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.cells import NO_GROUP_PREFIX
from bot.domain.identity import Channel, User, qualified_id
from bot.domain.messages import Choice, Content, Group, Outcome, Recipient
from bot.i18n import N_, Translator
from bot.ports import Clock
from handlers.telegram import callback_data as cd
from handlers.zalo.client import ZaloClient, ZaloError, ZaloNetworkError, split_message

logger = logging.getLogger(__name__)

# How long a number stays an answer; the core checks the action again when it is used.
CHOICE_TTL = timedelta(days=7)
# Cells run entirely from Zalo have no group: their chat id is this prefix and a random part.
VIRTUAL_GROUP_PREFIX = NO_GROUP_PREFIX

REPLY_WITH_NUMBER = N_("Reply with the number of your choice.")
CONFIDENTIAL_NOT_ON_ZALO = N_(
    "This document is confidential and is never sent on Zalo. Read it where your cell "
    "allows: ask your secretary."
)
DOCUMENT_NOT_ON_ZALO = N_(
    "Zalo cannot carry documents: read it in the cell's Telegram group or ask your secretary."
)


class Allowance(Protocol):
    """The channel's message budget."""

    async def allows(self, *, operator: bool = False) -> bool:
        """Whether one more message may go out (to an operator: also from the reserve)."""
        ...

    async def spent(self, messages: int) -> None:
        """Count messages that went out."""
        ...

    async def used_up(self) -> None:
        """The platform refused a message for its quota."""
        ...


class ChoiceStore(Protocol):
    """Where numbered choices wait for the person's reply."""

    async def offer(
        self, user_id: int, choices: list[tuple[str, str]], now: datetime, expires_at: datetime
    ) -> list[int]:
        """Keep choices for a person; their numbers."""
        ...


def numbered(tr: Translator, numbers: list[int], labels: list[str]) -> str:
    """The lines that stand in for buttons."""
    lines = [f"{n}. {label}" for n, label in zip(numbers, labels, strict=True)]
    return "\n".join([*lines, tr.gettext(REPLY_WITH_NUMBER)])


class ZaloNotifier:
    """Sends through the Zalo client; reports how it went, never raises."""

    def __init__(
        self,
        client: ZaloClient,
        choices: ChoiceStore,
        clock: Clock,
        tr_of: Callable[[User], Translator],
        *,
        budget: Allowance | None = None,
        operators: frozenset[str] = frozenset(),
    ) -> None:
        self.client = client
        self.choices = choices
        self.clock = clock
        self.tr_of = tr_of
        # The monthly budget: counts what went out, refuses past the limit.
        self.budget = budget
        # ADMIN_IDS: messages to operators may use the budget's reserve.
        self.operators = operators

    def private_chat_link(self) -> str:
        """Zalo has no deep link to a bot's chat: the person writes to the bot by its name."""
        return "Zalo"

    async def send(self, to: Recipient, content: Content) -> Outcome:
        """One message to a person's private chat on Zalo."""
        if isinstance(to, Group):
            # A cell run from Zalo has no group: the core sends its members privately what
            # a group would read; Zalo's group support (beta) cannot be relied on.
            return Outcome.DELIVERED if is_virtual_group(to.cell.chat_id) else Outcome.UNREACHABLE
        user = to.user
        if user.channel != Channel.ZALO or not user.private_chat_id:
            return Outcome.UNREACHABLE
        tr = self.tr_of(user)
        text = content.text
        if content.document is not None:
            note = CONFIDENTIAL_NOT_ON_ZALO if content.protect else DOCUMENT_NOT_ON_ZALO
            text = f"{text}\n\n{tr.gettext(note)}" if text else tr.gettext(note)
        text = await self.with_choices(user.id, tr, text, content.choices)
        operator = qualified_id(Channel.ZALO, user.external_id) in self.operators
        return await self.send_text(user.private_chat_id, text, operator=operator)

    async def with_choices(
        self, user_id: int, tr: Translator, text: str, choices: tuple[tuple[Choice, ...], ...]
    ) -> str:
        """A text with its choices as a numbered list, kept for the person's reply."""
        flat = [choice for row in choices for choice in row]
        if not flat:
            return text
        now = self.clock.now()
        # Kept before sending: a quick reply must find them.
        numbers = await self.choices.offer(
            user_id, [(c.label, cd.for_action(c.action)) for c in flat], now, now + CHOICE_TTL
        )
        return f"{text}\n\n{numbered(tr, numbers, [c.label for c in flat])}"

    async def send_text(self, chat_id: str, text: str, *, operator: bool = False) -> Outcome:
        """Send a text (in pieces if long) and map Zalo's answer to an outcome; a text to an
        operator may use the budget's reserve."""
        if self.budget is not None and not await self.budget.allows(operator=operator):
            # The month's budget is used up: not tried (the platform would refuse it too);
            # recorded as not reached, and the person stays reachable for next month.
            logger.warning("zalo monthly budget used up: not sent to %s", chat_id)
            return Outcome.REFUSED
        sent = 0
        try:
            for piece in split_message(text):
                await self.client.call("sendMessage", {"chat_id": chat_id, "text": piece})
                sent += 1
        except ZaloError as error:
            logger.warning("sending to %s on Zalo: %s", chat_id, error)
            if sent:
                return Outcome.UNKNOWN  # part of it arrived: never send it again
            if error.quota_exceeded:
                # The month's quota is used up: recorded as not reached (leaders see it);
                # retrying before the month ends would only be refused again. The member
                # stays reachable for next month; nothing more is tried this month.
                if self.budget is not None:
                    await self.budget.used_up()
                return Outcome.REFUSED
            return Outcome.FAILED if error.passing else Outcome.UNREACHABLE
        except ZaloNetworkError as error:
            logger.warning("sending to %s on Zalo: %s", chat_id, error)
            if sent or error.sent:
                return Outcome.UNKNOWN
            return Outcome.FAILED
        finally:
            if sent and self.budget is not None:
                await self.budget.spent(sent)
        return Outcome.DELIVERED

    async def send_photo(
        self, chat_id: str, url: str, caption: str, *, operator: bool = False
    ) -> Outcome:
        """Send a picture by its public URL (Zalo fetches it first); counted in the budget."""
        if self.budget is not None and not await self.budget.allows(operator=operator):
            logger.warning("zalo monthly budget used up: no picture sent to %s", chat_id)
            return Outcome.REFUSED
        try:
            await self.client.send_photo(chat_id, url, caption)
        except ZaloError as error:
            logger.warning("sending a picture to %s on Zalo: %s", chat_id, error)
            if error.quota_exceeded and self.budget is not None:
                await self.budget.used_up()
                return Outcome.REFUSED
            return Outcome.FAILED if error.passing else Outcome.UNREACHABLE
        except ZaloNetworkError as error:
            logger.warning("sending a picture to %s on Zalo: %s", chat_id, error)
            return Outcome.UNKNOWN if error.sent else Outcome.FAILED
        if self.budget is not None:
            await self.budget.spent(1)
        return Outcome.DELIVERED


def is_virtual_group(chat_id: str) -> bool:
    """Whether a cell's chat id is the stand-in of a cell run from Zalo private chats."""
    return chat_id.startswith(VIRTUAL_GROUP_PREFIX)
