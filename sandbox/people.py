"""The demo cell the sandbox starts with: its group, its people, the bot's token."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from sandbox.driver import TgChat, TgUser

# Any well-formed token: the sandbox's Bot API answers every token.
SANDBOX_TOKEN = "7000000001:sandbox-local-not-a-real-token"
GROUP_ID = -1001000000001
GROUP_TITLE = "Chi bộ Khu phố 3"
GROUP = TgChat(GROUP_ID, "supergroup", GROUP_TITLE)


@dataclass(frozen=True)
class Person:
    """Someone the trainee can play: who they are in Telegram and in the demo cell."""

    key: str
    user: TgUser
    full_name: str
    role: str  # a message id, translated on the page
    # How they enter the demo cell when it is seeded: None (not a member), or the kind the
    # secretary approves them with ("o" official, "p" probationary) and the command that
    # then gives them their place (/kind, /role).
    joins_as: str | None = None
    then: str | None = None


OPERATOR = Person(
    "operator",
    TgUser(900001, "Quân", "Hoàng", username="quan_hoang", language_code="vi"),
    "Hoàng Văn Quân",
    N_("Operator (runs the bot)"),
)
SECRETARY = Person(
    "secretary",
    TgUser(900002, "Lan", "Nguyễn", username="lan_nguyen", language_code="vi"),
    "Nguyễn Thị Lan",
    N_("Secretary"),
)
PEOPLE: tuple[Person, ...] = (
    OPERATOR,
    SECRETARY,
    Person(
        "deputy",
        TgUser(900003, "Minh", "Trần", username="minh_tran", language_code="vi"),
        "Trần Văn Minh",
        N_("Deputy secretary"),
        joins_as="o",
        then="/role @minh_tran deputy",
    ),
    Person(
        "official",
        TgUser(900004, "Hùng", "Lê", username="hung_le", language_code="vi"),
        "Lê Văn Hùng",
        N_("Official member"),
        joins_as="o",
    ),
    Person(
        "official2",
        TgUser(900005, "Hoa", "Phạm", username="hoa_pham", language_code="vi"),
        "Phạm Thị Hoa",
        N_("Official member"),
        joins_as="o",
    ),
    Person(
        "probationary",
        TgUser(900006, "Nam", "Đỗ", username="nam_do", language_code="vi"),
        "Đỗ Hoài Nam",
        N_("Probationary member"),
        joins_as="p",
    ),
    Person(
        "exempted",
        TgUser(900007, "Thành", "Bùi", username="thanh_bui", language_code="vi"),
        "Bùi Công Thành",
        N_("Exempted member"),
        joins_as="o",
        then="/kind @thanh_bui exempted",
    ),
    Person(
        "guest",
        TgUser(900008, "Mai", "Vũ", username="mai_vu", language_code="vi"),
        "Vũ Thị Mai",
        N_("Guest"),
        joins_as="o",
        then="/role @mai_vu guest",
    ),
    Person(
        "newcomer",
        TgUser(900009, "Bảo", "Đặng", username="bao_dang", language_code="vi"),
        "Đặng Quốc Bảo",
        N_("New person (not in the cell yet)"),
    ),
)
BY_KEY = {person.key: person for person in PEOPLE}
BY_ID = {person.user.id: person for person in PEOPLE}
