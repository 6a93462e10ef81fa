"""The real HTTP stack: ptb's httpx requests and long polling against a Bot API on 127.0.0.1,
first in-process, then `python -m bot` as the operator runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

import pytest

from bot.__main__ import API_UNREACHABLE, TOKEN_REFUSED
from bot.app import build_application
from bot.clock import SystemClock
from bot.i18n import translator
from handlers.telegram.runtime import serve
from sandbox import http_server
from sandbox.driver import Driver, TgUser
from sandbox.fake_api import FakeTelegram, JSONDict, inline_buttons
from sandbox.http_server import FakeBotApiServer
from tests.conftest import OPERATOR_ID, SETTINGS, TOKEN, make_settings

DEADLINE_SECONDS = 20.0
POLL_SECONDS = 0.02
CELL_NAME = "Chi bộ 1"
GROUP_ID = -100200300
SECRETARY = TgUser(1001, "Lan", "Trần", username="lan", language_code="vi")
MINH = TgUser(1002, "Minh", "Lê", username="minh", language_code="en")
HOA = TgUser(1003, "Hoa", "Phạm", language_code="vi")
# Every setting the bot reads: blank (= unset) unless given, so that neither the caller's
# environment nor a stray .env changes what the bot does.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")

vi = translator("vi")
en = translator("en")


def _quiet_handle_error(self: socketserver.BaseServer, request: Any, client_address: Any) -> None:
    # A bot that stops cancels its pending long poll; the answer then meets a closed socket.
    if isinstance(sys.exc_info()[1], ConnectionError):
        return
    socketserver.BaseServer.handle_error(self, request, client_address)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotApiServer]:
    """A Bot API over HTTP on 127.0.0.1 that answers only our token."""
    monkeypatch.setattr(http_server._Server, "handle_error", _quiet_handle_error)
    with FakeBotApiServer(FakeTelegram(), token=TOKEN) as running:
        yield running
    # Request threads outlive the server's shutdown; let the last long poll end while quiet.
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=DEADLINE_SECONDS)


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx must talk to 127.0.0.1 directly, whatever proxy the machine has configured."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def users_driver(fake: FakeTelegram) -> Driver:
    """A driver used only to build update dicts; updates travel through getUpdates."""
    # The driver needs the application only to deliver updates itself, which it never does here.
    return Driver(cast(Any, None), fake, raise_errors=False)


def texts_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Texts of the accepted sendMessage calls to one chat so far."""
    return [str(params["text"]) for params in fake.sent(chat_id)]


def requests_to(fake: FakeTelegram, chat_id: int) -> list[JSONDict]:
    """The bot's messages in a chat that still show buttons, oldest first."""
    return [m for m in fake.messages_in(chat_id) if inline_buttons(m)]


def button_data(message: JSONDict, label: str) -> str:
    """The callback data of the button labelled `label`."""
    for button in inline_buttons(message):
        if button["text"] == label:
            return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {message!r}")


# --- (a) in-process polling over HTTP ----------------------------------------------------------


