"""Who is told what after a committed change: the core decides, the delivery service sends.

Every notice goes through the ledger (a topic per event), so a notice is never sent twice;
failing to deliver one never undoes or hides the change it reports. What a passing failure
kept from going out is kept in the outbox and retried while it is useful (see
DeliveryService.deliver).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.access import outside_group, summoned
from bot.domain.cells import KIND_LABELS, ROLE_LABELS, Cell, Membership, Status, Via
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.meetings import Meeting, MeetingType, Reply
from bot.domain.messages import Content, Group, Letter, Outcome, Person
from bot.i18n import N_, Translator, resolve_language, translator
from bot.ports import Clock, Notifier, Store
from bot.services.delivery import DeliveryService
from bot.texts import absence_choices, answer_choices, join_choices, when_params
from config import Settings

# A meeting this close is announced privately at once (the day-ahead reminder may be past).
SOON = timedelta(hours=24)

logger = logging.getLogger(__name__)

MOVED = N_("📅 Meeting #{id} «{title}» moved from {old} to {when}.")
CANCELLED = N_("❌ Meeting #{id} «{title}» at {when} is cancelled.")
NEW = N_("📅 New meeting #{id} ({kind}): {title}, {when}.")
CANCELLED_WITH_REASON = N_("❌ Meeting #{id} «{title}» at {when} is cancelled. Reason: {reason}")
RESTORED = N_("✅ Meeting #{id} «{title}» takes place after all: {when}.")
LINK_CHANGED = N_("🔗 New link for meeting #{id} «{title}» ({when}): {link}")
AMENDED = N_("✏️ Meeting #{id} changed: «{title}», {when}.")


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp()))


class NoticeService:
    """Notices of meetings moved, cancelled or added, of join requests and decisions, of
    absence requests and decisions."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        delivery: DeliveryService,
        notifier: Notifier,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.delivery = delivery
        self.notifier = notifier

    def tr(self, user: User) -> Translator:
        """Texts in a known user's language."""
        return translator(
            resolve_language(user.language, user.platform_language, self.settings.default_language)
        )

    async def meeting_changed(
        self,
        message: str,
        topic: str,
        cell: Cell,
        meeting: Meeting,
        actor: Identity,
        chat: ChatRef,
        previous_start: datetime | None = None,
        reason: str | None = None,
    ) -> None:
        """Tell the group once and every summoned member privately (each in their language);
        the member who gave the command in private is not told twice."""
        extra = {"reason": reason} if reason else {}
        group_tr = translator(cell.language)
        letters: list[Letter] = []
        if cell.bot_present and cell.has_group:
            text = group_tr.gettext(
                message, **when_params(group_tr, cell, meeting, previous_start), **extra
            )
            letters.append(Letter(topic, "group", Group(cell), Content(text)))
        from_group = not chat.is_private and chat.chat_id == cell.chat_id
        async with self.store.reading() as uow:
            members = await uow.memberships.of_cell(cell.id)
        for user in summoned(members, meeting.type):
            if user.external_id == actor.external_id and not from_group:
                continue  # already answered in this private chat
            tr = self.tr(user)
            text = tr.gettext(message, **when_params(tr, cell, meeting, previous_start), **extra)
            letters.append(Letter(topic, str(user.id), Person(user), Content(text)))
        # A change of a meeting is news until the meeting (its old or new time) begins.
        until = max(meeting.starts_at, previous_start or meeting.starts_at)
        await self.delivery.deliver(letters, until=until)

    async def group_letters(
        self,
        topic: str,
        cell: Cell,
        group_text: str | None,
        text: Callable[[Translator], str],
        *,
        skip: Callable[[User], bool] = lambda user: False,
        meeting_type: MeetingType | None = None,
    ) -> list[Letter]:
        """What the group is told (``group_text``; None: not in the group), and the same
        privately to each summoned member who cannot read the group, in their language."""
        letters: list[Letter] = []
        if group_text is not None and cell.has_group:
            letters.append(Letter(topic, "group", Group(cell), Content(group_text)))
        async with self.store.reading() as uow:
            members = await uow.memberships.of_cell(cell.id)
        for user in outside_group(cell, summoned(members, meeting_type)):
            if not skip(user):
                content = Content(text(self.tr(user)))
                letters.append(Letter(topic, f"{user.id}:group", Person(user), content))
        return letters

    async def tell_operators(self, topic: str, text: Callable[[Translator], str]) -> None:
        """A message to each operator (ADMIN_IDS) who ever wrote to the bot, once per topic."""
        letters = []
        told: set[int] = set()  # an operator listed with both accounts is told once
        async with self.store.reading() as uow:
            for qualified in sorted(self.settings.admin_ids):
                channel, _, external_id = qualified.partition(":")
                user = await uow.users.get(channel, external_id)
                if user is None:
                    logger.warning("operator %s never wrote to the bot: not told", qualified)
                    continue
                if user.id in told:
                    continue
                told.add(user.id)
                content = Content(text(self.tr(user)))
                letters.append(Letter(topic, qualified, Person(user), content))
        await self.delivery.deliver(letters)

    async def meeting_added(self, cell: Cell, meeting: Meeting, chat: ChatRef) -> None:
        """A new meeting scheduled from elsewhere is announced in the group; members who
        cannot read the group are told privately (but the one who scheduled it there)."""

        def text(tr: Translator) -> str:
            return tr.gettext(NEW, **when_params(tr, cell, meeting))

        in_group = chat.chat_id == cell.chat_id
        group_text = None if in_group or not cell.bot_present else text(translator(cell.language))
        topic = f"scheduled:{meeting.id}"
        if meeting.starts_at - self.clock.now() >= SOON:
            letters = await self.group_letters(
                topic,
                cell,
                group_text,
                text,
                skip=lambda user: in_private_chat(user, chat),
                meeting_type=meeting.type,
            )
            await self.delivery.deliver(letters, until=meeting.starts_at)
            return
        # Less than a day ahead: the reminders before it may be past already, so every
        # summoned member hears of it privately now, with the answer buttons.
        letters = await self.group_letters(topic, cell, group_text, text, skip=lambda user: True)
        async with self.store.reading() as uow:
            members = await uow.memberships.of_cell(cell.id)
        for user in summoned(members, meeting.type):
            if in_private_chat(user, chat):
                continue
            tr = self.tr(user)
            content = Content(
                text(tr) + "\n" + tr.gettext("Please answer with one of the choices below."),
                answer_choices(tr, meeting.id),
            )
            letters.append(Letter(topic, str(user.id), Person(user), content))
        await self.delivery.deliver(letters, until=meeting.starts_at)

    async def join_requested(
        self, cell: Cell, membership: Membership, leaders: list[User]
    ) -> None:
        """Approve/decline choices to the leaders privately, or in the group if none of them
        can be reached."""
        # Each request is its own event (a declined member may ask again the same minute).
        topic = f"join:{membership.id}:{_stamp(membership.requested_at)}:{secrets.token_hex(4)}"
        letters = []
        for leader in leaders:
            tr = self.tr(leader)
            content = Content(
                _join_request_text(tr, cell, membership), join_choices(tr, membership.id)
            )
            letters.append(Letter(topic, str(leader.id), Person(leader), content))
        report = await self.delivery.deliver(letters)
        # Only when no leader can ever get it privately; a passing failure is retried.
        if all(letter in report.unreachable for letter in letters):
            tr = translator(cell.language)
            text = (
                _join_request_text(tr, cell, membership)
                + "\n"
                + tr.gettext(
                    "(The secretary can approve here: nobody in charge can be messaged privately.)"
                )
            )
            content = Content(text, join_choices(tr, membership.id))
            await self.delivery.send(Letter(topic, "group", Group(cell), content))
        logger.info("join request %s for cell %s (%s)", membership.id, cell.id, membership.via)

    async def join_decided(
        self, cell: Cell, member: Membership, approved: bool, chat: ChatRef | None
    ) -> None:
        """The applicant is told; an approval is announced in the group unless decided there."""
        tr = self.tr(member.user)
        if approved:
            text = tr.gettext(
                "Welcome to «{cell}»! Send /help to see what you can do.", cell=cell.name
            )
        else:
            text = tr.gettext("Your request to join «{cell}» was declined.", cell=cell.name)
        topic = f"decided:{member.id}:{_stamp(member.requested_at)}:{secrets.token_hex(4)}"
        outcome = await self.delivery.send(
            Letter(topic, str(member.user.id), Person(member.user), Content(text))
        )
        if not approved:
            return

        def joined(tr: Translator) -> str:
            return tr.gettext("{name} joined the cell.", name=member.user.name)

        group_text = None
        if chat is None or chat.chat_id != cell.chat_id:
            group_tr = translator(self.settings.default_language)
            group_text = joined(group_tr)
            if outcome is Outcome.UNREACHABLE:
                group_text += "\n" + group_tr.gettext(
                    "{name}: open {link} and press Start to get reminders privately.",
                    name=member.user.name,
                    link=self.notifier.private_chat_link(),
                )
        letters = await self.group_letters(
            topic,
            cell,
            group_text,
            joined,
            # Neither the new member nor the leader who decided in their private chat.
            skip=lambda user: (
                user.id == member.user.id or (chat is not None and in_private_chat(user, chat))
            ),
        )
        await self.delivery.deliver(letters)

    async def member_changed(self, cell: Cell, before: Membership, after: Membership) -> None:
        """The member is told privately of a change of role or kind, or of being removed."""
        member = after.user
        tr = self.tr(member)
        if after.status is Status.REMOVED:
            text = tr.gettext(
                "You were taken off the roster of «{cell}». If this is a mistake, ask the "
                "secretary.",
                cell=cell.name,
            )
        else:
            lines = []
            if after.role is not before.role:
                lines.append(
                    tr.gettext(
                        "Your role in «{cell}» is now: {role}.",
                        cell=cell.name,
                        role=tr.gettext(ROLE_LABELS[after.role]),
                    )
                )
            if after.kind is not before.kind:
                lines.append(
                    tr.gettext(
                        "Your standing in «{cell}» is now: {kind}.",
                        cell=cell.name,
                        kind=tr.gettext(KIND_LABELS[after.kind]),
                    )
                )
            if not lines:
                return
            text = "\n".join(lines)
        topic = f"member-changed:{after.id}:{_stamp(self.clock.now())}:{secrets.token_hex(4)}"
        await self.delivery.deliver([Letter(topic, str(member.id), Person(member), Content(text))])

    async def absence_requested(
        self, meeting: Meeting, member: User, reason: str, leaders: list[User]
    ) -> None:
        """The leaders get the request with approve/decline choices."""
        topic = f"absence:{meeting.id}:{member.id}:{_stamp(self.clock.now())}"
        letters = []
        for leader in leaders:
            tr = self.tr(leader)
            text = tr.gettext(
                "{name} asks to be excused from meeting #{id} «{title}»: {reason}",
                name=member.name,
                id=meeting.number,
                title=meeting.title,
                reason=reason,
            )
            content = Content(text, absence_choices(tr, meeting.id, member.id))
            letters.append(Letter(topic, str(leader.id), Person(leader), content))
        await self.delivery.deliver(letters, until=meeting.starts_at)

    async def absence_decided(self, meeting: Meeting, member: User, status: Reply) -> None:
        """The member is told whether the absence is approved."""
        tr = self.tr(member)
        if status is Reply.ABSENT_WITH_REASON:
            text = tr.gettext(
                "Your absence from meeting #{id} «{title}» is approved.",
                id=meeting.number,
                title=meeting.title,
            )
        else:
            text = tr.gettext(
                "Your absence from meeting #{id} «{title}» was not accepted; please attend.",
                id=meeting.number,
                title=meeting.title,
            )
        topic = f"absence-decided:{meeting.id}:{member.id}:{_stamp(self.clock.now())}"
        await self.delivery.send(
            Letter(topic, str(member.id), Person(member), Content(text)), until=meeting.starts_at
        )


