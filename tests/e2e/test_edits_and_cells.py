"""Edited messages never run a command twice; a command in a group acts on that group's cell
only (issue 2, item 7)."""

from __future__ import annotations

import copy

from sandbox.fake_api import Call
from tests.conftest import Bot
from tests.e2e.cells_support import BOTH_LANGUAGES, answer_to, make_cell, sent, t
from tests.e2e.meetings_support import START_LOCAL, TITLE, rows, schedule

NO_SUCH_MEETING = "No such meeting. See the numbers in /meetings."
EDIT_HINT = "Editing a message does not run a command again: send the command as a new message."


@BOTH_LANGUAGES
async def test_an_edited_schedule_creates_no_second_meeting(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    update = w.d.message_update(w.secretary, w.group, f"/schedule {START_LOCAL} {TITLE}")
    await w.d.deliver(update)
    edited = copy.deepcopy(update["message"])
    edited["text"] = f"/schedule {START_LOCAL} {TITLE} (sửa)"
    edited["edit_date"] = edited["date"] + 60
    calls = await w.d.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    # The edit amends the meeting the message made (tests/e2e/test_safe_changes.py).
    assert [tuple(r) for r in await rows(bot, "SELECT count(*), max(title) FROM meetings")] == [
        (1, f"{TITLE} (sửa)")
    ]
    assert t(lang, EDIT_HINT) not in sent(calls, w.group.id)


@BOTH_LANGUAGES
async def test_an_edited_schedule_that_made_no_meeting_is_not_run(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    update = w.d.message_update(w.secretary, w.group, f"/schedule 01/11/2026 19:30 {TITLE}")
    await w.d.deliver(update)
    edited = copy.deepcopy(update["message"])
    edited["text"] = f"/schedule {START_LOCAL} {TITLE}"
    edited["edit_date"] = edited["date"] + 60
    calls = await w.d.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    assert [r[0] for r in await rows(bot, "SELECT count(*) FROM meetings")] == [0]
    assert sent(calls, w.group.id) == [t(lang, EDIT_HINT)]


async def test_an_edited_answer_in_private_is_not_run_either(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    update = w.d.message_update(w.secretary, w.private(w.secretary), "/invite 5 3")
    await w.d.deliver(update)
    edited = copy.deepcopy(update["message"])
    edited["edit_date"] = edited["date"] + 5
    calls = await w.d.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    assert [r[0] for r in await rows(bot, "SELECT count(*) FROM invites")] == [1]
    assert sent(calls, w.secretary.id) == [t("en", EDIT_HINT)]


async def test_another_bots_edited_command_in_a_group_gets_no_answer(bot: Bot) -> None:
    w = await make_cell(bot, "en")
    bot.fake.privacy_mode = False
    update = w.d.message_update(w.secretary, w.group, "/weather Hanoi")
    edited = copy.deepcopy(update["message"])
    edited["edit_date"] = edited["date"] + 5
    calls = await w.d.deliver({"update_id": bot.fake.next_update_id(), "edited_message": edited})
    assert calls == []


@BOTH_LANGUAGES
async def test_a_group_never_shows_or_changes_another_cells_meeting(bot: Bot, lang: str) -> None:
    a = await make_cell(bot, lang)
    # The same secretary leads a second cell, in another group.
    b = await make_cell(bot, lang, secretary=a.secretary, group_id=-1002, name="Chi bộ 2")
    meeting = await schedule(b)
    await b.say(b.secretary, f"/link {meeting} https://meet.jit.si/ChiBo2SecretRoom")
    not_found = a.error(NO_SUCH_MEETING, example="/meetings")
    calls: list[Call] = []
    for command in (
        f"/meeting {meeting}",
        f"/agenda {meeting}",
        f"/agenda {meeting} add Mục mới",
        f"/answers {meeting}",
        f"/link {meeting}",
        f"/move {meeting} 06/12/2026 19:30",
        f"/cancel {meeting}",
    ):
        said = await a.say(a.secretary, command)
        # Refused as unknown; the refusal goes privately to a sender the bot can reach.
        assert answer_to(said, a.group.id, a.secretary.id) == not_found, command
        calls += said
    document = a.d._message(
        a.secretary,
        a.group,
        document={"file_id": "DOC1", "file_unique_id": "DOC1u", "file_name": "nq.pdf"},
    )
    calls += await a.d.send(
        a.secretary, a.group, f"/attach {meeting}", reply_to_message_id=document["message_id"]
    )
    in_group_a = " ".join(sent(calls, a.group.id))
    assert TITLE not in in_group_a and "ChiBo2SecretRoom" not in in_group_a
    (state,) = await rows(
        bot, "SELECT status, starts_at, link FROM meetings WHERE id = ?", meeting
    )
    assert state["status"] == "scheduled" and state["link"].endswith("ChiBo2SecretRoom")
    assert await rows(bot, "SELECT * FROM documents") == []
    # In the group of its own cell, and in private, the meeting is there.
    assert TITLE in await b.reply_in_group(b.secretary, f"/meeting {meeting}")
    assert TITLE in await a.reply_in_private(a.secretary, f"/meeting {meeting}")
