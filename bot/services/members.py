"""Members: profiles, joining (requests, invites, decisions), the roster, kinds and roles."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from bot.domain.access import Action, leaders, summoned
from bot.domain.cells import Cell, Kind, Membership, Role, Status, Via
from bot.domain.identity import ChatRef, Identity, User
from bot.errors import BadInput, Conflict, NotFound, Refused, Usage
from bot.i18n import LANGUAGES, N_, resolve_language
from bot.ports import Clock, Store, UnitOfWork
from bot.services.access import Access
from bot.services.cells import clean_text
from bot.services.notices import NoticeService
from config import Settings

logger = logging.getLogger(__name__)

NAME_MAX = 100
NO_SUCH_MEMBER = N_("No such member in this cell. See the numbers in /members.")


class MemberChange(NamedTuple):
    """A member as they now are, and their cell."""

    cell: Cell
    membership: Membership


@dataclass(frozen=True)
class MemberRef:
    """How a command names a member: roster number, @username, or a replied-to user."""

    number: int | None = None
    username: str | None = None
    external_id: str | None = None


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class JoinRequest:
    """A pending membership and who can decide on it; ``announce`` tells the leaders (the
    edge awaits it once it has answered the applicant)."""

    cell: Cell
    membership: Membership
    approvers: list[User]
    announce: Callable[[], Awaitable[None]] = _nothing


@dataclass(frozen=True)
class JoinDecision:
    """The outcome of approving or declining a join request; ``announce`` tells the
    applicant (and the group)."""

    cell: Cell
    membership: Membership
    approved: bool
    announce: Callable[[], Awaitable[None]] = _nothing


@dataclass(frozen=True)
class Invite:
    """An invite code for a cell (the channel makes the link)."""

    cell: Cell
    code: str
    expires_at: datetime
    max_uses: int


@dataclass(frozen=True)
class Roster:
    """A cell's members as one viewer may see them."""

    cell: Cell
    members: list[Membership]
    pending: list[Membership]
    viewer_may_manage: bool


def record_case(name: str) -> str:
    """A name with the capitalisation of party records: each word (and each part of a
    hyphenated one) with a capital first letter, the rest small ("nguyễn văn AN" ->
    "Nguyễn Văn An")."""
    return " ".join(
        "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
        for word in name.split(" ")
    )


def validate_full_name(text: str) -> str:
    """A full name as in party records: letters, spaces and . - ' only, capitalised as party
    records write it."""
    # NFKC folds look-alike forms (full-width letters) into the plain ones records use.
    name = clean_text(unicodedata.normalize("NFKC", text), NAME_MAX)
    if (
        name is None
        or sum(c.isalpha() for c in name) < 2
        or not all(c.isalpha() or c in " .-'" for c in name)
    ):
        raise BadInput(
            N_("Please give your full name as in party records (letters only, up to 100)."),
            usage=Usage.NAME,
        )
    return record_case(name)


def parse_member_ref(text: str) -> MemberRef | None:
    """A roster number (3 or #3) or an @username."""
    text = text.strip()
    if re.fullmatch(r"#?\d{1,6}", text):
        return MemberRef(number=int(text.lstrip("#")))
    if re.fullmatch(r"@[A-Za-z0-9_]{3,32}", text):
        return MemberRef(username=text[1:])
    return None


