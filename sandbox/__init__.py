"""The sandbox: the real bot against a local Telegram-compatible Bot API and a web chat page.

`fake_api` is that Bot API (every call checked against the official spec, api.json),
`http_server` serves it over HTTP in a thread (tests), `driver` plays users, and `app` runs the
whole training ground for `python -m bot sandbox`.
"""
