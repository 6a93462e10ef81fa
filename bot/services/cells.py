"""Cells and members: setup, joining, invites, roster, kinds and roles, own profile."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import Clock
from bot.domain import (
    LEADER_ROLES,
    MEMBER_ACTIONS,
    Action,
    Actor,
    Cell,
    ChatRef,
    Identity,
    Kind,
    Membership,
    Role,
    Status,
    User,
    is_summoned,
)
from bot.errors import BadInput, Conflict, NotFound, Refused
from bot.i18n import LANGUAGES, N_, resolve_language
from config import Settings
from storage import repositories as repo
from storage.db import Database

logger = logging.getLogger(__name__)

SETUP_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SETUP_CODE_GROUPS = 3
SETUP_CODE_GROUP_LEN = 4
INVITE_PREFIX = "inv-"
NAME_MAX = 100
CELL_NAME_MAX = 100

REFUSE_NOT_MEMBER = N_("Only members of this cell can do this.")
REFUSE_NOT_LEADER = N_("Only the secretary or deputy secretary of this cell can do this.")
EXAMPLE_KIND = "/kind 3 probationary"
EXAMPLE_ROLE = "/role 3 deputy"
EXAMPLE_REMOVE = "/remove 3"


@dataclass(frozen=True)
class MemberRef:
    """How a command names a member: roster number, @username, or a replied-to user."""

    number: int | None = None
    username: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class JoinRequest:
    """A pending membership and who can decide on it."""

    cell: Cell
    membership: Membership
    approvers: list[User]


@dataclass(frozen=True)
class JoinDecision:
    """The outcome of approving or declining a join request."""

    cell: Cell
    membership: Membership
    approved: bool


@dataclass(frozen=True)
class Invite:
    """An invite code for a cell."""

    cell: Cell
    code: str
    expires_at: datetime
    max_uses: int

    @property
    def payload(self) -> str:
        """The deep-link start payload."""
        return INVITE_PREFIX + self.code


@dataclass(frozen=True)
class Roster:
    """A cell's members as one viewer may see them."""

    cell: Cell
    members: list[Membership]
    pending: list[Membership]
    viewer_may_manage: bool


def normalize_setup_code(text: str) -> str:
    """Uppercase without spaces or dashes, as codes are typed."""
    return re.sub(r"[\s\-]", "", text).upper()


def hash_code(code: str) -> str:
    """The stored form of a one-time code."""
    return hashlib.sha256(normalize_setup_code(code).encode()).hexdigest()


def clean_text(text: str, max_len: int) -> str | None:
    """Collapse white space; None for control characters or over-long text."""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text):
        return None
    text = " ".join(text.split())
    return text if 0 < len(text) <= max_len else None


def validate_full_name(text: str) -> str:
    """A full name as in party records: letters, spaces and . - ' only."""
    # NFKC folds look-alike forms (full-width letters) into the plain ones records use.
    name = clean_text(unicodedata.normalize("NFKC", text), NAME_MAX)
    if (
        name is None
        or sum(c.isalpha() for c in name) < 2
        or not all(c.isalpha() or c in " .-'" for c in name)
    ):
        raise BadInput(
            N_("Please give your full name as in party records (letters only, up to 100)."),
            example="/name Nguyễn Văn An",
        )
    return name


def parse_member_ref(text: str) -> MemberRef | None:
    """A roster number (3 or #3) or an @username."""
    text = text.strip()
    if re.fullmatch(r"#?\d{1,6}", text):
        return MemberRef(number=int(text.lstrip("#")))
    if re.fullmatch(r"@[A-Za-z0-9_]{3,32}", text):
        return MemberRef(username=text[1:])
    return None


