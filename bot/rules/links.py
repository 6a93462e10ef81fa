"""Video meeting links: generated Jitsi rooms and links given by the secretary."""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
import unicodedata
from urllib.parse import urlsplit

from bot.errors import BadInput
from bot.i18n import N_

ROOM_PREFIX = "cellmeet-"
ROOM_RANDOM_BYTES = 20  # 160 bits
MAX_LINK_LENGTH = 512
LINK_EXAMPLE = "https://meet.jit.si/cellmeet-abc123"

# Characters that break out of quoted or HTML contexts; spaces and invisible characters (bidi
# overrides that disguise a link included) are refused by category in _visible.
_FORBIDDEN = re.compile(r"[<>\"'`\\{}|^]")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.ASCII)

LINK_TOO_LONG = N_("The link is too long: at most {max} characters.")
LINK_NOT_WEB = N_("The link must start with https:// or http://.")
LINK_INVALID = N_("This is not a valid meeting link.")


def generate_jitsi_link(base: str = "https://meet.jit.si") -> str:
    """A link to a new Jitsi room whose name cannot be guessed."""
    # Base32, lowercase: Jitsi room names are case-insensitive, so no entropy hides in case.
    token = base64.b32encode(secrets.token_bytes(ROOM_RANDOM_BYTES)).decode().rstrip("=").lower()
    return validate_meeting_link(f"{base.rstrip('/')}/{ROOM_PREFIX}{token}")


def validate_meeting_link(text: str) -> str:
    """The link, stripped, if it is a plain http(s) URL of sane length; BadInput otherwise."""
    link = text.strip()
    if len(link) > MAX_LINK_LENGTH:
        raise BadInput(LINK_TOO_LONG, example=LINK_EXAMPLE, max=MAX_LINK_LENGTH)
    if not link.lower().startswith(("https://", "http://")):
        raise BadInput(LINK_NOT_WEB, example=LINK_EXAMPLE)
    if _FORBIDDEN.search(link) or not _visible(link) or not _valid_host(link):
        raise BadInput(LINK_INVALID, example=LINK_EXAMPLE)
    return link


def _visible(link: str) -> bool:
    return all(unicodedata.category(c)[0] not in "CZ" for c in link)


def _valid_host(link: str) -> bool:
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    # "https://meet.google.com@evil.example" is a classic disguise: no credentials in links.
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return False
    host = parts.hostname
    if parts.netloc.startswith("[") or host.replace(".", "").isdigit():
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return all(_HOST_LABEL.fullmatch(label) for label in labels)
