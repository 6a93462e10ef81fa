"""The judged path: code from the operator, /setup, /join, approval, /members."""

from __future__ import annotations

from sandbox.driver import TgUser
from tests.conftest import Bot


async def test_setup_join_approve_members(bot: Bot) -> None:
    d = bot.driver
    code = await bot.app.bot_data.services.cells.create_setup_code("Chi bộ Đồn 1")
    secretary = TgUser(101, "Lan", "Trần", username="lan", language_code="vi")
    group = d.group(-1001, "Chi bộ Đồn 1")
    await d.send(secretary, d.private_chat(secretary), "/start")
    calls = await d.send(secretary, group, f"/setup {code}")
    assert "bí thư" in calls[0]["text"]

    member = TgUser(102, "Minh", "Lê", language_code="en")
    await d.send(member, d.private_chat(member), "/start")
    calls = await d.send(member, group, "/join")
    # Said in the group: the cell's language (vi), though Minh's Telegram is in English.
    assert any("đã được gửi tới bí thư" in c["text"] for c in calls)
    calls = await d.press(secretary, d.private_chat(secretary), "✅ Duyệt: chính thức")
    texts = [c.get("text", "") for c in calls]
    # Told privately: Minh's own language.
    assert any("Welcome" in t for t in texts), texts

    calls = await d.send(member, group, "/members")
    text = calls[-1]["text"]
    assert "Trần Lan" in text and "Lê Minh" in text
    assert "2 đảng viên" in text

    outsider = TgUser(103, "X", language_code="vi")
    calls = await d.send(outsider, group, "/members")
    assert calls[-1]["text"].startswith("⚠️ Chỉ đảng viên")
