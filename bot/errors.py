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


class StoreError(Exception):
    """The database cannot be used (newer schema, unreadable file); shown to the operator, not to users."""