class CellService:
    """Use cases of cells and members, each checked against the caller's role in that cell."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    # --- identities ----------------------------------------------------------------------------

    def is_operator(self, identity: Identity) -> bool:
        """Whether the caller's id is in ADMIN_IDS (Telegram ids)."""
        return (
            identity.channel == "telegram"
            and identity.external_id.lstrip("-").isdigit()
            and int(identity.external_id) in self.settings.admin_ids
        )

    async def language_for(self, identity: Identity) -> str:
        """The user's language: /lang choice, else the platform's, else the default."""
        async with self.db.reading() as conn:
            user = await repo.get_user(conn, identity.channel, identity.external_id)
        chosen = user.language if user else None
        return resolve_language(chosen, identity.language_code, self.settings.default_language)

    async def user_language(self, user: User) -> str:
        """The language of a known user (for messages the bot starts)."""
        return resolve_language(
            user.language, user.platform_language, self.settings.default_language
        )

    async def known_user(self, identity: Identity) -> User | None:
        """The stored user behind an identity, if any."""
        async with self.db.reading() as conn:
            return await repo.get_user(conn, identity.channel, identity.external_id)

    async def ensure_user(self, conn: aiosqlite.Connection, identity: Identity) -> User:
        """Create or refresh the caller's user row inside a unit of work."""
        return await repo.upsert_user(
            conn,
            channel=identity.channel,
            external_id=identity.external_id,
            display_name=identity.display_name[:200] or identity.external_id,
            username=identity.username,
            platform_language=identity.language_code,
            now=self.clock.now(),
        )

    async def actor_in(
        self, conn: aiosqlite.Connection, identity: Identity, cell: Cell
    ) -> tuple[Actor, User | None]:
        """The caller as seen from a cell (inside a unit of work)."""
        user = await repo.get_user(conn, identity.channel, identity.external_id)
        membership = await repo.get_membership(conn, cell.id, user.id) if user else None
        actor = Actor(user.id if user else None, self.is_operator(identity), membership)
        return actor, user

    @staticmethod
    def require(actor: Actor, action: Action) -> None:
        """Refuse (with the right message) unless the actor may do the action."""
        if actor.may(action):
            return
        membership = actor.membership
        # A guest refused what every member may do is refused as a non-member, not for want
        # of being secretary.
        if membership is None or not membership.active or action in MEMBER_ACTIONS:
            raise Refused(REFUSE_NOT_MEMBER)
        raise Refused(REFUSE_NOT_LEADER)

    async def cell_in_conn(
        self, conn: aiosqlite.Connection, identity: Identity, chat: ChatRef
    ) -> Cell:
        """The cell a command is about: the group's, or in private the caller's only cell."""
        if not chat.is_private:
            cell = await repo.get_cell_by_chat(conn, chat.channel, chat.chat_id)
            if cell is None:
                raise NotFound(
                    N_("This group is not a cell yet. The secretary starts with /setup CODE."),
                    example="/setup ABCD-EFGH-JKLM",
                )
            return cell
        user = await repo.get_user(conn, identity.channel, identity.external_id)
        cells = await repo.user_memberships(conn, user.id) if user else []
        if not cells:
            raise Refused(REFUSE_NOT_MEMBER)
        if len(cells) > 1:
            raise BadInput(
                N_("You belong to several cells: use this command in the cell's group.")
            )
        return cells[0][0]

    # --- private chat --------------------------------------------------------------------------

    async def start_private(self, identity: Identity, chat: ChatRef) -> User:
        """The user opened a private chat: they can now be reached there."""
        async with self.db.transaction() as conn:
            user = await self.ensure_user(conn, identity)
            if not user.reachable or user.private_chat_id != chat.chat_id:
                await repo.set_user_field(conn, user.id, "private_chat_id", chat.chat_id)
                await repo.set_user_field(conn, user.id, "reachable", 1)
        return user

    async def set_reachable(self, channel: str, external_id: str, reachable: bool) -> None:
        """Record that the user blocked the bot (or unblocked it)."""
        async with self.db.transaction() as conn:
            user = await repo.get_user(conn, channel, external_id)
            if user is not None and user.reachable != reachable:
                await repo.set_user_field(conn, user.id, "reachable", int(reachable))

    async def set_name(self, identity: Identity, text: str) -> str:
        """Record the caller's full name as in party records (members only)."""
        name = validate_full_name(text)
        async with self.db.transaction() as conn:
            user = await repo.get_user(conn, identity.channel, identity.external_id)
            statuses = (Status.ACTIVE, Status.PENDING)
            if user is None or not await repo.user_memberships(conn, user.id, statuses):
                raise Refused(N_("Only cell members can record a name. Use /join in your group."))
            await repo.set_user_field(conn, user.id, "full_name", name)
        return name

    async def set_language(self, identity: Identity, text: str) -> str:
        """Record the caller's language."""
        language = text.strip().lower()
        if language not in LANGUAGES:
            raise BadInput(N_("Choose vi (Tiếng Việt) or en (English)."), example="/lang en")
        async with self.db.transaction() as conn:
            user = await self.ensure_user(conn, identity)
            if user.language != language:
                await repo.set_user_field(conn, user.id, "language", language)
        return language

    # --- operator ------------------------------------------------------------------------------

    async def create_setup_code(self, cell_name: str, *, days: int = 14) -> str:
        """A one-time code that makes whoever uses it in a group the secretary of a new cell."""
        name = clean_text(cell_name, CELL_NAME_MAX)
        if name is None:
            raise BadInput(
                N_("Give the cell's name (up to 100 characters)."), example='/newcell "Chi bộ 1"'
            )
        if not 1 <= days <= 90:
            raise BadInput(N_("A code is valid for 1 to 90 days."))
        raw = "".join(
            secrets.choice(SETUP_CODE_ALPHABET)
            for _ in range(SETUP_CODE_GROUPS * SETUP_CODE_GROUP_LEN)
        )
        code = "-".join(
            raw[i : i + SETUP_CODE_GROUP_LEN] for i in range(0, len(raw), SETUP_CODE_GROUP_LEN)
        )
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await repo.insert_setup_code(
                conn, hash_code(code), name, now, now + timedelta(days=days)
            )
        return code

    async def operator_cell_code(self, identity: Identity, cell_name: str) -> str:
        """An operator asks for a setup code from the chat."""
        if not self.is_operator(identity):
            raise Refused(N_("Only operators can do this."))
        return await self.create_setup_code(cell_name)

    async def list_cells(self, identity: Identity | None = None) -> list[tuple[Cell, int, int]]:
        """Every cell with active and pending counts (operators only; None is the CLI)."""
        if identity is not None and not self.is_operator(identity):
            raise Refused(N_("Only operators can do this."))
        async with self.db.reading() as conn:
            return await repo.list_cells(conn)

    # --- setup and joining ---------------------------------------------------------------------

    async def setup_cell(self, identity: Identity, chat: ChatRef, code: str | None) -> Cell:
        """Bind the group to a new cell and make the caller its secretary."""
        if chat.is_private:
            raise BadInput(
                N_("Use /setup in the group of your cell, after adding the bot there."),
                example="/setup ABCD-EFGH-JKLM",
            )
        now = self.clock.now()
        async with self.db.transaction() as conn:
            existing = await repo.get_cell_by_chat(conn, chat.channel, chat.chat_id)
            if existing is not None:
                raise Conflict(N_("This group is already the cell «{name}»."), name=existing.name)
            code_hash: str | None = None
            if code:
                code_hash = hash_code(code)
                row = await repo.get_setup_code(conn, code_hash)
                if (
                    row is None
                    or row["used_at"] is not None
                    or datetime.fromisoformat(row["expires_at"]) <= now
                ):
                    raise BadInput(
                        N_("This setup code is wrong, used or expired. Ask your operator."),
                        example="/setup ABCD-EFGH-JKLM",
                    )
                name = row["cell_name"]
            elif self.settings.registration == "open":
                name = clean_text(chat.title or "", CELL_NAME_MAX) or chat.chat_id
            else:
                raise BadInput(
                    N_("Give the setup code you received from your operator."),
                    example="/setup ABCD-EFGH-JKLM",
                )
            user = await self.ensure_user(conn, identity)
            cell = await repo.insert_cell(
                conn,
                name=name,
                channel=chat.channel,
                chat_id=chat.chat_id,
                chat_title=chat.title,
                timezone=self.settings.timezone,
                language=self.settings.default_language,
                now=now,
            )
            if code_hash is not None and not await repo.use_setup_code(
                conn, code_hash, cell.id, now
            ):
                raise BadInput(N_("This setup code is wrong, used or expired. Ask your operator."))
            await repo.insert_membership(
                conn,
                cell_id=cell.id,
                user_id=user.id,
                status=Status.ACTIVE,
                kind=Kind.OFFICIAL,
                role=Role.SECRETARY,
                via="setup",
                now=now,
            )
        return cell

    async def _request(
        self, conn: aiosqlite.Connection, identity: Identity, cell: Cell, via: str
    ) -> JoinRequest:
        user = await self.ensure_user(conn, identity)
        now = self.clock.now()
        membership = await repo.get_membership(conn, cell.id, user.id)
        if membership is not None and membership.status is Status.ACTIVE:
            raise Conflict(N_("You are already a member of «{name}»."), name=cell.name)
        if membership is not None and membership.status is Status.PENDING:
            raise Conflict(
                N_("Your request to join «{name}» is waiting for the secretary."), name=cell.name
            )
        if membership is None:
            await repo.insert_membership(
                conn,
                cell_id=cell.id,
                user_id=user.id,
                status=Status.PENDING,
                kind=Kind.OFFICIAL,
                role=Role.MEMBER,
                via=via,
                now=now,
            )
        else:
            await repo.update_membership(
                conn, membership, changed_by=user.id, now=now, status=Status.PENDING, via=via
            )
        fresh = await repo.get_membership(conn, cell.id, user.id)
        assert fresh is not None
        leaders = [
            m.user for m in await repo.list_memberships(conn, cell.id) if m.role in LEADER_ROLES
        ]
        return JoinRequest(cell, fresh, leaders)

    async def request_join(self, identity: Identity, chat: ChatRef) -> JoinRequest:
        """Ask to join the group's cell; the secretary decides."""
        if chat.is_private:
            raise BadInput(
                N_("Send /join in your cell's group, or open the invite link from your secretary.")
            )
        async with self.db.transaction() as conn:
            cell = await self.cell_in_conn(conn, identity, chat)
            return await self._request(conn, identity, cell, "join")

    async def create_invite(self, identity: Identity, chat: ChatRef, args: list[str]) -> Invite:
        """An expiring, limited-use invite code for the cell (leaders only)."""
        example = "/invite 10 7"
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if len(args) > 2 or not all(re.fullmatch(r"[0-9]{1,4}", a) for a in args):
            raise BadInput(N_("Give the number of uses (1-100) and days (1-30)."), example=example)
        uses = int(args[0]) if args else 10
        days = int(args[1]) if len(args) > 1 else 7
        if not (1 <= uses <= 100 and 1 <= days <= 30):
            raise BadInput(N_("Give the number of uses (1-100) and days (1-30)."), example=example)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            cell = await self.cell_in_conn(conn, identity, chat)
            actor, user = await self.actor_in(conn, identity, cell)
            self.require(actor, Action.MANAGE_MEMBERS)
            assert user is not None
            code = secrets.token_urlsafe(12)
            expires = now + timedelta(days=days)
            await repo.insert_invite(
                conn,
                cell_id=cell.id,
                code=code,
                created_by=user.id,
                now=now,
                expires=expires,
                max_uses=uses,
            )
        return Invite(cell, code, expires, uses)

    async def redeem_invite(self, identity: Identity, payload: str) -> JoinRequest:
        """Join through an invite deep link: a request the secretary approves."""
        code = payload[len(INVITE_PREFIX) :] if payload.startswith(INVITE_PREFIX) else ""
        async with self.db.transaction() as conn:
            invite = await repo.get_invite(conn, code) if code else None
            if invite is None or not await repo.use_invite(conn, invite["id"], self.clock.now()):
                raise BadInput(
                    N_("This invite link is wrong, used up or expired. Ask your secretary.")
                )
            cell = await repo.get_cell(conn, invite["cell_id"])
            assert cell is not None
            return await self._request(conn, identity, cell, "invite")

    async def decide_join(
        self, identity: Identity, membership_id: int, kind: Kind | None
    ) -> JoinDecision:
        """Approve a request with the member's kind, or decline it (kind None)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            membership = await repo.get_membership_by_id(conn, membership_id)
            cell = await repo.get_cell(conn, membership.cell_id) if membership else None
            if membership is None or cell is None:
                raise NotFound(N_("This request no longer exists."))
            actor, _ = await self.actor_in(conn, identity, cell)
            self.require(actor, Action.MANAGE_MEMBERS)
            if membership.status is not Status.PENDING:
                raise Conflict(N_("This request was already decided."))
            status = Status.ACTIVE if kind is not None else Status.DECLINED
            await repo.update_membership(
                conn, membership, changed_by=actor.user_id, now=now, status=status, kind=kind
            )
            fresh = await repo.get_membership_by_id(conn, membership_id)
            assert fresh is not None
        return JoinDecision(cell, fresh, kind is not None)

    # --- roster --------------------------------------------------------------------------------

    async def roster(self, identity: Identity, chat: ChatRef) -> Roster:
        """The cell's members as the caller may see them."""
        async with self.db.reading() as conn:
            cell = await self.cell_in_conn(conn, identity, chat)
            actor, _ = await self.actor_in(conn, identity, cell)
            self.require(actor, Action.VIEW_MEMBERS)
            members = await repo.list_memberships(conn, cell.id)
            manage = actor.may(Action.MANAGE_MEMBERS)
            pending = (
                await repo.list_memberships(conn, cell.id, (Status.PENDING,)) if manage else []
            )
        return Roster(cell, members, pending, manage)

    async def member(self, identity: Identity, membership_id: int) -> tuple[Cell, Membership]:
        """One member's card, for a leader of their cell."""
        async with self.db.reading() as conn:
            membership = await repo.get_membership_by_id(conn, membership_id)
            cell = await repo.get_cell(conn, membership.cell_id) if membership else None
            if membership is None or cell is None or not membership.active:
                raise NotFound(N_("This member is no longer in the cell."))
            actor, _ = await self.actor_in(conn, identity, cell)
            self.require(actor, Action.MANAGE_MEMBERS)
        return cell, membership

    async def _target(
        self, conn: aiosqlite.Connection, cell: Cell, ref: MemberRef | int
    ) -> Membership:
        found: Membership | None = None
        if isinstance(ref, int):
            found = await repo.get_membership_by_id(conn, ref)
            if found is not None and found.cell_id != cell.id:
                found = None
        elif ref.number is not None:
            found = await repo.get_membership_by_number(conn, cell.id, ref.number)
        elif ref.username is not None:
            matches = await repo.find_memberships_by_username(conn, cell.id, ref.username)
            found = matches[0] if len(matches) == 1 else None
        elif ref.external_id is not None:
            user = await repo.get_user(conn, cell.channel, ref.external_id)
            found = await repo.get_membership(conn, cell.id, user.id) if user else None
        if found is None or not found.active:
            raise NotFound(
                N_("No such member in this cell. See the numbers in /members."), example="/members"
            )
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
    ) -> tuple[Cell, Membership]:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if isinstance(where, ChatRef):
                cell = await self.cell_in_conn(conn, identity, where)
            else:
                found_cell = await repo.get_cell(conn, where)
                if found_cell is None:
                    raise NotFound(N_("This member is no longer in the cell."))
                cell = found_cell
            actor, _ = await self.actor_in(conn, identity, cell)
            self.require(actor, Action.MANAGE_MEMBERS)
            target = await self._target(conn, cell, ref)
            if target.role is Role.SECRETARY and (remove or role is not None):
                raise Refused(N_("The secretary's role cannot be changed or removed here."))
            if remove and actor.user_id == target.user.id:
                raise Refused(N_("You cannot remove yourself."))
            await repo.update_membership(
                conn,
                target,
                changed_by=actor.user_id,
                now=now,
                kind=kind,
                role=role,
                status=Status.REMOVED if remove else None,
            )
            fresh = await repo.get_membership_by_id(conn, target.id)
            assert fresh is not None
        return cell, fresh

    async def set_kind(
        self, identity: Identity, where: ChatRef | int, ref: MemberRef | int, kind: Kind
    ) -> tuple[Cell, Membership]:
        """Change a member's kind (official, probationary, exempted, elsewhere)."""
        return await self._change(identity, where, ref, kind=kind)

    async def set_role(
        self, identity: Identity, where: ChatRef | int, ref: MemberRef | int, role: Role
    ) -> tuple[Cell, Membership]:
        """Make a member deputy secretary, ordinary member or guest."""
        if role is Role.SECRETARY:
            raise BadInput(N_("Choose deputy, member or guest."), example=EXAMPLE_ROLE)
        return await self._change(identity, where, ref, role=role)

    async def remove_member(
        self, identity: Identity, where: ChatRef | int, ref: MemberRef | int
    ) -> tuple[Cell, Membership]:
        """Take a member off the roster (their history is kept)."""
        return await self._change(identity, where, ref, remove=True)

    # --- the group itself ----------------------------------------------------------------------

    async def cell_of_chat(self, chat: ChatRef) -> Cell | None:
        """The cell bound to a group, if any (no authorization: for the bot's own use)."""
        async with self.db.reading() as conn:
            return await repo.get_cell_by_chat(conn, chat.channel, chat.chat_id)

    async def set_bot_presence(self, chat: ChatRef, present: bool) -> Cell | None:
        """The bot was removed from or re-added to a cell's group; the cell keeps its data."""
        async with self.db.transaction() as conn:
            cell = await repo.get_cell_by_chat(conn, chat.channel, chat.chat_id)
            if cell is not None and cell.bot_present != present:
                await repo.set_cell_presence(conn, cell.id, present)
        return cell

    async def migrate_chat(self, channel: str, old_chat_id: str, new_chat_id: str) -> Cell | None:
        """A group became a supergroup with a new id: the cell follows it."""
        async with self.db.transaction() as conn:
            cell = await repo.get_cell_by_chat(conn, channel, old_chat_id)
            if cell is None:
                return None
            if await repo.get_cell_by_chat(conn, channel, new_chat_id) is not None:
                logger.warning("cell %s: target chat of migration already bound", cell.id)
                return None
            await repo.set_cell_chat(conn, cell.id, new_chat_id)
            return await repo.get_cell(conn, cell.id)

    async def user_cells(self, identity: Identity) -> list[tuple[Cell, Membership]]:
        """The caller's active memberships."""
        async with self.db.reading() as conn:
            user = await repo.get_user(conn, identity.channel, identity.external_id)
            return await repo.user_memberships(conn, user.id) if user else []

    async def membership_in(self, identity: Identity, chat: ChatRef) -> Membership | None:
        """The caller's membership in the group's cell (for /help)."""
        async with self.db.reading() as conn:
            cell = await repo.get_cell_by_chat(conn, chat.channel, chat.chat_id)
            if cell is None:
                return None
            _, user = await self.actor_in(conn, identity, cell)
            return await repo.get_membership(conn, cell.id, user.id) if user else None

    async def summoned_users(self, cell_id: int) -> list[User]:
        """Members summoned to the cell's meetings (for notifications; no authorization)."""
        async with self.db.reading() as conn:
            return [m.user for m in await repo.list_memberships(conn, cell_id) if is_summoned(m)]