async def meeting_kind_changed(
    notices: NoticeService,
    cell: Cell,
    meeting: Meeting,
    previous: MeetingType,
    actor: Identity,
    chat: ChatRef,
) -> None:
    """A meeting's kind changed: the group is told once (unless it was changed there), and
    privately everyone summoned before or after the change (a member no longer summoned to a
    meeting that became a committee meeting must know it), each in their language, but the one
    who changed it in their private chat."""

    def text(tr: Translator) -> str:
        line = tr.gettext(KIND_CHANGED, **when_params(tr, cell, meeting))
        if meeting.type is MeetingType.COMMITTEE:
            line += "\n" + tr.gettext(COMMITTEE_ONLY)
        return line

    topic = f"kind:{meeting.id}:{meeting.type.value}:{_stamp(notices.clock.now())}"
    letters: list[Letter] = []
    from_group = not chat.is_private and chat.chat_id == cell.chat_id
    if cell.bot_present and cell.has_group and not from_group:
        group = Content(text(translator(cell.language)))
        letters.append(Letter(topic, "group", Group(cell), group))
    async with notices.store.reading() as uow:
        members = await uow.memberships.of_cell(cell.id)
    told = summoned(members, previous) + summoned(members, meeting.type)
    for user in dict.fromkeys(told):
        if user.external_id == actor.external_id and chat.is_private:
            continue  # already answered in this private chat
        if from_group and cell.sees_group(user):
            continue  # read it in the group, where the change was answered
        content = Content(text(notices.tr(user)))
        letters.append(Letter(topic, str(user.id), Person(user), content))
    await notices.delivery.deliver(letters, until=meeting.starts_at)


KIND_CHANGED = N_("📅 Meeting #{id} «{title}» at {when} is now a {kind}.")
COMMITTEE_ONLY = N_(
    "Only the cell committee (secretary, deputies, committee members) is summoned."
)


def _join_request_text(tr: Translator, cell: Cell, membership: Membership) -> str:
    user = membership.user
    username = f" (@{user.username})" if user.username else ""
    how = (
        tr.gettext("by invite link") if membership.via == Via.INVITE else tr.gettext("with /join")
    )
    return tr.gettext(
        "{name}{username} asks to join «{cell}» {how}.",
        name=user.name,
        username=username,
        cell=cell.name,
        how=how,
    )


def in_private_chat(user: User, chat: ChatRef) -> bool:
    """Whether the chat is the user's own private chat with the bot."""
    return (
        chat.is_private and user.channel == chat.channel and user.private_chat_id == chat.chat_id
    )
