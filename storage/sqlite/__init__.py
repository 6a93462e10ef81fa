"""SQLite through aiosqlite: connection, unit of work, repositories, migrations, backup."""
