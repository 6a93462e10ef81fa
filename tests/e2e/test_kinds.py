"""Meeting kinds and party usage: the kind from the title and /meetingkind, committee meetings
and committee members, visiting members, confidential documents, names in Vietnamese order."""

from __future__ import annotations

from bot.rules.agenda import default_agenda
from handlers.telegram.meeting_render import MEETINGKIND_EXAMPLE
from sandbox.driver import TgUser
from sandbox.fake_api import Call, JSONDict
from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOTH_LANGUAGES,
    World,
    alerts,
    buttons,
    make_cell,
    only_text,
    person,
    sent,
    t,
)
from tests.e2e.meetings_support import (
    START_LOCAL,
    TITLE,
    fire_reminder,
    messages,
    reminder_ids,
    rows,
    schedule,
    when,
)


async def agenda_keys(bot: Bot, meeting_id: int) -> list[str]:
    """The stored agenda of a meeting, in order."""
    found = await rows(
        bot, "SELECT item FROM agenda_items WHERE meeting_id = ? ORDER BY position", meeting_id
    )
    return [r["item"] for r in found]


def template(kind: str) -> list[str]:
    """A kind's standard agenda as stored."""
    return [i.to_text() for i in default_agenda(kind)]


async def meeting_type(bot: Bot, meeting_id: int) -> str:
    """The stored type of a meeting."""
    (found,) = await rows(bot, "SELECT type FROM meetings WHERE id = ?", meeting_id)
    return str(found["type"])


def private_reminders(calls: list[Call], user_ids: set[int]) -> set[int]:
    """Who among user_ids got a private reminder with answer buttons."""
    return {
        c["chat_id"]
        for c in messages(calls)
        if c["chat_id"] in user_ids and c.get("reply_markup", {}).get("inline_keyboard")
    }


# --- 10. the kind of a meeting -----------------------------------------------------------------


