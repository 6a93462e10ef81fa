"""The domain: pure types and rules of cells, members, access, meetings and reminders.

Nothing here knows a channel, a database or a scheduler; every module is importable alone.
"""
