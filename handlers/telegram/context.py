"""Typed access to the services from every handler (ptb's custom CallbackContext)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services.registry import Services
from storage.sqlite.db import Database


class BotData:
    """Application-wide data: the services and the store they use, set by the wiring point."""

    services: Services
    database: Database


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler receives."""

    @property
    def services(self) -> Services:
        """The services of this application."""
        return self.bot_data.services


BotApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
