"""Hostile and random input to every command and button: refused in words, nothing written.

SPEC §5: wrong, missing, oversized or hostile arguments get a short localized message and
nothing is written; no traceback reaches a user; forged, stale or foreign button data is
refused without effect. Arguments are drawn so that they cannot be valid (each test says how),
so every example must end in a "⚠️" reply or alert that renders a catalog message in the
user's language, an unchanged database, no exception escaping a handler and no invalid Bot API
call.

One bot per test function serves all of its examples (nothing is written, so they cannot
disturb each other); hypothesis drives a sync test and each example runs on the test's own
event loop (an `asyncio.Runner`).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.domain.cells import KIND_WORDS, ROLE_WORDS, Kind, Role, parse_kind, parse_role
from bot.domain.identity import ChatRef
from bot.domain.messages import AnswerSummons, DecideAbsence, DecideJoin
from bot.i18n import LANGUAGES
from bot.rules.names import vietnamese_order
from bot.services.cells import normalize_setup_code
from bot.services.members import parse_member_ref
from handlers.telegram import callback_data as cd
from sandbox.driver import TgChat, TgUser
from sandbox.fake_api import Call
from tests.conftest import stop_bot
from tests.e2e.world import (
    FRESH_GROUP_ID,
    FRESH_GROUP_TITLE,
    HostileHarness,
    World,
    alert_text,
    build_world,
    error_msgids,
    identity,
    outgoing_texts,
    start_world_bot,
    store_bot_message,
    tr_text,
)

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = [
    "x" * 5000,
    "Nguyễn " * 800,
    "\u202eNguyễn Văn An\u202c",  # right-to-left override
    "\u200fمرحبا\u200f",  # right-to-left marks
    "Nguyễn\u200bVăn",  # zero-width space
    "\u200d\u200c\ufeff",
    "Nguyễn\x00Văn",
    "\x00",
    "'; DROP TABLE cells; --",
    "1; DELETE FROM memberships",
    "1 OR 1=1",
    "<b>bold</b> <a href='x'>",
    "&lt;&amp;",
    "{name}",
    "{0} {} {__class__}",
    "%s %d %(name)s",
    "Nguyễn\nVăn",
    "line\r\nbreak",
    "\t\v\f",
    '"unbalanced',
    "it's",
    "\\",
    "🙂🇻🇳👨‍👩‍👧",
    "ｎｇｕｙｅｎ",
    "\U0001f600" * 50,
    "#",
    "@",
    "@" + "a" * 40,
    "-1",
    "0",
    "99999999999999999999",
    "1e3",
    "١٢",  # Arabic-Indic digits
    "²",
    "５",
]

hostile = st.sampled_from(HOSTILE)
any_text = st.text(max_size=120)
control = st.characters(categories=["Cc", "Cf"])
letters = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệ", min_size=1, max_size=12)
emoji = st.sampled_from(["🙂", "🇻🇳", "⭐", "🔥", "👍🏽", "❤️", "🎉"])


# --- the bot and its examples ------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Both cells built once for the module."""
    return asyncio.run(build_world(tmp_path_factory.mktemp("world")))


@dataclass(repr=False)
class Harness(HostileHarness):
    """The world of cells A and B, as hostile users meet it."""

    def membership_id(self, role: str, cell: str = "A") -> int:
        """A cast member's membership id."""
        return self.world.cells[cell].people[role].membership_id

    @property
    def fresh_group(self) -> TgChat:
        """A group that is no cell."""
        return TgChat(FRESH_GROUP_ID, "group", FRESH_GROUP_TITLE)


@pytest.fixture
def harness(world: World, tmp_path: Path) -> Iterator[Harness]:
    """A bot for all examples of one test."""
    with asyncio.Runner() as runner:
        bot = runner.run(start_world_bot(world, tmp_path))
        try:
            yield Harness(runner, bot, world)
        finally:
            runner.run(stop_bot(bot))


def language(user: TgUser) -> str:
    """The user's language (nobody chose one with /lang in the world)."""
    return user.language_code if user.language_code in LANGUAGES else "vi"


def assert_error_reply(calls: list[Call], user: TgUser, allowed: set[str] | None = None) -> str:
    """Exactly one answer: a "⚠️" message rendering a catalog error in the user's language."""
    sent = [c for c in calls if c.method == "sendMessage"]
    assert [c.method for c in calls] == ["sendMessage"], [c.method for c in calls]
    text = str(sent[0]["text"])
    return _assert_error_text(text, user, allowed)


