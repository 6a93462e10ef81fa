"""Settings: one frozen dataclass built once from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OFFICIAL_API_BASE_URL = "https://api.telegram.org"
# The host of the Zalo Bot Platform's docs; the legacy bot-api.zapps.me also answers.
ZALO_OFFICIAL_API_BASE_URL = "https://bot-api.zaloplatforms.com"
ZALO_DEFAULT_MONTHLY_QUOTA = 3000
LANGUAGES = ("vi", "en")
SANDBOX_DEFAULT_PORT = 8765


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


# Every variable Settings.from_env reads; subprocess tests and benchmarks set them all ("" counts
# as unset) so that neither the caller's environment nor a stray .env changes the outcome.
SETTING_NAMES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_PATH",
    "TIMEZONE",
    "DEFAULT_LANGUAGE",
    "ADMIN_IDS",
    "REGISTRATION",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "REMINDER_OFFSETS",
    "LOG_LEVEL",
    "ZALO_BOT_TOKEN",
    "ZALO_API_BASE_URL",
    "ZALO_WEBHOOK_URL",
    "ZALO_WEBHOOK_SECRET",
    "ZALO_MONTHLY_QUOTA",
    "SANDBOX_PORT",
)


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str | None = field(default=None, repr=False)
    api_base_url: str = OFFICIAL_API_BASE_URL
    database_path: Path = Path("./data/cellmeet.sqlite3")
    timezone: str = "Asia/Ho_Chi_Minh"
    default_language: str = "vi"
    # Operators, channel-qualified: "telegram:123", "zalo:ab12".
    admin_ids: frozenset[str] = frozenset()
    registration: str = "code"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    reminder_offsets_minutes: tuple[int, ...] = (24 * 60, 60, 0)
    log_level: str = "INFO"
    zalo_token: str | None = field(default=None, repr=False)
    zalo_api_base_url: str = ZALO_OFFICIAL_API_BASE_URL
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: str | None = field(default=None, repr=False)
    zalo_monthly_quota: int = ZALO_DEFAULT_MONTHLY_QUOTA
    # The sandbox's page (without a token), on 127.0.0.1; 0 = any free port.
    sandbox_port: int = SANDBOX_DEFAULT_PORT

    @property
    def runs_telegram(self) -> bool:
        """Whether a Telegram token is set (the Telegram bot runs)."""
        return self.token is not None

    @property
    def runs_zalo(self) -> bool:
        """Whether a Zalo token is set (the Zalo bot runs)."""
        return self.zalo_token is not None

    @property
    def bot_base_url(self) -> str:
        """Base URL for Bot API methods, as python-telegram-bot expects it."""
        return _with_bot_suffix(self.api_base_url, "bot")

    @property
    def bot_base_file_url(self) -> str:
        """Base URL for file downloads."""
        return _with_bot_suffix(self.api_base_url, "file/bot")

    @property
    def tz(self) -> ZoneInfo:
        """The default timezone of new cells."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from a mapping (the process environment by default)."""
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name)
            if value is None:
                return None
            value = value.strip()
            return value or None

        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and (
            ":" not in token or any(c.isspace() for c in token) or len(token) > 200
        ):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed: expected the form 123456:ABC... from @BotFather"
            )

        api_base_url = (get("TELEGRAM_API_BASE_URL") or OFFICIAL_API_BASE_URL).rstrip("/")
        if not api_base_url.startswith(("http://", "https://")):
            raise SettingsError("TELEGRAM_API_BASE_URL must start with http:// or https://")

        timezone = get("TIMEZONE") or "Asia/Ho_Chi_Minh"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise SettingsError(
                f"TIMEZONE is not a known IANA time zone (e.g. Asia/Ho_Chi_Minh): {timezone!r}"
            ) from None

        language = (get("DEFAULT_LANGUAGE") or "vi").lower()
        if language not in LANGUAGES:
            raise SettingsError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")

        admin_ids: set[str] = set()
        for part in (get("ADMIN_IDS") or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            # A bare number is a Telegram id; other channels are named: zalo:ab12cd.
            if re.fullmatch(r"-?[0-9]{1,20}", part):
                admin_ids.add(f"telegram:{int(part)}")
            elif re.fullmatch(r"(telegram:-?[0-9]{1,20}|zalo:[A-Za-z0-9_-]{1,64})", part):
                channel, _, user = part.partition(":")
                admin_ids.add(f"{channel}:{int(user) if channel == 'telegram' else user}")
            else:
                raise SettingsError(
                    "ADMIN_IDS must be user ids separated by commas: a Telegram id (12345, or "
                    "telegram:12345) or a Zalo id (zalo:ab12cd), e.g. 12345,zalo:ab12cd"
                )

        registration = (get("REGISTRATION") or "code").lower()
        if registration not in ("code", "open"):
            raise SettingsError("REGISTRATION must be 'code' or 'open'")

        webhook_url = get("WEBHOOK_URL")
        webhook_secret = get("WEBHOOK_SECRET")
        if webhook_url is not None:
            if not webhook_url.startswith("https://"):
                raise SettingsError("WEBHOOK_URL must be an https:// URL")
            if webhook_secret is None:
                raise SettingsError(
                    "WEBHOOK_SECRET must be set when WEBHOOK_URL is set (1-256 of A-Z a-z 0-9 _ -)"
                )
        if webhook_secret is not None and (
            not 1 <= len(webhook_secret) <= 256
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in webhook_secret)
        ):
            raise SettingsError("WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")

        port_text = get("WEBHOOK_PORT") or "8443"
        if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 1 <= int(port_text) <= 65535:
            raise SettingsError("WEBHOOK_PORT must be a port number between 1 and 65535")

        offsets_text = get("REMINDER_OFFSETS") or "1440,60,0"
        try:
            offsets = tuple(
                sorted({int(p) for p in offsets_text.split(",") if p.strip()}, reverse=True)
            )
        except ValueError:
            offsets = ()
        if not offsets or any(not 0 <= o <= 30 * 24 * 60 for o in offsets):
            raise SettingsError(
                "REMINDER_OFFSETS must be minutes before the meeting, e.g. 1440,60,0"
            )

        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")

        sandbox_port = get("SANDBOX_PORT") or str(SANDBOX_DEFAULT_PORT)
        if not re.fullmatch(r"[0-9]{1,5}", sandbox_port) or not 0 <= int(sandbox_port) <= 65535:
            raise SettingsError("SANDBOX_PORT must be a port number between 0 and 65535")

        zalo = _zalo_settings(get)

        return cls(
            token=token,
            api_base_url=api_base_url,
            database_path=Path(get("DATABASE_PATH") or "./data/cellmeet.sqlite3"),
            timezone=timezone,
            default_language=language,
            admin_ids=frozenset(admin_ids),
            registration=registration,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_listen=get("WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=int(port_text),
            reminder_offsets_minutes=offsets,
            log_level=log_level,
            sandbox_port=int(sandbox_port),
            **zalo,
        )


def _zalo_settings(get: Callable[[str], str | None]) -> dict[str, Any]:
    """The ZALO_* settings, checked; keyword arguments of Settings."""
    token = get("ZALO_BOT_TOKEN")
    # <numeric bot id>:<secret>, as Zalo Bot Creator gives it.
    if token is not None and (not re.fullmatch(r"[0-9]{1,32}:[A-Za-z0-9_\-]{1,200}", token)):
        raise SettingsError(
            "ZALO_BOT_TOKEN is malformed: expected the form 12345689:abc-xyz from Zalo Bot Creator"
        )
    base_url = (get("ZALO_API_BASE_URL") or ZALO_OFFICIAL_API_BASE_URL).rstrip("/")
    if base_url.endswith("/bot"):
        base_url = base_url[: -len("/bot")]
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError("ZALO_API_BASE_URL must start with http:// or https://")
    webhook_url = get("ZALO_WEBHOOK_URL")
    webhook_secret = get("ZALO_WEBHOOK_SECRET")
    if webhook_url is not None:
        if not webhook_url.startswith("https://"):
            raise SettingsError("ZALO_WEBHOOK_URL must be an https:// URL")
        if webhook_secret is None:
            raise SettingsError(
                "ZALO_WEBHOOK_SECRET must be set when ZALO_WEBHOOK_URL is set "
                "(8-256 of A-Z a-z 0-9 _ -)"
            )
    # Zalo requires 8-256 characters for secret_token.
    if webhook_secret is not None and (
        not 8 <= len(webhook_secret) <= 256
        or not all(c.isascii() and (c.isalnum() or c in "_-") for c in webhook_secret)
    ):
        raise SettingsError("ZALO_WEBHOOK_SECRET must be 8-256 characters of A-Z a-z 0-9 _ -")
    quota_text = get("ZALO_MONTHLY_QUOTA") or str(ZALO_DEFAULT_MONTHLY_QUOTA)
    if not re.fullmatch(r"[0-9]{1,9}", quota_text) or int(quota_text) < 1:
        raise SettingsError(
            "ZALO_MONTHLY_QUOTA must be the number of messages a month (e.g. 3000)"
        )
    return {
        "zalo_token": token,
        "zalo_api_base_url": base_url,
        "zalo_webhook_url": webhook_url,
        "zalo_webhook_secret": webhook_secret,
        "zalo_monthly_quota": int(quota_text),
    }


def _with_bot_suffix(base: str, suffix: str) -> str:
    # Accept both "https://host" and "https://host/bot" (the form a self-hosted server documents).
    if "{token}" in base:
        return base if suffix == "bot" else base.replace("/bot{token}", "/file/bot{token}")
    if base.endswith("/bot"):
        base = base[: -len("/bot")]
    return f"{base}/{suffix}"
