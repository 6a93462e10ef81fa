"""One Notifier over several channels: each recipient is reached on the channel it lives on."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.messages import Content, Group, Outcome, Recipient
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
        """Send on the recipient's channel."""
        notifier = self.notifiers.get(channel_of(to))
        if notifier is None:
            return Outcome.UNREACHABLE
        return await notifier.send(to, content)

    def private_chat_link(self) -> str:
        """The default channel's link (the one the cells' groups are on)."""
        notifier = self.notifiers.get(self.default)
        return notifier.private_chat_link() if notifier else ""
