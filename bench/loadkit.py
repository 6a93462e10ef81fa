"""Helpers of bench/load.py: a timed fake Bot API over HTTP, bot processes, figures.

The fake records when each accepted call arrives (time.monotonic, the same clock in every
process on Linux), keyed so that the call answering an update can be found: a callback query
id, a (chat, quoted message) pair, or the chat alone. With `limits=True` it refuses send*
calls past Telegram's limits (30 messages/s overall, 20/min per group) with 429 and
retry_after, as bench/fanout.py's request does.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from config.settings import SETTING_NAMES
from sandbox.fake_api import FakeTelegram, JSONDict, UploadedFile, coerce_params
from sandbox.http_server import FakeBotApiServer

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-token-for-load"
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20

Key = tuple[Any, ...]


class TimedTelegram(FakeTelegram):
    """FakeTelegram that timestamps accepted calls and can enforce Telegram's send limits."""

    def __init__(self, *, limits: bool = False) -> None:
        super().__init__()
        self.limits = limits
        self.too_many = 0
        self.get_updates_calls = 0
        self.arrivals: dict[Key, list[float]] = {}
        self.answered = threading.Condition()
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def handle(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, JSONDict]:
        """Answer the call; remember when an accepted one arrived."""
        arrived = time.monotonic()
        decoded = coerce_params(method, params)
        if method == "getUpdates":
            self.get_updates_calls += 1
        elif self.limits and method.startswith("send") and "chat_id" in decoded:
            refusal = self._over_limit(int(decoded["chat_id"]), arrived)
            if refusal is not None:
                return 429, refusal
        status, body = super().handle(method, params, files)
        if status == 200 and method != "getUpdates":
            self._record(method, decoded, arrived)
        return status, body

    def _over_limit(self, chat_id: int, now: float) -> JSONDict | None:
        with self.answered:
            while self._overall and now - self._overall[0] >= 1.0:
                self._overall.popleft()
            group = self._groups.setdefault(chat_id, deque()) if chat_id < 0 else None
            while group and now - group[0] >= 60.0:
                group.popleft()
            wait = 0.0
            if len(self._overall) >= OVERALL_PER_SECOND:
                wait = 1.0 - (now - self._overall[0])
            if group is not None and len(group) >= GROUP_PER_MINUTE:
                wait = max(wait, 60.0 - (now - group[0]))
            if wait > 0:
                self.too_many += 1
                retry_after = max(1, round(wait + 0.5))
                return {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                }
            self._overall.append(now)
            if group is not None:
                group.append(now)
            return None

    def _record(self, method: str, params: JSONDict, arrived: float) -> None:
        keys: list[Key] = []
        if method == "answerCallbackQuery":
            keys.append(("cb", str(params.get("callback_query_id"))))
        if "chat_id" in params:
            chat_id = int(params["chat_id"])
            keys.append(("chat", chat_id))
            reply = params.get("reply_parameters")
            if isinstance(reply, dict) and "message_id" in reply:
                keys.append(("reply", chat_id, int(reply["message_id"])))
        with self.answered:
            for key in keys:
                self.arrivals.setdefault(key, []).append(arrived)
            self.answered.notify_all()

    def count(self, key: Key) -> int:
        """How many accepted calls carried `key` so far."""
        with self.answered:
            return len(self.arrivals.get(key, ()))

    def first_after(self, key: Key, index: int) -> float | None:
        """Arrival of the `index`-th call with `key` (0-based), if it came."""
        with self.answered:
            times = self.arrivals.get(key, [])
            return times[index] if len(times) > index else None

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate` holds (checked on each recorded call) or `timeout` passes."""
        deadline = time.monotonic() + timeout
        with self.answered:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.answered.wait(min(remaining, 0.5))
        return True

    def wait_answer(
        self, key: Key, index: int, timeout: float, alive: Callable[[], bool] = lambda: True
    ) -> float | None:
        """Arrival of the `index`-th call with `key`, waiting up to `timeout` (None: never,
        or `alive()` turned false first)."""
        self.wait_for(lambda: self.count(key) > index or not alive(), timeout)
        return self.first_after(key, index)


def serve(fake: FakeTelegram) -> FakeBotApiServer:
    """A started HTTP server on 127.0.0.1 for `fake`, answering only the bench token."""
    return FakeBotApiServer(fake, token=TOKEN).start()


def process_env(base_url: str, database: Path, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process: every setting blank unless given, no proxies."""
    env = dict.fromkeys(SETTING_NAMES, "")
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        DATABASE_PATH=str(database),
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(home),
        PYTHONPATH=str(ROOT),
        PTB_TIMEDELTA="true",
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


class BotProcess:
    """`python -m MODULE` in the background, its output in files under `workdir`."""

    def __init__(self, module: str, workdir: Path, env: dict[str, str], *, tag: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.stderr_path = workdir / f"{tag}.stderr"
        self._stderr: IO[bytes] = self.stderr_path.open("ab")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._stderr,
            stderr=self._stderr,
        )

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    def peak_rss_mb(self) -> float | None:
        """VmHWM (peak resident set) of the process from /proc, in MB."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> tuple[float, bool]:
        """Send `sig`, wait up to `timeout`, then SIGKILL: (seconds to exit, exited by itself)."""
        started = time.monotonic()
        clean = True
        if self.alive():
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                clean = False
                self.process.kill()
                self.process.wait()
        self._stderr.close()
        return time.monotonic() - started, clean

    def kill(self) -> None:
        """kill -9."""
        if self.alive():
            self.process.kill()
            self.process.wait()
        self._stderr.close()

    def tail(self, lines: int = 15) -> str:
        """The last lines the process logged."""
        text = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def wait_polling(fake: TimedTelegram, bot: BotProcess, timeout: float = 120.0) -> float:
    """Wait until the bot calls getUpdates; seconds since the process started."""
    deadline = time.monotonic() + timeout
    while fake.get_updates_calls == 0:
        if not bot.alive():
            raise RuntimeError(f"the bot exited ({bot.process.returncode}):\n{bot.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not poll within {timeout:.0f} s:\n{bot.tail()}")
        time.sleep(0.01)
    return time.monotonic() - bot.started


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    """The median, NaN when empty."""
    return statistics.median(values) if values else float("nan")
