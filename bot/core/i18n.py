"""The bot's own texts in the reader's language.

Every text the bot writes for people (replies, embeds, buttons, errors) goes through :func:`_` (or :func:`_n` when it
depends on a count). The English text is its own key, written in full where it is used, with ``{named}`` fields::

    await ctx.send(_("Added {count} facts to {pack}.", count=3, pack=name))

The language of a text is the one of the current context (:data:`LOCALE`), which the cogs set from the interaction's
locale or the server's setting before a command runs. Until the message catalogues arrive, every language reads
English.
"""

from __future__ import annotations

from contextvars import ContextVar

DEFAULT_LOCALE = "en"
LOCALE: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)
"""The language texts are written in, for the command or task being run."""


def _(text: str, /, **fields: object) -> str:
    """Return ``text`` in the current language, with its ``{named}`` fields filled in."""
    return text.format(**fields) if fields else text


def _n(singular: str, plural: str, count: int, /, **fields: object) -> str:
    """Return the form of a text for ``count`` (also given to it as ``{count}``), in the current language."""
    return (singular if count == 1 else plural).format(count=count, **fields)
