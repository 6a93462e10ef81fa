"""Settings of the bot."""

from config.settings import LANGUAGES, Settings, SettingsError

__all__ = ["LANGUAGES", "Settings", "SettingsError"]
