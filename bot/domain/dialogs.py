"""A guided dialog's state, kept in the database so that it survives restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DIALOG_TTL = timedelta(hours=2)


@dataclass(frozen=True)
class Dialog:
    """One user's open dialog in one chat."""

    kind: str
    state: dict[str, object]
    updated_at: datetime

    def expired(self, now: datetime) -> bool:
        """Left unanswered too long to resume."""
        return self.updated_at < now - DIALOG_TTL
