"""Myth or Fact: a Discord trivia bot with a sourced fact store.

The ``bot`` package holds start-up and the discord-free core (config, packs, store, selection);
``cogs`` holds the thin discord.py layer.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout the bot runs from; default paths are relative to it."""
