"""`python -m bot` (what `make run` runs) without a token: the sandbox starts and prints its URL,
never touches DATABASE_PATH's file, and contacts no host but 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.__main__ import SANDBOX_INSTEAD
from bot.i18n import translator
from tests.conftest import SETTINGS

URL_WITHIN_SECONDS = 60.0
STOP_WITHIN_SECONDS = 15.0
# Every socket connection and name lookup the process makes, one repr per line, through
# Python's audit hooks (they see sockets opened by any library, httpx included).
AUDIT_HOOK = """
import os, sys

_log = open(os.environ["CELLMEET_AUDIT_LOG"], "a", buffering=1, encoding="utf-8")


def _audit(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        _log.write(f"connect {args[1]!r}\\n")
    elif event == "socket.getaddrinfo":
        _log.write(f"lookup {args[0]!r}\\n")


sys.addaudithook(_audit)
"""


@dataclass
class SandboxProcess:
    """`python -m bot` running in the background."""

    process: subprocess.Popen[str]
    url: str
    started_in: float
    audit_log: Path
    stderr: Path


def no_proxy_opener() -> urllib.request.OpenerDirector:
    """A URL opener that ignores any proxy the machine has."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def sandbox_process(tmp_path: Path) -> Iterator[SandboxProcess]:
    """The README's run command with no token, in a clean environment and folder."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    audit_log = tmp_path / "audit.log"
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    database = tmp_path / "data" / "cellmeet.sqlite3"
    database.parent.mkdir()
    database.write_bytes(b"the operator's database: never to be opened by the sandbox\n")
    os.utime(database, (1_000_000_000, 1_000_000_000))
    env = dict.fromkeys(SETTINGS, "")
    env.update(
        DATABASE_PATH=str(database),
        SANDBOX_PORT="0",
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(tmp_path),
        TMPDIR=str(temporary),
        PYTHONPATH=str(hooks),
        CELLMEET_AUDIT_LOG=str(audit_log),
        # A proxy the bot would have to go through if it honoured it.
        HTTP_PROXY="http://192.0.2.1:3128",
        HTTPS_PROXY="http://192.0.2.1:3128",
    )
    stderr_path = tmp_path / "stderr.txt"
    stderr = stderr_path.open("w", encoding="utf-8")
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the first line is the URL, or EOF if it failed
        started_in = time.monotonic() - began
        assert "cellmeet sandbox: open http://127.0.0.1:" in line, stderr_path.read_text()
        yield SandboxProcess(process, line.split()[-1], started_in, audit_log, stderr_path)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_WITHIN_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stderr.close()
        if process.stdout is not None:
            process.stdout.close()
    assert database.read_bytes() == b"the operator's database: never to be opened by the sandbox\n"
    assert database.stat().st_mtime == 1_000_000_000
    assert sorted(p.name for p in database.parent.iterdir()) == ["cellmeet.sqlite3"]
    # The sandbox's own database was a temporary file, removed at exit.
    assert list(temporary.iterdir()) == []


def test_python_m_bot_without_a_token_starts_the_sandbox_on_127_0_0_1_only(
    sandbox_process: SandboxProcess, tmp_path: Path
) -> None:
    assert sandbox_process.started_in < URL_WITHIN_SECONDS
    assert sandbox_process.url.startswith("http://127.0.0.1:")
    opener = no_proxy_opener()
    with opener.open(sandbox_process.url, timeout=10) as page:
        assert b"/static/app.js" in page.read()
    with opener.open(f"{sandbox_process.url}api/state?person=secretary", timeout=10) as answer:
        state = json.loads(answer.read())
    assert state["ready"] is True
    assert [s["key"] for s in state["tour"] if s["done"]] == ["newcell", "setup"]

    sandbox_process.process.send_signal(signal.SIGINT)
    assert sandbox_process.process.wait(STOP_WITHIN_SECONDS) == 0
    logged = sandbox_process.stderr.read_text(encoding="utf-8")
    # The command line speaks DEFAULT_LANGUAGE (vi unless set): it says this is the sandbox.
    assert logged.splitlines()[0] == translator("vi").gettext(SANDBOX_INSTEAD)
    assert "Traceback" not in logged

    contacts = sandbox_process.audit_log.read_text(encoding="utf-8").splitlines()
    connects = [line for line in contacts if line.startswith("connect ")]
    # The bot really went over the network (to its local Bot API), and only there.
    assert connects
    assert all(line.startswith("connect ('127.0.0.1', ") for line in connects), connects
    lookups = {line for line in contacts if line.startswith("lookup ")}
    assert lookups <= {"lookup '127.0.0.1'", "lookup b'127.0.0.1'", "lookup None"}, lookups


def test_a_port_in_use_is_told_in_one_line(tmp_path: Path) -> None:
    env = dict.fromkeys(SETTINGS, "")
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"127.0.0.1:{port}" in lines[0]
    assert "--port" in lines[0]
    assert result.stdout == ""
