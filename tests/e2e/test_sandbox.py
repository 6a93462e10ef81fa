"""The sandbox through its page's HTTP API: the demo cell made through the bot, people acting,
the clock moved forward, reminders answered, documents downloaded, a reset."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.domain.identity import ChatRef
from bot.i18n import translator
from config import Settings
from sandbox.app import run_sandbox
from sandbox.fake_api import UploadedFile
from sandbox.people import GROUP_ID, GROUP_TITLE, PEOPLE
from sandbox.world import Sandbox

DEADLINE_SECONDS = 30.0
vi = translator("vi")
SECRETARY_ID = 900002
OFFICIAL_ID = 900004


@dataclass
class Running:
    """A sandbox served in this event loop, and a client of its page's API."""

    sandbox: Sandbox
    client: httpx.AsyncClient
    task: asyncio.Task[None]

    async def state(self, person: str, chat: int | None = None) -> dict[str, Any]:
        """What the page shows `person`."""
        params: dict[str, Any] = {"person": person}
        if chat is not None:
            params["chat"] = chat
        response = await self.client.get("/api/state", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def post(self, action: str, **body: Any) -> dict[str, Any]:
        """One action of the page; it must be accepted."""
        response = await self.client.post(f"/api/{action}", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def messages(self, person: str, chat: int) -> list[dict[str, Any]]:
        """The messages of one of `person`'s chats."""
        state = await self.state(person)
        return next(c["messages"] for c in state["chats"] if c["id"] == chat)

    async def bot_says(
        self, person: str, chat: int, predicate: Callable[[dict[str, Any]], bool], what: str
    ) -> dict[str, Any]:
        """Wait for a message of the bot in that chat that satisfies `predicate`."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            for message in reversed(await self.messages(person, chat)):
                if message["bot"] and predicate(message):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)


async def start(tmp_path: Path, *, empty: bool = False) -> Running:
    """The sandbox on a free port, with the operator's database path set to a file of tmp_path."""
    lines: list[str] = []
    ready: list[Sandbox] = []
    settings = Settings(database_path=tmp_path / "production.sqlite3")
    task = asyncio.create_task(
        run_sandbox(settings, port=0, empty=empty, announce=lines.append, on_ready=ready.append)
    )
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not ready:
        if task.done():
            task.result()
        assert time.monotonic() < deadline, "the sandbox did not start"
        await asyncio.sleep(0.05)
    url = lines[0].rsplit(" ", 1)[-1]
    assert url.startswith("http://127.0.0.1:")
    client = httpx.AsyncClient(base_url=url, trust_env=False, timeout=DEADLINE_SECONDS)
    return Running(ready[0], client, task)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """The sandbox with its demo cell."""
    sandbox = await start(tmp_path)
    try:
        yield sandbox
    finally:
        await stop(sandbox)
    assert not (tmp_path / "production.sqlite3").exists()


async def stop(running: Running) -> None:
    """Stop the sandbox as Ctrl-C would (no reset asked)."""
    await running.client.aclose()
    running.sandbox.stop_event.set()
    await asyncio.wait_for(running.task, DEADLINE_SECONDS)
    running.sandbox.fake.assert_no_violations()


def has_text(fragment: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate: the message's text contains `fragment`."""
    return lambda message: fragment in message["text"]


async def test_the_demo_cell_is_made_through_the_bot_and_the_page_shows_it(
    running: Running,
) -> None:
    state = await running.state("secretary")
    assert state["ready"] is True
    assert [p["key"] for p in state["people"]] == [p.key for p in PEOPLE]
    assert {p["role"] for p in state["people"]} >= {"Bí thư", "Phó bí thư", "Khách mời"}
    assert [c["id"] for c in state["chats"]] == [GROUP_ID, SECRETARY_ID]
    # The chats start empty: the seeding's messages are not shown.
    assert all(c["messages"] == [] for c in state["chats"])
    assert [s["key"] for s in state["tour"] if s["done"]] == ["newcell", "setup"]

    await running.post("send", person="secretary", chat=GROUP_ID, text="/members")
    roster = await running.bot_says("secretary", GROUP_ID, has_text("Đỗ Hoài Nam"), "/members")
    for person in PEOPLE:
        if person.key not in ("operator", "newcomer"):
            assert person.full_name in roster["text"]
    assert "Đặng Quốc Bảo" not in roster["text"]
    # The group's messages are everyone's: the new person sees the roster too.
    newcomer_view = await running.messages("newcomer", GROUP_ID)
    assert roster["id"] in [m["id"] for m in newcomer_view]


async def test_help_buttons_and_the_language_switch(running: Running) -> None:
    await running.post("send", person="secretary", chat=SECRETARY_ID, text="/help")
    await running.bot_says("secretary", SECRETARY_ID, has_text("/schedule"), "the help")
    state = await running.state("secretary")
    assert "help" in [s["key"] for s in state["tour"] if s["done"]]

    await running.post("send", person="secretary", chat=SECRETARY_ID, text="/lang")
    choice = await running.bot_says(
        "secretary", SECRETARY_ID, lambda m: bool(m["buttons"]), "the language buttons"
    )
    english = next(b for row in choice["buttons"] for b in row if b["data"] == "lg:en")
    await running.post(
        "press", person="secretary", chat=SECRETARY_ID, message=choice["id"], data=english["data"]
    )
    await running.post("send", person="secretary", chat=SECRETARY_ID, text="/help")
    await running.bot_says(
        "secretary", SECRETARY_ID, has_text("what you can do"), "the help in English"
    )

    await running.post("language", language="en")
    state = await running.state("secretary")
    assert state["texts"]["plus_hour"] == "+1 hour"
    assert state["people"][1]["role"] == "Secretary"


async def test_with_the_english_switch_the_group_keeps_the_cells_language(
    running: Running,
) -> None:
    # The people's Telegram now reports English: their private chats are in English, the
    # demo cell's group stays in its language (Vietnamese) until its secretary changes it.
    en = translator("en")
    await running.post("language", language="en")
    await running.post("send", person="official", chat=OFFICIAL_ID, text="/help")
    await running.bot_says(
        "official", OFFICIAL_ID, has_text(en.gettext("What you can do in this chat:")), "help"
    )
    cell = GROUP_TITLE
    await running.post("send", person="official", chat=GROUP_ID, text="/help")
    header = "Cell «{name}». What you can do here:"
    await running.bot_says(
        "official", GROUP_ID, has_text(vi.gettext(header, name=cell)), "the group's help in vi"
    )
    await running.post("send", person="secretary", chat=GROUP_ID, text="/lang en")
    await running.bot_says(
        "secretary",
        GROUP_ID,
        has_text(en.gettext("The bot writes in this group in English.")),
        "the group's language",
    )
    await running.post("send", person="official", chat=GROUP_ID, text="/help")
    await running.bot_says(
        "official", GROUP_ID, has_text(en.gettext(header, name=cell)), "the group's help in en"
    )


async def test_a_button_that_is_not_on_the_message_is_refused(running: Running) -> None:
    await running.post("send", person="official", chat=OFFICIAL_ID, text="/lang")
    choice = await running.bot_says(
        "official", OFFICIAL_ID, lambda m: bool(m["buttons"]), "the language buttons"
    )
    forged = await running.client.post(
        "/api/press",
        json={"person": "official", "chat": OFFICIAL_ID, "message": choice["id"], "data": "x"},
    )
    assert forged.status_code == 400
    other = await running.client.post(
        "/api/send", json={"person": "official", "chat": SECRETARY_ID, "text": "/help"}
    )
    assert other.status_code == 400


async def test_a_reminder_reaches_a_member_when_the_clock_moves_and_the_answer_shows(
    running: Running,
) -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    now = datetime.fromtimestamp((await running.state("secretary"))["now"], tz)
    day = (now + timedelta(days=3)).strftime("%d/%m/%Y")
    await running.post(
        "send",
        person="secretary",
        chat=SECRETARY_ID,
        text=f"/schedule {day} 19:30 Sinh hoạt chi bộ tháng 12",
    )
    await running.bot_says(
        "secretary", SECRETARY_ID, has_text("Sinh hoạt chi bộ tháng 12"), "the scheduling"
    )
    before = (await running.state("official"))["now"]
    await running.post("clock", to="reminder")
    state = await running.state("official")
    # The first reminder is 24 h before the meeting, two days or so from now.
    assert timedelta(days=1) < timedelta(seconds=state["now"] - before) < timedelta(days=3)
    reminder = await running.bot_says(
        "official", OFFICIAL_ID, lambda m: bool(m["buttons"]), "the reminder"
    )
    assert "Sinh hoạt chi bộ tháng 12" in reminder["text"]
    labels = [b["text"] for row in reminder["buttons"] for b in row]
    assert labels == [vi.gettext("Will attend"), vi.gettext("Request absence")]
    assert next(p for p in state["people"] if p["key"] == "official")["unread"] >= 1
    # The guest and the exempted member are not summoned.
    assert not [m for m in await running.messages("guest", 900008) if m["buttons"]]
    assert not [m for m in await running.messages("exempted", 900007) if m["buttons"]]

    attend = next(b for row in reminder["buttons"] for b in row if b["text"] == labels[0])
    await running.post(
        "press", person="official", chat=OFFICIAL_ID, message=reminder["id"], data=attend["data"]
    )
    deadline = time.monotonic() + DEADLINE_SECONDS
    while "answer" not in [
        s["key"] for s in (await running.state("official"))["tour"] if s["done"]
    ]:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)

    await running.post("send", person="secretary", chat=SECRETARY_ID, text="/answers 1")
    answers = await running.bot_says(
        "secretary", SECRETARY_ID, has_text("Lê Văn Hùng"), "the answers"
    )
    attending_line = next(line for line in answers["text"].splitlines() if "Lê Văn Hùng" in line)
    assert "Phạm Thị Hoa" not in attending_line

    await running.post("clock", to="meeting")
    state = await running.state("secretary")
    starts = datetime.strptime(f"{day} 19:30", "%d/%m/%Y %H:%M").replace(tzinfo=tz)
    assert abs(state["now"] - starts.timestamp()) < 5
    done = {s["key"] for s in state["tour"] if s["done"]}
    assert {"schedule", "remind", "answer", "answers"} <= done
    # At the start, the last reminder went to the group.
    group = await running.messages("secretary", GROUP_ID)
    assert sum("Sinh hoạt chi bộ tháng 12" in m["text"] for m in group if m["bot"]) >= 2


async def test_the_calendar_file_downloads_and_nothing_to_move_to_is_said(
    running: Running,
) -> None:
    answer = await running.post("clock", to="reminder")
    assert answer["nothing"] == "no_reminder"
    answer = await running.post("clock", to="meeting")
    assert answer["nothing"] == "no_meeting"

    await running.post("send", person="official", chat=OFFICIAL_ID, text="/calendar")
    message = await running.bot_says(
        "official", OFFICIAL_ID, lambda m: "document" in m, "the calendar file"
    )
    assert message["document"]["name"].endswith(".ics")
    download = await running.client.get(message["document"]["url"])
    assert download.status_code == 200
    assert download.content.startswith(b"BEGIN:VCALENDAR")
    assert "attachment" in download.headers["content-disposition"]
    missing = await running.client.get("/api/files/nothing")
    assert missing.status_code == 404


async def test_reset_restores_the_demo_cell(running: Running) -> None:
    await running.post("send", person="newcomer", chat=GROUP_ID, text="/join")
    await running.bot_says("secretary", SECRETARY_ID, lambda m: bool(m["buttons"]), "the request")
    first_world = running.sandbox.fake
    await running.post("reset")
    deadline = time.monotonic() + DEADLINE_SECONDS
    while running.sandbox.fake is first_world or not (await running.state("secretary"))["ready"]:
        assert time.monotonic() < deadline, "the sandbox did not start again"
        await asyncio.sleep(0.05)
    state = await running.state("secretary")
    assert all(c["messages"] == [] for c in state["chats"])
    assert "join" not in [s["key"] for s in state["tour"] if s["done"]]
    # The new world's bot knows the demo cell again.
    await running.post("send", person="secretary", chat=GROUP_ID, text="/members")
    await running.bot_says("secretary", GROUP_ID, has_text("Trần Văn Minh"), "/members")


async def test_empty_starts_without_the_demo_cell(tmp_path: Path) -> None:
    running = await start(tmp_path, empty=True)
    try:
        state = await running.state("operator")
        assert not [s for s in state["tour"] if s["done"]]
        await running.post("send", person="secretary", chat=GROUP_ID, text="/members")
        # No cell here, and the secretary never opened a private chat: the group is told.
        refusal = await running.bot_says(
            "secretary", GROUP_ID, lambda m: True, "the refusal of /members"
        )
        assert "Nguyễn Thị Lan" not in refusal["text"]
        assert (await running.messages("operator", 900001)) == []
    finally:
        await stop(running)
    assert not (tmp_path / "production.sqlite3").exists()


async def test_a_reply_box_when_the_bot_asks_and_the_answer_goes_on(running: Running) -> None:
    await running.post("send", person="secretary", chat=SECRETARY_ID, text="/schedule")
    kinds = await running.bot_says(
        "secretary", SECRETARY_ID, lambda m: bool(m["buttons"]), "the kinds of meeting"
    )
    assert not kinds["force_reply"]
    first = kinds["buttons"][0][0]
    await running.post(
        "press", person="secretary", chat=SECRETARY_ID, message=kinds["id"], data=first["data"]
    )
    asked = await running.bot_says(
        "secretary", SECRETARY_ID, lambda m: m["force_reply"], "the question with a reply box"
    )
    day = datetime.fromtimestamp(asked["date"], ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=4)
    await running.post(
        "send",
        person="secretary",
        chat=SECRETARY_ID,
        text=day.strftime("%d/%m/%Y 19:30"),
        reply_to=asked["id"],
    )
    mine = [m for m in await running.messages("secretary", SECRETARY_ID) if m["mine"]][-1]
    assert mine["reply_to"]["id"] == asked["id"]
    durations = await running.bot_says(
        "secretary",
        SECRETARY_ID,
        lambda m: any(b["data"].startswith("sd:dur:") for row in m["buttons"] for b in row),
        "the next question (how long)",
    )
    assert durations["id"] > asked["id"]


async def test_protected_content_is_shown_as_such_and_not_offered_for_download(
    running: Running,
) -> None:
    # What the bot sends for a confidential document (`/attach N mat`), as its Notifier does.
    fake = running.sandbox.fake
    status, _ = fake.handle(
        "sendDocument",
        {"chat_id": OFFICIAL_ID, "caption": "Tài liệu mật", "protect_content": True},
        {"document": UploadedFile("nghi-quyet.pdf", b"%PDF-1.4 mat", "application/pdf")},
    )
    assert status == 200
    status, _ = fake.handle(
        "sendDocument",
        {"chat_id": OFFICIAL_ID, "caption": "Tài liệu thường"},
        {"document": UploadedFile("chuong-trinh.pdf", b"%PDF-1.4 open", "application/pdf")},
    )
    assert status == 200
    secret, ordinary = [m for m in await running.messages("official", OFFICIAL_ID) if m["bot"]]
    assert secret["protected"] is True
    assert ordinary["protected"] is False
    assert secret["document"]["name"] == "nghi-quyet.pdf"
    download = await running.client.get(ordinary["document"]["url"])
    assert download.content == b"%PDF-1.4 open"


async def test_the_page_answers_only_its_own_host_and_json_actions(running: Running) -> None:
    rebound = await running.client.get(
        "/api/state", params={"person": "secretary"}, headers={"Host": "evil.example:8765"}
    )
    assert rebound.status_code == 403
    form = await running.client.post(
        "/api/send",
        content=b"person=secretary&chat=900002&text=/help",
        headers={"Content-Type": "text/plain"},
    )
    assert form.status_code == 415
    assert not [m for m in await running.messages("secretary", SECRETARY_ID)]


async def test_recurring_meetings_are_kept_ahead_as_the_clock_moves(running: Running) -> None:
    application = running.sandbox.application
    assert application is not None
    services = application.bot_data.services
    cell = await services.cells.cell_of_chat(ChatRef("telegram", str(GROUP_ID), False))
    assert cell is not None

    async def coming() -> list[datetime]:
        now = running.sandbox.clock.now()
        async with services.store.reading() as uow:
            return [m.starts_at for m in await uow.meetings.of_cell(cell.id, after=now)]

    await running.post(
        "send", person="secretary", chat=SECRETARY_ID, text="/recurring ngày 5 hằng tháng 19:30"
    )
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(await coming()) < 3:
        assert time.monotonic() < deadline, "the rule's meetings were not scheduled"
        await asyncio.sleep(0.05)
    first, second, third = await coming()
    assert first < second < third

    await running.post("clock", to="meeting")
    await running.post("clock", to="day")
    # The first occurrence is past; the upkeep, run as the clock passed its times, keeps three
    # occurrences ahead.
    ahead = await coming()
    assert ahead[:2] == [second, third]
    assert len(ahead) == 3
    assert ahead[2].astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).day == 5


async def test_changes_reach_an_open_page_as_server_sent_events(running: Running) -> None:
    async with running.client.stream("GET", "/api/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        lines = events.aiter_lines()

        async def next_version() -> int:
            while True:
                line = await asyncio.wait_for(anext(lines), DEADLINE_SECONDS)
                if line.startswith("data: "):
                    return int(line.removeprefix("data: "))

        first = await next_version()
        await running.post("send", person="official", chat=OFFICIAL_ID, text="/help")
        assert await next_version() > first
        # The bot's answer is a change too.
        await running.bot_says("official", OFFICIAL_ID, lambda m: True, "the help")
        assert await next_version() > first
    # A page that went away is forgotten.
    deadline = time.monotonic() + DEADLINE_SECONDS
    while running.sandbox.subscribers:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


async def test_a_call_telegram_would_refuse_is_shown_on_the_page(running: Running) -> None:
    status, _ = running.sandbox.fake.handle(
        "sendMessage", {"chat_id": OFFICIAL_ID, "text": "<b>unclosed", "parse_mode": "HTML"}
    )
    assert status == 400
    state = await running.state("official")
    assert len(state["violations"]) == 1
    assert "can't parse entities" in state["violations"][0]
    assert state["texts"]["violation"] == "Bot vừa gửi một yêu cầu mà Telegram sẽ từ chối:"
    running.sandbox.fake.violations.clear()  # made on purpose: not the bot's
