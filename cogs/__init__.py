"""Thin discord.py cogs: parse a command, call the core in ``bot``, render the result."""
