"""Cells: operators' setup codes, binding a group to a cell, the group's own life."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from datetime import timedelta

from bot.domain.cells import Cell, Kind, Role, Status, Via
from bot.domain.identity import ChatRef, Identity
from bot.errors import BadInput, Conflict, Refused, Usage
from bot.i18n import N_
from bot.ports import CellSummary, Clock, Store
from bot.services.access import Access
from config import Settings

logger = logging.getLogger(__name__)

SETUP_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SETUP_CODE_GROUPS = 3
SETUP_CODE_GROUP_LEN = 4
CELL_NAME_MAX = 100
BAD_CODE = N_("This setup code is wrong, used or expired. Ask your operator.")


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


class CellService:
    """Use cases of cells as a whole."""

    def __init__(self, store: Store, settings: Settings, clock: Clock, access: Access) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.access = access

    async def create_setup_code(self, cell_name: str, *, days: int = 14) -> str:
        """A one-time code that makes whoever uses it in a group the secretary of a new cell."""
        name = clean_text(cell_name, CELL_NAME_MAX)
        if name is None:
            raise BadInput(N_("Give the cell's name (up to 100 characters)."), usage=Usage.NEWCELL)
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
        async with self.store.transaction() as uow:
            await uow.setup_codes.insert(hash_code(code), name, now, now + timedelta(days=days))
        return code

    def require_operator(self, identity: Identity) -> None:
        """Refuse unless the caller is an operator (ADMIN_IDS)."""
        if not self.access.is_operator(identity):
            raise Refused(N_("Only operators can do this."))

    async def operator_cell_code(self, identity: Identity, cell_name: str) -> str:
        """An operator asks for a setup code from the chat."""
        if not self.access.is_operator(identity):
            raise Refused(N_("Only operators can do this."))
        return await self.create_setup_code(cell_name)

    async def list_cells(self, identity: Identity | None = None) -> list[CellSummary]:
        """Every cell with active and pending counts (operators only; None is the CLI)."""
        if identity is not None and not self.access.is_operator(identity):
            raise Refused(N_("Only operators can do this."))
        async with self.store.reading() as uow:
            return await uow.cells.summaries()

    async def setup_cell(self, identity: Identity, chat: ChatRef, code: str | None) -> Cell:
        """Bind the group to a new cell and make the caller its secretary."""
        if chat.is_private:
            raise BadInput(
                N_("Use /setup in the group of your cell, after adding the bot there."),
                usage=Usage.SETUP,
            )
        now = self.clock.now()
        async with self.store.transaction() as uow:
            existing = await uow.cells.get_by_chat(chat.channel, chat.chat_id)
            if existing is not None:
                raise Conflict(N_("This group is already the cell «{name}»."), name=existing.name)
            code_hash: str | None = None
            if code:
                code_hash = hash_code(code)
                found = await uow.setup_codes.get(code_hash)
                if found is None or not found.usable(now):
                    raise BadInput(BAD_CODE, usage=Usage.SETUP)
                name = found.cell_name
            elif self.settings.registration == "open":
                name = clean_text(chat.title or "", CELL_NAME_MAX) or chat.chat_id
            else:
                raise BadInput(
                    N_("Give the setup code you received from your operator."), usage=Usage.SETUP
                )
            user = await uow.users.upsert(identity, now)
            cell = await uow.cells.insert(
                name=name,
                channel=chat.channel,
                chat_id=chat.chat_id,
                chat_title=chat.title,
                timezone=self.settings.timezone,
                language=self.settings.default_language,
                now=now,
            )
            if code_hash is not None and not await uow.setup_codes.use(code_hash, cell.id, now):
                raise BadInput(BAD_CODE)
            await uow.memberships.insert(
                cell_id=cell.id,
                user_id=user.id,
                status=Status.ACTIVE,
                kind=Kind.OFFICIAL,
                role=Role.SECRETARY,
                via=Via.SETUP,
                now=now,
            )
        return cell

    async def cell_of_chat(self, chat: ChatRef) -> Cell | None:
        """The cell bound to a group, if any (no authorization: for the bot's own use)."""
        async with self.store.reading() as uow:
            return await uow.cells.get_by_chat(chat.channel, chat.chat_id)

    async def set_bot_presence(self, chat: ChatRef, present: bool) -> Cell | None:
        """The bot was removed from or re-added to a cell's group; the cell keeps its data."""
        async with self.store.transaction() as uow:
            cell = await uow.cells.get_by_chat(chat.channel, chat.chat_id)
            if cell is not None and cell.bot_present != present:
                await uow.cells.set_presence(cell.id, present)
        return cell

    async def migrate_chat(self, channel: str, old_chat_id: str, new_chat_id: str) -> Cell | None:
        """A group became a supergroup with a new id: the cell follows it."""
        async with self.store.transaction() as uow:
            cell = await uow.cells.get_by_chat(channel, old_chat_id)
            if cell is None:
                return None
            if await uow.cells.get_by_chat(channel, new_chat_id) is not None:
                logger.warning("cell %s: target chat of migration already bound", cell.id)
                return None
            await uow.cells.set_chat(cell.id, new_chat_id)
            return await uow.cells.get(cell.id)
