"""The commands that run on Zalo as on Telegram, through the real client and the fake
platform: a cell run from Zalo alone, its secretary (a leader) and Ba (a plain member)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.rules.dates import format_when
from tests.e2e.cells_support import t
from tests.e2e.db import rows
from tests.e2e.meetings_support import START_LOCAL, TITLE, TZ
from tests.e2e.zalo_support import BA, SECRETARY, ZALO_TOKEN, ZaloWorld, running, zalo_only_cell
from tests.harness.zalo_server import FakeZalo

LEADERS_ONLY = "⚠️ " + t("vi", "Only the secretary or deputy secretary of this cell can do this.")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ZaloWorld]:
    async for w in running(tmp_path, FakeZalo(token=ZALO_TOKEN)):
        await zalo_only_cell(w)
        yield w


async def scheduled(world: ZaloWorld) -> int:
    await world.said(SECRETARY, f"/schedule {START_LOCAL} {TITLE}")
    (row,) = await rows(world.bot, "SELECT id FROM meetings")
    # The cell has no group: Ba is told privately what a group would read.
    announced = world.platform.texts_to(BA)[-1]
    assert announced.startswith(f"📅 Cuộc họp mới #{row['id']}") and TITLE in announced
    return int(row["id"])


async def test_meeting_answers_move_cancel_link_on_zalo(world: ZaloWorld) -> None:
    meeting_id = await scheduled(world)

    details = await world.said(BA, f"/meeting {meeting_id}")
    assert TITLE in details and t("vi", "Agenda:") in details
    assert await world.said(BA, f"/answers {meeting_id}") == LEADERS_ONLY
    answers = await world.said(SECRETARY, f"/answers {meeting_id}")
    assert answers.startswith(
        t("vi", "Answers for meeting #{id} «{title}»:", id=meeting_id, title=TITLE)
    )
    assert "Ba Nguyễn" in answers

    assert await world.said(BA, f"/move {meeting_id} 06/12/2026 19:30") == LEADERS_ONLY
    moved = await world.says(SECRETARY, f"/move {meeting_id} 06/12/2026 19:30")
    (row,) = await rows(world.bot, "SELECT starts_at FROM meetings")
    assert row["starts_at"] == "2026-12-06T12:30:00+00:00"
    assert moved[-1] == t(
        "vi",
        "Meeting #{id} moved to {when}.",
        id=meeting_id,
        when=format_when(datetime.fromisoformat(row["starts_at"]), TZ, "vi"),
    )
    # Ba, who cannot see a group (there is none), is told privately.
    assert any("06/12/2026" in text for text in world.platform.texts_to(BA)[-2:])

    assert await world.said(BA, f"/link {meeting_id} https://meet.jit.si/chibo") == LEADERS_ONLY
    assert await world.said(SECRETARY, f"/link {meeting_id} https://meet.jit.si/chibo") == t(
        "vi", "Link of meeting #{id}: {link}", id=meeting_id, link="https://meet.jit.si/chibo"
    )

    assert await world.said(BA, f"/cancel {meeting_id}") == LEADERS_ONLY
    asked = await world.said(SECRETARY, f"/cancel {meeting_id}")
    assert t("vi", "Cancel this meeting? The group and the members will be told.") in asked
    assert f"1. {t('vi', '❌ Yes, cancel the meeting')}" in asked
    cancelled = await world.says(SECRETARY, "1")
    assert cancelled[-1] == t("vi", "Meeting #{id} cancelled.", id=meeting_id)
    (row,) = await rows(world.bot, "SELECT status FROM meetings")
    assert row["status"] == "cancelled"

    bad = await world.said(SECRETARY, "/move abc")
    assert bad.startswith("⚠️ " + t("vi", "Give the meeting's number and the new date and time."))


async def test_reminders_agenda_recurring_on_zalo(world: ZaloWorld) -> None:
    meeting_id = await scheduled(world)
    assert await world.said(BA, "/reminders 24h 1h 0") == LEADERS_ONLY
    assert await world.said(SECRETARY, "/reminders 24h 1h 0") == t(
        "vi",
        "Reminders for each meeting: {times}.",
        times="1 ngày và 1 giờ trước và lúc bắt đầu họp",
    )

    assert await world.said(BA, f"/agenda {meeting_id} add Phát biểu") == LEADERS_ONLY
    agenda = await world.said(SECRETARY, f"/agenda {meeting_id} add Phát biểu của đảng viên mới")
    assert agenda.startswith(t("vi", "Agenda of meeting #{id}:", id=meeting_id))
    assert agenda.endswith(". Phát biểu của đảng viên mới")

    assert await world.said(BA, "/recurring ngày 5 hằng tháng 19:30") == LEADERS_ONLY
    rule = await world.said(SECRETARY, "/recurring ngày 5 hằng tháng 19:30")
    assert rule.splitlines()[0].endswith(":") and len(rule.splitlines()) > 1


async def test_kind_role_remove_and_calendar_on_zalo(world: ZaloWorld) -> None:
    roster = await world.said(SECRETARY, "/members")
    number = next(line.split(".")[0] for line in roster.splitlines() if "Ba Nguyễn" in line)
    assert await world.said(BA, f"/kind {number} dự bị") == LEADERS_ONLY
    kind = await world.said(SECRETARY, f"/kind {number} dự bị")
    assert kind.startswith(t("vi", "Updated: {line}", line="")) and "Ba Nguyễn" in kind
    assert await world.said(BA, f"/role {number} phó bí thư") == LEADERS_ONLY
    role = await world.said(SECRETARY, f"/role {number} phó bí thư")
    assert "Ba Nguyễn" in role
    (row,) = await rows(
        world.bot,
        "SELECT kind, role FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE u.external_id = ?",
        BA,
    )
    assert (row["kind"], row["role"]) == ("probationary", "deputy")

    assert await world.said(BA, "/calendar") == t(
        "vi",
        "Zalo cannot carry files, so the calendar file is only on Telegram. The meetings are "
        "in /meetings, each with /meeting N.",
    )
    assert await world.said(SECRETARY, f"/remove {number}") == t(
        "vi", "{name} was removed from the cell.", name="Ba Nguyễn"
    )
    assert (await world.said(SECRETARY, f"/remove {number} x")).startswith(
        "⚠️ " + t("vi", "Give only the member's number.")
    )


async def test_a_zalo_member_answers_from_meeting_n_and_by_typing(world: ZaloWorld) -> None:
    meeting_id = await scheduled(world)
    details = await world.said(BA, f"/meeting {meeting_id}")
    assert "👉 " + t("vi", "You have not answered yet.") in details
    assert re.search(r"^(\d+)\. Sẽ tham dự$", details, re.M), details
    attend = re.search(r"^(\d+)\. Sẽ tham dự$", details, re.M)
    assert attend is not None
    assert await world.said(BA, attend[1]) == t("vi", "Recorded: you will attend.")
    again = await world.said(BA, f"/meeting {meeting_id}")
    assert "👉 " + t("vi", "Your answer: you will attend.") in again
    assert re.search(r"^\d+\. ✅ Sẽ tham dự$", again, re.M), again

    # Typed words asking to be excused: offered for the next meeting, sent with "1".
    offer = await world.said(BA, "em xin phep vang vi di bien")
    assert f"#{meeting_id}" in offer and "em xin phep vang vi di bien" in offer
    send = re.search(r"^(\d+)\. Gửi đơn xin vắng$", offer, re.M)
    assert send is not None, offer
    assert await world.said(BA, send[1]) == t("vi", "Your request was sent to the secretary.")
    request = world.platform.texts_to(SECRETARY)[-1]
    assert "em xin phep vang vi di bien" in request
    (row,) = await rows(world.bot, "SELECT status, reason FROM attendance_replies")
    assert (row["status"], row["reason"]) == ("absence_requested", "em xin phep vang vi di bien")
