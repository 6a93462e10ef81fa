"""The services the edges call, built once by the wiring point over the ports."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ports import Clock, Notifier, Scheduler, Store
from bot.services.access import Access
from bot.services.accounts import AccountService
from bot.services.attendance import AttendanceService
from bot.services.cells import CellService
from bot.services.delivery import DeliveryService
from bot.services.dialogs import DialogService
from bot.services.meetings import MeetingService
from bot.services.members import MemberService
from bot.services.minutes import MinutesService
from bot.services.notices import NoticeService
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.running import RunningService
from bot.services.voting import VotingService
from config import Settings


@dataclass
class Services:
    """Everything an edge may call."""

    settings: Settings
    clock: Clock
    store: Store
    access: Access
    delivery: DeliveryService
    notices: NoticeService
    cells: CellService
    members: MemberService
    meetings: MeetingService
    attendance: AttendanceService
    reminders: ReminderService
    dialogs: DialogService
    accounts: AccountService
    reports: ReportService
    voting: VotingService
    running: RunningService
    minutes: MinutesService

    @classmethod
    def build(
        cls,
        settings: Settings,
        clock: Clock,
        store: Store,
        notifier: Notifier,
        scheduler: Scheduler,
    ) -> Services:
        """Wire the services over one store, one notifier and one scheduler."""
        access = Access(settings.admin_ids)
        delivery = DeliveryService(store, notifier, clock, scheduler)
        notices = NoticeService(store, settings, clock, delivery, notifier)
        reminders = ReminderService(store, settings, clock, access, scheduler, delivery)
        minutes = MinutesService(store, settings, clock, access, delivery, notices)
        voting = VotingService(store, clock, access, delivery)
        # The minutes state the meeting's votes; closing the meeting closes those running.
        minutes.vote_records = voting.vote_records
        # Meetings left open are closed by the hourly sweep (and at start).
        reminders.sweeps.append(minutes.auto_close_due)
        reports = ReportService(store, settings, clock, access, delivery)
        # The attendance alerts ride the hourly sweep (after the meetings left open are closed).
        reminders.hourly.append(reports.send_alerts)
        return cls(
            settings=settings,
            clock=clock,
            store=store,
            access=access,
            delivery=delivery,
            notices=notices,
            cells=CellService(store, settings, clock, access),
            members=MemberService(store, settings, clock, access, notices),
            meetings=MeetingService(store, settings, clock, access, reminders, notices),
            attendance=AttendanceService(store, clock, access, notices),
            reminders=reminders,
            dialogs=DialogService(store, clock),
            accounts=AccountService(store, clock),
            reports=reports,
            voting=voting,
            running=RunningService(store, settings, clock, access, delivery),
            minutes=minutes,
        )
