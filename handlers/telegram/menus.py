"""Command menus (setMyCommands) for private chats and groups in both languages."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, translator
from handlers.telegram.commands import visible

logger = logging.getLogger(__name__)


def menu(language: str, *, private: bool) -> list[BotCommand]:
    """The menu members see (leader-only commands are listed in /help for leaders)."""
    tr = translator(language)
    commands = visible(private=private, member=True, leader=True, operator=False)
    if not private:
        commands = [c for c in commands if c.name != "join"] + [
            c
            for c in visible(private=False, member=False, leader=False, operator=False)
            if c.name == "join"
        ]
    return [BotCommand(c.name, tr.gettext(c.description)[:256]) for c in commands]


async def register_menus(bot: Bot, default_language: str) -> None:
    """Register the menus; a failure is logged and does not stop the bot."""
    try:
        for private, scope in (
            (True, BotCommandScopeAllPrivateChats()),
            (False, BotCommandScopeAllGroupChats()),
        ):
            await bot.set_my_commands(menu(default_language, private=private), scope=scope)
            for language in LANGUAGES:
                await bot.set_my_commands(
                    menu(language, private=private), scope=scope, language_code=language
                )
    except TelegramError:
        logger.warning("could not register the command menus", exc_info=True)