def assert_error_alert(calls: list[Call], user: TgUser, allowed: set[str] | None = None) -> str:
    """Exactly one answer: an alert rendering a catalog error in the user's language."""
    assert [c.method for c in calls] == ["answerCallbackQuery"], [c.method for c in calls]
    assert calls[0].get("show_alert") is True
    text = alert_text(calls)
    assert text is not None
    return _assert_error_text(text, user, allowed)


def _assert_error_text(text: str, user: TgUser, allowed: set[str] | None) -> str:
    assert text.startswith("⚠️"), text
    found = error_msgids(text, language(user))
    assert found, f"not a known message in {language(user)}: {text!r}"
    if allowed is not None:
        assert found & allowed, f"{text!r} is none of {sorted(allowed)}"
    return text


# --- argument oracles: what a valid argument would be --------------------------------------------


def assume_invalid(condition: bool) -> None:
    """Skip an example whose arguments happen to be valid (they would rightly write)."""
    assume(condition)


def args_of(text: str) -> str:
    """The arguments as the bot reads them: after the command word, stripped."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def words_of(args: str) -> list[str]:
    """Words as the member commands split them (quotes group words)."""
    try:
        return shlex.split(args)
    except ValueError:
        return args.split()


ACTIVE = ("secretary", "deputy", "official", "probationary", "guest", "target")


def resolves(world: World, word: str) -> str | None:
    """The role of the active member of A a typed reference names, if any."""
    ref = parse_member_ref(word)
    if ref is None:
        return None
    for role in ACTIVE:
        person = world.cells["A"].people[role]
        if ref.number == person.number:
            return role
        username = person.user.username
        if ref.username and username and ref.username.lower() == username.lower():
            return role
    return None


def member_change_is_valid(world: World, command: str, args: str, actor_role: str) -> bool:
    """Whether /kind, /role or /remove with these arguments would change someone."""
    words = words_of(args)
    target = resolves(world, words[0]) if words else None
    if target is None:
        return False
    rest = " ".join(words[1:])
    if command == "kind":
        return bool(rest) and parse_kind(rest) is not None
    if target == "secretary":
        return False
    if command == "role":
        return bool(rest) and parse_role(rest) is not None
    return not rest and target != actor_role


def invite_is_valid(args: str) -> bool:
    """Whether /invite would create an invite: up to two ASCII numbers, uses 1-100, days 1-30."""
    numbers = args.split()
    if len(numbers) > 2 or not all(re.fullmatch(r"[0-9]{1,4}", n) for n in numbers):
        return False
    values = [int(n) for n in numbers] + [10, 7][len(numbers) :]
    return 1 <= values[0] <= 100 and 1 <= values[1] <= 30


# --- commands ----------------------------------------------------------------------------------

NAME_ERROR = "Please give your full name as in party records (letters only, up to 100)."

invalid_names = st.one_of(
    # Full-width letters ("ｎｇｕｙｅｎ") are letters: a name, if an odd one.
    st.sampled_from([h for h in HOSTILE if not h.isalpha()]),
    st.builds(lambda a, c, b: f"{a}{c}{b}", letters, control, letters),
    st.from_regex(r"[0-9 ]*[0-9][0-9 ]*", fullmatch=True),
    st.text(alphabet="abcđươạ", min_size=101, max_size=400),
    st.lists(emoji, min_size=1, max_size=20).map("".join),
    st.builds(lambda a, s: f"{a}{s}", letters, st.sampled_from(list("<>{}%;=_/\\0123456789"))),
)


@EXAMPLES
@given(name=invalid_names, who=st.sampled_from(["secretary", "probationary", "guest"]))
def test_name_refuses_what_is_not_a_name(harness: Harness, name: str, who: str) -> None:
    user = harness.person(who)
    for chat in (harness.private(user), harness.group):
        calls = harness.send(user, chat, f"/name {name}")
        assert_error_reply(calls, user, {NAME_ERROR})


KIND_ERRORS = {
    "Name the member by their number in /members (or reply to their message).",
    "Choose official, probationary, exempted, elsewhere or visiting.",
    "No such member in this cell. See the numbers in /members.",
    "{name} is on the cell committee, where a probationary member cannot be: change the role "
    "first (/role {number} member).",
}
ROLE_ERRORS = {
    "Name the member by their number in /members (or reply to their message).",
    "Choose deputy, committee, member or guest.",
    "No such member in this cell. See the numbers in /members.",
    "The secretary's role cannot be changed or removed here.",
    "A probationary member cannot be on the cell committee: {name} is probationary.",
}
REMOVE_ERRORS = {
    "Name the member by their number in /members (or reply to their message).",
    "Give only the member's number.",
    "No such member in this cell. See the numbers in /members.",
    "The secretary's role cannot be changed or removed here.",
    "You cannot remove yourself.",
}

member_refs = st.one_of(
    st.sampled_from(["1", "2", "3", "#4", "6", "@tam_hoang", "@LAN_TRAN"]),  # real members
    st.sampled_from(["7", "8", "#0", "0", "-1", "1234567", "@son_ngo", "@phuc_mac", "@nobody"]),
    st.integers(9, 999_999).map(str),
    hostile,
    any_text,
)
kind_words = st.one_of(
    st.sampled_from([w for words in KIND_WORDS.values() for w in words]),
    st.sampled_from(["chính thức", "Dự bị", "miễn sinh hoạt", "secretary"]),
    hostile,
    any_text,
)
role_words = st.one_of(
    st.sampled_from([w for words in ROLE_WORDS.values() for w in words]),
    st.sampled_from(["phó bí thư", "secretary", "bí thư", "Khách mời"]),
    hostile,
    any_text,
)


@EXAMPLES
@given(
    command=st.sampled_from(["kind", "role", "remove"]),
    ref=member_refs,
    word=st.one_of(kind_words, role_words, st.just("")),
    who=st.sampled_from(["secretary", "deputy"]),
    private=st.booleans(),
)
def test_member_commands_refuse_what_names_no_change(
    harness: Harness, command: str, ref: str, word: str, who: str, private: bool
) -> None:
    text = f"/{command} {ref} {word}"
    args = args_of(text)
    assume_invalid(not member_change_is_valid(harness.world, command, args, who))
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, text)
    errors = {"kind": KIND_ERRORS, "role": ROLE_ERRORS, "remove": REMOVE_ERRORS}[command]
    assert_error_reply(calls, user, errors)


@EXAMPLES
@given(
    author=st.sampled_from(["nonmember", "B", "former", "applicant", "bot"]),
    command=st.sampled_from(["/kind probationary", "/role guest", "/remove", "/kind 3 dự bị"]),
    who=st.sampled_from(["secretary", "deputy"]),
)
def test_member_commands_refuse_replies_to_non_members(
    harness: Harness, author: str, command: str, who: str
) -> None:
    """Naming a member by replying to their message: only active members of this cell count."""
    # Replying to the bot names nobody: the words count, and "3 dự bị" is then valid.
    assume_invalid(not (author == "bot" and command == "/kind 3 dự bị"))
    group = harness.group
    if author == "bot":
        replied = store_bot_message(harness.bot, group)
    else:
        writer = {
            "nonmember": harness.world.nonmember,
            "B": harness.person("target", "B"),
        }.get(author) or harness.person(author)
        update = harness.bot.driver.message_update(writer, group, "Xin chào các đồng chí")
        replied = int(update["message"]["message_id"])
    user = harness.person(who)

    async def replying() -> list[Call]:
        return await harness.bot.driver.send(user, group, command, reply_to_message_id=replied)

    calls = harness.run(harness.unchanged(replying()))
    allowed = {
        "No such member in this cell. See the numbers in /members.",
        "Name the member by their number in /members (or reply to their message).",
        "Choose official, probationary, exempted, elsewhere or visiting.",
        "Choose deputy, committee, member or guest.",
    }
    if author != "bot" and command != "/kind 3 dự bị":
        allowed = {"No such member in this cell. See the numbers in /members."}
    assert_error_reply(calls, user, allowed)


SETUP_ERRORS = {
    "This setup code is wrong, used or expired. Ask your operator.",
    "Give the setup code you received from your operator.",
}


@EXAMPLES
@given(
    code=st.one_of(
        hostile,
        any_text,
        st.from_regex(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", fullmatch=True),
        st.just(""),
        st.just("used"),
        st.just("mutated"),
    ),
    where=st.sampled_from(["fresh", "cell", "private"]),
)
def test_setup_refuses_codes_that_cannot_match(harness: Harness, code: str, where: str) -> None:
    spare = harness.world.spare_code
    if code == "used":
        code = harness.world.used_code
    elif code == "mutated":
        code = spare[:-1] + ("2" if spare[-1] != "2" else "3")
    assume_invalid(normalize_setup_code(code) != normalize_setup_code(spare))
    user = harness.person("official")
    chat = {
        "fresh": harness.fresh_group,
        "cell": harness.group,
        "private": harness.private(user),
    }[where]
    calls = harness.send(user, chat, f"/setup {code}")
    allowed = {
        "fresh": SETUP_ERRORS,
        "cell": {"This group is already the cell «{name}»."},
        "private": {"Use /setup in the group of your cell, after adding the bot there."},
    }[where]
    assert_error_reply(calls, user, allowed)


@EXAMPLES
@given(
    args=st.one_of(
        hostile,
        any_text,
        st.sampled_from(["0", "101", "5 0", "5 31", "1 2 3", "-5", "+5", "0x10", "1e2", "10000"]),
        st.tuples(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6)).map(
            lambda t: f"{t[0]} {t[1]}"
        ),
        st.text(alphabet="0123456789٣²５¹½", min_size=1, max_size=5),
    ),
    who=st.sampled_from(["secretary", "deputy"]),
    private=st.booleans(),
)
def test_invite_refuses_numbers_out_of_range(
    harness: Harness, args: str, who: str, private: bool
) -> None:
    text = f"/invite {args}"
    assume_invalid(not invite_is_valid(args_of(text)))
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, text)
    assert_error_reply(calls, user, {"Give the number of uses (1-100) and days (1-30)."})


@EXAMPLES
@given(
    args=st.one_of(hostile, any_text, st.sampled_from(["fr", "vn", "english", "vi en", "e n"])),
    who=st.sampled_from(["official", "deputy", "guest"]),
)
def test_lang_refuses_anything_but_vi_and_en(harness: Harness, args: str, who: str) -> None:
    text = f"/lang {args}"
    given_args = args_of(text)
    assume_invalid(given_args != "" and given_args.strip().lower() not in LANGUAGES)
    user = harness.person(who)
    calls = harness.send(user, harness.private(user), text)
    assert_error_reply(calls, user, {"Choose vi (Tiếng Việt) or en (English)."})


def _invalid_cell_names() -> st.SearchStrategy[str]:
    long_names = st.text(alphabet="Chi bộ Tàu5", min_size=101, max_size=300).filter(
        lambda t: len(" ".join(t.split())) > 100
    )
    return st.one_of(
        st.sampled_from([h for h in HOSTILE if not _is_cell_name(h)]),
        st.builds(lambda a, c, b: f"{a}{c}{b}", letters, control, letters),
        long_names,
        st.sampled_from(['""', "“”", '" "', "“ ”"]),
    )


def _is_cell_name(text: str) -> bool:
    text = text.strip('"“”')
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text):
        return False
    return 0 < len(" ".join(text.split())) <= 100


@EXAMPLES
@given(name=_invalid_cell_names())
def test_newcell_refuses_what_is_not_a_cell_name(harness: Harness, name: str) -> None:
    operator = harness.world.operator
    calls = harness.send(operator, harness.private(operator), f"/newcell {name}")
    assert_error_reply(calls, operator, {"Give the cell's name (up to 100 characters)."})
    outsider = harness.person("secretary")
    calls = harness.send(outsider, harness.private(outsider), f"/newcell {name}")
    assert_error_reply(calls, outsider, {"Only operators can do this."})


@EXAMPLES
@given(
    payload=st.one_of(
        hostile, any_text, st.builds(lambda t: "inv-" + t, any_text), st.just("inv-")
    ),
    who=st.sampled_from(["secretary", "probationary", "applicant"]),
)
def test_start_refuses_forged_invite_payloads(harness: Harness, payload: str, who: str) -> None:
    text = f"/start {payload}"
    assume_invalid(args_of(text) not in ("", "hi"))
    user = harness.person(who)
    calls = harness.send(user, harness.private(user), text)
    assert_error_reply(
        calls, user, {"This invite link is wrong, used up or expired. Ask your secretary."}
    )


@EXAMPLES
@given(
    args=st.one_of(hostile, any_text),
    who=st.sampled_from(["secretary", "guest", "applicant"]),
    private=st.booleans(),
)
def test_join_again_is_refused_whatever_follows(
    harness: Harness, args: str, who: str, private: bool
) -> None:
    user = harness.person(who)
    chat = harness.private(user) if private else harness.group
    calls = harness.send(user, chat, f"/join {args}")
    if private:
        allowed = {"Send /join in your cell's group, or open the invite link from your secretary."}
    elif who == "applicant":
        allowed = {"Your request to join «{name}» is waiting for the secretary."}
    else:
        allowed = {"You are already a member of «{name}»."}
    assert_error_reply(calls, user, allowed)


@EXAMPLES
@given(
    command=st.sampled_from(["members", "help", "cells"]),
    args=st.one_of(hostile, any_text),
    who=st.sampled_from(["secretary", "probationary", "operator"]),
    private=st.booleans(),
)
def test_commands_without_arguments_ignore_them(
    harness: Harness, command: str, args: str, who: str, private: bool
) -> None:
    user = harness.world.operator if who == "operator" else harness.person(who)
    chat = harness.private(user) if private else harness.group
    plain = harness.send(user, chat, f"/{command}")
    with_args = harness.send(user, chat, f"/{command} {args}")
    # Same answer as without arguments: nothing of them is echoed or acted on.
    assert outgoing_texts(with_args) == outgoing_texts(plain)


def _profile_text(max_size: int) -> st.SearchStrategy[str]:
    # Telegram names are 1-64 characters without control characters, trimmed.
    hostile_names = [h[:max_size].strip() for h in HOSTILE if h[:max_size].strip()]
    return st.one_of(
        st.sampled_from([h for h in hostile_names if h.isprintable()]),
        st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=max_size),
    ).filter(lambda t: t == t.strip() and t != "")


@settings(EXAMPLES, max_examples=25)
@given(
    first=_profile_text(64),
    last=st.none() | _profile_text(64),
    username=st.none() | st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{4,31}", fullmatch=True),
)
def test_hostile_profiles_join_and_show_verbatim(
    harness: Harness, first: str, last: str | None, username: str | None
) -> None:
    """Names are data, never markup or format strings, wherever the bot shows them."""
    # Each example adds one member (a write, rightly), so the roster grows as examples run.
    driver = harness.bot.driver
    user = TgUser(10_000 + len(harness.bot.fake.users), first, last, username, "en")
    # Shown verbatim, family name first (the last-name field, unless the first one holds it).
    name = vietnamese_order(first, last)
    secretary = harness.person("secretary")
    private = harness.private(secretary)

    async def joining() -> list[Call]:
        calls = await driver.send(user, harness.group, "/join")
        label = tr_text("vi", "✅ Approve: official")
        calls += await driver.press(secretary, private, label)
        calls += await driver.send(secretary, private, "/members")
        calls += await driver.send(user, harness.group, "/members")
        message_id = store_bot_message(harness.bot, private)
        calls += await driver.press_data(secretary, private, cd.back_to_list(), message_id)
        return calls

    calls = harness.run(joining())
    assert harness.bot.unexpected == [], harness.bot.unexpected
    harness.bot.fake.assert_no_violations()
    assert not harness.bot.fake.unanswered_callback_queries()
    texts = outgoing_texts(calls)
    assert not any(t.startswith("⚠️") for t in texts), texts
    assert sum(name in t for t in texts) >= 5, name  # request, decision, 2 rosters, back


def test_a_roster_of_longest_names_spans_several_messages(harness: Harness) -> None:
    """Telegram's longest names (64 + 64) and usernames (32) overflow one 4096-unit message."""
    members = harness.bot.app.bot_data.services.members
    secretary = harness.person("secretary")
    joined = [
        TgUser(20_000 + i, f"{i:02d}" + "Nguyễn Thị" * 7, "Tôn Nữ" * 11, f"u{i:02d}" + "x" * 29)
        for i in range(30)
    ]

    async def scenario() -> list[Call]:
        for user in joined:
            request = await members.request_join(
                identity(user), ChatRef("telegram", "-1001", False)
            )
            await members.decide_join(
                identity(secretary), request.membership.id, Kind.OFFICIAL, None
            )
        driver = harness.bot.driver
        private = harness.private(secretary)
        calls = await driver.send(secretary, private, "/members")
        message_id = store_bot_message(harness.bot, private)
        calls += await driver.press_data(secretary, private, cd.back_to_list(), message_id)
        return calls

    calls = harness.run(scenario())
    harness.bot.fake.assert_no_violations()
    assert harness.bot.unexpected == []
    rosters = [c for c in calls if c.method in ("sendMessage", "editMessageText")]
    assert len(rosters) >= 4, [c.method for c in calls]
    texts = "\n".join(outgoing_texts(rosters))
    for user in joined:
        assert user.username is not None and f"@{user.username}" in texts
    # The member buttons come once per roster, under its last part.
    marked = [c for c in rosters if c.get("reply_markup")]
    assert len(marked) == 2 and marked[0] is not rosters[0], [c.method for c in marked]


