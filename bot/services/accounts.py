"""One person on several channels: connecting a Telegram and a Zalo account with a one-time
code, so that the person has one roster line, one answer and one vote everywhere."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.cells import Membership, Role, Status
from bot.domain.identity import Identity, User
from bot.errors import BadInput, Conflict, Refused, Usage
from bot.i18n import N_
from bot.ports import Clock, Store, UnitOfWork
from bot.texts import channel_name

# Digits only: typed on a cheap phone's number pad. Ten digits and ten minutes, one use:
# guessing one takes billions of tries.
CODE_DIGITS = 10
CODE_VALID = timedelta(minutes=10)
BAD_CODE = N_("This code is wrong, used or expired. Ask for a new one with /connect.")

# Which of two memberships of one person in one cell is kept when accounts are connected.
_STATUS_RANK = {Status.ACTIVE: 3, Status.PENDING: 2, Status.DECLINED: 1, Status.REMOVED: 0}
_ROLE_RANK = {Role.SECRETARY: 3, Role.DEPUTY: 2, Role.MEMBER: 1, Role.GUEST: 0}


def hash_connect_code(code: str) -> str:
    """The stored form of a code (digits only; spaces and dashes typed with it ignored)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return hashlib.sha256(f"connect:{digits}".encode()).hexdigest()


def format_code(digits: str) -> str:
    """``12345 67890``: easier to read aloud and type."""
    return f"{digits[:5]} {digits[5:]}"


@dataclass(frozen=True)
class ConnectCode:
    """A code to send from the other channel, and until when it works."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Connected:
    """The person as they now are, once the accounts were connected."""

    person: User
    merged_cells: int  # cells where both accounts had a membership, now one


def _better(a: Membership, b: Membership) -> Membership:
    """The membership to keep of two: active before pending, a higher role, then ``a``."""
    key_a = (_STATUS_RANK[a.status], _ROLE_RANK[a.role])
    key_b = (_STATUS_RANK[b.status], _ROLE_RANK[b.role])
    return b if key_b > key_a else a


class AccountService:
    """Connecting accounts and choosing the channel private messages go to."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def status(self, identity: Identity) -> User | None:
        """The person behind the caller's account, with their connected accounts."""
        async with self.store.reading() as uow:
            return await uow.users.get(identity.channel, identity.external_id)

    async def new_code(self, identity: Identity) -> ConnectCode:
        """A one-time code for connecting another account to the caller."""
        digits = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        now = self.clock.now()
        expires_at = now + CODE_VALID
        async with self.store.transaction() as uow:
            user = await uow.users.upsert(identity, now)
            await uow.users.add_connect_code(user.id, hash_connect_code(digits), now, expires_at)
        return ConnectCode(format_code(digits), expires_at)

    async def connect(self, identity: Identity, code: str) -> Connected:
        """The caller sends, on this channel, the code shown on another: this account
        becomes one of that person's accounts, and the two persons' memberships and answers
        become one."""
        digits = "".join(ch for ch in code if ch.isdigit())
        if len(digits) != CODE_DIGITS or len(code.strip()) > CODE_DIGITS + 4:
            raise BadInput(BAD_CODE, usage=Usage.CONNECT)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            issuer_id = await uow.users.take_connect_code(hash_connect_code(digits), now)
            issuer = await uow.users.get_by_id(issuer_id) if issuer_id is not None else None
            if issuer is None:
                raise BadInput(BAD_CODE, usage=Usage.CONNECT)
            caller = await uow.users.upsert(identity, now)
            person = await uow.users.get_by_id(issuer.id)
            assert person is not None
            if caller.id == person.id:
                if person.accounts:
                    raise Conflict(N_("These accounts are already connected."))
                raise BadInput(
                    N_("Send this code to the bot on your other channel (Telegram or Zalo)."),
                    usage=Usage.CONNECT,
                )
            if identity.channel in person.channels:
                raise Conflict(
                    N_(
                        "The code belongs to a person who already has a {channel} account: send "
                        "it from your account on another channel."
                    ),
                    channel=channel_name(identity.channel),
                )
            if caller.accounts:
                raise Conflict(N_("This account is already connected to another account."))
            merged = await self._merge(uow, caller, person, now)
            await uow.users.connect(caller.id, person.id)
            connected = await uow.users.get_by_id(person.id)
        assert connected is not None
        return Connected(connected, merged)

    async def _merge(self, uow: UnitOfWork, old: User, person: User, now: datetime) -> int:
        """The caller's memberships move to the person; where both are in one cell, one
        membership is kept (the active one, the higher role) and the other closed."""
        everything = tuple(Status)
        theirs = {cell.id: m for cell, m in await uow.memberships.of_user(old.id, everything)}
        ours = {cell.id: m for cell, m in await uow.memberships.of_user(person.id, everything)}
        merged = 0
        for cell_id, their in theirs.items():
            our = ours.get(cell_id)
            if our is None:
                await uow.memberships.reassign(their.id, person.id)
                continue
            merged += 1
            keep = _better(our, their)
            # The other line is closed first: a cell has one secretary.
            if their.status is not Status.REMOVED:
                await uow.memberships.update(
                    their, changed_by=person.id, now=now, status=Status.REMOVED
                )
            if keep is their:
                # The person's own roster line (and number) stays, with the other's standing.
                await uow.memberships.update(
                    our,
                    changed_by=person.id,
                    now=now,
                    status=their.status if their.status is not our.status else None,
                    role=their.role if their.role is not our.role else None,
                    kind=their.kind if their.kind is not our.kind else None,
                )
        await uow.answers.move(old.id, person.id)
        return merged

    async def prefer(self, identity: Identity, channel: str) -> User:
        """The channel the caller's private messages go to first."""
        wanted = channel.strip().lower()
        async with self.store.transaction() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            if user is None or wanted not in user.channels:
                raise Refused(
                    N_("Connect an account on that channel first: /connect."),
                    usage=Usage.CONNECT,
                )
            await uow.users.set_prefers(user.id, None if wanted == user.channel else wanted)
            now_user = await uow.users.get_by_id(user.id)
        assert now_user is not None
        return now_user
