"""Domain errors: each carries a short, friendly message that is safe to show to a Discord user."""

from __future__ import annotations


class MythOrFactError(Exception):
    """Base for errors the user caused or can fix; ``str(error)`` is the message shown to them."""


class UnknownTopic(MythOrFactError):
    """The topic named in a command does not exist."""

    def __init__(self, topic: str, suggestions: list[str]) -> None:
        self.topic = topic
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(f'`{s}`' for s in suggestions)}?" if suggestions else ""
        super().__init__(f"I don't know the topic `{topic}`.{hint} Use `topics` to see them all.")


class NoItems(MythOrFactError):
    """The pool for a kind and topic is empty."""

    def __init__(self, kind: str, topic: str | None) -> None:
        where = f" about `{topic}`" if topic else ""
        super().__init__(f"There are no {kind}s{where} yet. Try another topic, or `topics` to see what there is.")


class UnknownItem(MythOrFactError):
    """No item has the id the user gave."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            f"No item has the id `{ref}`. Ids look like `space/venus-hottest-planet` and appear in the footer "
            "of every fact."
        )


class AmbiguousItem(MythOrFactError):
    """A bare item id exists in several packs."""

    def __init__(self, ref: str, candidates: list[str]) -> None:
        options = ", ".join(f"`{c}`" for c in candidates[:5])
        super().__init__(f"Several packs have an item `{ref}`: {options}. Use the full id with the pack name.")


class BadSearch(MythOrFactError):
    """A search had no usable words."""


class InvalidContent(MythOrFactError):
    """A custom fact or suggestion has bad fields; ``problems`` maps each field's label to what is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        lines = "\n".join(f"• **{label}** {problem}" for label, problem in problems.items())
        super().__init__(f"Nothing was saved. Please fix:\n{lines}")


class UnknownCustomFact(MythOrFactError):
    """No live custom fact of this server has the number the moderator gave."""

    def __init__(self, number: int) -> None:
        super().__init__(f"This server has no custom fact `custom/{number}`. See them all with `customfact list`.")


class SuggestionLimit(MythOrFactError):
    """A member reached the server's daily number of suggestions (or suggestions are off)."""


class StoreError(Exception):
    """The database cannot be used (newer schema, unreadable file); shown to the operator, not to users."""


class StorageUnavailable(Exception):
    """The database cannot take a write (or a read) just now: locked, read-only, a failing disk, a lost server.

    Every backend raises this instead of its driver's error, so the cogs answer "try again" and the launcher keeps
    serving, whatever the database. ``str(error)`` is safe to show to a member.
    """

    def __init__(self, cause: str = "") -> None:
        super().__init__("I can't save right now; please try again in a minute.")
        self.cause = cause


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it (shown to the operator)."""