# --- buttons -----------------------------------------------------------------------------------

BUTTON_ERRORS = {
    "This button is no longer valid.",
    "Only the secretary or deputy secretary of this cell can do this.",
    "This request no longer exists.",
    "This request was already decided.",
    "This member is no longer in the cell.",
    "Only members of this cell can do this.",
    "The secretary's role cannot be changed or removed here.",
    "You cannot remove yourself.",
}


def random_data() -> st.SearchStrategy[str]:
    """Any text Telegram could carry as callback data (1-64 bytes) that no cells button has."""
    return st.text(min_size=1, max_size=64).filter(
        lambda t: len(t.encode()) <= 64 and cd.parse(t) is None
    )


def near_misses(harness: Harness) -> list[str]:
    """Button data one step from real: bad codes, ids of nobody, of B, decided, removed."""
    a = {role: harness.membership_id(role) for role in harness.world.cells["A"].people}
    b = {role: harness.membership_id(role, "B") for role in harness.world.cells["B"].people}
    return [
        "jr:999999:o",
        "jr:0:o",
        "jr:-1:o",
        f"jr:{a['applicant']}:e",
        f"jr:{a['applicant']}:O",
        f"jr:{a['applicant']}:o ",
        f"jr:{a['applicant']}:o\n",
        f"JR:{a['applicant']}:o",
        f"jr:0{a['applicant']}:o",
        f"jr:{a['applicant']}",
        f"jr::{a['applicant']}:o",
        f"jr:{a['target']}:o",
        f"jr:{a['former']}:x",
        f"jr:{b['applicant']}:o",
        f"jr:{b['applicant']}:x",
        "mk:1:z",
        f"mk:{a['target']}:",
        f"mk:{a['target']}:pp",
        f"mk:{b['target']}:p",
        f"mk:{a['former']}:p",
        f"mk:{a['applicant']}:p",
        "mc:-1",
        "mc:0",
        "mc:",
        f"mc:{a['former']}",
        f"mc:{a['applicant']}",
        f"mc:{b['target']}",
        f"mc:{b['secretary']}",
        "mc:999999999999",
        "mc:9999999999999",
        f"mr:{a['secretary']}:g",
        f"mr:{a['secretary']}:d",
        f"mr:{a['target']}:s",
        f"mr:{b['target']}:d",
        f"mx:{b['target']}",
        f"mx:{a['former']}",
        f"my:{a['secretary']}",
        f"my:{b['target']}",
        f"my:{a['former']}",
        "lg:fr",
        "lg:VI",
        "lg:",
        "lg:vi:en",
        "ml:1",
        "ml ",
        "mlx",
    ]


