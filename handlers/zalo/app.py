"""Running the Zalo bot: its client, state, notifier and edge, next to Telegram or alone.

The one place Zalo is wired in. ``attach`` adds Zalo to a built Telegram application (the
services are rebuilt over one notifier that routes each send to the recipient's channel);
``run_alone`` runs the core with Zalo only (an asyncio scheduler stands in for ptb's
JobQueue). Updates come by long polling (one poller per token, guarded by a lock file) or by
webhook when ZALO_WEBHOOK_URL is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from bot.clock import SystemClock
from bot.domain.identity import User
from bot.i18n import Translator, translator
from bot.ports import Clock, JobRunner, Notifier, Scheduler
from bot.services.channels import ChannelNotifier
from bot.services.registry import Services
from config import Settings
from handlers.zalo.bot import ZaloBot
from handlers.zalo.budget import MonthlyBudget, operators_warning
from handlers.zalo.client import (
    ZaloClient,
    ZaloError,
    ZaloMessage,
    ZaloNetworkError,
    webhook_updates,
)
from handlers.zalo.notifier import ZaloNotifier
from storage.sqlite.db import Database
from storage.sqlite.zalo import SqliteZaloState

logger = logging.getLogger(__name__)

# The platform may hand a consumed update back at once, again and again: never poll faster.
MIN_POLL_INTERVAL = 1.0
ERROR_BACKOFF = (1.0, 5.0, 30.0)
WEBHOOK_LISTEN = ("0.0.0.0", 8444)


class AsyncioScheduler:
    """The Scheduler port on asyncio timers (for Zalo alone; with Telegram, ptb's JobQueue)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.runner: JobRunner | None = None
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def bind(self, runner: JobRunner) -> None:
        """The core's function that runs a job by its name."""
        self.runner = runner

    def _fire(self, name: str, every: timedelta | None) -> None:
        self._handles.pop(name, None)
        if every is not None:
            self.repeat(name, every)
        task = asyncio.get_running_loop().create_task(self._run(name))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, name: str) -> None:
        assert self.runner is not None
        try:
            await self.runner(name)
        except Exception:
            logger.exception("job %s failed", name)

    def arm(self, name: str, when: datetime | timedelta) -> None:
        """Run the job ``name`` at a time or after a delay; replaces one of that name."""
        self.disarm(name)
        delay = when if isinstance(when, timedelta) else when - self.clock.now()
        loop = asyncio.get_running_loop()
        seconds = max(delay.total_seconds(), 0.0)
        self._handles[name] = loop.call_later(seconds, self._fire, name, None)

    def disarm(self, name: str) -> None:
        """Remove the job of that name, if armed."""
        handle = self._handles.pop(name, None)
        if handle is not None:
            handle.cancel()

    def repeat(self, name: str, interval: timedelta) -> None:
        """Run the job every interval."""
        self.disarm(name)
        loop = asyncio.get_running_loop()
        self._handles[name] = loop.call_later(interval.total_seconds(), self._fire, name, interval)

    def stop(self) -> None:
        """Cancel every timer."""
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()


