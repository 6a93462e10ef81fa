"""Hostile and random input to every meeting command and button: refused in words, nothing
written.

SPEC §5: wrong, missing, oversized or hostile arguments get a short localized message and
nothing is written; no traceback reaches a user; forged, stale or foreign button data is
refused without effect. Arguments are drawn so that they cannot be valid (each strategy says
why, or an oracle skips the rare valid draw), so every example must end in a "⚠️" reply or
alert that renders a catalog message in the user's language, an unchanged database, no
exception escaping a handler and no invalid Bot API call.

The world is the one of test_authorization_meetings.py: cells A and B with a full cast and one
scheduled meeting each (05/12/2026 19:30), each with the target's absence request waiting.
The actors are A's secretary (vi) and deputy (en), so both catalogs are exercised.

One bot per test function serves all of its examples (nothing is written, so they cannot
disturb each other); hypothesis drives a sync test and each example runs on the test's own
event loop (an `asyncio.Runner`), as in test_hostile_input.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain.identity import ChatRef
from bot.domain.messages import AnswerSummons
from bot.errors import BadInput
from bot.i18n import LANGUAGES
from bot.rules import agenda as agenda_rules
from bot.rules import durations
from bot.rules.dates import parse_when
from bot.rules.links import LINK_INVALID, LINK_NOT_WEB, LINK_TOO_LONG, validate_meeting_link
from bot.rules.recurrence import parse_rule
from bot.services.access import REFUSE_NOT_LEADER, REFUSE_NOT_MEMBER
from handlers.telegram import callback_data as cd
from handlers.telegram.common import GENERIC_ERROR
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call
from tests.conftest import NOW, stop_bot
from tests.e2e.test_authorization_meetings import MeetingWorld, build_meeting_world
from tests.e2e.world import (
    HostileHarness,
    alert_text,
    error_msgids,
    identity,
    start_world_bot,
    store_bot_message,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = [
    "x" * 5000,
    "Nguyễn " * 800,
    "\u202eHọp chi bộ\u202c",
    "\u200fمرحبا\u200f",
    "Họp\u200bchi bộ",
    "\u200d\u200c\ufeff",
    "Họp\x00chi bộ",
    "\x00",
    "'; DROP TABLE meetings; --",
    "1; DELETE FROM meetings",
    "1 OR 1=1",
    "<b>bold</b> <a href='x'>",
    "{title} {0} {__class__}",
    "%s %d %(name)s",
    "Họp\nchi bộ",
    "line\r\nbreak",
    "\t\v\f",
    '"unbalanced',
    "\\",
    "🙂🇻🇳👨‍👩‍👧",
    "ｈｏｐ",
    "#",
    "@",
    "-1",
    "0",
    "#0",
    "99999999999999999999",
    "1e3",
    "١٢",  # Arabic-Indic digits
    "²",
    "５",
    "1_0",
    "+1",
]

hostile = st.sampled_from(HOSTILE)
any_text = st.text(max_size=120)
control = st.characters(categories=["Cc", "Cf"]).filter(lambda c: not c.isspace())
words = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệ", min_size=1, max_size=10)


# --- the bot and its examples ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mworld(tmp_path_factory: pytest.TempPathFactory) -> MeetingWorld:
    """Both cells and their meetings built once for the module."""
    return asyncio.run(build_meeting_world(tmp_path_factory.mktemp("meeting-world")))


@dataclass(repr=False)
class Harness(HostileHarness):
    """Cells A and B with a meeting each, as hostile users meet them."""

    mworld: MeetingWorld

    @property
    def a(self) -> int:
        """The id of A's meeting."""
        return self.mworld.meeting_ids["A"]

    @property
    def b(self) -> int:
        """The id of B's meeting."""
        return self.mworld.meeting_ids["B"]

    def open_dialog(self, user: TgUser, chat: TgChat, kind: str, state: dict[str, object]) -> None:
        """Open a dialog for the user in a chat (a write, done before the examples)."""
        services = self.bot.app.bot_data.services
        ref = ChatRef("telegram", str(chat.id), chat.type == "private", chat.title)
        self.run(services.dialogs.save(identity(user), ref, kind, state))


