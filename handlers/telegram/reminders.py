"""Reminder jobs: armed from the database at start, sent once per recipient, never doubled.

The database is the record: a reminder row is pending until every recipient was handled, and a
delivery row is claimed before each message is sent. A job that fails for a passing reason
(Telegram 5xx, timeouts, a 429 the rate limiter could not wait out) releases its claim and is
tried again; one that was already claimed is never sent again, across restarts too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Message
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, Job, JobQueue

from bot.domain import User
from bot.i18n import Translator, translator
from bot.meetings import Reminder
from bot.services.meetings import Change, ReminderPlan
from handlers.telegram import meeting_render as mr
from handlers.telegram.context import BotApplication, BotContext, BotData

logger = logging.getLogger(__name__)

# A job that could not run on time (bot busy or down) still runs within this window; whether
# it is still useful is decided against the meeting's start in MeetingService.plan.
MISFIRE_GRACE_SECONDS = 7 * 24 * 3600
RETRY_AFTER = timedelta(seconds=30)
MAX_ATTEMPTS = 20
# Recurring rules keep their next occurrences scheduled; checked this often while running.
SERIES_CHECK_INTERVAL = timedelta(hours=6)


def job_name(reminder_id: int) -> str:
    """The deterministic job id of a reminder."""
    return f"reminder:{reminder_id}"


def arm(job_queue: JobQueue[Any], reminder: Reminder, *, delay: timedelta | None = None) -> None:
    """Schedule (or reschedule) the job of one reminder."""
    name = job_name(reminder.id)
    job_queue.run_once(
        fire,
        when=delay if delay is not None else reminder.due_at,
        data=reminder.id,
        name=name,
        job_kwargs={
            "id": name,
            "replace_existing": True,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            "coalesce": True,
        },
    )


def disarm(job_queue: JobQueue[Any], reminder_ids: list[int]) -> None:
    """Remove the jobs of voided reminders."""
    for reminder_id in reminder_ids:
        for job in job_queue.get_jobs_by_name(job_name(reminder_id)):
            job.schedule_removal()


def apply_change(job_queue: JobQueue[Any] | None, change: Change) -> None:
    """Arm and disarm the jobs a scheduling action asks for."""
    if job_queue is None:
        return
    disarm(job_queue, change.disarmed)
    for reminder in change.armed:
        arm(job_queue, reminder)


async def reschedule_all(application: BotApplication) -> int:
    """At start: arm every pending reminder; overdue ones run now (and are sent once if the
    meeting has not started). Returns the number of jobs armed."""
    services = application.bot_data.services
    job_queue = application.job_queue
    assert job_queue is not None
    await extend_series(application)
    job_queue.run_repeating(
        _extend_series_job,
        interval=SERIES_CHECK_INTERVAL,
        first=SERIES_CHECK_INTERVAL,
        name="series:extend",
        job_kwargs={"id": "series:extend", "replace_existing": True, "misfire_grace_time": None},
    )
    now = services.clock.now()
    pending = await services.meetings.pending_reminders()
    for reminder in pending:
        arm(job_queue, reminder, delay=timedelta(0) if reminder.due_at <= now else None)
    logger.info("armed %d pending reminders", len(pending))
    return len(pending)


async def extend_series(application: Application[Any, Any, Any, Any, BotData, Any]) -> int:
    """Schedule the coming occurrences of every recurring rule; returns how many were made."""
    changes = await application.bot_data.services.meetings.extend_all_series()
    for change in changes:
        apply_change(application.job_queue, change)
    return len(changes)


async def _extend_series_job(context: BotContext) -> None:
    made = await extend_series(context.application)
    if made:
        logger.info("scheduled %d coming occurrences of recurring meetings", made)


async def fire(context: BotContext) -> None:
    """The job of one reminder."""
    job = context.job
    assert job is not None and isinstance(job.data, int)
    await send_reminder(context, job.data, attempt=_attempt(job))


def _attempt(job: Job[BotContext]) -> int:
    name = job.name or ""
    return int(name.rsplit("#", 1)[1]) if "#" in name else 0


async def send_reminder(context: BotContext, reminder_id: int, *, attempt: int = 0) -> bool:
    """Send one reminder to the group and each summoned member who has not answered.

    Returns True when every recipient was handled."""
    meetings = context.services.meetings
    plan = await meetings.plan(reminder_id)
    if plan is None:
        return True
    try:
        await _deliver_all(context, plan)
    except (NetworkError, RetryAfter) as error:
        # NetworkError covers timeouts and 5xx; the claim of the failed message was released.
        logger.warning(
            "reminder %s interrupted (%s); will retry", reminder_id, type(error).__name__
        )
        if attempt + 1 < MAX_ATTEMPTS and context.job_queue is not None:
            name = f"{job_name(reminder_id)}#{attempt + 1}"
            context.job_queue.run_once(
                fire,  # type: ignore[arg-type]
                when=RETRY_AFTER,
                data=reminder_id,
                name=name,
                job_kwargs={
                    "id": name,
                    "replace_existing": True,
                    "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                },
            )
        return False
    await meetings.finish(reminder_id)
    return True


async def _deliver_all(context: BotContext, plan: ReminderPlan) -> None:
    reminder_id = plan.reminder.id
    cell = plan.cell
    group_tr = translator(cell.language)
    if cell.bot_present:
        await _once(
            context,
            "reminder",
            reminder_id,
            "group",
            lambda: context.bot.send_message(
                int(cell.chat_id), mr.reminder_text(group_tr, plan.meeting, plan.reminder, cell)
            ),
        )
        for doc in plan.documents:
            if not doc.confidential:
                await _once(
                    context,
                    "document",
                    doc.id,
                    "group",
                    lambda d=doc: context.bot.send_document(  # type: ignore[misc]
                        int(cell.chat_id), d.file_id, caption=d.file_name[:1024]
                    ),
                )
    unreachable: list[User] = []
    for user in plan.summoned:
        tr = await _tr(context, user)
        if user in plan.recipients:
            reached = await _private_once(
                context,
                "reminder",
                reminder_id,
                user,
                lambda chat_id, tr=tr: context.bot.send_message(  # type: ignore[misc]
                    chat_id,
                    mr.reminder_text(tr, plan.meeting, plan.reminder, cell, private=True),
                    reply_markup=mr.answer_keyboard(tr, plan.meeting.id),
                ),
            )
            if not reached:
                unreachable.append(user)
        for doc in plan.documents:
            if doc.confidential:
                await _private_once(
                    context,
                    "document",
                    doc.id,
                    user,
                    lambda chat_id, d=doc: context.bot.send_document(  # type: ignore[misc]
                        chat_id, d.file_id, caption=d.file_name[:1024], protect_content=True
                    ),
                )
    if unreachable:
        names = ", ".join(u.name for u in unreachable)
        for leader in plan.leaders:
            tr = await _tr(context, leader)
            await _private_once(
                context,
                "reminder",
                reminder_id,
                leader,
                lambda chat_id, tr=tr: context.bot.send_message(  # type: ignore[misc]
                    chat_id,
                    tr.gettext(
                        "These members cannot get private reminders (they must open the bot and "
                        "press Start): {names}",
                        names=names,
                    ),
                ),
                key_suffix=":unreachable",
            )


async def _tr(context: BotContext, user: User) -> Translator:
    return translator(await context.services.cells.user_language(user))


async def _once(
    context: BotContext,
    what: str,
    key: int,
    recipient: str,
    send: Callable[[], Awaitable[Message]],
) -> bool:
    """Claim, send, settle. False when the recipient cannot be reached."""
    meetings = context.services.meetings
    if not await meetings.claim(what, key, recipient):
        return True
    try:
        await send()
    except Forbidden:
        await meetings.settle(what, key, recipient, "unreachable")
        return False
    except (NetworkError, RetryAfter):
        await meetings.release(what, key, recipient)
        raise
    except TelegramError:
        # A permanent refusal (e.g. chat not found): recorded, never retried.
        logger.warning("%s %s to %s refused", what, key, recipient, exc_info=True)
        await meetings.settle(what, key, recipient, "unreachable")
        return False
    await meetings.settle(what, key, recipient, "delivered")
    return True


async def _private_once(
    context: BotContext,
    what: str,
    key: int,
    user: User,
    send: Callable[[int], Awaitable[Message]],
    *,
    key_suffix: str = "",
) -> bool:
    if not user.reachable or not user.private_chat_id:
        return False
    chat_id = int(user.private_chat_id)
    reached = await _once(context, what, key, f"{user.id}{key_suffix}", lambda: send(chat_id))
    if not reached:
        await context.services.cells.set_reachable(user.channel, user.external_id, False)
    return reached
