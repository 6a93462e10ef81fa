"""How updates reach the handlers: stored first, then run per chat, concurrently across chats.

Every update is written to the inbox (storage/sqlite, table `inbox`) before Telegram is told it
arrived: long polling asks for the next offset only once a batch is committed, the webhook
answers 200 only after the commit. Each chat has a lane: its updates run one at a time, in
order, while other chats' lanes run beside it (bounded overall), so a group waiting out
Telegram's 20 messages a minute holds nobody else. An update is marked done when its handlers
finish; after a crash or a stop the pending ones run first, in order per chat. An update that
cannot be parsed, or whose handlers fail every attempt, is set aside ('failed') with one log
line and never blocks the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import time
import traceback
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import tornado.web
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.request import BaseRequest, RequestData

# getUpdates is asked for through the request object rather than Bot.get_updates, which parses
# the batch (one unparseable update would then lose the others): ptb exports no public way to
# build its parameters (pinned below 23 in pyproject.toml).
from telegram.request._requestparameter import RequestParameter
from tornado.httpserver import HTTPServer

from bot.ports import Clock, Store
from config import Settings
from handlers.telegram.context import CURRENT_ATTEMPT, Attempt, BotApplication

logger = logging.getLogger(__name__)

# Handlers running at once across chats; each mostly waits on Telegram or the database lock.
MAX_CONCURRENT_UPDATES = 64
MAX_ATTEMPTS = 3
RETRY_DELAYS = (0.5, 2.0)
# On SIGTERM/SIGINT: updates in flight get this long to finish; the rest stay in the inbox.
GRACE_SECONDS = 8.0
STOP_SECONDS = 1.0
LONG_POLL_SECONDS = 10
# Done updates are kept this long, so that one Telegram delivers again is not applied twice.
KEEP_DONE = timedelta(days=1)
PRUNE_EVERY_SECONDS = 3600.0
NETWORK_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHECK_IN_PREFIX = "ci:"
# Ballot presses in the group run in the presser's lane too (one transaction each).
BALLOT_PREFIX = "vb:"


@dataclass
class _Item:
    update_id: int
    update: Update | None
    attempts: int
    unparseable: str | None = None


def lane_of(update: Update) -> Hashable:
    """The lane an update runs in: its chat (a private chat is its person), else its sender.

    A check-in press runs in its presser's lane: presses of different members need no order
    among them, and a thousand members checking in at once must not queue behind one another
    in the group's lane (the check-in itself is one conditional write; see
    bot/services/running.py)."""
    query = update.callback_query
    if query is not None and (query.data or "").startswith((CHECK_IN_PREFIX, BALLOT_PREFIX)):
        return ("chat", query.from_user.id)
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("chat", update.effective_user.id)
    return ("update", update.update_id)


class Runtime:
    """The inbox and the lanes: stores updates, runs them per chat, marks them done."""

    def __init__(
        self,
        application: BotApplication,
        store: Store,
        clock: Clock,
        *,
        max_concurrent: int = MAX_CONCURRENT_UPDATES,
    ) -> None:
        self.application = application
        self.store = store
        self.clock = clock
        self._slots = asyncio.Semaphore(max_concurrent)
        self._lanes: dict[Hashable, deque[_Item]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        """Updates submitted and not finished."""
        return sum(len(lane) for lane in self._lanes.values())

    async def receive(self, updates: list[dict[str, Any]]) -> None:
        """Store a batch in one transaction, then run the ones not seen before."""
        batch = [(int(raw["update_id"]), json.dumps(raw, ensure_ascii=False)) for raw in updates]
        async with self.store.transaction() as uow:
            fresh = set(await uow.inbox.store(batch, self.clock.now()))
        for update_id, payload in batch:
            if update_id in fresh:
                self.submit(update_id, payload, 0)

    async def recover(self) -> int:
        """Run what the last process left unfinished, oldest first; how many."""
        async with self.store.transaction() as uow:
            await uow.inbox.prune(self.clock.now() - KEEP_DONE)
            pending = await uow.inbox.pending()
        for update_id, payload, attempts in pending:
            self.submit(update_id, payload, attempts)
        if pending:
            logger.info("processing %d updates left from the last run", len(pending))
        return len(pending)

    async def prune(self) -> None:
        """Forget updates done long ago."""
        async with self.store.transaction() as uow:
            await uow.inbox.prune(self.clock.now() - KEEP_DONE)

    def submit(self, update_id: int, payload: str, attempts: int) -> None:
        """Queue a stored update in its chat's lane."""
        try:
            update = Update.de_json(json.loads(payload), self.application.bot)
            if update is None:
                raise ValueError("empty update")
            key = lane_of(update)
            item = _Item(update_id, update, attempts)
        except Exception as error:
            key = ("update", update_id)
            item = _Item(update_id, None, attempts, f"{type(error).__name__}: {error}")
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = deque()
            task = asyncio.create_task(self._run_lane(key, lane), name=f"lane:{key}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        lane.append(item)

    async def _run_lane(self, key: Hashable, lane: deque[_Item]) -> None:
        try:
            while lane:
                try:
                    await self._process(lane[0])
                except Exception as error:
                    # The inbox itself failed (disk full?): the update stays pending for the
                    # next start, and this chat's lane goes on.
                    logger.error(
                        "update %s could not be recorded (%s); it will run again at the next "
                        "start",
                        lane[0].update_id,
                        error,
                    )
                lane.popleft()
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]

    async def _process(self, item: _Item) -> None:
        if item.update is None:
            await self._set_aside(item.update_id, f"cannot be parsed: {item.unparseable}", None)
            logger.error(
                "update %s set aside: it cannot be parsed (%s)", item.update_id, item.unparseable
            )
            return
        while True:
            final = item.attempts + 1 >= MAX_ATTEMPTS
            attempt = Attempt(item.update_id, final=final)
            token = CURRENT_ATTEMPT.set(attempt)
            try:
                async with self._slots:
                    await self.application.process_update(item.update)
            finally:
                CURRENT_ATTEMPT.reset(token)
            error = attempt.error
            if error is None or isinstance(error, TelegramError):
                # A Telegram error means an answer may or may not have gone out: never again.
                await self._finish(item.update_id)
                return
            described = "".join(traceback.format_exception(error)).strip()
            if final:
                await self._set_aside(item.update_id, described, item.attempts + 1)
                logger.error(
                    "update %s set aside after %d failed attempts (%s: %s); its traceback: "
                    "SELECT error FROM inbox WHERE update_id = %s",
                    item.update_id,
                    item.attempts + 1,
                    type(error).__name__,
                    error,
                    item.update_id,
                )
                return
            async with self.store.transaction() as uow:
                item.attempts = await uow.inbox.attempt_failed(item.update_id, described)
            await asyncio.sleep(RETRY_DELAYS[min(item.attempts, len(RETRY_DELAYS)) - 1])

    async def _finish(self, update_id: int) -> None:
        async with self.store.transaction() as uow:
            await uow.inbox.finish(update_id, "done", self.clock.now(), None)

    async def _set_aside(self, update_id: int, why: str, attempts: int | None) -> None:
        async with self.store.transaction() as uow:
            if attempts is not None:
                await uow.inbox.attempt_failed(update_id, why)
            await uow.inbox.finish(update_id, "failed", self.clock.now(), why)

    async def drain(self, seconds: float) -> int:
        """Let lanes finish for up to `seconds`, then stop them; updates left unfinished."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)
        left = self.in_flight
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return left


class Poller:
    """Long polling that confirms a batch (the next offset) only once it is stored."""

    def __init__(self, runtime: Runtime, request: BaseRequest, *, timeout: int) -> None:
        self.runtime = runtime
        self.request = request
        self.timeout = timeout
        self._stopping = False
        self._fetch: asyncio.Task[Any] | None = None

    async def run(self) -> None:
        """Fetch, store, submit until stopped; InvalidToken ends it."""
        async with self.runtime.store.reading() as uow:
            last = await uow.inbox.last_update_id()
        offset = None if last is None else last + 1
        failures = 0
        pruned = time.monotonic()
        while not self._stopping:
            self._fetch = asyncio.ensure_future(self._get_updates(offset))
            try:
                batch = await self._fetch
            except asyncio.CancelledError:
                if self._stopping:
                    return
                raise
            except InvalidToken:
                raise
            except TelegramError as error:
                delay = NETWORK_BACKOFF[min(failures, len(NETWORK_BACKOFF) - 1)]
                failures += 1
                # One line per failure, fewer as the backoff grows: never a flood.
                logger.warning("getUpdates failed (%s); trying again in %.0f s", error, delay)
                await asyncio.sleep(delay)
                continue
            if failures:
                logger.info("getUpdates works again")
                failures = 0
            updates = [u for u in batch if isinstance(u, dict) and "update_id" in u]
            if updates:
                await self.runtime.receive(updates)
                offset = max(int(u["update_id"]) for u in updates) + 1
            if time.monotonic() - pruned > PRUNE_EVERY_SECONDS:
                await self.runtime.prune()
                pruned = time.monotonic()

    async def _get_updates(self, offset: int | None) -> list[Any]:
        parameters = [
            RequestParameter.from_input("timeout", self.timeout),
            RequestParameter.from_input("allowed_updates", list(Update.ALL_TYPES)),
        ]
        if offset is not None:
            parameters.append(RequestParameter.from_input("offset", offset))
        bot = self.runtime.application.bot
        result = await self.request.post(
            f"{bot.base_url}/getUpdates",
            request_data=RequestData(parameters),
            read_timeout=self.timeout + 5,
        )
        return result if isinstance(result, list) else []

    async def stop(self) -> None:
        """Stop asking Telegram; a long poll in progress is abandoned (nothing was confirmed)."""
        self._stopping = True
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()


class _Hook(tornado.web.RequestHandler):
    """POST <path>: check the secret, store the update, then answer 200."""

    def initialize(self, runtime: Runtime, secret: str | None) -> None:
        self.runtime = runtime
        self.secret = secret

    async def post(self) -> None:
        if self.secret is not None:
            given = self.request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                raise tornado.web.HTTPError(403)
        try:
            update = json.loads(self.request.body)
            int(update["update_id"])
        except (ValueError, TypeError, KeyError):
            raise tornado.web.HTTPError(400) from None
        try:
            await self.runtime.receive([update])
        except Exception as error:
            # Not stored: Telegram sends it again later.
            logger.error("could not store update %s (%s)", update.get("update_id"), error)
            raise tornado.web.HTTPError(500) from None
        self.set_status(200)

    def log_exception(self, *args: Any) -> None:
        """Refused requests are logged above or not at all (a forged request is no event)."""


class WebhookServer:
    """The webhook endpoint (tornado, as ptb's own), storing before it answers."""

    def __init__(self, runtime: Runtime, settings: Settings) -> None:
        assert settings.webhook_url is not None
        self.runtime = runtime
        self.settings = settings
        path = urlparse(settings.webhook_url).path.strip("/")
        self.app = tornado.web.Application(
            [(rf"/{path}/?", _Hook, {"runtime": runtime, "secret": settings.webhook_secret})],
            log_function=lambda handler: None,
        )
        self.server: HTTPServer | None = None
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        """Register the webhook with Telegram and serve until stopped."""
        self.server = HTTPServer(self.app, xheaders=True)
        self.server.listen(self.settings.webhook_port, address=self.settings.webhook_listen)
        await self.runtime.application.bot.set_webhook(
            url=str(self.settings.webhook_url),
            secret_token=self.settings.webhook_secret,
            allowed_updates=list(Update.ALL_TYPES),
        )
        await self._stopped.wait()

    async def stop(self) -> None:
        """Refuse new requests; those being stored finish."""
        if self.server is not None:
            self.server.stop()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.server.close_all_connections(), STOP_SECONDS)
        self._stopped.set()


