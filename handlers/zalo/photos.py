"""Pictures the bot shows on Zalo (the report's chart): Zalo's sendPhoto takes only a public
URL, which it fetches before answering. In webhook mode the bot's own webhook server serves
each picture at an unguessable address next to the webhook's path, for a few minutes."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

PHOTO_TTL = timedelta(minutes=15)
PHOTOS_KEPT = 50
PHOTO_DIR = "/photo/"


class PhotoShelf:
    """PNG pictures by token, each kept PHOTO_TTL (at most PHOTOS_KEPT at once)."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[bytes, datetime]] = {}

    def put(self, data: bytes, now: datetime) -> str:
        """Keep a picture; its token."""
        self._drop_old(now)
        while len(self._kept) >= PHOTOS_KEPT:
            self._kept.pop(next(iter(self._kept)))
        token = secrets.token_urlsafe(24)
        self._kept[token] = (data, now + PHOTO_TTL)
        return token

    def get(self, token: str, now: datetime) -> bytes | None:
        """The picture of a token, while it is kept."""
        self._drop_old(now)
        found = self._kept.get(token)
        return found[0] if found else None

    def _drop_old(self, now: datetime) -> None:
        for token in [t for t, (_, until) in self._kept.items() if until <= now]:
            del self._kept[token]


def photo_base(webhook_url: str | None) -> str | None:
    """Where the pictures are served: next to the webhook's path (None without a webhook)."""
    if not webhook_url:
        return None
    return webhook_url.rstrip("/") + PHOTO_DIR