@EXAMPLES
@given(data=st.data(), who=st.sampled_from(["secretary", "deputy", "official", "nonmember"]))
def test_buttons_refuse_forged_data(harness: Harness, data: st.DataObject, who: str) -> None:
    user = harness.world.nonmember if who == "nonmember" else harness.person(who)
    chosen = data.draw(st.one_of(st.sampled_from(near_misses(harness)), random_data()))
    for chat in (harness.private(user), harness.group):
        calls = harness.press(user, chat, chosen)
        cells_prefix = chosen[:2] in {"jr", "mc", "mk", "mr", "mx", "my", "ml", "lg"}
        assert_error_alert(calls, user, BUTTON_ERRORS if cells_prefix else None)


@pytest.mark.parametrize("suffix", ["", "x"])
def test_a_deputy_cannot_remove_themselves_by_button(harness: Harness, suffix: str) -> None:
    user = harness.person("deputy")
    data = cd.confirm_remove(harness.membership_id("deputy")) + suffix
    calls = harness.press(user, harness.private(user), data)
    allowed = (
        {"You cannot remove yourself."} if not suffix else {"This button is no longer valid."}
    )
    assert_error_alert(calls, user, allowed)


# --- callback_data.parse -----------------------------------------------------------------------

ids = st.integers(1, 999_999_999_999)


