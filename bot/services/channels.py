"""One Notifier over several channels: each recipient is reached on the channel it lives on."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.messages import Content, Group, Outcome, Person, Recipient
from bot.ports import Notifier


def channel_of(to: Recipient) -> str:
    """The channel a person or a cell's group lives on."""
    return to.cell.channel if isinstance(to, Group) else to.user.channel


class ChannelNotifier:
    """Routes each send to its channel's Notifier; a channel the bot does not run is
    unreachable (recorded, never retried)."""

    def __init__(self, notifiers: Mapping[str, Notifier], default: str) -> None:
        self.notifiers = dict(notifiers)
        self.default = default

    async def send(self, to: Recipient, content: Content) -> Outcome:
        """Send on the recipient's channel; a person with connected accounts on their
        preferred channel first, then on the next while one cannot take it."""
        if isinstance(to, Group) or not to.user.accounts:
            return await self._send_one(to, content)
        outcomes = []
        for view in to.user.reached_on():
            if not view.may_be_messaged:
                outcomes.append(Outcome.UNREACHABLE)
                continue
            outcome = await self._send_one(Person(view), content)
            if outcome in (Outcome.DELIVERED, Outcome.UNKNOWN):
                # Delivered, or maybe: never a second copy on another channel.
                return outcome
            outcomes.append(outcome)
        return _worst_of(outcomes)

    async def _send_one(self, to: Recipient, content: Content) -> Outcome:
        notifier = self.notifiers.get(channel_of(to))
        if notifier is None:
            return Outcome.UNREACHABLE
        return await notifier.send(to, content)

    def private_chat_link(self) -> str:
        """The default channel's link (the one the cells' groups are on)."""
        notifier = self.notifiers.get(self.default)
        return notifier.private_chat_link() if notifier else ""


def _worst_of(outcomes: list[Outcome]) -> Outcome:
    """No channel took the message: a passing failure is retried; a budget refusal says
    nothing of the person; unreachable only when every account is."""
    for outcome in (Outcome.FAILED, Outcome.REFUSED):
        if outcome in outcomes:
            return outcome
    return Outcome.UNREACHABLE
