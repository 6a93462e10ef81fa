"""Scheduling rules without Telegram, database or scheduler: dates, recurrence, agendas, links."""
