"""People's names in Vietnamese order: family name, middle name, given name."""

from __future__ import annotations

from bot.domain.cells import normalize_word

# The most common Vietnamese family names (without diacritics, as normalize_word gives them):
# enough to see that a first-name field already holds the family name.
_FAMILY_NAMES_TEXT = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn "
    "Trịnh Trương Lâm Phùng Đào Cao Lương Tạ Chu Lưu Kiều Thái Tô Quách Tôn Nghiêm Vương "
    "Lại Triệu Đàm Khổng Mạc Thân Hứa Tăng Diệp Châu Doãn Khúc Lục Ninh Quan"
)
FAMILY_NAMES = frozenset(normalize_word(name) for name in _FAMILY_NAMES_TEXT.split(" "))


def _is_family_name(words: str) -> bool:
    first = words.split(maxsplit=1)[0] if words.strip() else ""
    return normalize_word(first) in FAMILY_NAMES


def vietnamese_order(first_name: str, last_name: str | None) -> str:
    """A full name from a profile's first and last name, family name first ("An" + "Nguyễn
    Văn" -> "Nguyễn Văn An"). Profiles are often filled the Western way, or the other way
    round: a first-name field that starts with a family name (and a last-name field that does
    not) is kept in front."""
    # Shown as given (a name is data): only the order changes.
    first, last = first_name.strip(), (last_name or "").strip()
    if not last:
        return first
    if not first:
        return last
    if _is_family_name(first) and not _is_family_name(last):
        return f"{first} {last}"
    return f"{last} {first}"
