"""Who the caller is in the cell an action touches: the cell of a chat, the actor, refusals."""

from __future__ import annotations

from bot.domain.access import MEMBER_ACTIONS, Action, Actor
from bot.domain.cells import Cell
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.meetings import Meeting
from bot.errors import BadInput, NotFound, Refused, Usage
from bot.i18n import N_
from bot.ports import UnitOfWork

REFUSE_NOT_MEMBER = N_("Only members of this cell can do this.")
REFUSE_NOT_LEADER = N_("Only the secretary or deputy secretary of this cell can do this.")
NO_SUCH_MEETING = N_("No such meeting. See the numbers in /meetings.")


class Access:
    """Role checks against one cell, for every service."""

    def __init__(self, operators: frozenset[str]) -> None:
        self.operators = operators

    def is_operator(self, identity: Identity) -> bool:
        """Whether the caller is listed in ADMIN_IDS (channel-qualified)."""
        return identity.qualified in self.operators

    async def actor_in(
        self, uow: UnitOfWork, identity: Identity, cell: Cell
    ) -> tuple[Actor, User | None]:
        """The caller as seen from a cell."""
        user, membership = await uow.memberships.of_person(
            cell.id, identity.channel, identity.external_id
        )
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

    async def cell_of(self, uow: UnitOfWork, identity: Identity, chat: ChatRef) -> Cell:
        """The cell a command is about: the group's, or in private the caller's only cell."""
        if not chat.is_private:
            cell = await uow.cells.get_by_chat(chat.channel, chat.chat_id)
            if cell is None:
                raise NotFound(
                    N_("This group is not a cell yet. The secretary starts with /setup CODE."),
                    usage=Usage.SETUP,
                )
            return cell
        user = await uow.users.get(identity.channel, identity.external_id)
        cells = await uow.memberships.of_user(user.id) if user else []
        if not cells:
            raise Refused(REFUSE_NOT_MEMBER)
        if len(cells) > 1:
            raise BadInput(
                N_("You belong to several cells: use this command in the cell's group.")
            )
        return cells[0][0]

    async def cell_for(
        self, uow: UnitOfWork, identity: Identity, chat: ChatRef, action: Action
    ) -> tuple[Cell, Actor]:
        """The chat's cell, once the caller may do the action there."""
        cell = await self.cell_of(uow, identity, chat)
        actor, _ = await self.actor_in(uow, identity, cell)
        self.require(actor, action)
        return cell, actor

    @staticmethod
    async def chat_may_show(uow: UnitOfWork, chat: ChatRef | None, cell: Cell) -> bool:
        """Whether a command given in this chat may act on that cell: in a group, only on the
        group's own cell (nothing of another cell is ever posted there); in private, any."""
        if chat is None or chat.is_private:
            return True
        if chat.channel == cell.channel and chat.chat_id == cell.chat_id:
            return True
        group_cell = await uow.cells.get_by_chat(chat.channel, chat.chat_id)
        return group_cell is not None and group_cell.id == cell.id

    async def meeting_by_number(
        self,
        uow: UnitOfWork,
        identity: Identity,
        chat: ChatRef | None,
        number: int,
        action: Action,
    ) -> tuple[Cell, Meeting, Actor]:
        """A meeting named by its number in its cell (what users type): in a group, of the
        group's cell; in private, of the caller's cell (several cells: the one that has it)."""
        if chat is not None and not chat.is_private:
            cell = await uow.cells.get_by_chat(chat.channel, chat.chat_id)
            cells = [cell] if cell is not None else []
        else:
            user = await uow.users.get(identity.channel, identity.external_id)
            cells = [c for c, _ in await uow.memberships.of_user(user.id)] if user else []
        found = [m for c in cells if (m := await uow.meetings.by_number(c.id, number))]
        if len(found) > 1:
            raise BadInput(
                N_("You belong to several cells: use this command in the cell's group.")
            )
        if not found:
            raise NotFound(NO_SUCH_MEETING, usage=Usage.MEETINGS)
        return await self.meeting_for(uow, identity, chat, found[0].id, action)

    async def meeting_for(
        self,
        uow: UnitOfWork,
        identity: Identity,
        chat: ChatRef | None,
        meeting_id: int,
        action: Action,
    ) -> tuple[Cell, Meeting, Actor]:
        """A meeting and its cell, once the caller may do the action there, from that chat
        (in a group, only a meeting of the group's cell: another cell's is as unknown there
        as a missing one)."""
        found = await uow.meetings.get_with_cell(meeting_id)
        if found is None or not await self.chat_may_show(uow, chat, found[1]):
            raise NotFound(NO_SUCH_MEETING, usage=Usage.MEETINGS)
        meeting, cell = found
        actor, _ = await self.actor_in(uow, identity, cell)
        if not actor.may(action):
            # A foreign cell's meeting is as invisible as a missing one; an operator sees
            # every cell's meetings, so is refused (as no member) rather than told it is gone.
            if not actor.may(Action.VIEW_MEETINGS):
                raise NotFound(NO_SUCH_MEETING, usage=Usage.MEETINGS)
            self.require(actor, action)
        return cell, meeting, actor