@pytest.fixture
def harness(mworld: MeetingWorld, tmp_path: Path) -> Iterator[Harness]:
    """A bot for all examples of one test."""
    with asyncio.Runner() as runner:
        bot = runner.run(start_world_bot(mworld.world, tmp_path))
        try:
            yield Harness(runner, bot, mworld.world, mworld)
        finally:
            runner.run(stop_bot(bot))


def language(user: TgUser) -> str:
    """The user's language (nobody chose one with /lang in the world)."""
    return user.language_code if user.language_code in LANGUAGES else "vi"


def assert_error_reply(calls: list[Call], user: TgUser, allowed: set[str] | None = None) -> str:
    """Exactly one answer: a "⚠️" message rendering a catalog error in the user's language."""
    assert [c.method for c in calls] == ["sendMessage"], [c.method for c in calls]
    return _assert_error_text(str(calls[0]["text"]), user, allowed)


def assert_error_alert(calls: list[Call], user: TgUser, allowed: set[str] | None = None) -> str:
    """Exactly one answer: an alert rendering a catalog error in the user's language."""
    assert [c.method for c in calls] == ["answerCallbackQuery"], [c.method for c in calls]
    assert calls[0].get("show_alert") is True
    text = alert_text(calls)
    assert text is not None
    return _assert_error_text(text, user, allowed, refusal=True)


def _assert_error_text(
    text: str, user: TgUser, allowed: set[str] | None, *, refusal: bool = False
) -> str:
    assert text.startswith("⚠️"), text
    found = error_msgids(text, language(user))
    assert found, f"not a known message in {language(user)}: {text!r}"
    assert GENERIC_ERROR not in found, text
    if not refusal:
        # Leaders acting in their own cell: the error is about the input, never a refusal.
        assert not found & {REFUSE_NOT_MEMBER, REFUSE_NOT_LEADER}, text
    if allowed is not None:
        assert found & allowed, f"{text!r} is none of {sorted(allowed)}"
    return text


LEADERS = st.sampled_from(["secretary", "deputy"])
NO_SUCH_MEETING = "No such meeting. See the numbers in /meetings."
GIVE_NUMBER = "Give the meeting's number from /meetings."


# --- oracles: what a valid argument would be ---------------------------------------------------


def _raises_bad_input(function: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        function(*args, **kwargs)
    except BadInput:
        return True
    return False


def when_is_invalid(text: str) -> bool:
    """Whether parse_when refuses the text (only BadInput counts: anything else is a bug)."""
    return _raises_bad_input(parse_when, text, now=NOW, tz=TZ)


def names_meeting(word: str, meeting_id: int) -> bool:
    """Whether a typed number names that meeting (ASCII digits, an optional '#')."""
    digits = word.removeprefix("#")
    return digits.isascii() and digits.isdigit() and int(digits) == meeting_id


# --- strategies ---------------------------------------------------------------------------------

garbage_when = st.one_of(hostile, any_text).filter(when_is_invalid)
# Day-first dates that do not exist, times that do not exist, or times already past (NOW is
# 21/11/2026 21:00 in Hanoi) or more than two years ahead.
impossible_when = st.one_of(
    st.builds(
        "{:02d}/{:02d}/2027 19:30".format,
        st.sampled_from([29, 30, 31]),
        st.just(2),
    ),
    st.builds("31/{:02d}/2027 19:30".format, st.sampled_from([4, 6, 9, 11])),
    st.builds("{:02d}/13/2027 19:30".format, st.integers(1, 28)),
    st.builds("00/{:02d}/2027 19:30".format, st.integers(1, 12)),
    st.builds("12/12/2026 {:02d}:{:02d}".format, st.integers(24, 99), st.integers(0, 59)),
    st.builds("12/12/2026 {:02d}:{:02d}".format, st.integers(0, 23), st.integers(60, 99)),
    st.builds("12/12/2026 {}pm".format, st.integers(13, 99)),
)
past_when = st.one_of(
    st.builds(
        "{:02d}/{:02d}/{} 19:30".format,
        st.integers(1, 28),
        st.integers(1, 12),
        st.integers(2000, 2025),
    ),
    st.builds("{:02d}/11/2026 10:00".format, st.integers(1, 21)),
    st.sampled_from(["21/11/2026 20:59", "21/11/2026 08:00", "20/11/2026 23:59"]),
)
too_far_when = st.builds(
    "{:02d}/{:02d}/{} 19:30".format,
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(2029, 9999),
)
bad_when = st.one_of(garbage_when, impossible_when, past_when, too_far_when)

bad_title = st.one_of(
    st.builds(lambda a, c, b: f"{a}{c}{b}", words, control, words),
    st.text(alphabet="Họp chi bộ", min_size=201, max_size=400).filter(
        lambda t: len(" ".join(t.split())) > 200
    ),
    st.sampled_from(["\u202eHọp chi bộ\u202c", "Họp\u200bchi bộ", "Họp\x00chi bộ", "\x7f"]),
)
# Ids of no meeting of A: B's meeting (as invisible as a missing one), zero, negative, huge,
# non-ASCII digits, words.
bad_ids = st.one_of(
    st.sampled_from(["0", "#0", "-1", "-2", "00", "1234567890", "99999999999999999999"]),
    st.sampled_from(["²", "١", "٢", "５", "1e3", "1.0", "0x1", "1_0", "+1", "#", "##1", "one"]),
    st.integers(3, 999_999_999).map(str),
    hostile,
    any_text.filter(lambda t: " " not in t and t.strip() == t),
)


def foreign_or_bad_id(harness: Harness, data: st.DataObject) -> str:
    """A meeting id that is no meeting the user may touch in cell A."""
    word = data.draw(st.one_of(st.just(str(harness.b)), st.just(f"#{harness.b}"), bad_ids))
    assume(word.split() == [word] and not names_meeting(word, harness.a))
    return word


# --- commands ----------------------------------------------------------------------------------

TITLE_ERRORS = {
    "The title can have at most 200 characters.",
    "Write the title on one line, without control or invisible characters.",
}


@EXAMPLES
@given(
    args=st.one_of(
        bad_when,
        st.builds("{} {}".format, bad_when, words),
        # A's meeting is 05/12/2026 19:30-21:30 (Hanoi): these overlap it.
        st.builds("05/12/2026 {} Trùng giờ".format, st.sampled_from(["19:30", "20:00", "21:29"])),
        st.just("12/12/2026 19:30 " + "x" * 400),
    ),
    who=LEADERS,
    private=st.booleans(),
)
def test_schedule_refuses_impossible_times(
    harness: Harness, args: str, who: str, private: bool
) -> None:
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, f"/schedule {args}")
    assert_error_reply(calls, user)


