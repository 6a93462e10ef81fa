"""The Zalo client through real HTTP against the fake platform: methods, 408, redelivery,
2000-character pieces, quota, both webhook shapes, and the token kept out of every error."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from handlers.zalo.client import (
    SECRET_HEADER,
    ZaloClient,
    ZaloError,
    ZaloNetworkError,
    parse_update,
    split_message,
    webhook_updates,
)
from tests.harness.zalo_server import FakeZalo, FakeZaloServer

TOKEN = "12345689:abc-xyz-SECRET"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    platform = FakeZalo(token=TOKEN)
    yield platform
    platform.assert_no_violations()


@pytest.fixture
async def client(fake: FakeZalo) -> AsyncIterator[ZaloClient]:
    with FakeZaloServer(fake) as server:
        zalo = ZaloClient(TOKEN, server.base_url)
        yield zalo
        await zalo.close()


async def test_get_me_and_webhook_lifecycle(client: ZaloClient, fake: FakeZalo) -> None:
    assert (await client.get_me())["account_name"] == "bot.cellmeet"
    # A bot that never had a webhook answers 404: no webhook, not an error.
    assert await client.get_webhook_info() is None
    await client.set_webhook("https://bot.example.org/zalo", "secret-123")
    assert await client.get_webhook_info() == "https://bot.example.org/zalo"
    with pytest.raises(ZaloError) as refused:
        await client.get_updates(wait=1)  # polling fails while a webhook is set
    assert refused.value.code == 400
    await client.delete_webhook()
    assert await client.get_webhook_info() is None  # url "" after deleteWebhook
    await client.send_chat_action("u1")


async def test_an_idle_poll_is_no_update_and_consumed_updates_come_back(
    client: ZaloClient, fake: FakeZalo
) -> None:
    assert await client.get_updates(wait=1) == []  # 408
    fake.user_sends("u1", "one")
    fake.user_sends("u1", "two")
    first = await client.get_updates(wait=1)
    second = await client.get_updates(wait=1)
    again = await client.get_updates(wait=1)
    assert [parse_update(u[0]).text for u in (first, second, again)] == [  # type: ignore[union-attr]
        "one",
        "two",
        "one",
    ]
    assert len(first) == 1  # one update per poll


async def test_long_texts_go_in_pieces_cut_at_line_ends(
    client: ZaloClient, fake: FakeZalo
) -> None:
    lines = [f"{n}. Nguyễn Văn Thành viên số {n} — đảng viên chính thức" for n in range(1, 120)]
    ids = await client.send_message("u1", "\n".join(lines))
    texts = fake.texts_to("u1")
    assert len(ids) == len(texts) > 1
    assert all(len(t) <= 2000 for t in texts)
    assert "\n".join(texts).split("\n") == lines  # nothing lost, no line cut


def test_split_message_cuts_one_long_line_and_keeps_short_text() -> None:
    assert split_message("Xin chào") == ["Xin chào"]
    pieces = split_message("chữ " * 1200)
    assert all(len(p.encode("utf-16-le")) // 2 <= 2000 for p in pieces)
    assert " ".join(pieces).split() == ("chữ " * 1200).split()


async def test_quota_exceeded_is_a_429(client: ZaloClient, fake: FakeZalo) -> None:
    fake.quota = 1
    await client.send_message("u1", "một")
    with pytest.raises(ZaloError) as over:
        await client.send_message("u1", "hai")
    assert over.value.quota_exceeded and over.value.passing
    assert over.value.description == "Quota exceeded"


async def test_the_token_is_in_no_error_and_no_log_line(
    fake: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # The bot quiets httpx (it logs whole URLs at INFO); everything else may talk.
    httpx_logger = logging.getLogger("httpx")
    level = httpx_logger.level
    httpx_logger.setLevel(logging.WARNING)
    with FakeZaloServer(fake) as server:
        wrong = ZaloClient("999:" + TOKEN.split(":")[1] + "x", server.base_url)
        with pytest.raises(ZaloError) as refused:
            await wrong.get_me()
        await wrong.close()
        assert refused.value.code == 401
        base = server.base_url
    # The server is gone: the connection is refused, nothing was sent.
    gone = ZaloClient(TOKEN, base)
    with pytest.raises(ZaloNetworkError) as network:
        await gone.send_message("u1", "xin chào")
    await gone.close()
    assert network.value.sent is False
    secret = TOKEN.split(":")[1]
    for error in (refused.value, network.value):
        assert secret not in str(error) and secret not in repr(error)
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
    httpx_logger.setLevel(level)
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_webhook_bodies_wrapped_or_bare_with_the_secret() -> None:
    bare = {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
            "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
            "text": "Xin chào",
            "message_id": "2d758cb5e222177a4e35",
            "date": 1750316131602,
        },
    }
    wrapped = {
        "ok": True,
        "result": {"message": bare["message"], "event_name": bare["event_name"]},
    }
    headers = {SECRET_HEADER.lower(): "secret-123"}
    for body in (bare, wrapped):
        status, updates = webhook_updates("secret-123", headers, json.dumps(body).encode())
        assert status == 200 and len(updates) == 1
        message = parse_update(updates[0])
        assert message is not None and message.text == "Xin chào" and message.private
        assert message.message_id == "2d758cb5e222177a4e35"
    assert webhook_updates("secret-123", {}, b"{}")[0] == 403
    assert webhook_updates("secret-123", {SECRET_HEADER: "secret-124"}, b"{}")[0] == 403
    assert webhook_updates("secret-123", headers, b"") == (200, [])  # Zalo's probe


async def test_the_fake_fails_any_attempt_to_send_buttons(client: ZaloClient) -> None:
    platform = FakeZalo(token=TOKEN)
    status, _ = platform.handle(
        "sendMessage", {"chat_id": "u1", "text": "x", "reply_markup": {"inline_keyboard": []}}
    )
    assert status == 400
    assert platform.violations and "no buttons" in platform.violations[0]
