"""Stores behind the core's ports: SQLite today (storage/sqlite)."""