@EXAMPLES
@given(title=bad_title, who=LEADERS, private=st.booleans())
def test_schedule_refuses_titles_with_control_characters_or_too_long(
    harness: Harness, title: str, who: str, private: bool
) -> None:
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, f"/schedule 12/12/2026 19:30 {title}")
    assert_error_reply(calls, user, TITLE_ERRORS)


@EXAMPLES
@given(data=st.data(), who=LEADERS)
def test_move_refuses_bad_times_and_foreign_or_missing_meetings(
    harness: Harness, data: st.DataObject, who: str
) -> None:
    if data.draw(st.booleans(), label="bad time"):
        when = data.draw(
            st.one_of(
                bad_when,
                st.builds("12/12/2026 19:30 {}".format, words),  # only the time may follow
            ).filter(lambda w: w.strip() != "")
        )
        args = f"{harness.a} {when}"
    else:
        args = f"{foreign_or_bad_id(harness, data)} 12/12/2026 19:30"
    user = harness.person(who)
    calls = harness.send(user, harness.private(user), f"/move {args}")
    text = assert_error_reply(calls, user)
    assert "Họp mật Hải đội B" not in text


@EXAMPLES
@given(
    data=st.data(),
    command=st.sampled_from(["meeting", "cancel", "answers", "agenda", "link"]),
    who=LEADERS,
)
def test_commands_naming_a_meeting_refuse_foreign_and_missing_ones(
    harness: Harness, data: st.DataObject, command: str, who: str
) -> None:
    word = foreign_or_bad_id(harness, data)
    user = harness.person(who)
    calls = harness.send(user, harness.private(user), f"/{command} {word}")
    text = assert_error_reply(calls, user, {NO_SUCH_MEETING, GIVE_NUMBER})
    assert "Họp mật Hải đội B" not in text


