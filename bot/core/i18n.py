"""The bot's own texts in the reader's language.

Every text the bot writes for people (replies, embeds, buttons, errors) goes through :func:`_` (or :func:`_n` when it
depends on a count). The English text is its own key, written in full where it is used, with ``{named}`` fields::

    await ctx.send(_("Added {count} facts to {pack}.", count=3, pack=name))

The language of a text is the one of the current context (:data:`LOCALE`), which bot/app sets from the interaction's
locale or the server's setting before a command runs, and which background posts set to the server's language
(:func:`using`).

The catalogues are gettext ``.po`` files (``bot/locales/<lang>/LC_MESSAGES/messages.po``), read with Babel the first
time a text is wanted in their language, and kept as a plain table of the usable translations (Babel and the catalogue
objects cost memory, and a bot whose servers all read English never needs them). Gettext rather than Fluent because
the English text stays the key (so a call reads as the sentence it writes), every translation tool and service reads
``.po`` files, and Babel knows each language's plural rules; reading the ``.po`` files directly rather than compiled
``.mo`` files means there is no build step to forget.
``python -m bot.app.i18n_extract`` writes the template and merges new texts into the catalogues.

A text with no translation (or only a fuzzy one) reads English, and is logged once at debug level; a translation
whose ``{fields}`` do not match reads English too (the tests catch it first), and so does every text of a catalogue
that cannot be read (logged once as an error).
"""

from __future__ import annotations

import contextlib
import gettext
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "en"
LANGUAGES = ("en", "de", "fr", "es")
"""The languages the bot speaks, English first (the texts in the code are English)."""
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
"""Each language's name in that language, for menus and settings."""
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
"""Where the catalogues are: ``<lang>/LC_MESSAGES/messages.po``, and the template ``messages.pot``."""
NAME_CONTEXT = "command-name"
"""The gettext context of slash command, group and option names, kept apart from sentences that read the same."""

LOCALE: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)
"""The language texts are written in, for the command or task being run."""

# Discord's locale codes (https://discord.com/developers/docs/reference#locales) of the languages above.
_DISCORD_LOCALES = {"en-US": "en", "en-GB": "en", "de": "de", "fr": "fr", "es-ES": "es", "es-419": "es"}
_missing: set[tuple[str, str]] = set()


def language_of(discord_locale: str | None) -> str | None:
    """Return the language of a Discord locale code (``es-419`` is Spanish), or None when the bot does not speak it."""
    if not discord_locale:
        return None
    return _DISCORD_LOCALES.get(discord_locale) or _DISCORD_LOCALES.get(discord_locale.split("-")[0])


def catalogue_path(language: str) -> Path:
    """Return the ``.po`` file of a language."""
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


Translated = str | tuple[str, ...]
"""A translation: a text, or the forms of a plural (in the order of the language's plural rule)."""


@dataclass(frozen=True, slots=True)
class Translations:
    """A language's catalogue as the bot reads it.

    ``messages`` holds each usable translation by (English text, context); ``plural_form`` picks a plural's form
    for a count.
    """

    messages: dict[tuple[str, str | None], Translated]
    plural_form: Callable[[int], int]


_read: dict[str, Translations | None] = {}
"""Each language's translations once read (None: English, no catalogue, or one that cannot be read)."""


def translations(language: str) -> Translations | None:
    """Return a language's translations, read on first use.

    None for English and for a language without a usable catalogue: a broken one is logged once, and its texts
    read English.
    """
    if language in _read:
        return _read[language]
    found = None
    path = catalogue_path(language)
    if language != DEFAULT_LOCALE and path.exists():
        try:
            found = _read_catalogue(path)
        except Exception:
            log.exception("The %s catalogue %s cannot be read; its texts read English", language, path)
    _read[language] = found  # one read per language: the loop runs one task at a time, so no lock is needed
    return found


def _read_catalogue(path: Path) -> Translations:
    """Read a ``.po`` file with Babel, keeping only translations that can be used (not fuzzy, every form written)."""
    from babel.messages.pofile import read_po  # here, not at import: Babel is only needed for other languages

    with path.open("rb") as file:
        catalog = read_po(file)
    messages: dict[tuple[str, str | None], Translated] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string or not all(message.string):
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]  # a plural is found by its singular
        translated = message.string if isinstance(message.string, str) else tuple(message.string)
        messages[english, message.context] = translated
    return Translations(messages, gettext.c2py(catalog.plural_expr or "(n != 1)"))


def _plural_rule(language: str) -> Callable[[int], int]:
    """Return the function that picks a plural form's index for a count (English's rule without a catalogue)."""
    found = translations(language)
    return found.plural_form if found is not None else gettext.c2py("(n != 1)")


def translation(text: str, language: str, context: str | None = None) -> Translated | None:
    """Return the translation of a text into a language (a tuple of forms for a plural), or None if it has none."""
    found = translations(language)
    translated = found.messages.get((text, context)) if found is not None else None
    if translated is None and language != DEFAULT_LOCALE and (language, text) not in _missing:
        _missing.add((language, text))
        log.debug("No %s translation of %r", language, text)
    return translated


def _fill(translated: str, english: str, fields: dict[str, object]) -> str:
    """Fill the fields of a translation; a translation whose fields are wrong falls back to the English text."""
    if not fields:
        return translated
    try:
        return translated.format(**fields)
    except (KeyError, IndexError, ValueError):
        log.warning("The translation %r does not fit the fields of %r", translated, english)
        return english.format(**fields)


def _(text: str, /, **fields: object) -> str:
    """Return ``text`` in the current language, with its ``{named}`` fields filled in."""
    translated = translation(text, LOCALE.get())
    return _fill(translated if isinstance(translated, str) else text, text, fields)


def _p(context: str, text: str, /, **fields: object) -> str:
    """Return ``text`` in the current language as it reads in ``context`` (a gettext msgctxt)."""
    translated = translation(text, LOCALE.get(), context)
    return _fill(translated if isinstance(translated, str) else text, text, fields)


def _n(singular: str, plural: str, count: int, /, **fields: object) -> str:
    """Return the form of a text for ``count`` (also given to it as ``{count}``), in the current language."""
    language = LOCALE.get()
    english = singular if count == 1 else plural
    translated = translation(singular, language)
    if isinstance(translated, tuple):
        index = _plural_rule(language)(count)
        chosen = translated[min(index, len(translated) - 1)]
    else:
        chosen = english
    return _fill(chosen, english, {"count": count, **fields})


def N_(text: str, /) -> str:
    """Mark a text for translation where it is defined (a constant); :func:`_` translates it where it is shown."""
    return text


@contextlib.contextmanager
def using(language: str) -> Iterator[None]:
    """Write texts in ``language`` within the block (a background post in a server's language)."""
    token = LOCALE.set(language if language in LANGUAGES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        LOCALE.reset(token)
