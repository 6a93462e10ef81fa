"""Sealed secret-ballot buttons: what a button chooses, readable only with the vote's key.

A secret ballot's button carries its choice encrypted for that voter, vote and question with a
fresh nonce, and a tag, so that the updates a channel delivers (kept a while in the inbox) say
nothing of the choice once the key is erased at closing, and a button forged, altered or
pressed by someone else is recognised. The choices are a bit mask (an election chooses several
candidates); a flag says whether the press casts the ballot or only ticks a candidate.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

MASK_BITS = 30
_SUBMIT = 1 << 31
_TOKEN = re.compile(r"[0-9a-f]{24}")


def new_key() -> str:
    """A fresh random key for one secret vote."""
    return secrets.token_hex(32)


def _stream(key: str, label: str) -> bytes:
    return hmac.new(bytes.fromhex(key), label.encode(), hashlib.sha256).digest()


def seal(key: str, vote_id: int, voter_id: int, item: int, mask: int, *, cast: bool) -> str:
    """The token of a button that sets the voter's choices to `mask` (and casts, or not)."""
    if not 0 <= mask < 1 << MASK_BITS:
        raise ValueError("choice mask out of range")
    nonce = secrets.token_hex(4)
    where = f"{vote_id}:{voter_id}:{item}:{nonce}"
    pad = int.from_bytes(_stream(key, "pad:" + where)[:4], "big")
    cipher = f"{(mask | (_SUBMIT if cast else 0)) ^ pad:08x}"
    tag = _stream(key, f"tag:{where}:{cipher}")[:4].hex()
    return nonce + cipher + tag


def unseal(
    key: str, vote_id: int, voter_id: int, item: int, token: str
) -> tuple[int, bool] | None:
    """(mask, cast) of a token, or None when it is forged, altered or another voter's."""
    if not _TOKEN.fullmatch(token):
        return None
    nonce, cipher, tag = token[:8], token[8:16], token[16:]
    where = f"{vote_id}:{voter_id}:{item}:{nonce}"
    expected = _stream(key, f"tag:{where}:{cipher}")[:4].hex()
    if not hmac.compare_digest(expected, tag):
        return None
    pad = int.from_bytes(_stream(key, "pad:" + where)[:4], "big")
    value = int(cipher, 16) ^ pad
    return value & ((1 << MASK_BITS) - 1), bool(value & _SUBMIT)