# The standard regular agenda has 8 items: none of these numbers is one of them.
bad_item_numbers = st.one_of(
    st.sampled_from(["0", "00", "-1", "9", "99", "1000", "0001", "²", "١", "٣", "1.5", "#1", "x"]),
    st.integers(9, 10**12).map(str),
)
agenda_args = st.one_of(
    st.builds(
        "{} {}".format,
        st.one_of(
            st.sampled_from(["bỏ", "xoáx", "ADDX", "add1", "-add", "re move"]),
            words.filter(lambda w: agenda_rules.edit_operation(w) is None),
        ),
        st.sampled_from(["1", "1 2", "x", "1 Nội dung"]),
    ),
    st.builds("remove {}".format, bad_item_numbers),
    st.builds("move {} {}".format, bad_item_numbers, st.sampled_from(["1", "2"])),
    st.builds("move {} {}".format, st.sampled_from(["1", "2"]), bad_item_numbers),
    st.builds("edit {} Nội dung mới".format, bad_item_numbers),
    # the wrong number of words
    st.sampled_from(["add", "remove", "remove 1 2", "move 1", "move 1 2 3", "edit 1", "edit"]),
    # texts that cannot be an item: empty once cleaned, or over 300 characters
    st.sampled_from(["add \x00\x01", "add " + "x" * 301, "edit 1 \x00", "edit 2 " + "y" * 301]),
)


@EXAMPLES
@given(args=agenda_args, who=LEADERS, private=st.booleans())
def test_agenda_refuses_bad_operations_and_numbers(
    harness: Harness, args: str, who: str, private: bool
) -> None:
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, f"/agenda {harness.a} {args}")
    assert_error_reply(calls, user)


LINK_ERRORS = {LINK_TOO_LONG, LINK_NOT_WEB, LINK_INVALID}
bad_links = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)",
            "JavaScript:alert(document.cookie)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "ftp://meet.example.org",
            "tg://resolve?domain=x",
            "https://",
            "http://",
            "https://user:pw@meet.google.com",
            "https://meet.google.com@evil.example",
            "https://meet.jit.si/\u202eabc",
            "https://meet.jit.si/a\u200bb",
            "https://[::1",
            "https://meet.jit.si:99999/x",
            "www.google.com",
            "meet.jit.si/room",
            "//meet.jit.si/room",
            "https://" + "a" * 3000 + ".com",
        ]
    ),
    st.one_of(hostile, any_text).filter(lambda t: len(t.split()) == 1),
).filter(lambda link: _raises_bad_input(validate_meeting_link, link))


@EXAMPLES
@given(link=bad_links, who=LEADERS)
def test_link_refuses_what_is_not_a_web_link(harness: Harness, link: str, who: str) -> None:
    user = harness.person(who)
    calls = harness.send(user, harness.private(user), f"/link {harness.a} {link}")
    text = assert_error_reply(calls, user, LINK_ERRORS)
    assert link not in text  # the refused link is not echoed back


def offsets_are_valid(text: str) -> bool:
    """The /reminders rule: 1-5 distinct values of 0-14 days, as 24h, 90m or 90."""
    values = set()
    for word in text.replace(",", " ").split():
        word = word.lower()
        try:
            minutes = int(word[:-1]) * 60 if word.endswith("h") else int(word.rstrip("m"))
        except ValueError:
            return False
        if not 0 <= minutes <= 14 * 24 * 60:
            return False
        values.add(minutes)
    return 0 < len(values) <= 5


@EXAMPLES
@given(
    args=st.one_of(
        st.sampled_from(["15d", "-1", "20161", "337h", "1w", "abc", "1.5m", "24 h h", "١٥"]),
        st.sampled_from(["0 1 2 3 4 5", "1h 2h 3h 4h 5h 6h", "9" * 5000, "²", "-0h -1"]),
        st.lists(st.integers(-(10**6), 10**6).map(str), min_size=1, max_size=8).map(" ".join),
        hostile,
        any_text,
    ),
    who=LEADERS,
    private=st.booleans(),
)
def test_reminders_refuse_out_of_range_times(
    harness: Harness, args: str, who: str, private: bool
) -> None:
    # Without times, /reminders shows the times in force (test_safe_changes.py).
    assume(args.strip() and not offsets_are_valid(args))
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, f"/reminders {args}")
    assert_error_reply(
        calls,
        user,
        {
            durations.UNREADABLE_OFFSETS,
            durations.NOT_AN_OFFSET,
            durations.OFFSET_TOO_EARLY,
            durations.TOO_MANY_OFFSETS,
        },
    )


