"""Fakes of the core's ports: a Notifier and a Scheduler that record what they were asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.messages import Content, Group, Outcome, Person, Recipient


@dataclass
class Sent:
    """One message the recording notifier accepted."""

    to: Recipient
    content: Content

    @property
    def where(self) -> str:
        """``group:<cell id>`` or ``user:<user id>``."""
        if isinstance(self.to, Group):
            return f"group:{self.to.cell.id}"
        return f"user:{self.to.user.id}"


@dataclass
class RecordingNotifier:
    """Delivers everything, except to those told to fail; records every attempt."""

    sent: list[Sent] = field(default_factory=list)
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)  # where -> next outcomes
    tried: list[tuple[Sent, Outcome]] = field(default_factory=list)  # every attempt

    async def send(self, to: Recipient, content: Content) -> Outcome:
        """Record the message; the next scripted outcome for that recipient, else delivered
        (an unknown outcome counts as sent too: it may have arrived)."""
        attempt = Sent(to, content)
        scripted = self.outcomes.get(attempt.where)
        outcome = scripted.pop(0) if scripted else Outcome.DELIVERED
        self.tried.append((attempt, outcome))
        if outcome in (Outcome.DELIVERED, Outcome.UNKNOWN):
            self.sent.append(attempt)
        return outcome

    def private_chat_link(self) -> str:
        """A stand-in link."""
        return "https://example.invalid/start"

    def to_users(self) -> list[int]:
        """User ids that got a private message, in order."""
        return [s.to.user.id for s in self.sent if isinstance(s.to, Person)]


@dataclass
class RecordingScheduler:
    """Keeps armed jobs in a dict; tests run them by name."""

    armed: dict[str, datetime | timedelta] = field(default_factory=dict)
    repeating: dict[str, timedelta] = field(default_factory=dict)

    def arm(self, name: str, when: datetime | timedelta) -> None:
        """Remember the job (replacing one of that name)."""
        self.armed[name] = when

    def disarm(self, name: str) -> None:
        """Forget the job."""
        self.armed.pop(name, None)

    def repeat(self, name: str, interval: timedelta) -> None:
        """Remember a repeating job."""
        self.repeating[name] = interval