def rebuild(data: cd.Data) -> str:
    """The builder's output for a parsed value."""
    if isinstance(data, DecideJoin):
        return cd.join_choice(data.membership_id, data.kind)
    if isinstance(data, cd.MemberCard):
        return cd.member_card(data.membership_id)
    if isinstance(data, cd.SetKind):
        return cd.set_kind(data.membership_id, data.kind)
    if isinstance(data, cd.SetRole):
        return cd.set_role(data.membership_id, data.role)
    if isinstance(data, cd.AskRemove):
        return cd.ask_remove(data.membership_id)
    if isinstance(data, cd.ConfirmRemove):
        return cd.confirm_remove(data.membership_id)
    if isinstance(data, cd.BackToList):
        return cd.back_to_list()
    if isinstance(data, cd.ChooseLanguage):
        return cd.choose_language(data.language)
    if isinstance(data, AnswerSummons):
        return cd.answer(data.meeting_id, data.attend)
    if isinstance(data, DecideAbsence):
        return cd.absence(data.meeting_id, data.user_id, data.approve)
    if isinstance(data, cd.DialogStep):
        return cd.dialog_step(data.value)
    raise AssertionError(f"teach rebuild() the button {data!r}")


built = st.one_of(
    st.builds(cd.join_choice, ids, st.sampled_from([Kind.OFFICIAL, Kind.PROBATIONARY, None])),
    st.builds(cd.member_card, ids),
    st.builds(cd.set_kind, ids, st.sampled_from(list(Kind))),
    st.builds(cd.set_role, ids, st.sampled_from([Role.DEPUTY, Role.MEMBER, Role.GUEST])),
    st.builds(cd.ask_remove, ids),
    st.builds(cd.confirm_remove, ids),
    st.just(cd.back_to_list()),
    st.sampled_from([cd.choose_language(language) for language in LANGUAGES]),
    st.builds(cd.answer, ids, st.booleans()),
    st.builds(cd.absence, ids, ids, st.booleans()),
    st.sampled_from(
        [
            cd.dialog_step(step)
            for step in ("type:r", "type:c", "title:d", "link:g", "link:n", "ok", "no")
        ]
    ),
)
data_like = st.one_of(
    st.text(max_size=80),
    # Ids in any script's digits, as a forged button could carry them.
    st.builds(
        lambda prefix, first, other, code: f"{prefix}:{first}{other}{code}",
        st.sampled_from(["jr", "mc", "mk", "mr", "mx", "my", "at", "ab"]),
        st.sampled_from("123456789"),
        st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()),
        st.sampled_from(["", ":o", ":p", ":x", ":d", ":g", ":t"]),
    ),
    st.from_regex(r"(jr|mc|mk|mr|mx|my|ml|lg|at|ab|sd)(:[\w\d-]{0,14}){0,3}\s?", fullmatch=True),
    st.builds(lambda d, s: d + s, built, st.text(max_size=3)),
    st.builds(lambda d, i: d[:i], built, st.integers(0, 20)),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    text=st.one_of(
        st.none(), data_like, st.binary(max_size=80).map(lambda b: b.decode("utf-8", "replace"))
    )
)
def test_parse_accepts_only_what_the_builders_make(text: str | None) -> None:
    parsed = cd.parse(text)
    if parsed is not None:
        assert text is not None
        assert rebuild(parsed) == text, f"{text!r} parsed as {parsed!r}"


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=built)
def test_parse_round_trips_every_built_button(text: str) -> None:
    assert len(text.encode()) <= 64
    parsed = cd.parse(text)
    assert parsed is not None, text
    assert rebuild(parsed) == text
