"""The PostgreSQL backend (asyncpg): the same tables and behaviour as the SQLite one, safe for several processes."""