@EXAMPLES
@given(
    args=st.one_of(
        hostile,
        any_text,
        st.sampled_from(
            [
                "ngày 32 hằng tháng 19:30",
                "thứ tám 19:30",
                "ngày 5 hằng tháng",
                "ngày 5 hằng tháng 25:00",
                "every 5th 19:30 20:30",
                "ngày 5 hằng tháng 19:30 " + "x" * 100,
            ]
        ),
    ),
    who=LEADERS,
    private=st.booleans(),
)
def test_recurring_refuses_nonsense(harness: Harness, args: str, who: str, private: bool) -> None:
    text = f"/recurring {args}"
    given_args = text.split(maxsplit=1)[1].strip() if len(text.split(maxsplit=1)) > 1 else ""
    # Without a rule, /recurring shows the rule in force (test_safe_changes.py).
    assume(given_args and (len(given_args) > 100 or _raises_bad_input(parse_rule, given_args)))
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, text)
    assert_error_reply(calls, user)


ATTACH_ERRORS = {
    "Reply to a document with /attach N (add 'mat' for confidential).",
    NO_SUCH_MEETING,
    GIVE_NUMBER,
}


@EXAMPLES
@given(data=st.data(), with_document=st.booleans(), who=LEADERS)
def test_attach_refuses_without_a_document_or_a_meeting(
    harness: Harness, data: st.DataObject, with_document: bool, who: str
) -> None:
    if with_document and data.draw(st.booleans(), label="bad meeting"):
        args = foreign_or_bad_id(harness, data)
    elif with_document:
        args = data.draw(
            st.one_of(
                st.just(""),
                st.builds(lambda w: f"{harness.a} {w}", words.filter(lambda w: w != "mat")),
                st.just(f"{harness.a} mat extra"),
            )
        )
    else:
        args = data.draw(st.one_of(st.just(str(harness.a)), st.just(f"{harness.a} mat"), hostile))
    user = harness.person(who)
    chat = harness.private(user)

    async def attaching() -> list[Call]:
        driver = harness.bot.driver
        reply_to = None
        if with_document:
            document = {"file_id": "F1", "file_unique_id": "F1u", "file_name": "a.pdf"}
            reply_to = int(driver._message(user, chat, document=document)["message_id"])
        return await harness.unchanged(
            driver.send(user, chat, f"/attach {args}", reply_to_message_id=reply_to)
        )

    calls = harness.run(attaching())
    assert_error_reply(calls, user, ATTACH_ERRORS)


# --- typed answers to dialogs ------------------------------------------------------------------


@EXAMPLES
@given(
    text=st.one_of(
        bad_when,
        st.builds("12/12/2026 19:30 {}".format, bad_title),
    ),
    who=LEADERS,
)
def test_guided_schedule_refuses_bad_times_and_titles(
    harness: Harness, text: str, who: str
) -> None:
    """The guided /schedule at its "date and time" step: a typed answer is checked like the
    one-line form, before anything is saved."""
    assume(text.strip() != "")
    user = harness.person(who)
    harness.open_dialog(user, harness.group, "schedule", {"step": "when", "type": "regular"})
    asked = store_bot_message(harness.bot, harness.group)
    calls = harness.send(user, harness.group, text, reply_to=asked)
    assert_error_reply(calls, user)


@EXAMPLES
@given(title=bad_title, who=LEADERS)
def test_guided_schedule_refuses_bad_typed_titles(harness: Harness, title: str, who: str) -> None:
    assume(title.strip() != "")
    user = harness.person(who)
    state: dict[str, object] = {
        "step": "title",
        "type": "regular",
        "when": "2026-12-12T12:30:00+00:00",
    }
    harness.open_dialog(user, harness.group, "schedule", state)
    asked = store_bot_message(harness.bot, harness.group)
    calls = harness.send(user, harness.group, title, reply_to=asked)
    assert_error_reply(calls, user, TITLE_ERRORS)


@EXAMPLES
@given(
    reason=st.one_of(
        st.sampled_from(["a", "ab", " ab ", "\x00\x00\x00", "x" * 301, "Ốm\x00nặng"]),
        st.builds(lambda a, c, b: f"{a}{c}{b}", words, control, words),
        st.text(alphabet="Bận việc ", min_size=302, max_size=500).filter(
            lambda t: len(" ".join(t.split())) > 300
        ),
    ),
    who=st.sampled_from(["official", "probationary"]),
)
def test_absence_reasons_must_be_plain_and_short(harness: Harness, reason: str, who: str) -> None:
    assume(reason.strip() != "")
    user = harness.person(who)
    chat = harness.private(user)
    harness.open_dialog(user, chat, "absence", {"meeting": harness.a})
    calls = harness.send(user, chat, reason)
    assert_error_reply(calls, user, {"Write the reason for your absence (3 to 300 characters)."})