class MemberService:
    """Use cases of members, each checked against the caller's role in that cell."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        access: Access,
        notices: NoticeService,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.access = access
        self.notices = notices

    # --- the caller's own profile --------------------------------------------------------------

    async def language_for(self, identity: Identity) -> str:
        """The user's language: /lang choice, else the platform's, else the default."""
        async with self.store.reading() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
        chosen = user.language if user else None
        # A channel that tells no language (Zalo) takes the person's other account's.
        platform = identity.language_code or (user.platform_language if user else None)
        return resolve_language(chosen, platform, self.settings.default_language)

    def user_language(self, user: User) -> str:
        """The language of a known user (for messages the bot starts)."""
        return resolve_language(
            user.language, user.platform_language, self.settings.default_language
        )

    async def known_user(self, identity: Identity) -> User | None:
        """The stored user behind an identity, if any."""
        async with self.store.reading() as uow:
            return await uow.users.get(identity.channel, identity.external_id)

    async def start_private(self, identity: Identity, chat: ChatRef) -> User:
        """The user opened a private chat: they can now be reached there."""
        async with self.store.transaction() as uow:
            user = await uow.users.upsert(identity, self.clock.now())
            # The account's own chat (a person's other accounts keep theirs).
            await uow.users.open_private(identity.channel, identity.external_id, chat.chat_id)
        return user

    async def set_reachable(self, channel: str, external_id: str, reachable: bool) -> None:
        """Record that the user blocked the bot (or unblocked it)."""
        async with self.store.transaction() as uow:
            await uow.users.set_account_reachable(channel, external_id, reachable)

    async def set_name(self, identity: Identity, text: str) -> str:
        """Record the caller's full name as in party records (members only)."""
        name = validate_full_name(text)
        async with self.store.transaction() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            statuses = (Status.ACTIVE, Status.PENDING)
            if user is None or not await uow.memberships.of_user(user.id, statuses):
                raise Refused(N_("Only cell members can record a name. Use /join in your group."))
            await uow.users.set_full_name(user.id, name)
        return name

    async def set_member_name(
        self, identity: Identity, chat: ChatRef, ref: MemberRef, text: str
    ) -> MemberChange:
        """A leader corrects a member's full name as in party records."""
        name = validate_full_name(text)
        async with self.store.transaction() as uow:
            cell = await self.access.cell_of(uow, identity, chat)
            actor, _ = await self.access.actor_in(uow, identity, cell)
            self.access.require(actor, Action.MANAGE_MEMBERS)
            target = await self._target(uow, cell, ref)
            await uow.users.set_full_name(target.user.id, name)
            fresh = await uow.memberships.get_by_id(target.id)
        assert fresh is not None
        return MemberChange(cell, fresh)

    async def set_language(self, identity: Identity, text: str) -> str:
        """Record the caller's language."""
        language = text.strip().lower()
        if language not in LANGUAGES:
            raise BadInput(N_("Choose vi (Tiếng Việt) or en (English)."), usage=Usage.LANG)
        async with self.store.transaction() as uow:
            user = await uow.users.upsert(identity, self.clock.now())
            if user.language != language:
                await uow.users.set_language(user.id, language)
        return language

    async def set_cell_language(self, identity: Identity, chat: ChatRef, text: str) -> Cell | None:
        """/lang in a cell's group by its secretary or deputy: the group's language (what the
        bot writes there); None when the caller may not (their own language is set alone)."""
        language = text.strip().lower()
        if language not in LANGUAGES:
            raise BadInput(N_("Choose vi (Tiếng Việt) or en (English)."), usage=Usage.LANG)
        async with self.store.transaction() as uow:
            cell = await uow.cells.get_by_chat(chat.channel, chat.chat_id)
            if cell is None:
                return None
            actor, _ = await self.access.actor_in(uow, identity, cell)
            if not actor.may(Action.MANAGE_MEMBERS):
                return None
            if cell.language != language:
                await uow.cells.set_language(cell.id, language)
        return replace(cell, language=language)

    async def user_cells(self, identity: Identity) -> list[tuple[Cell, Membership]]:
        """The caller's active memberships."""
        async with self.store.reading() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            return await uow.memberships.of_user(user.id) if user else []

    async def membership_in(self, identity: Identity, chat: ChatRef) -> Membership | None:
        """The caller's membership in the group's cell (for /help)."""
        async with self.store.reading() as uow:
            cell = await uow.cells.get_by_chat(chat.channel, chat.chat_id)
            if cell is None:
                return None
            user = await uow.users.get(identity.channel, identity.external_id)
            return await uow.memberships.get(cell.id, user.id) if user else None

    async def summoned_users(self, cell_id: int) -> list[User]:
        """Members summoned to the cell's meetings (for notifications; no authorization)."""
        async with self.store.reading() as uow:
            return summoned(await uow.memberships.of_cell(cell_id))

    # --- joining -------------------------------------------------------------------------------

    async def _request(
        self, uow: UnitOfWork, identity: Identity, cell: Cell, via: Via
    ) -> JoinRequest:
        now = self.clock.now()
        user = await uow.users.upsert(identity, now)
        membership = await uow.memberships.get(cell.id, user.id)
        if membership is not None and membership.status is Status.ACTIVE:
            raise Conflict(N_("You are already a member of «{name}»."), name=cell.name)
        if membership is not None and membership.status is Status.PENDING:
            raise Conflict(
                N_("Your request to join «{name}» is waiting for the secretary."), name=cell.name
            )
        if membership is None:
            fresh = await uow.memberships.insert(
                cell_id=cell.id,
                user_id=user.id,
                status=Status.PENDING,
                kind=Kind.OFFICIAL,
                role=Role.MEMBER,
                via=via,
                now=now,
            )
        else:
            fresh = await uow.memberships.update(
                membership, changed_by=user.id, now=now, status=Status.PENDING, via=via
            )
        return JoinRequest(cell, fresh, leaders(await uow.memberships.of_cell(cell.id)))

    async def request_join(self, identity: Identity, chat: ChatRef) -> JoinRequest:
        """Ask to join the group's cell; the secretary decides."""
        if chat.is_private:
            raise BadInput(
                N_("Send /join in your cell's group, or open the invite link from your secretary.")
            )
        async with self.store.transaction() as uow:
            cell = await self.access.cell_of(uow, identity, chat)
            request = await self._request(uow, identity, cell, Via.JOIN)
        return self._announced(request)

    async def create_invite(self, identity: Identity, chat: ChatRef, args: list[str]) -> Invite:
        """An expiring, limited-use invite code for the cell (leaders only)."""
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if len(args) > 2 or not all(re.fullmatch(r"[0-9]{1,4}", a) for a in args):
            raise BadInput(
                N_("Give the number of uses (1-100) and days (1-30)."), usage=Usage.INVITE
            )
        uses = int(args[0]) if args else 10
        days = int(args[1]) if len(args) > 1 else 7
        if not (1 <= uses <= 100 and 1 <= days <= 30):
            raise BadInput(
                N_("Give the number of uses (1-100) and days (1-30)."), usage=Usage.INVITE
            )
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEMBERS)
            assert actor.user_id is not None
            code = secrets.token_urlsafe(12)
            expires = now + timedelta(days=days)
            await uow.invites.insert(
                cell_id=cell.id,
                code=code,
                created_by=actor.user_id,
                now=now,
                expires_at=expires,
                max_uses=uses,
            )
        return Invite(cell, code, expires, uses)

    async def redeem_invite(self, identity: Identity, code: str) -> JoinRequest:
        """Join through an invite code: a request the secretary approves."""
        async with self.store.transaction() as uow:
            invite = await uow.invites.get(code) if code else None
            if invite is None or not await uow.invites.use(invite.id, self.clock.now()):
                raise BadInput(
                    N_("This invite link is wrong, used up or expired. Ask your secretary.")
                )
            cell = await uow.cells.get(invite.cell_id)
            assert cell is not None
            request = await self._request(uow, identity, cell, Via.INVITE)
        return self._announced(request)

    def _announced(self, request: JoinRequest) -> JoinRequest:
        announce = partial(
            self.notices.join_requested, request.cell, request.membership, request.approvers
        )
        return replace(request, announce=announce)

    async def decide_join(
        self, identity: Identity, membership_id: int, kind: Kind | None, chat: ChatRef | None
    ) -> JoinDecision:
        """Approve a request with the member's kind, or decline it (kind None); the applicant
        is told, and the group unless it was decided there."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            membership = await uow.memberships.get_by_id(membership_id)
            cell = await uow.cells.get(membership.cell_id) if membership else None
            if membership is None or cell is None:
                raise NotFound(N_("This request no longer exists."))
            actor, _ = await self.access.actor_in(uow, identity, cell)
            self.access.require(actor, Action.MANAGE_MEMBERS)
            if membership.status is not Status.PENDING:
                raise Conflict(N_("This request was already decided."))
            status = Status.ACTIVE if kind is not None else Status.DECLINED
            fresh = await uow.memberships.update(
                membership, changed_by=actor.user_id, now=now, status=status, kind=kind
            )
        announce = partial(self.notices.join_decided, cell, fresh, kind is not None, chat)
        return JoinDecision(cell, fresh, kind is not None, announce)

    # --- roster --------------------------------------------------------------------------------

    async def roster(self, identity: Identity, chat: ChatRef) -> Roster:
        """The cell's members as the caller may see them."""
        async with self.store.reading() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.VIEW_MEMBERS)
            members = await uow.memberships.of_cell(cell.id)
            manage = actor.may(Action.MANAGE_MEMBERS)
            pending = await uow.memberships.of_cell(cell.id, (Status.PENDING,)) if manage else []
        return Roster(cell, members, pending, manage)

    async def member(self, identity: Identity, membership_id: int) -> MemberChange:
        """One member's card, for a leader of their cell."""
        async with self.store.reading() as uow:
            membership = await uow.memberships.get_by_id(membership_id)
            cell = await uow.cells.get(membership.cell_id) if membership else None
            if membership is None or cell is None or not membership.active:
                raise NotFound(N_("This member is no longer in the cell."))
            actor, _ = await self.access.actor_in(uow, identity, cell)
            self.access.require(actor, Action.MANAGE_MEMBERS)
        return MemberChange(cell, membership)

    async def _target(self, uow: UnitOfWork, cell: Cell, ref: MemberRef | int) -> Membership:
        found: Membership | None = None
        if isinstance(ref, int):
            found = await uow.memberships.get_by_id(ref)
            if found is not None and found.cell_id != cell.id:
                found = None
        elif ref.number is not None:
            found = await uow.memberships.get_by_number(cell.id, ref.number)
        elif ref.username is not None:
            matches = await uow.memberships.find_by_username(cell.id, ref.username)
            found = matches[0] if len(matches) == 1 else None
        elif ref.external_id is not None:
            user = await uow.users.get(cell.channel, ref.external_id)
            found = await uow.memberships.get(cell.id, user.id) if user else None
        if found is None or not found.active:
            raise NotFound(NO_SUCH_MEMBER, usage=Usage.MEMBERS)
        return found

    async def _change(
        self,
        identity: Identity,
        where: ChatRef | int,
        ref: MemberRef | int,
        *,
        kind: Kind | None = None,
        role: Role | None = None,
        remove: bool = False,
    ) -> MemberChange:
        now = self.clock.now()
        async with self.store.transaction() as uow:
            if isinstance(where, ChatRef):
                cell = await self.access.cell_of(uow, identity, where)
            else:
                found_cell = await uow.cells.get(where)
                if found_cell is None:
                    raise NotFound(N_("This member is no longer in the cell."))
                cell = found_cell
            actor, _ = await self.access.actor_in(uow, identity, cell)
            self.access.require(actor, Action.MANAGE_MEMBERS)
            target = await self._target(uow, cell, ref)
            if target.role is Role.SECRETARY and (remove or role is not None):
                raise Refused(N_("The secretary's role cannot be changed or removed here."))
            if remove and actor.user_id == target.user.id:
                raise Refused(N_("You cannot remove yourself."))
            # SPEC §1: a probationary member does not stand for election, so holds no seat on
            # the cell committee.
            if (kind or target.kind) is Kind.PROBATIONARY and (
                role or target.role
            ) is Role.COMMITTEE:
                raise Refused(
                    N_(
                        "A probationary member cannot be on the cell committee: "
                        "{name} is probationary."
                    )
                    if role is not None
                    else N_(
                        "{name} is on the cell committee, where a probationary member cannot "
                        "be: change the role first (/role {number} member)."
                    ),
                    name=target.user.name,
                    number=target.number,
                )
            fresh = await uow.memberships.update(
                target,
                changed_by=actor.user_id,
                now=now,
                kind=kind,
                role=role,
                status=Status.REMOVED if remove else None,
            )
        if fresh != target:
            await self.notices.member_changed(cell, target, fresh)
        return MemberChange(cell, fresh)

    async def set_kind(
        self, identity: Identity, where: ChatRef | int, ref: MemberRef | int, kind: Kind
    ) -> MemberChange:
        """Change a member's kind (official, probationary, exempted, elsewhere, visiting)."""
        return await self._change(identity, where, ref, kind=kind)

    async def set_role(
        self, identity: Identity, where: ChatRef | int, ref: MemberRef | int, role: Role
    ) -> MemberChange:
        """Make a member deputy secretary, committee member, ordinary member or guest."""
        if role is Role.SECRETARY:
            raise BadInput(N_("Choose deputy, committee, member or guest."), usage=Usage.ROLE)
        return await self._change(identity, where, ref, role=role)

    async def remove_member(
        self, identity: Identity, where: ChatRef | int, ref: MemberRef | int
    ) -> MemberChange:
        """Take a member off the roster (their history is kept)."""
        return await self._change(identity, where, ref, remove=True)
