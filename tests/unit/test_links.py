"""Generated Jitsi rooms and links given by the secretary."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BadInput
from bot.rules import links
from bot.rules.links import generate_jitsi_link, validate_meeting_link
from tests.unit.test_dates import assert_localized

# Same examples on every run: a failure is reproducible and CI never flips.
DETERMINISTIC = settings(derandomize=True)


def room_token(link: str) -> str:
    """The random part of a generated room link."""
    room = urlsplit(link).path.rsplit("/", 1)[-1]
    assert room.startswith(links.ROOM_PREFIX)
    return room.removeprefix(links.ROOM_PREFIX)


def test_generated_room_has_at_least_128_random_bits() -> None:
    link = generate_jitsi_link()
    assert link.startswith("https://meet.jit.si/cellmeet-")
    token = room_token(link)
    assert token == token.lower()
    assert token.isalnum()
    padded = token.upper() + "=" * (-len(token) % 8)
    assert len(base64.b32decode(padded)) * 8 >= 128


def test_generated_rooms_differ() -> None:
    tokens = {room_token(generate_jitsi_link()) for _ in range(200)}
    assert len(tokens) == 200


def test_generated_room_on_a_self_hosted_server() -> None:
    link = generate_jitsi_link("https://jitsi.example.vn/")
    assert link.startswith("https://jitsi.example.vn/cellmeet-")
    assert "//cellmeet" not in link
    with pytest.raises(BadInput):
        generate_jitsi_link("javascript:alert(1)//")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://meet.google.com/abc-defg-hij", "https://meet.google.com/abc-defg-hij"),
        ("  https://meet.jit.si/cellmeet-x \n", "https://meet.jit.si/cellmeet-x"),
        ("http://zoom.us/j/123456789?pwd=abc", "http://zoom.us/j/123456789?pwd=abc"),
        ("HTTPS://Meet.Example.VN:8443/room#x", "HTTPS://Meet.Example.VN:8443/room#x"),
        ("https://họp.chibộ.vn/phòng-1", "https://họp.chibộ.vn/phòng-1"),
        ("https://10.0.0.5/room", "https://10.0.0.5/room"),
        ("https://[2001:db8::1]:8443/room", "https://[2001:db8::1]:8443/room"),
        ("https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0", None),
    ],
)
def test_accepted_links(text: str, expected: str | None) -> None:
    assert validate_meeting_link(text) == (expected or text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", links.LINK_NOT_WEB),
        ("meet.google.com/abc", links.LINK_NOT_WEB),
        ("javascript:alert(1)", links.LINK_NOT_WEB),
        ("JavaScript://%0aalert(1)", links.LINK_NOT_WEB),
        ("data:text/html,<b>x</b>", links.LINK_NOT_WEB),
        ("ftp://example.com/room", links.LINK_NOT_WEB),
        ("tg://resolve?domain=x", links.LINK_NOT_WEB),
        ("https://", links.LINK_INVALID),
        ("https://meet.google.com/abc def", links.LINK_INVALID),
        ("https://meet.google.com/abc\tdef", links.LINK_INVALID),
        ("https://exa mple.com/", links.LINK_INVALID),
        ('https://example.com/"onmouseover="x', links.LINK_INVALID),
        ("https://example.com/<script>", links.LINK_INVALID),
        ("https://meet.google.com@evil.example/abc", links.LINK_INVALID),
        ("https://user:pass@example.com/", links.LINK_INVALID),
        ("https://example.com:99999/", links.LINK_INVALID),
        ("https://exa_mple.com/", links.LINK_INVALID),
        ("https://-example.com/", links.LINK_INVALID),
        ("https://[::1/", links.LINK_INVALID),
        ("https://example.com/\x00", links.LINK_INVALID),
        ("https://example.com/\u202egnp.exe", links.LINK_INVALID),
        ("https://example.com/a\u00a0b", links.LINK_INVALID),
        ("https://example.com/\u200b", links.LINK_INVALID),
        ("https://" + "a" * 64 + ".com/", links.LINK_INVALID),
        ("https://example.com/" + "a" * 493, links.LINK_TOO_LONG),
    ],
)
def test_refused_links(text: str, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        validate_meeting_link(text)
    assert caught.value.message == message
    assert caught.value.example is not None
    assert validate_meeting_link(caught.value.example) == caught.value.example
    assert_localized(caught.value)


def test_the_longest_accepted_link() -> None:
    link = "https://example.com/" + "a" * 492
    assert len(link) == links.MAX_LINK_LENGTH
    assert validate_meeting_link(link) == link


@DETERMINISTIC
@given(st.text(max_size=80))
def test_arbitrary_text_is_a_sane_link_or_refused(text: str) -> None:
    for candidate in (text, "https://" + text):
        try:
            link = validate_meeting_link(candidate)
        except BadInput as error:
            assert_localized(error)
        else:
            assert link.lower().startswith(("https://", "http://"))
            assert len(link) <= links.MAX_LINK_LENGTH
            assert not any(c.isspace() or c in "<>\"'" for c in link)
            assert urlsplit(link).hostname