async def eventually(predicate: Callable[[], bool], what: str) -> None:
    """Let the event loop run until `predicate` holds; fail after the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)


@pytest.mark.usefixtures("no_proxy")
async def test_polling_over_http_answers_start_and_setup(
    tmp_path: Path, server: FakeBotApiServer
) -> None:
    fake = server.fake
    settings = make_settings(tmp_path, api_base_url=server.base_url)
    app = build_application(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(
        serve(
            app,
            settings,
            SystemClock(),
            request=app.bot_data.updates_request,
            stop=stop,
            long_poll_seconds=1,
        )
    )
    await eventually(lambda: any(c.method == "getUpdates" for c in fake.calls), "polling")
    try:
        users = users_driver(fake)
        private = users.private_chat(SECRETARY)
        group = users.group(GROUP_ID, CELL_NAME)
        code = await app.bot_data.services.cells.create_setup_code(CELL_NAME)

        fake.push_update(users.message_update(SECRETARY, private, "/start"))
        await eventually(lambda: bool(texts_to(fake, SECRETARY.id)), "the answer to /start")
        hello = vi.gettext(
            "Hello {name}! I am cellmeet: I schedule your cell's online meetings, send "
            "reminders and record who will attend and who asks to be excused.",
            name="Trần Lan",
        )
        assert texts_to(fake, SECRETARY.id)[0].startswith(hello)

        fake.push_update(users.message_update(SECRETARY, group, f"/setup {code}"))
        await eventually(lambda: bool(texts_to(fake, GROUP_ID)), "the answer to /setup")
        assert texts_to(fake, GROUP_ID) == [
            vi.gettext(
                "This group is now the cell «{name}», and you are its secretary. "
                "Members join with /join here; you approve them with a button.",
                name=CELL_NAME,
            )
        ]
        # Every update was confirmed: nothing would be handled twice after a restart.
        await eventually(lambda: not fake.pending_updates, "the updates to be confirmed")
    finally:
        stop.set()
        await asyncio.wait_for(running, DEADLINE_SECONDS)
    methods = {call.method for call in fake.calls}
    assert {"getMe", "setMyCommands", "getUpdates", "sendMessage"} <= methods
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")
    fake.assert_no_violations()


# --- (b) `python -m bot` as a separate process -------------------------------------------------


def bot_env(tmp_path: Path, server: FakeBotApiServer) -> dict[str, str]:
    """The environment an operator gives the bot, pointed at the fake server."""
    env = dict.fromkeys(SETTINGS, "")
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.base_url,
        DATABASE_PATH=str(tmp_path / "data" / "cellmeet.sqlite3"),
        ADMIN_IDS=str(OPERATOR_ID),
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(tmp_path),
        PTB_TIMEDELTA="true",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


class BotProcess:
    """`python -m bot` running in the background, its output in files."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.stdout_path = tmp_path / "bot.stdout"
        self.stderr_path = tmp_path / "bot.stderr"
        self._stdout: IO[bytes] = self.stdout_path.open("wb")
        self._stderr: IO[bytes] = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
        )

    @property
    def stderr(self) -> str:
        """What the bot logged so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait_until(self, predicate: Callable[[], bool], what: str) -> None:
        """Poll until `predicate` holds; fail at the deadline or if the bot died."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not predicate():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the bot exited ({self.process.returncode}) while waiting for {what}:\n"
                    + self.stderr
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; the bot logged:\n" + self.stderr
                )
            time.sleep(POLL_SECONDS)

    def interrupt(self) -> int:
        """Ctrl-C, as an operator stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=DEADLINE_SECONDS)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._stdout.close()
            self._stderr.close()


def cell_code(tmp_path: Path, env: dict[str, str]) -> str:
    """`python -m bot admin cell-code NAME`: the code is the last line."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "admin", "cell-code", CELL_NAME],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    return result.stdout.splitlines()[-1]


