"""Slash commands in the member's language: discord.py's translator over the bot's message catalogues.

Command, group and option names are looked up with the gettext context :data:`~bot.core.i18n.NAME_CONTEXT`
(``msgctxt "command-name"``), so ``fact`` the name and "Fact" the embed title are translated apart; descriptions and
choice names are plain texts, shared with ``help``. A translated name Discord would refuse is left out (English is
used there), so one bad translation cannot stop the commands from syncing.
"""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands

from bot.core.i18n import DEFAULT_LOCALE, NAME_CONTEXT, language_of, translation

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[-_\w]{1,32}$")
"""What Discord accepts as a slash command or option name (besides being lowercase)."""
DESCRIPTION_MAX = 100
NAME_LOCATIONS = frozenset(
    {
        app_commands.TranslationContextLocation.command_name,
        app_commands.TranslationContextLocation.group_name,
        app_commands.TranslationContextLocation.parameter_name,
    }
)
TRANSLATED_LOCALES = (
    discord.Locale.german,
    discord.Locale.french,
    discord.Locale.spain_spanish,
    discord.Locale.latin_american_spanish,
)
"""The Discord locales the commands are translated into (both Spanish locales read Spanish)."""


def valid_name(name: str) -> bool:
    """Whether Discord accepts ``name`` as a command, group or option name: lowercase, no spaces, 1-32 characters."""
    return bool(NAME_PATTERN.match(name)) and name == name.lower()


class CatalogueTranslator(app_commands.Translator):
    """Translates slash command names, descriptions, options and choices from the message catalogues."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        """Return the translation of one command text into ``locale``, or None to keep the English text."""
        language = language_of(locale.value)
        if language is None or language == DEFAULT_LOCALE:
            return None
        is_name = context.location in NAME_LOCATIONS
        translated = translation(string.message, language, NAME_CONTEXT if is_name else None)
        if not isinstance(translated, str):
            return None
        if is_name and not valid_name(translated):
            log.warning(
                "The %s name %r for %r is not one Discord accepts; English is used", language, translated, string
            )
            return None
        if len(translated) > DESCRIPTION_MAX:
            log.warning(
                "The %s translation of %r is over %d characters; English is used", language, string, DESCRIPTION_MAX
            )
            return None
        return translated
