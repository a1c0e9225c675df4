"""Collect the bot's texts into the template ``bot/locales/messages.pot`` and merge them into each catalogue.

Run ``python -m bot.app.i18n_extract`` after adding or changing texts; translators then fill in the empty entries
of ``bot/locales/<lang>/LC_MESSAGES/messages.po``. Texts come from two places:

- the code: every ``_("…")``, ``_n("…", "…", n)``, ``_p("context", "…")`` and ``N_("…")`` in ``bot/`` and ``cogs/``;
- the commands: what discord.py sends Discord for each slash command (names, descriptions, option names and
  descriptions, choices; names with the context ``command-name``), and each command's help text (its docstring),
  read from the real command tree.

Each catalogue keeps its translations, gains the new texts (empty), and loses texts no longer used; entries are
sorted, so two branches that add texts merge without conflicts in between.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po
from discord import app_commands

from bot.app.client import EXTENSIONS, MythOrFactBot
from bot.app.config import Config
from bot.core.i18n import LANGUAGES, LOCALES_DIR, NAME_CONTEXT, catalogue_path
from bot.storage import DatabaseTarget, open_store

PROJECT = Path(__file__).resolve().parent.parent.parent
SOURCE_DIRS = ("bot", "cogs")
KEYWORDS = {"_": None, "_n": (1, 2), "_p": ((1, "c"), 2), "N_": None}
"""The functions of bot.core.i18n whose literal arguments are texts (Babel's keyword specs)."""
TEMPLATE = LOCALES_DIR / "messages.pot"
PROJECT_NAME = "Myth or Fact"
HEADER = "# The texts of Myth or Fact. Written by python -m bot.app.i18n_extract; translate the msgstr lines only."
STABLE_DATE = datetime(2026, 1, 1, tzinfo=UTC)
"""The date written in every header: a real one would change on each run and make merges conflict."""

Message = tuple[str | tuple[str, str], str | None, str]
"""One text: its msgid (a pair for a plural), its context, and where it was found."""


def code_messages() -> list[Message]:
    """Return the texts written in the code, with their file and line."""
    found: list[Message] = []
    for folder in SOURCE_DIRS:
        for filename, lineno, message, _comments, context in extract_from_dir(
            PROJECT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
        ):
            if isinstance(message, tuple) and context is None and len(message) == 2 and message[1] is None:
                message = message[0]  # a keyword with one text argument read with a plural spec
            found.append((message, context, f"{folder}/{filename}:{lineno}"))
    return found


class _RecordingTranslator(app_commands.Translator):
    """Notes every text discord.py asks to translate while building the commands' payloads."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    async def translate(
        self, string: app_commands.locale_str, locale: object, context: app_commands.TranslationContext
    ) -> None:
        """Record the text (names with the name context) and leave it untranslated."""
        name_locations = {
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.group_name,
            app_commands.TranslationContextLocation.parameter_name,
        }
        self.seen.append((string.message, NAME_CONTEXT if context.location in name_locations else None))


async def command_messages() -> list[Message]:
    """Return the texts of the commands: their slash command payloads and their help texts."""
    with tempfile.TemporaryDirectory() as folder:
        store = await open_store(DatabaseTarget("sqlite", Path(folder) / "extract.db"))
        bot = MythOrFactBot(Config(token="extract", packs_dir=Path(folder)), store)
        try:
            await bot.__aenter__()  # set up without logging in, so the cogs' loops wait for a READY that never comes
            for extension in EXTENSIONS:
                await bot.load_extension(extension)
            recorder = _RecordingTranslator()
            for command in bot.tree.get_commands():
                await command.get_translated_payload(bot.tree, recorder)
            found: list[Message] = [(text, context, "slash-commands") for text, context in recorder.seen]
            for command in bot.walk_commands():
                for text in (command.short_doc, command.help):
                    if text:
                        found.append((text, None, "help/" + command.qualified_name.replace(" ", "/")))
        finally:
            await bot.close()
            await store.close()
    return found


def build_template(messages: Iterable[Message]) -> Catalog:
    """Return the template catalogue of ``messages`` (each text once, with every place it was found)."""
    template = Catalog(
        project=PROJECT_NAME, fuzzy=False, header_comment=HEADER, creation_date=STABLE_DATE, revision_date=STABLE_DATE
    )
    for message, context, place in messages:
        path, _sep, line = place.rpartition(":")
        location = (path, int(line)) if line.isdigit() else (place, 0)
        existing = template.get(message[0] if isinstance(message, tuple) else message, context)
        if existing is not None:
            existing.locations.append(location)
            continue
        template.add(message, locations=[location], context=context)
    return template


def all_messages() -> Catalog:
    """Return the template of every text of the bot, from the code and the commands."""
    return build_template([*code_messages(), *asyncio.run(command_messages())])


def write_catalogue(catalog: Catalog, path: Path) -> None:
    """Write a catalogue sorted, without obsolete entries or line numbers (so branches merge cleanly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=0, sort_output=True, ignore_obsolete=True, include_lineno=False)


def merge(template: Catalog, language: str) -> Catalog:
    """Return a language's catalogue updated to ``template``: translations kept, new texts empty, old ones gone."""
    path = catalogue_path(language)
    if path.exists():
        with path.open("rb") as file:
            catalog = read_po(file, locale=language)
    else:
        catalog = Catalog(
            locale=language, project=PROJECT_NAME, fuzzy=False, header_comment=HEADER, revision_date=STABLE_DATE
        )
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    """Return the texts of a catalogue with no translation, or only a fuzzy one."""
    missing = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id[0] if isinstance(message.id, tuple) else message.id)
    return missing


def main(argv: list[str] | None = None) -> int:
    """Write the template and merge it into every language's catalogue."""
    parser = argparse.ArgumentParser(prog="python -m bot.app.i18n_extract", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    template = all_messages()
    write_catalogue(template, TEMPLATE)
    for language in LANGUAGES[1:]:
        catalog = merge(template, language)
        write_catalogue(catalog, catalogue_path(language))
        print(f"{language}: {len(catalog)} texts, {len(untranslated(catalog))} without a translation")
    print(f"{len(template)} texts in {TEMPLATE.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