# --- buttons -----------------------------------------------------------------------------------

BUTTON_ERRORS = {
    "This button is no longer valid.",
    NO_SUCH_MEETING,
    "This request was already decided.",
    "Only members of this cell can do this.",
    "Only the secretary or deputy secretary of this cell can do this.",
    "You are not summoned to this meeting.",
}


def near_misses(harness: Harness) -> list[str]:
    """Button data one step from real: malformed, of B's meeting, of nobody, of no request."""
    a, b = harness.a, harness.b
    target_a = harness.mworld.target_user_ids["A"]
    target_b = harness.mworld.target_user_ids["B"]
    return [
        f"at:{a}:x",
        f"at:{a}:Y",
        f"at:{a}:y ",
        f"at:{a}:y\n",
        f"at:0{a}:y",
        f"at:{a}",
        f"at::{a}:y",
        f"AT:{a}:y",
        f"at:{b}:y",
        f"at:{b}:n",
        "at:0:y",
        "at:-1:y",
        "at:999999999999:y",
        "at:9999999999999:y",
        f"at:{a}٢:y",
        f"ab:{a}:{target_a}:x",
        f"ab:{a}:{target_a}",
        f"ab:{a}::a",
        f"ab:{a}:0:a",
        f"ab:{a}:-{target_a}:a",
        f"ab:{a}:{target_b}:a",
        f"ab:{a}:999999999999:d",
        f"ab:{b}:{target_b}:a",
        f"ab:{b}:{target_b}:d",
        f"ab:{b}:{target_a}:a",
        f"ab:0:{target_a}:a",
        f"ab:999999999999:{target_a}:a",
        "sd:type:r",
        "sd:type:x",
        "sd:type:",
        "sd:title:d",
        "sd:link:g",
        "sd:link:n",
        "sd:ok",
        "sd:no",
        "sd:",
        "sd:ok:1",
        "sd:OK",
        "sd:type:rr",
    ]


def prefixed_random() -> st.SearchStrategy[str]:
    """Random data after a meetings prefix, that no meeting button has."""
    return st.builds(
        lambda prefix, rest: prefix + rest, st.sampled_from(["at:", "ab:", "sd:"]), any_text
    ).filter(lambda t: len(t.encode()) <= 64 and cd.parse(t) is None)


@EXAMPLES
@given(
    data=st.data(),
    who=st.sampled_from(["secretary", "deputy", "official", "guest", "nonmember", "operator"]),
)
def test_buttons_refuse_forged_foreign_and_stale_data(
    harness: Harness, data: st.DataObject, who: str
) -> None:
    world = harness.mworld.world
    user = {"nonmember": world.nonmember, "operator": world.operator}.get(who) or harness.person(
        who
    )
    chosen = data.draw(st.one_of(st.sampled_from(near_misses(harness)), prefixed_random()))
    # Real buttons the presser may rightly use write (an answer, a decision, a dialog step):
    # nobody has a dialog open, and only A's leaders decide A's target's request.
    parsed = cd.parse(chosen)
    if isinstance(parsed, AnswerSummons) and parsed.meeting_id == harness.a:
        assume(who in ("guest", "nonmember", "operator"))
    for chat in (harness.private(user), harness.group):
        calls = harness.press(user, chat, chosen)
        assert_error_alert(calls, user, BUTTON_ERRORS)


@pytest.mark.parametrize("who", ["official", "deputy"])
def test_a_leaders_decision_on_a_foreign_request_shows_nothing_of_it(
    harness: Harness, who: str
) -> None:
    """A's leaders pressing B's absence decision: as if B's meeting did not exist."""
    user = harness.person(who)
    data = cd.absence(harness.b, harness.mworld.target_user_ids["B"], True)
    calls = harness.press(user, harness.private(user), data)
    text = assert_error_alert(calls, user, {NO_SUCH_MEETING})
    assert "Họp mật Hải đội B" not in text
    for forbidden in (harness.person("target", "B").first_name, "Hải đội"):
        assert forbidden not in text
