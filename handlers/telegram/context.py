"""Typed access to the services from every handler (ptb's custom CallbackContext)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot
from telegram.request import BaseRequest

from bot.services.registry import Services
from handlers.telegram.live import Coalescer
from storage.sqlite.db import Database

if TYPE_CHECKING:
    from handlers.zalo.budget import MonthlyBudget


class BotData:
    """Application-wide data: the services and the store they use, set by the wiring point."""

    services: Services
    database: Database
    updates_request: BaseRequest
    # The live check-in messages' edits, coalesced (set by handlers/telegram/running.py).
    live: Coalescer
    # The live "N of M have voted" of votes' messages (set by handlers/telegram/voting.py).
    vote_live: Coalescer

    def __init__(self) -> None:
        self.refusals = RecentRefusals()
        # The Zalo message budget, when the bot also runs on Zalo (for /quota).
        self.zalo_budget: MonthlyBudget | None = None


class RecentRefusals:
    """Refusals told lately, per (group, person, text): a repeat within the window is not told."""

    WINDOW_SECONDS = 60.0
    LIMIT = 1000

    def __init__(
        self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window = window
        self.clock = clock
        self._told: dict[tuple[int, int, str], float] = {}

    def first(self, chat_id: int, user_id: int, text: str) -> bool:
        """Whether this refusal was not told in the window (and remember it now)."""
        now = self.clock()
        if len(self._told) > self.LIMIT:
            self._told = {k: t for k, t in self._told.items() if now - t < self.window}
        key = (chat_id, user_id, text)
        told = self._told.get(key)
        if told is not None and now - told < self.window:
            return False
        self._told[key] = now
        return True


@dataclass
class Attempt:
    """One run of an update's handlers by the runtime; the error handler records what failed."""

    update_id: int
    final: bool
    error: BaseException | None = None


# Set by the runtime around each update: the error handler then tells the user only on the last
# attempt (earlier ones are retried), and the runtime logs the one line.
CURRENT_ATTEMPT: ContextVar[Attempt | None] = ContextVar("current_attempt", default=None)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler receives."""

    @property
    def services(self) -> Services:
        """The services of this application."""
        return self.bot_data.services


BotApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
