"""The Telegram edge: handlers, keyboards, callback data and rendering."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from handlers.telegram import cells, meetings, minutes, reports, running, voting
from handlers.telegram.common import on_error
from handlers.telegram.context import BotApplication


def register(application: BotApplication) -> None:
    """Add every handler; unknown buttons last."""
    cells.register(application)
    # Before meetings: replies to an agenda item's message are contributions.
    minutes.register(application)
    meetings.register(application)
    reports.register(application)
    running.register(application)
    voting.register(application)
    application.add_handler(CallbackQueryHandler(cells.on_unknown_button))
    # In groups an unknown command may be another bot's: only private chats get an answer.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE,
            cells.on_unknown_command,
        )
    )
    # An edited command is never run again; the sender is told to send it anew.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.COMMAND, cells.on_edited_command
        )
    )
    application.add_error_handler(on_error)
