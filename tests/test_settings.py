"""Settings.from_env: defaults, a clear error per malformed setting, API URLs, no token leak."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import config.settings
from config import Settings, SettingsError
from config.settings import OFFICIAL_API_BASE_URL

ROOT = Path(__file__).resolve().parent.parent

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "s3cret_webhook-Token"


def test_defaults_from_an_empty_environment() -> None:
    settings = Settings.from_env({})
    assert settings.token is None
    assert settings.api_base_url == OFFICIAL_API_BASE_URL == "https://api.telegram.org"
    assert settings.database_path == Path("./data/cellmeet.sqlite3")
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.tz.key == "Asia/Ho_Chi_Minh"
    assert settings.default_language == "vi"
    assert settings.admin_ids == frozenset()
    assert settings.registration == "code"
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.webhook_listen == "0.0.0.0"
    assert settings.webhook_port == 8443
    assert settings.reminder_offsets_minutes == (1440, 60, 0)
    assert settings.log_level == "INFO"
    assert settings.sandbox_port == 8765
    assert settings.bot_base_url == "https://api.telegram.org/bot"
    assert settings.bot_base_file_url == "https://api.telegram.org/file/bot"


def test_blank_values_count_as_unset() -> None:
    blank = {name: "  " for name in setting_names()}
    assert Settings.from_env(blank) == Settings.from_env({})


def test_every_setting_is_read() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": f"  {TOKEN}\n",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/",
            "DATABASE_PATH": "/var/lib/cellmeet/db.sqlite3",
            "TIMEZONE": "Europe/Berlin",
            "DEFAULT_LANGUAGE": "EN",
            "ADMIN_IDS": "12345, 67890;-42",
            "REGISTRATION": "Open",
            "WEBHOOK_URL": "https://bot.example.org/telegram",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": "8080",
            "REMINDER_OFFSETS": "60, 0,1440,60",
            "LOG_LEVEL": "debug",
            "SANDBOX_PORT": "0",
        }
    )
    assert settings.token == TOKEN
    assert settings.api_base_url == "http://127.0.0.1:8081"
    assert settings.database_path == Path("/var/lib/cellmeet/db.sqlite3")
    assert settings.timezone == "Europe/Berlin"
    assert settings.default_language == "en"
    assert settings.admin_ids == frozenset({"telegram:12345", "telegram:67890", "telegram:-42"})
    assert settings.registration == "open"
    assert settings.webhook_url == "https://bot.example.org/telegram"
    assert settings.webhook_secret == SECRET
    assert settings.webhook_listen == "127.0.0.1"
    assert settings.webhook_port == 8080
    # Duplicates dropped, latest reminder first.
    assert settings.reminder_offsets_minutes == (1440, 60, 0)
    assert settings.log_level == "DEBUG"
    assert settings.sandbox_port == 0


MALFORMED = [
    pytest.param({"TELEGRAM_BOT_TOKEN": "no-colon-here"}, "TELEGRAM_BOT_TOKEN", id="token-form"),
    pytest.param({"TELEGRAM_BOT_TOKEN": "123:abc def"}, "TELEGRAM_BOT_TOKEN", id="token-space"),
    pytest.param(
        {"TELEGRAM_BOT_TOKEN": "1:" + "a" * 300}, "TELEGRAM_BOT_TOKEN", id="token-too-long"
    ),
    pytest.param({"TELEGRAM_API_BASE_URL": "127.0.0.1:8081"}, "TELEGRAM_API_BASE_URL", id="api"),
    pytest.param({"TIMEZONE": "Mars/Olympus_Mons"}, "TIMEZONE", id="tz-unknown"),
    pytest.param({"TIMEZONE": "../../etc/passwd"}, "TIMEZONE", id="tz-path"),
    pytest.param({"TIMEZONE": "GMT+7"}, "TIMEZONE", id="tz-offset"),
    pytest.param({"DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE", id="language"),
    pytest.param({"ADMIN_IDS": "12345,abc"}, "ADMIN_IDS", id="admins-letters"),
    pytest.param({"ADMIN_IDS": "@someone"}, "ADMIN_IDS", id="admins-username"),
    pytest.param({"ADMIN_IDS": "12 345"}, "ADMIN_IDS", id="admins-space"),
    pytest.param({"REGISTRATION": "anyone"}, "REGISTRATION", id="registration"),
    pytest.param(
        {"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": SECRET},
        "WEBHOOK_URL",
        id="webhook-http",
    ),
    pytest.param(
        {"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET", id="webhook-no-secret"
    ),
    pytest.param({"WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET", id="secret-space"),
    pytest.param({"WEBHOOK_SECRET": "bí-mật"}, "WEBHOOK_SECRET", id="secret-non-ascii"),
    pytest.param({"WEBHOOK_SECRET": "a/b=c"}, "WEBHOOK_SECRET", id="secret-punctuation"),
    pytest.param({"WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET", id="secret-too-long"),
    pytest.param({"WEBHOOK_PORT": "http"}, "WEBHOOK_PORT", id="port-word"),
    pytest.param({"WEBHOOK_PORT": "0"}, "WEBHOOK_PORT", id="port-zero"),
    pytest.param({"WEBHOOK_PORT": "65536"}, "WEBHOOK_PORT", id="port-too-big"),
    pytest.param({"WEBHOOK_PORT": "-1"}, "WEBHOOK_PORT", id="port-negative"),
    pytest.param({"SANDBOX_PORT": "65536"}, "SANDBOX_PORT", id="sandbox-port-too-big"),
    pytest.param({"SANDBOX_PORT": "web"}, "SANDBOX_PORT", id="sandbox-port-word"),
    pytest.param({"REMINDER_OFFSETS": "1h,5m"}, "REMINDER_OFFSETS", id="offsets-units"),
    pytest.param({"REMINDER_OFFSETS": "60,-5"}, "REMINDER_OFFSETS", id="offsets-negative"),
    pytest.param({"REMINDER_OFFSETS": "50000"}, "REMINDER_OFFSETS", id="offsets-over-30-days"),
    pytest.param({"REMINDER_OFFSETS": ", ,"}, "REMINDER_OFFSETS", id="offsets-empty-list"),
    pytest.param({"LOG_LEVEL": "verbose"}, "LOG_LEVEL", id="log-level"),
    pytest.param({"LOG_LEVEL": "CRITICAL"}, "LOG_LEVEL", id="log-level-critical"),
]


@pytest.mark.parametrize(("env", "name"), MALFORMED)
def test_malformed_setting_is_named(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert name in message
    # One line, fit for "cellmeet: <message>" on stderr.
    assert "\n" not in message


def test_malformed_token_is_not_echoed() -> None:
    # A token with a typo is still mostly a secret: the error must not print it back.
    almost = "123456789 AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": almost})
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in str(raised.value)


@pytest.mark.parametrize("value", ["Asia", "America"])
def test_timezone_naming_a_zone_folder_is_a_settings_error(value: str) -> None:
    with pytest.raises(SettingsError, match="TIMEZONE"):
        Settings.from_env({"TIMEZONE": value})


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"ADMIN_IDS": "--5"}, "ADMIN_IDS"),
        ({"ADMIN_IDS": "12²"}, "ADMIN_IDS"),
        ({"WEBHOOK_PORT": "²"}, "WEBHOOK_PORT"),
    ],
)
def test_odd_digits_are_a_settings_error(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_webhook_secret_alone_is_accepted_and_limits_are_inclusive() -> None:
    assert Settings.from_env({"WEBHOOK_SECRET": "A"}).webhook_secret == "A"
    assert Settings.from_env({"WEBHOOK_SECRET": "x" * 256}).webhook_secret == "x" * 256
    assert Settings.from_env({"WEBHOOK_PORT": "1"}).webhook_port == 1
    assert Settings.from_env({"WEBHOOK_PORT": "65535"}).webhook_port == 65535
    assert Settings.from_env({"REMINDER_OFFSETS": "43200"}).reminder_offsets_minutes == (43200,)


@pytest.mark.parametrize(
    ("base", "bot_url", "file_url"),
    [
        (
            "http://127.0.0.1:8081",
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/file/bot",
        ),
        (
            "http://127.0.0.1:8081/",
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/file/bot",
        ),
        (
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/file/bot",
        ),
        (
            "http://127.0.0.1:8081/bot/",
            "http://127.0.0.1:8081/bot",
            "http://127.0.0.1:8081/file/bot",
        ),
        (
            "https://api.telegram.org",
            "https://api.telegram.org/bot",
            "https://api.telegram.org/file/bot",
        ),
        (
            "https://tg.example.org/api",
            "https://tg.example.org/api/bot",
            "https://tg.example.org/api/file/bot",
        ),
    ],
)
def test_bot_api_urls(base: str, bot_url: str, file_url: str) -> None:
    settings = Settings.from_env({"TELEGRAM_API_BASE_URL": base})
    assert settings.bot_base_url == bot_url
    assert settings.bot_base_file_url == file_url


def test_token_never_in_repr() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "WEBHOOK_URL": "https://bot.example.org/hook",
            "WEBHOOK_SECRET": SECRET,
        }
    )
    assert settings.token == TOKEN
    for text in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        assert TOKEN not in text
        assert TOKEN.split(":")[1] not in text
        assert SECRET not in text
    # Still a useful repr for the operator.
    assert "Asia/Ho_Chi_Minh" in repr(settings)


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.token = TOKEN  # type: ignore[misc]


def setting_names() -> set[str]:
    """Every variable Settings.from_env reads, from its source."""
    return set(re.findall(r'get\("([A-Z_]+)"\)', inspect.getsource(config.settings)))


def test_env_example_documents_every_setting_with_its_default() -> None:
    names = setting_names()
    assert len(names) >= 13
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^#? ?([A-Z_]+)=(.*)$", text, re.MULTILINE))
    assert set(documented) == names
    defaults = Settings.from_env({})
    for name, value in documented.items():
        if name in ("WEBHOOK_URL", "ZALO_WEBHOOK_URL"):
            continue  # an example: no default, and it needs WEBHOOK_SECRET
        assert Settings.from_env({name: value}) == defaults, f"{name}={value}"


def test_readme_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, re.MULTILINE))
    assert listed == setting_names()


def test_the_shared_list_of_settings_is_what_from_env_reads() -> None:
    import re
    from pathlib import Path

    import config.settings
    from tests.conftest import SETTINGS

    source = Path(config.settings.__file__).read_text(encoding="utf-8")
    assert set(re.findall(r'get\("([A-Z_]+)"\)', source)) == set(SETTINGS)


def test_operators_are_channel_qualified_and_a_bare_number_is_telegram() -> None:
    settings = Settings.from_env({"ADMIN_IDS": "12345, telegram:678 ;zalo:ab12-cd"})
    assert settings.admin_ids == frozenset({"telegram:12345", "telegram:678", "zalo:ab12-cd"})
    for bad in ("zalo:", "icq:5", "telegram:abc", "zalo:a b"):
        with pytest.raises(SettingsError, match="ADMIN_IDS"):
            Settings.from_env({"ADMIN_IDS": bad})


def test_zalo_settings_defaults_and_values() -> None:
    default = Settings.from_env({})
    assert default.zalo_token is None and not default.runs_zalo
    assert default.zalo_api_base_url == "https://bot-api.zaloplatforms.com"
    assert default.zalo_monthly_quota == 3000
    assert default.zalo_webhook_url is None
    settings = Settings.from_env(
        {
            "ZALO_BOT_TOKEN": "12345689:abc-xyz",
            "ZALO_API_BASE_URL": "https://bot-api.zapps.me/bot/",
            "ZALO_WEBHOOK_URL": "https://bot.example.org/zalo",
            "ZALO_WEBHOOK_SECRET": "secret-123",
            "ZALO_MONTHLY_QUOTA": "500",
        }
    )
    assert settings.runs_zalo and not settings.runs_telegram
    assert settings.zalo_api_base_url == "https://bot-api.zapps.me"
    assert settings.zalo_webhook_secret == "secret-123"
    assert settings.zalo_monthly_quota == 500
    assert "abc-xyz" not in repr(settings) and "secret-123" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ZALO_BOT_TOKEN": "no-colon"}, "ZALO_BOT_TOKEN"),
        ({"ZALO_API_BASE_URL": "ftp://x"}, "ZALO_API_BASE_URL"),
        ({"ZALO_WEBHOOK_URL": "http://x.org/zalo", "ZALO_WEBHOOK_SECRET": "12345678"}, "URL"),
        ({"ZALO_WEBHOOK_URL": "https://x.org/zalo"}, "ZALO_WEBHOOK_SECRET"),
        ({"ZALO_WEBHOOK_SECRET": "short"}, "ZALO_WEBHOOK_SECRET"),
        ({"ZALO_MONTHLY_QUOTA": "0"}, "ZALO_MONTHLY_QUOTA"),
        ({"ZALO_MONTHLY_QUOTA": "lots"}, "ZALO_MONTHLY_QUOTA"),
    ],
)
def test_malformed_zalo_settings_are_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
