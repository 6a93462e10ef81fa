"""The sandbox's page in a real Chromium (Debian's, driven by Playwright): a secretary's first
session, from /help to a member's answer in /answers. Screenshots go to test-artifacts/sandbox/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, sync_playwright

from bot.i18n import translator
from tests.conftest import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "sandbox"
CHROMIUM = Path(os.environ.get("CELLMEET_CHROMIUM", "/usr/bin/chromium"))
# No sandboxing (CI runs as root), no GPU, and nothing Chromium would fetch on its own.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
SECRETARY_CHAT = "900002"
OFFICIAL_CHAT = "900004"
GROUP_CHAT = "-1001000000001"
vi = translator("vi")

if not CHROMIUM.is_file():
    if os.environ.get("CELLMEET_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """`python -m bot sandbox` on a free port; its URL."""
    env = dict.fromkeys(SETTINGS, "")
    env.update(
        DATABASE_PATH=str(tmp_path / "data" / "cellmeet.sqlite3"),
        PATH=os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=str(tmp_path),
    )
    log = (tmp_path / "sandbox.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "http://127.0.0.1:" in line, (tmp_path / "sandbox.log").read_text()
        yield line.split()[-1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if process.stdout is not None:
            process.stdout.close()
    assert "Traceback" not in (tmp_path / "sandbox.log").read_text(encoding="utf-8")


def test_a_secretary_schedules_a_meeting_and_sees_a_member_answer_the_reminder(
    sandbox_url: str,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )

            def shot(name: str) -> None:
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

            def be(person: str, chat: str) -> None:
                if page.locator("#back").is_visible():
                    page.click("#back")
                page.select_option("#person", person)
                page.click(f".chat-item[data-chat='{chat}']")
                page.wait_for_selector("#chat:not([hidden])")

            def say(text: str) -> None:
                page.fill("#text", text)
                page.press("#text", "Enter")

            def bot_message(containing: str) -> Locator:
                found = page.locator(".msg.bot", has_text=containing).last
                found.wait_for()
                return found

            page.goto(sandbox_url)
            page.wait_for_selector(".chat-item")
            shot("01-chats")

            # The secretary asks for help in her private chat with the bot.
            be("secretary", SECRETARY_CHAT)
            say("/help")
            bot_message("/schedule")
            shot("02-help")

            # A button: the language choice, answered by editing the message in place.
            say("/lang")
            choice = page.locator(".msg.bot .kb button", has_text="Tiếng Việt").last
            choice.click()
            edited = page.locator(".msg.bot", has_text=vi.gettext("edited")).last
            edited.wait_for()
            assert edited.locator(".kb").count() == 0
            shot("03-button-edits-in-place")

            # The secretary schedules the month's meeting, three days ahead.
            day = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=3)).strftime(
                "%d/%m/%Y"
            )
            say(f"/schedule {day} 19:30 Sinh hoạt chi bộ tháng 12")
            bot_message("Sinh hoạt chi bộ tháng 12")
            shot("04-scheduled")

            # Time travel to the first reminder (24 hours before).
            before = page.inner_text("#clock")
            page.click("#tools-toggle")
            page.click("#move-reminder")
            page.wait_for_function(
                "before => document.getElementById('clock').textContent !== before", arg=before
            )
            shot("05-clock-moved")
            page.click("#tools-toggle")

            # A member finds the reminder in his private chat, with its buttons, and answers.
            be("official", OFFICIAL_CHAT)
            reminder = bot_message("Sinh hoạt chi bộ tháng 12")
            attend = reminder.locator(".kb button", has_text=vi.gettext("Will attend"))
            reminder.locator(".kb button", has_text=vi.gettext("Request absence")).wait_for()
            shot("06-reminder")
            attend.click()
            page.locator("#toast", has_text=vi.gettext("Recorded: you will attend.")).wait_for()
            shot("07-answered")

            # The secretary sees the answer.
            be("secretary", SECRETARY_CHAT)
            say("/answers 1")
            answers = bot_message("Lê Văn Hùng")
            assert "Lê Văn Hùng" in answers.inner_text()
            page.click("#tools-toggle")
            for step in ("help", "schedule", "remind", "answer", "answers"):
                page.locator(f"#tour li.done[data-step='{step}']").wait_for()
            shot("08-answers-and-tour")

            # The guided /schedule: a button, then a question with a reply box.
            page.click("#tools-toggle")
            say("/schedule")
            kinds = bot_message(vi.gettext("New meeting. What kind of meeting?"))
            kinds.locator(".kb button").first.click()
            page.locator("#replying:not([hidden])").wait_for()
            assert vi.gettext("Reply to") in page.inner_text("#replying")
            later = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=6)).strftime(
                "%d/%m/%Y 20:00"
            )
            say(later)
            page.locator(".msg.mine .quote").last.wait_for()
            page.locator(".kb button", has_text=vi.gettext("{minutes} min", minutes=90)).wait_for()
            assert page.locator("#replying").is_hidden()
            shot("09-reply-box")

            # The group saw the new meeting and the reminder.
            be("deputy", GROUP_CHAT)
            bot_message("Sinh hoạt chi bộ tháng 12")
            page.locator(".day").first.wait_for()
            shot("10-group")

            # The English switch.
            page.click(".lang[data-lang='en']")
            page.locator("#text[placeholder='Message']").wait_for()
            page.click("#tools-toggle")
            page.locator("#tour-title", has_text="Guided tour").wait_for()
            shot("11-english")
        finally:
            browser.close()
    assert problems == []
    assert requested
    assert all(url.startswith(sandbox_url) for url in requested), requested
