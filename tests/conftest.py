"""Fixtures: settings over a temporary database, the fake Bot API, the app and a driver."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import CallbackContext

# ptb 22 warns about RetryAfter's int seconds unless opted in to timedelta (as the bot does).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.app import build_application
from bot.clock import FakeClock
from bot.errors import UserFacingError
from config import Settings
from config.settings import SETTING_NAMES
from handlers.telegram.context import BotApplication
from sandbox.driver import Driver, TgUser
from sandbox.fake_api import FakeRequest, FakeTelegram

TOKEN = "123456:TEST-token-for-tests"
OPERATOR_ID = 9000
NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
SETTINGS = SETTING_NAMES


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: a database file in tmp_path, an operator id."""
    values: dict[str, Any] = {
        "token": TOKEN,
        "database_path": tmp_path / "cellmeet.sqlite3",
        "admin_ids": frozenset({f"telegram:{OPERATOR_ID}"}),
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Bot:
    """A running bot over the fake API, with the driver that plays its users."""

    app: BotApplication
    fake: FakeTelegram
    driver: Driver
    clock: FakeClock
    unexpected: list[BaseException] = field(default_factory=list)


async def start_bot(
    settings: Settings, clock: FakeClock | None = None, *, refusal_window: float = 0.0
) -> Bot:
    """Build and initialize the application over the fake Bot API.

    Repeated refusals are all told (window 0) unless a test asks for the bot's window.
    """
    clock = clock or FakeClock(NOW)
    fake = FakeTelegram(clock=clock.now)
    app = build_application(
        settings,
        request=FakeRequest(fake),
        clock=clock,
        rate_limiter=False,
        refusal_window=refusal_window,
    )
    bot = Bot(app, fake, Driver(app, fake, raise_errors=False), clock)

    async def record(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        if context.error is not None and not isinstance(context.error, UserFacingError):
            bot.unexpected.append(context.error)

    app.add_error_handler(record)
    # run_polling() calls initialize() then post_init(); tests do the same without polling.
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    return bot


async def stop_bot(bot: Bot) -> None:
    """Shut down and check nothing unexpected or invalid happened."""
    await bot.app.shutdown()
    assert bot.app.post_shutdown is not None
    await bot.app.post_shutdown(bot.app)
    assert bot.unexpected == [], f"exceptions escaped handlers: {bot.unexpected!r}"
    bot.fake.assert_no_violations()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default test settings."""
    return make_settings(tmp_path)


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    """A bot over a fresh database."""
    running = await start_bot(settings)
    yield running
    await stop_bot(running)


@pytest.fixture
def operator() -> TgUser:
    """A user whose id is in ADMIN_IDS."""
    return TgUser(OPERATOR_ID, "Operator", username="op", language_code="vi")