@BOTH_LANGUAGES
async def test_one_line_title_says_the_kind_and_the_agenda_follows(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    cases = [
        ("05/12/2026 19:30", "Sinh hoạt chuyên đề học tập Nghị quyết", "thematic"),
        ("06/12/2026 19:30", "Hop chi uy thang 12", "committee"),
        ("07/12/2026 19:30", "Họp chi uỷ mở rộng", "committee"),
        ("08/12/2026 19:30", "Sinh hoat chi bo bat thuong", "extraordinary"),
        ("09/12/2026 19:30", TITLE, "regular"),
    ]
    labels = {
        "thematic": "thematic meeting",
        "committee": "cell committee meeting",
        "extraordinary": "extraordinary meeting",
        "regular": "regular meeting",
    }
    for number, (at, title, kind) in enumerate(cases, start=1):
        text = await w.reply_in_group(w.secretary, f"/schedule {at} {title}")
        (start,) = await rows(bot, "SELECT starts_at FROM meetings WHERE id = ?", number)
        assert text == t(
            lang,
            "Meeting #{id} ({kind}) scheduled: {title}, {when}. Reminders will be sent before it.",
            id=number,
            kind=t(lang, labels[kind]),
            title=title,
            when=when(lang, start["starts_at"]),
        )
        assert await meeting_type(bot, number) == kind
        assert await agenda_keys(bot, number) == template(kind)
    if lang == "vi":
        assert "(sinh hoạt chuyên đề)" in await w.reply_in_group(w.secretary, "/meetings")
    # /meeting N and /meetings show the kind too.
    shown = await w.reply_in_group(w.secretary, "/meeting 1")
    assert f"({t(lang, 'thematic meeting')})" in shown.splitlines()[0]


@BOTH_LANGUAGES
async def test_meetingkind_changes_the_kind_and_an_unedited_agenda(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    await schedule(w)
    await schedule(w, f"06/12/2026 19:30 {TITLE}")
    word = {"vi": "chuyên đề", "en": "thematic"}[lang]
    text = await w.reply_in_group(w.secretary, f"/meetingkind 1 {word}")
    assert text.splitlines()[0] == t(
        lang,
        "Meeting #{id} «{title}» is now a {kind}.",
        id=1,
        title=TITLE,
        kind=t(lang, "thematic meeting"),
    )
    assert t(lang, "Agenda (the standard one of this kind):") in text
    assert await meeting_type(bot, 1) == "thematic"
    assert await agenda_keys(bot, 1) == template("thematic")

    # An agenda the secretary edited is kept; a committee meeting says who is summoned.
    await w.reply_in_group(w.secretary, "/agenda 2 add Phát biểu của đảng viên mới")
    edited = await agenda_keys(bot, 2)
    text = await w.reply_in_group(w.secretary, "/meetingkind 2 chi-uy")
    assert t(lang, "Agenda kept as edited (change it with /agenda):") in text
    assert (
        t(lang, "Only the cell committee (secretary, deputies, committee members) is summoned.")
        in text
    )
    assert await meeting_type(bot, 2) == "committee"
    assert await agenda_keys(bot, 2) == edited

    # Wrong words and the same kind change nothing.
    wrong = await w.reply_in_group(w.secretary, "/meetingkind 1 hop-mat")
    assert wrong == w.error(
        "Choose regular, thematic, extraordinary or committee.", example=MEETINGKIND_EXAMPLE
    )
    again = await w.reply_in_group(w.secretary, "/meetingkind 1 thematic")
    assert again == w.error(
        "Meeting #{id} is already a {kind}.", id=1, kind=t(lang, "thematic meeting")
    )
    assert await meeting_type(bot, 1) == "thematic"
    assert "/meetingkind" in await w.reply_in_group(w.secretary, "/help")


# --- 11. committee meetings and committee members ----------------------------------------------


async def committee_cell(bot: Bot, lang: str) -> tuple[World, TgUser, TgUser, TgUser]:
    """A cell: secretary (1), a future committee member (2), an official member (3) and a
    probationary member (4)."""
    w = await make_cell(bot, lang)
    committee = person(201, "Minh", "Lê", lang=lang)
    official = person(202, "Hoa", "Phạm", lang=lang)
    probationary = person(203, "Tâm", "Vũ", lang=lang)
    await w.join(committee)
    await w.join(official)
    await w.join(probationary, kind="probationary")
    return w, committee, official, probationary


@BOTH_LANGUAGES
async def test_committee_meeting_summons_only_the_committee(bot: Bot, lang: str) -> None:
    w, committee, official, probationary = await committee_cell(bot, lang)
    word = {"vi": "chi ủy viên", "en": "committee"}[lang]
    text = await w.reply_in_group(w.secretary, f'/role 2 "{word}"')
    assert text.startswith(t(lang, "Updated: {line}", line="2. Lê Minh"))
    assert t(lang, "committee member") in text
    if lang == "vi":
        assert "chi ủy viên" in text
    # A probationary member holds no seat on the committee.
    refused = await w.reply_in_group(w.secretary, "/role 4 committee")
    assert refused == w.error(
        "A probationary member cannot be on the cell committee: {name} is probationary.",
        name="Vũ Tâm",
    )
    roles = await rows(bot, "SELECT number, role FROM memberships ORDER BY number")
    assert [(r["number"], r["role"]) for r in roles] == [
        (1, "secretary"),
        (2, "committee"),
        (3, "member"),
        (4, "member"),
    ]
    # And a committee member cannot become probationary.
    refused = await w.reply_in_group(w.secretary, "/kind 2 probationary")
    assert refused == w.error(
        "{name} is on the cell committee, where a probationary member cannot be: "
        "change the role first (/role {number} member).",
        name="Lê Minh",
        number=2,
    )

    await schedule(w, f"{START_LOCAL} Họp chi ủy tháng 12")
    assert await meeting_type(bot, 1) == "committee"
    everyone = {w.secretary.id, committee.id, official.id, probationary.id}
    calls = await fire_reminder(bot, (await reminder_ids(bot, 1))[1440])
    assert private_reminders(calls, everyone) == {w.secretary.id, committee.id}
    answers = await w.reply_in_group(w.secretary, "/answers 1")
    assert "Lê Minh" in answers and "Phạm Hoa" not in answers and "Vũ Tâm" not in answers
    # An ordinary member sees it but is not summoned: no answer buttons (the committee
    # member has them).
    calls = await w.say(official, "/meeting 1", private=True)
    assert sent(calls, official.id) and buttons(messages(calls)[-1]) == []
    calls = await w.say(committee, "/meeting 1", private=True)
    assert t(lang, "Will attend") in " ".join(buttons(messages(calls)[-1]))
    await schedule(w, f"06/12/2026 19:30 {TITLE}")
    calls = await fire_reminder(bot, (await reminder_ids(bot, 2))[1440])
    assert private_reminders(calls, everyone) == everyone
    # Made a committee meeting later: the group and everyone summoned before are told, and
    # the next reminder reaches the committee alone.
    calls = await w.say(w.secretary, "/meetingkind 2 committee", private=True)

    def notice(language: str) -> str:
        told = t(
            language,
            "📅 Meeting #{id} «{title}» at {when} is now a {kind}.",
            id=2,
            title=TITLE,
            when=when(language, "2026-12-06T12:30:00+00:00"),
            kind=t(language, "cell committee meeting"),
        )
        only = "Only the cell committee (secretary, deputies, committee members) is summoned."
        return f"{told}\n{t(language, only)}"

    for user in (committee, official, probationary):
        assert sent(calls, user.id) == [notice(lang)], user
    # The group reads the cell's language (its secretary set it to the test's in make_cell).
    assert sent(calls, w.group.id) == [notice(lang)]
    calls = await fire_reminder(bot, (await reminder_ids(bot, 2))[60])
    assert private_reminders(calls, everyone) == {w.secretary.id, committee.id}


# --- 12. temporarily elsewhere, and visiting members --------------------------------------------


@BOTH_LANGUAGES
async def test_visiting_member_is_summoned_and_elsewhere_is_not(bot: Bot, lang: str) -> None:
    w, visiting, away, _ = await committee_cell(bot, lang)
    if lang == "vi":
        assert t("vi", "temporarily elsewhere") == "đang sinh hoạt tạm thời ở nơi khác"
        assert t("vi", "visiting (temporarily here)") == "sinh hoạt tạm thời tại chi bộ"
    visiting_word = {"vi": "sinh hoạt tạm thời", "en": "visiting"}[lang]
    away_word = {"vi": "ở nơi khác", "en": "elsewhere"}[lang]
    text = await w.reply_in_group(w.secretary, f"/kind 2 {visiting_word}")
    assert text == t(
        lang,
        "Updated: {line}",
        line=f"2. Lê Minh — {t(lang, 'visiting (temporarily here)')} ✉️",
    )
    text = await w.reply_in_group(w.secretary, f"/kind 3 {away_word}")
    assert text == t(
        lang, "Updated: {line}", line=f"3. Phạm Hoa — {t(lang, 'temporarily elsewhere')} ✉️"
    )
    kinds = await rows(bot, "SELECT number, kind FROM memberships ORDER BY number")
    assert [r["kind"] for r in kinds] == ["official", "visiting", "elsewhere", "probationary"]
    await schedule(w)
    calls = await fire_reminder(bot, (await reminder_ids(bot, 1))[1440])
    assert private_reminders(calls, {visiting.id, away.id}) == {visiting.id}
    # The visiting member answers like any summoned member.
    calls = await w.d.press(visiting, w.private(visiting), t(lang, "Will attend"))
    (answer,) = await rows(bot, "SELECT status FROM attendance_replies")
    assert answer["status"] == "will_attend"
    # The member card offers the new kind as a button.
    calls = await w.say(w.secretary, "/members", private=True)
    calls = await w.d.press(w.secretary, w.private(w.secretary), "2. Lê Minh")
    labels = buttons(messages(calls, "editMessageText")[-1])
    assert "• " + t(lang, "visiting (temporarily here)") in labels
    assert t(lang, "committee member") in labels


# --- 13. confidential documents ----------------------------------------------------------------


def post_document(
    w: World, user: TgUser, file_id: str, name: str, *, private: bool = False
) -> JSONDict:
    """A document posted by a user in the group (or privately); the stored message."""
    chat = w.private(user) if private else w.group
    return w.d._message(
        user,
        chat,
        document={"file_id": file_id, "file_unique_id": file_id + "u", "file_name": name},
    )


@BOTH_LANGUAGES
async def test_confidential_document_in_a_group_is_refused_and_deleted(
    bot: Bot, lang: str
) -> None:
    w = await make_cell(bot, lang)
    member = person(201, "Minh", "Lê", lang=lang)
    await w.join(member)
    await schedule(w)
    # A member who may not attach cannot get the bot to delete anything.
    posted = post_document(w, member, "SEC0", "bien-ban.pdf")
    calls = await w.d.send(
        member, w.group, "/attach 1 mat", reply_to_message_id=posted["message_id"]
    )
    assert not [c for c in calls if c.method == "deleteMessage"]
    assert bot.fake.message(w.group.id, posted["message_id"]) is not None

    posted = post_document(w, w.secretary, "SEC1", "nghi-quyet-mat.pdf")
    calls = await w.d.send(
        w.secretary, w.group, "/attach 1 mat", reply_to_message_id=posted["message_id"]
    )
    deleted = [c for c in calls if c.method == "deleteMessage" and c.ok]
    assert [(c["chat_id"], c["message_id"]) for c in deleted] == [
        (w.group.id, posted["message_id"])
    ]
    refusal = only_text(calls, w.secretary.id)
    assert refusal == w.error(
        "Confidential documents are attached only in your private chat with the bot: send "
        "the file there with /attach {id} mat. The file posted here was deleted.",
        id=1,
    )
    if lang == "vi":
        assert "tin nhắn riêng với bot" in refusal
    assert sent(calls, w.group.id) == []
    assert await rows(bot, "SELECT id FROM documents") == []


@BOTH_LANGUAGES
async def test_members_fetch_documents_from_meeting(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    member = person(201, "Minh", "Lê", lang=lang)
    guest = person(202, "Hoa", "Phạm", lang=lang)
    await w.join(member)
    await w.join(guest)
    await w.reply_in_group(w.secretary, "/role 3 guest")
    await schedule(w)
    public = post_document(w, w.secretary, "PUB1", "chuong-trinh.pdf")
    await w.d.send(w.secretary, w.group, "/attach 1", reply_to_message_id=public["message_id"])
    secret = post_document(w, w.secretary, "SEC1", "mat.pdf", private=True)
    calls = await w.d.send(
        w.secretary,
        w.private(w.secretary),
        "/attach 1 mat",
        reply_to_message_id=secret["message_id"],
    )
    assert "mat.pdf" in only_text(calls, w.secretary.id)

    calls = await w.say(member, "/meeting 1", private=True)
    shown = messages(calls)[-1]
    # Under the answer buttons of a summoned member, a button per document.
    assert buttons(shown)[-2:] == ["📄 chuong-trinh.pdf", "🔒 mat.pdf"]
    calls = await w.d.press(member, w.private(member), "🔒 mat.pdf")
    (doc,) = messages(calls, "sendDocument")
    assert (doc["chat_id"], doc["document"], doc.get("protect_content")) == (
        member.id,
        "SEC1",
        True,
    )
    # Pressed in the group, the document still goes privately.
    await w.say(member, "/meeting 1")
    calls = await w.d.press(member, w.group, "📄 chuong-trinh.pdf")
    (doc,) = messages(calls, "sendDocument")
    assert (doc["chat_id"], doc["document"], doc.get("protect_content")) == (
        member.id,
        "PUB1",
        False,
    )
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert answer.get("text") == t(lang, "Sent to your private chat with the bot.")
    # A guest sees the meeting but gets no confidential document.
    await w.say(guest, "/meeting 1", private=True)
    calls = await w.d.press(guest, w.private(guest), "🔒 mat.pdf")
    assert messages(calls, "sendDocument") == []
    assert alerts(calls) == [w.error("Confidential documents go only to members of the cell.")]


# --- 14. names ----------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_names_in_vietnamese_order_and_corrected_by_a_leader(bot: Bot, lang: str) -> None:
    w = await make_cell(bot, lang)
    western = person(201, "An", "Nguyễn Văn", lang=lang)
    already = person(202, "Nguyễn Thị", "Hoa", lang=lang)
    single = person(203, "cuong", lang=lang)
    await w.start(western)
    calls = await w.say(western, "/join")
    request = only_text(calls, w.secretary.id)
    assert request.startswith("Nguyễn Văn An ")
    await w.d.press(w.secretary, w.private(w.secretary), t(lang, "✅ Approve: official"))
    await w.join(already)
    await w.join(single)
    roster = await w.reply_in_group(w.secretary, "/members")
    assert "2. Nguyễn Văn An — " in roster
    assert "3. Nguyễn Thị Hoa — " in roster

    # A member records their name; it is written as party records write it.
    text = await w.reply_in_private(western, "/name nguyễn văn AN")
    assert text == t(lang, "Your name is recorded as: {name}", name="Nguyễn Văn An")
    # The recorded name greets them.
    hello = await w.reply_in_private(single, "/start")
    assert "cuong" in hello
    await w.reply_in_private(single, "/name lê văn cƯỜNG")
    hello = await w.reply_in_private(single, "/start")
    assert hello.startswith(
        t(
            lang,
            "Hello {name}! I am cellmeet: I schedule your cell's online meetings, send "
            "reminders and record who will attend and who asks to be excused.",
            name="Lê Văn Cường",
        )
    )

    # A leader corrects a member's name; a member cannot.
    refused = await w.reply_in_group(already, "/name 2 Trần Văn Bình")
    assert refused == w.error("Only the secretary or deputy secretary of this cell can do this.")
    text = await w.reply_in_group(w.secretary, "/name 3 nguyễn thị HOA")
    assert text == t(
        lang, "Member {number}'s name is recorded as: {name}", number=3, name="Nguyễn Thị Hoa"
    )
    text = await w.reply_in_group(w.secretary, "/name 4 Lê Văn Cường")
    names = await rows(bot, "SELECT full_name FROM users ORDER BY id")
    assert [r["full_name"] for r in names] == [
        None,
        "Nguyễn Văn An",
        "Nguyễn Thị Hoa",
        "Lê Văn Cường",
    ]
    roster = await w.reply_in_group(w.secretary, "/members")
    assert "4. Lê Văn Cường — " in roster
    wrong = await w.reply_in_group(w.secretary, "/name 9 Lê Văn Cường")
    assert wrong.startswith(
        "⚠️ " + t(lang, "No such member in this cell. See the numbers in /members.")
    )
