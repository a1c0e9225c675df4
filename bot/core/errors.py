"""Domain errors: each carries a short, friendly message that is safe to show to a Discord user."""

from __future__ import annotations

from bot.core.i18n import N_, _


class MythOrFactError(Exception):
    """Base for errors the user caused or can fix; ``str(error)`` is the message shown to them."""


class UnknownTopic(MythOrFactError):
    """The topic named in a command does not exist."""

    def __init__(self, topic: str, suggestions: list[str]) -> None:
        self.topic = topic
        self.suggestions = suggestions
        if suggestions:
            names = ", ".join(f"`{s}`" for s in suggestions)
            message = _(
                "I don't know the topic `{topic}`. Did you mean {names}? Use `topics` to see them all.",
                topic=topic,
                names=names,
            )
        else:
            message = _("I don't know the topic `{topic}`. Use `topics` to see them all.", topic=topic)
        super().__init__(message)


class NoItems(MythOrFactError):
    """The pool for a kind and topic is empty."""

    def __init__(self, kind: str, topic: str | None) -> None:
        template = _NO_ITEMS.get((kind, topic is not None), _NO_ITEMS["fact", topic is not None])
        super().__init__(_(template, topic=topic))


_NO_ITEMS = {
    ("fact", False): N_("There are no facts yet. Try another topic, or `topics` to see what there is."),
    ("fact", True): N_("There are no facts about `{topic}` yet. Try another topic, or `topics` to see what there is."),
    ("myth", False): N_("There are no myths yet. Try another topic, or `topics` to see what there is."),
    ("myth", True): N_("There are no myths about `{topic}` yet. Try another topic, or `topics` to see what there is."),
    ("quiz question", False): N_(
        "There are no quiz questions yet. Try another topic, or `topics` to see what there is."
    ),
    ("quiz question", True): N_(
        "There are no quiz questions about `{topic}` yet. Try another topic, or `topics` to see what there is."
    ),
}


class UnknownItem(MythOrFactError):
    """No item has the id the user gave."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            _(
                "No item has the id `{ref}`. Ids look like `space/venus-hottest-planet` and appear in the footer "
                "of every fact.",
                ref=ref,
            )
        )


class AmbiguousItem(MythOrFactError):
    """A bare item id exists in several packs."""

    def __init__(self, ref: str, candidates: list[str]) -> None:
        options = ", ".join(f"`{c}`" for c in candidates[:5])
        super().__init__(
            _(
                "Several packs have an item `{ref}`: {options}. Use the full id with the pack name.",
                ref=ref,
                options=options,
            )
        )


class BadSearch(MythOrFactError):
    """A search had no usable words."""

    def __init__(self) -> None:
        super().__init__(_("Give me at least one word to search for, e.g. `search goldfish memory`."))


class InvalidContent(MythOrFactError):
    """A custom fact or suggestion has bad fields; ``problems`` maps each field's (English) label to what is wrong.

    Each problem is a whole sentence in the reader's language, starting with the field's name in bold.
    """

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        lines = "\n".join(f"• {problem}" for problem in problems.values())
        super().__init__(_("Nothing was saved. Please fix:\n{problems}", problems=lines))


class UnknownCustomFact(MythOrFactError):
    """No live custom fact of this server has the number the moderator gave."""

    def __init__(self, number: int) -> None:
        super().__init__(
            _("This server has no custom fact `custom/{number}`. See them all with `customfact list`.", number=number)
        )


class SuggestionGone(MythOrFactError):
    """The suggestion a moderator reviews is not this server's, or was deleted since it was listed."""

    def __init__(self, suggestion_id: int) -> None:
        super().__init__(_("Suggestion #{id} no longer exists.", id=suggestion_id))


class ItemGone(MythOrFactError):
    """The item a moderator hides, shows again or clears the disputes of is not one this server can see."""

    def __init__(self) -> None:
        super().__init__(_("That item no longer exists."))


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
        super().__init__(_("I can't save right now; please try again in a minute."))
        self.cause = cause


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it (shown to the operator)."""
