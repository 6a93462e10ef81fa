"""The one wiring point: settings + storage + services + handlers -> a ptb Application."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import SystemClock
from bot.ports import Clock, JobRunner, Scheduler
from bot.services.channels import ChannelNotifier
from bot.services.registry import Services
from config import Settings
from handlers import telegram as telegram_handlers
from handlers.telegram.context import BotApplication, BotContext, BotData, RecentRefusals
from handlers.telegram.menus import register_menus
from handlers.telegram.notifier import TelegramNotifier
from handlers.telegram.ratelimit import ChatRateLimiter
from handlers.telegram.scheduler import JobQueueScheduler
from storage.sqlite.db import Database

logger = logging.getLogger(__name__)

OFFLINE_TOKEN = "0:offline"


class RunningScheduler(Scheduler, Protocol):
    """A Scheduler that is told the core's job runner once the services exist."""

    def bind(self, runner: JobRunner) -> None:
        """The core's function that runs a job by its name."""
        ...


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    scheduler: RunningScheduler | None = None,
    rate_limiter: bool = True,
    refusal_window: float = RecentRefusals.WINDOW_SECONDS,
) -> BotApplication:
    """Build the bot; tests pass a fake request and a fake clock, the sandbox its own clock
    and scheduler (ptb's JobQueue otherwise)."""
    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.bot_base_file_url)
        .context_types(context_types)
        .defaults(Defaults(allow_sending_without_reply=True))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limiter:
        # One message per 1/30 s rather than bursts of 30 (bench/fanout.py), a group's 20 a
        # minute as a sliding window, and a 429 pauses only its own chat.
        builder = builder.rate_limiter(ChatRateLimiter(max_retries=3))
    # The runtime's own long polling (handlers/telegram/runtime.py) replaces ptb's Updater,
    # which confirms a batch before processing it.
    updates_request = request or HTTPXRequest(connection_pool_size=1)
    builder = builder.updater(None).get_updates_request(updates_request)
    if request is not None:
        builder = builder.request(request)
    application: BotApplication = builder.build()
    assert application.job_queue is not None
    scheduler = scheduler or JobQueueScheduler(application.job_queue)
    database = Database(settings.database_path)
    services = Services.build(
        settings,
        clock or SystemClock(),
        database,
        # Routed: a person whose first account is on another channel is reached there.
        ChannelNotifier({"telegram": TelegramNotifier(application.bot)}, "telegram"),
        scheduler,
    )
    scheduler.bind(services.reminders.run_job)
    application.bot_data.services = services
    application.bot_data.database = database
    application.bot_data.updates_request = updates_request
    # Tests that repeat one refusal on purpose pass 0: every refusal is told.
    application.bot_data.refusals = RecentRefusals(refusal_window)
    telegram_handlers.register(application)
    return application


async def _post_init(application: BotApplication) -> None:
    services = application.bot_data.services
    await application.bot_data.database.connect()
    await register_menus(application.bot, services.settings.default_language)
    await services.reminders.start()


async def _post_shutdown(application: BotApplication) -> None:
    await application.bot_data.live.stop()
    await application.bot_data.database.close()
