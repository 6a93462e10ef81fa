"""The guided /schedule dialog's manners (issue 10, items 18-19): it can be abandoned at any step
with /cancel or "hủy", stray group text is not taken as an answer, someone else's press is told
whose dialog it is, and a photo sent with /attach is told to come as a file."""

from __future__ import annotations

from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOTH_LANGUAGES,
    alerts,
    answer_to,
    make_cell,
    person,
    sent,
    t,
)
from tests.e2e.db import rows
from tests.e2e.meetings_support import START_LOCAL, add_members, messages, schedule

ASK_DATE = "Date and time? Reply with dd/mm/yyyy HH:MM, e.g. 05/12/2026 19:30."


async def dialogs(bot: Bot) -> list[str]:
    return [str(r[0]) for r in await rows(bot, "SELECT kind FROM dialogs")]


@BOTH_LANGUAGES
async def test_the_dialog_is_abandoned_by_typing_huy_or_sending_cancel(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    await w.say(w.secretary, "/schedule")
    calls = await w.d.press(w.secretary, w.group, t(lang, "regular meeting"))
    ask = messages(calls)[-1]
    calls = await w.d.send(
        w.secretary, w.group, "hủy", reply_to_message_id=ask.response["result"]["message_id"]
    )
    assert answer_to(calls, w.group.id, w.secretary.id) == t(
        lang, "Cancelled; nothing was scheduled."
    )
    assert await dialogs(bot) == []

    # /cancel alone closes the dialog; no meeting is touched (there is one).
    await schedule(w)
    await w.say(w.secretary, "/schedule")
    text = await w.reply_in_group(w.secretary, "/cancel")
    assert text == t(lang, "Cancelled; nothing was scheduled.")
    assert await dialogs(bot) == []
    statuses = [r[0] for r in await rows(bot, "SELECT status FROM meetings")]
    assert statuses == ["scheduled"]
    # Without a dialog, /cancel alone still asks for the meeting's number.
    assert (await w.reply_in_group(w.secretary, "/cancel")).startswith("⚠️ ")


@BOTH_LANGUAGES
async def test_stray_group_text_is_no_answer_and_others_are_told_whose_dialog_it_is(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    minh, _hoa = await add_members(w, lang)
    bot.fake.privacy_mode = False  # the bot reads every group message
    await w.say(w.secretary, "/schedule")
    calls = await w.d.press(w.secretary, w.group, t(lang, "regular meeting"))
    assert messages(calls)[-1]["text"].endswith(t(lang, ASK_DATE))
    # The secretary chats in the group without replying to the question: not an answer.
    calls = await w.d.send(w.secretary, w.group, START_LOCAL)
    assert sent(calls) == []
    state = await rows(bot, "SELECT state FROM dialogs")
    assert '"step": "when"' in str(state[0][0])

    # Another member presses the secretary's dialog buttons: told whose it is; nothing moves.
    await w.say(w.secretary, "/schedule")
    calls = await w.d.press(minh, w.group, t(lang, "thematic meeting"))
    assert alerts(calls) == [
        "⚠️ " + t(lang, "This is the dialog of the secretary who started /schedule.")
    ]
    assert len(await rows(bot, "SELECT kind FROM dialogs")) == 1


@BOTH_LANGUAGES
async def test_a_photo_sent_with_attach_is_told_to_come_as_a_file(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    await schedule(w)
    photo = [{"file_id": "PH1", "file_unique_id": "PH1u", "width": 800, "height": 600}]
    sent_photo = w.d._message(w.secretary, w.private(w.secretary), photo=photo)
    calls = await w.d.send(
        w.secretary,
        w.private(w.secretary),
        "/attach 1",
        reply_to_message_id=sent_photo["message_id"],
    )
    (told,) = sent(calls, w.secretary.id)
    assert told.startswith(
        "⚠️ "
        + t(
            lang,
            "This is a photo: send the document as a file (📎 → File), then reply to it "
            "with /attach N.",
        )
    )
    assert await rows(bot, "SELECT id FROM documents") == []


async def test_a_stranger_cannot_abandon_the_secretarys_dialog(bot: Bot) -> None:
    w = await make_cell(bot, "vi")
    await w.say(w.secretary, "/schedule")
    stranger = person(555, "Khách", lang="vi")
    await w.d.send(stranger, w.group, "/cancel")
    assert await dialogs(bot) == ["schedule"]
