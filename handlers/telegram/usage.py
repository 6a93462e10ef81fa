"""The Telegram command surface of errors: each core Usage as a typed example."""

from __future__ import annotations

from bot.errors import Usage, UserFacingError

USAGES: dict[Usage, tuple[str, dict[str, object]]] = {
    Usage.SETUP: ("/setup ABCD-EFGH-JKLM", {}),
    Usage.NEWCELL: ('/newcell "Chi bộ 1"', {}),
    Usage.NAME: ("/name Nguyễn Văn An", {}),
    Usage.INVITE: ("/invite 10 7", {}),
    Usage.KIND: ("/kind 3 probationary", {}),
    Usage.ROLE: ("/role 3 deputy", {}),
    Usage.REMOVE: ("/remove 3", {}),
    Usage.MEMBERS: ("/members", {}),
    Usage.MEETINGS: ("/meetings", {}),
    Usage.SCHEDULE: (
        "/schedule {when} {title}",
        {"when": "05/12/2026 19:30", "title": "Sinh hoạt chi bộ tháng 12"},
    ),
    Usage.MOVE: ("/move {id} {when}", {"id": 12, "when": "06/12/2026 19:30"}),
    Usage.AGENDA: ("/agenda 12 add Phát biểu của đảng viên mới", {}),
    Usage.REMINDERS: ("/reminders 24h 1h 0", {}),
    Usage.LANG: ("/lang en", {}),
    Usage.CONNECT: ("/connect 12345 67890", {}),
}


def example_of(error: UserFacingError) -> str | None:
    """The right form to show with an error: its command form, else its value example."""
    if error.usage is None:
        return error.example
    form, defaults = USAGES[error.usage]
    return form.format(**(defaults | error.usage_params))
