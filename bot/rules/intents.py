"""What typed words mean when they are not a command: an absence request written as a member
writes it to the secretary ("Em xin vắng buổi họp tối nay vì con ốm")."""

from __future__ import annotations

import re

from bot.rules.dates import fold

# Folded to ASCII without marks ("xin vắng" -> "xin vang"), so that words typed without
# diacritics on a cheap phone are read too.
_ABSENCE = re.compile(
    r"\b("
    r"xin (phep )?vang|xin (phep )?nghi|xin (phep )?khong (tham )?du|"
    r"(se |phai |bi )?vang mat|khong (the |duoc )?(tham du|du hop|den hop|hop duoc|du duoc)|"
    r"(can ?not|can'?t|won'?t be able to|unable to) (attend|make it|join|come)|"
    r"(will|shall) (be|miss) (absent|the meeting)|be absent|excuse me from|request absence"
    r")\b"
)


def reads_as_absence(text: str) -> bool:
    """Whether typed words ask to be excused from a meeting."""
    return bool(_ABSENCE.search(fold(text)))
