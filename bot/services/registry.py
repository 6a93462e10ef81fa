"""The services the edges call, built once by the wiring point."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.services.cells import CellService
from bot.services.meetings import MeetingService
from config import Settings
from storage.db import Database


@dataclass
class Services:
    """Everything a handler may call."""

    settings: Settings
    clock: Clock
    db: Database
    cells: CellService
    meetings: MeetingService

    @classmethod
    def build(cls, settings: Settings, clock: Clock, db: Database) -> Services:
        """Wire the services over one database."""
        cells = CellService(db, settings, clock)
        return cls(settings, clock, db, cells, MeetingService(db, settings, clock, cells))