class SinglePoller:
    """A lock file per token: a second process polling the same bot would steal updates."""

    def __init__(self, database_path: Path, token: str) -> None:
        digest = hashlib.sha256(token.encode()).hexdigest()[:12]
        self.path = database_path.parent / f".zalo-poller-{digest}.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        """Give the lock back."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class ZaloRunner:
    """The Zalo side of the bot: receives updates and hands them to the edge."""

    def __init__(
        self,
        settings: Settings,
        client: ZaloClient,
        state: SqliteZaloState,
        notifier: ZaloNotifier,
        *,
        poll_wait: int = 30,
        min_interval: float = MIN_POLL_INTERVAL,
        listen: tuple[str, int] = WEBHOOK_LISTEN,
    ) -> None:
        self.settings = settings
        self.client = client
        self.state = state
        self.notifier = notifier
        self.poll_wait = poll_wait
        self.min_interval = min_interval
        self.listen = listen
        self.edge: ZaloBot | None = None
        # Tests poll by hand (poll_once) instead of the background loop.
        self.poll = True
        self._task: asyncio.Task[None] | None = None
        self._server: asyncio.Server | None = None
        self._lock: SinglePoller | None = None

    def bind(self, services: Services) -> None:
        """The services the edge calls."""
        self.edge = ZaloBot(services, self.notifier, self.state)
        if isinstance(self.notifier.budget, MonthlyBudget):
            self.notifier.budget.warn = operators_warning(services)

    async def start(self) -> None:
        """Handle what was left from before a stop, then receive by webhook or polling."""
        assert self.edge is not None
        await self.edge.resume()
        if not self.poll:
            return
        if self.settings.zalo_webhook_url and self.settings.zalo_webhook_secret:
            await self.client.set_webhook(
                self.settings.zalo_webhook_url, self.settings.zalo_webhook_secret
            )
            self._server = await asyncio.start_server(self._serve, *self.listen)
            return
        assert self.settings.zalo_token is not None
        self._lock = SinglePoller(self.settings.database_path, self.settings.zalo_token)
        if not self._lock.acquire():
            raise RuntimeError("another process is already polling this Zalo bot")
        with contextlib.suppress(ZaloError):
            if await self.client.get_webhook_info():
                await self.client.delete_webhook()
        self._task = asyncio.get_running_loop().create_task(self.poll_forever())

    async def poll_once(self) -> int:
        """One long poll; the updates handled."""
        assert self.edge is not None
        updates = await self.client.get_updates(self.poll_wait)
        for update in updates:
            await self.edge.handle_update(update)
        return len(updates)

    async def poll_forever(self) -> None:
        """Poll until stopped; errors back off, never end the loop."""
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            started = loop.time()
            try:
                await self.poll_once()
                failures = 0
            except (ZaloError, ZaloNetworkError) as error:
                delay = ERROR_BACKOFF[min(failures, len(ERROR_BACKOFF) - 1)]
                failures += 1
                logger.warning("zalo getUpdates: %s; again in %.0f s", error, delay)
                await asyncio.sleep(delay)
            except Exception:
                logger.exception("zalo update failed")
            elapsed = loop.time() - started
            if elapsed < self.min_interval:
                await asyncio.sleep(self.min_interval - elapsed)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A minimal HTTP/1.1 endpoint for Zalo's webhook posts (behind a TLS proxy)."""
        assert self.edge is not None
        received: list[ZaloMessage] = []
        try:
            request_line = await reader.readline()
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                key, _, value = line.decode("latin-1").partition(":")
                headers[key.strip()] = value.strip()
            length = int(headers.get("Content-Length") or headers.get("content-length") or 0)
            body = await reader.readexactly(min(length, 1 << 20)) if length else b""
            path = request_line.split()[1].decode() if len(request_line.split()) > 1 else ""
            expected = urlparse(self.settings.zalo_webhook_url or "").path or "/"
            if request_line.startswith(b"GET ") and self._photo(path, writer):
                await writer.drain()
                return
            secret = self.settings.zalo_webhook_secret or ""
            status, updates = (
                (404, []) if path != expected else webhook_updates(secret, headers, body)
            )
            # Stored before Zalo hears 200: nothing acknowledged is lost if the bot stops now.
            try:
                received = [m for u in updates if (m := await self.edge.accept(u)) is not None]
            except Exception:
                logger.exception("zalo webhook: could not store the update")
                status, received = 500, []
            payload = b'{"message":"Success"}' if status == 200 else b"{}"
            writer.write(
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        finally:
            writer.close()
        for message in received:
            await self.edge.handle(message)

    def _photo(self, path: str, writer: asyncio.StreamWriter) -> bool:
        """Serve a picture the edge keeps for Zalo to fetch (the report's chart); False when
        the path is not a picture's."""
        assert self.edge is not None
        folder = urlparse(self.edge.photo_base or "").path
        if not folder or not path.startswith(folder) or not path.endswith(".png"):
            return False
        data = self.edge.photos.get(
            path[len(folder) : -len(".png")], self.edge.services.clock.now()
        )
        head = "200 OK" if data is not None else "404 Not Found"
        body = data or b""
        kind = "image/png" if data is not None else "text/plain"
        writer.write(
            f"HTTP/1.1 {head}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        return True

    async def stop(self) -> None:
        """Stop receiving; close the client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._lock is not None:
            self._lock.release()
        await self.client.close()


def build_runner(
    settings: Settings,
    database: Database,
    clock: Clock,
    *,
    http: Any = None,
    language_of: Callable[[User], str] | None = None,
) -> ZaloRunner:
    """The Zalo client, state and notifier over the bot's database."""
    assert settings.zalo_token is not None
    client = ZaloClient(settings.zalo_token, settings.zalo_api_base_url, http=http)
    state = SqliteZaloState(database)

    def tr_of(user: User) -> Translator:
        if language_of is not None:
            return translator(language_of(user))
        return translator(user.language or settings.default_language)

    budget = MonthlyBudget(state, clock, settings.zalo_monthly_quota, settings.tz)
    notifier = ZaloNotifier(
        client, state, clock, tr_of, budget=budget, operators=settings.admin_ids
    )
    return ZaloRunner(settings, client, state, notifier)


def attach(application: Any, settings: Settings) -> ZaloRunner:
    """Add Zalo to a built Telegram application: the services are rebuilt over a notifier
    that routes each send to its channel, and Zalo starts and stops with the application."""
    old = application.bot_data.services
    scheduler: Scheduler = old.reminders.scheduler
    runner = build_runner(
        settings, application.bot_data.database, old.clock, language_of=old.members.user_language
    )
    telegram = old.delivery.notifier
    if isinstance(telegram, ChannelNotifier):
        telegram = telegram.notifiers["telegram"]
    notifier: Notifier = ChannelNotifier(
        {"telegram": telegram, "zalo": runner.notifier}, "telegram"
    )
    services = Services.build(settings, old.clock, old.store, notifier, scheduler)
    bind = getattr(scheduler, "bind", None)
    if bind is not None:
        bind(services.reminders.run_job)
    application.bot_data.services = services
    # /quota on Telegram reads the Zalo budget too.
    application.bot_data.zalo_budget = runner.notifier.budget
    runner.bind(services)
    application.post_init = _chained(application.post_init, lambda app: runner.start())
    application.post_shutdown = _chained(application.post_shutdown, lambda app: runner.stop())
    return runner


def _chained(
    first: Callable[[Any], Awaitable[None]] | None, then: Callable[[Any], Awaitable[None]]
) -> Callable[[Any], Awaitable[None]]:
    async def both(app: Any) -> None:
        if first is not None:
            await first(app)
        await then(app)

    return both


async def run_alone(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run the bot on Zalo only, until ``stop`` is set (or the task is cancelled)."""
    clock = SystemClock()
    database = Database(settings.database_path)
    await database.connect()
    scheduler = AsyncioScheduler(clock)
    runner = build_runner(settings, database, clock)
    services = Services.build(
        settings, clock, database, ChannelNotifier({"zalo": runner.notifier}, "zalo"), scheduler
    )
    runner.notifier.tr_of = lambda user: translator(services.members.user_language(user))
    scheduler.bind(services.reminders.run_job)
    runner.bind(services)
    try:
        me = await runner.client.get_me()
        logger.info("zalo bot %s ready", me.get("account_name", "?"))
        await services.reminders.start()
        await runner.start()
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.stop()
        scheduler.stop()
        await database.close()
