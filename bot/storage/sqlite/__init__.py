"""The SQLite backend: one module per concern over one aiosqlite connection (see :mod:`bot.storage.sqlite.store`)."""
