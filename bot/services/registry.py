"""The services the edges call, built once by the wiring point."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.services.cells import CellService
from config import Settings
from storage.db import Database


@dataclass
class Services:
    """Everything a handler may call."""

    settings: Settings
    clock: Clock
    db: Database
    cells: CellService

    @classmethod
    def build(cls, settings: Settings, clock: Clock, db: Database) -> Services:
        """Wire the services over one database."""
        return cls(settings, clock, db, CellService(db, settings, clock))