async def serve(
    application: BotApplication,
    settings: Settings,
    clock: Clock,
    *,
    request: BaseRequest,
    stop: asyncio.Event | None = None,
    long_poll_seconds: int = LONG_POLL_SECONDS,
    grace_seconds: float = GRACE_SECONDS,
) -> None:
    """Run the bot until `stop` is set (SIGTERM and SIGINT set it); raises start-up failures."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()
        runtime = Runtime(application, application.bot_data.database, clock)
        await runtime.recover()
        source: Poller | WebhookServer
        if settings.webhook_url:
            source = WebhookServer(runtime, settings)
        else:
            await application.bot.delete_webhook()
            source = Poller(runtime, request, timeout=long_poll_seconds)
        fetching = asyncio.create_task(source.run(), name="fetch updates")
        stopping = asyncio.create_task(stop.wait(), name="wait for a stop signal")
        await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        logger.info("stopping: %d updates in flight", runtime.in_flight)
        await source.stop()
        await asyncio.gather(fetching, return_exceptions=True)
        left = await runtime.drain(grace_seconds)
        if left:
            logger.info("stopped; %d updates stay in the inbox for the next start", left)
        if fetching.done() and not fetching.cancelled() and fetching.exception() is not None:
            raise fetching.exception()  # type: ignore[misc]
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if application.running:
            try:
                await asyncio.wait_for(application.stop(), STOP_SECONDS)
            except TimeoutError:
                logger.warning("scheduled jobs did not stop in time; they run again at start")
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