def test_python_m_bot_serves_the_judged_path(tmp_path: Path, server: FakeBotApiServer) -> None:
    fake = server.fake
    env = bot_env(tmp_path, server)
    code = cell_code(tmp_path, env)
    users = users_driver(fake)
    private = users.private_chat(SECRETARY)
    group = users.group(GROUP_ID, CELL_NAME)

    bot = BotProcess(tmp_path, env)
    try:
        bot.wait_until(
            lambda: any(c.method == "getUpdates" for c in fake.calls), "the bot to poll"
        )

        fake.push_update(users.message_update(SECRETARY, private, "/start"))
        bot.wait_until(lambda: bool(texts_to(fake, SECRETARY.id)), "the answer to /start")

        fake.push_update(users.message_update(SECRETARY, group, f"/setup {code}"))
        bot.wait_until(lambda: bool(texts_to(fake, GROUP_ID)), "the answer to /setup")
        assert texts_to(fake, GROUP_ID)[0] == vi.gettext(
            "This group is now the cell «{name}», and you are its secretary. "
            "Members join with /join here; you approve them with a button.",
            name=CELL_NAME,
        )

        # Minh opened the bot privately, Hoa did not.
        fake.push_update(users.message_update(MINH, users.private_chat(MINH), "/start"))
        bot.wait_until(lambda: bool(texts_to(fake, MINH.id)), "the answer to Minh's /start")
        for user in (MINH, HOA):
            fake.push_update(users.message_update(user, group, "/join"))
        bot.wait_until(
            lambda: len(requests_to(fake, SECRETARY.id)) == 2, "two requests to the secretary"
        )
        requests = requests_to(fake, SECRETARY.id)
        asked = {
            vi.gettext(
                "{name}{username} asks to join «{cell}» {how}.",
                name=name,
                username=username,
                cell=CELL_NAME,
                how=vi.gettext("with /join"),
            )
            for name, username in (("Lê Minh", " (@minh)"), ("Phạm Hoa", ""))
        }
        assert {m["text"] for m in requests} == asked

        for request in requests:
            data = button_data(request, vi.gettext("✅ Approve: official"))
            fake.push_update(users.callback_update(SECRETARY, private, data, request))
        approved = {
            vi.gettext("{name} was approved: {kind}.", name=name, kind=vi.gettext("official"))
            for name in ("Lê Minh", "Phạm Hoa")
        }
        bot.wait_until(
            lambda: {m.get("text") for m in fake.messages_in(SECRETARY.id)} >= approved,
            "both approvals",
        )
        assert requests_to(fake, SECRETARY.id) == []
        welcome = en.gettext(
            "Welcome to «{cell}»! Send /help to see what you can do.", cell=CELL_NAME
        )
        bot.wait_until(lambda: welcome in texts_to(fake, MINH.id), "Minh's welcome")
        bot.wait_until(lambda: not fake.unanswered_callback_queries(), "the buttons answered")

        fake.push_update(users.message_update(SECRETARY, group, "/members"))
        bot.wait_until(
            lambda: any("Phạm Hoa" in t and "Lê Minh" in t for t in texts_to(fake, GROUP_ID)),
            "the roster",
        )
        roster = [t for t in texts_to(fake, GROUP_ID) if "Lê Minh" in t and "Phạm Hoa" in t]
        lines = roster[-1].splitlines()
        official = vi.gettext("official")
        assert lines[0] == vi.gettext(
            "Cell «{name}»: {count} members ({official} official, {probationary} probationary)",
            name=CELL_NAME,
            count=3,
            official=3,
            probationary=0,
        )
        assert lines[2:5] == [
            f"1. Trần Lan @lan — {official}, {vi.gettext('secretary')} ✉️",
            f"2. Lê Minh @minh — {official} ✉️",
            f"3. Phạm Hoa — {official} 🔕",
        ]
    finally:
        status = bot.interrupt()
    stderr = bot.stderr
    assert status == 0, stderr
    assert TOKEN not in stderr
    assert TOKEN.split(":", 1)[1] not in stderr
    assert "Traceback" not in stderr, stderr
    fake.assert_no_violations()


def run_bot_once(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot` until it stops by itself."""
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_a_token_telegram_refuses_stops_the_bot_with_one_clear_line(
    tmp_path: Path, server: FakeBotApiServer
) -> None:
    env = bot_env(tmp_path, server)
    wrong = "999999:WRONG-token-from-a-typo"
    env["TELEGRAM_BOT_TOKEN"] = wrong
    result = run_bot_once(tmp_path, env)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    # In the default language (DEFAULT_LANGUAGE, vi).
    assert last == translator("vi").gettext(TOKEN_REFUSED)
    assert "@BotFather" in last
    assert wrong not in result.stderr + result.stdout


def test_an_unreachable_bot_api_stops_the_bot_with_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = dict.fromkeys(SETTINGS, "")
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=closed,
        DATABASE_PATH=str(tmp_path / "cellmeet.sqlite3"),
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(tmp_path),
        NO_PROXY="127.0.0.1,localhost",
    )
    result = run_bot_once(tmp_path, env)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        translator("vi").gettext(API_UNREACHABLE, url=closed, error="\0").split("\0")[0]
    )
    assert TOKEN not in result.stderr + result.stdout
