"""Discord-free core for custom facts, suggestions, the review queue and hidden items.

A server's moderators write **custom facts**: items in the server's own pack (``custom``), numbered 1, 2, … and
never renumbered, so ``custom/3`` keeps meaning the same fact. Members **suggest** facts and myths; a moderator
approves one (it becomes a custom fact credited to the member) or rejects it. Items that players disputed at a
quiz reveal wait in the same review queue, where a moderator hides them from the server or dismisses the disputes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit

from bot.core.errors import InvalidContent, MythOrFactError
from bot.core.i18n import _, _n
from bot.core.packs import SLUG, Item, Source
from bot.core.text import clip, normalize_topic

if TYPE_CHECKING:
    from bot.core.catalog import StoredItem

CUSTOM_PACK = "custom"
"""The public id of every server's own pack of custom facts; its database id is ``<guild id>~custom``."""
CUSTOM_PACK_NAME = "Custom facts"
CUSTOM_PACK_LICENSE = "server content"
DIFFICULTY_NAMES = ("easy", "medium", "hard")
"""Difficulties 1, 2 and 3 as moderators type them."""
CUSTOM_DIFFICULTY = 2
"""A custom fact's difficulty (and quiz score) unless its moderator chooses another; suggestions always get it."""
CLAIM_LENGTH = (10, 300)
TRUTH_LENGTH = (10, 1000)
TOPIC_MAX = 32
SOURCE_TITLE_MAX = 200
SOURCE_URL_MAX = 500
SOURCE_TEXT_MAX = SOURCE_TITLE_MAX + 1 + SOURCE_URL_MAX
"""The longest source a form accepts: a title and a link."""

LABELS = {
    "kind": "Kind",
    "claim": "Claim",
    "truth": "Truth",
    "source": "Source",
    "topic": "Topic",
    "difficulty": "Difficulty",
}
"""How each field is named to users (the same words as the form's labels)."""

_URL = re.compile(r"^https?://[^\s/]+\.\S+$", re.IGNORECASE)
_BRACKETS = "<>()[]"

ContentKind = Literal["myth", "fact"]
ReviewAction = Literal["approve", "reject"]


@dataclass(frozen=True, slots=True)
class FactDraft:
    """A checked custom fact or suggestion, ready to store."""

    kind: ContentKind
    claim: str
    truth: str
    topic: str
    source: Source
    difficulty: int = CUSTOM_DIFFICULTY

    def to_item(self, number: int) -> Item:
        """Return the pack item this draft becomes as custom fact ``number``."""
        return Item(
            id=str(number),
            kind=self.kind,
            claim=self.claim,
            truth=self.truth,
            topic=self.topic,
            difficulty=self.difficulty,
            source=self.source,
        )


@dataclass(frozen=True, slots=True)
class CustomFact:
    """One of a server's custom facts, with the member it is credited to."""

    item: StoredItem
    author_id: int | None

    @property
    def number(self) -> int:
        """The fact's number in the server's ``custom`` pack."""
        return int(self.item.id)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A member's suggested fact or myth and where its review stands."""

    id: int
    guild_id: int
    user_id: int
    kind: ContentKind
    claim: str
    truth: str
    topic: str
    source: str
    """The source as the member typed it: a title, a link, or both."""
    status: Literal["pending", "approved", "rejected"]
    created_at: datetime
    reviewed_by: int | None = None
    item_pk: int | None = None
    """The custom fact an approved suggestion became."""


@dataclass(frozen=True, slots=True)
class Review:
    """The outcome of approving or rejecting a suggestion."""

    suggestion: Suggestion
    """The suggestion as it stands after the review."""
    changed: bool
    """False when someone had already reviewed it: nothing was done this time."""
    ref: str | None = None
    """The public id of the custom fact an approved suggestion became, e.g. ``custom/4``."""


@dataclass(frozen=True, slots=True)
class DisputeReason:
    """One player's open dispute of an item."""

    user_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class DisputedItem:
    """An item with open disputes in one server, and some of the reasons given."""

    item_pk: int
    ref: str
    kind: str
    text: str
    """The claim, or the question of a quiz-only item."""
    disputes: int
    reasons: tuple[DisputeReason, ...]


@dataclass(frozen=True, slots=True)
class HiddenItem:
    """An item a server's moderators took out of its rotation, and who did it when."""

    item_pk: int
    ref: str
    kind: str
    text: str
    """The claim, or the question of a quiz-only item."""
    hidden_by: int
    hidden_at: datetime


# -- checking what moderators and members type --------------------------------------------------------------


def _length_problem(field: str, value: str, low: int, high: int) -> str | None:
    if low <= len(value) <= high:
        return None
    if field == "claim":
        return _(
            "**Claim** must be {low} to {high} characters long (it is {length}).", low=low, high=high, length=len(value)
        )
    return _(
        "**Truth** must be {low} to {high} characters long (it is {length}).", low=low, high=high, length=len(value)
    )


def parse_source(text: str) -> Source:
    """Read a source typed as a title, an http(s) link, or a title followed (or preceded) by a link.

    Without a title, the link's host names the source (``en.wikipedia.org``). Raise :class:`InvalidContent`.
    """
    problem = _source_problem(text)
    if problem:
        raise InvalidContent({LABELS["source"]: problem})
    title, links = _split_source(text)
    url = links[0] if links else None
    return Source(title=title or _host(url or ""), url=url)


def _split_source(text: str) -> tuple[str, list[str]]:
    """Separate the words of a typed source from what looks like links (anything with ``://`` or ``www.``)."""
    words, links = [], []
    for token in text.split():
        bare = token.strip(_BRACKETS)
        if "://" in bare or bare.lower().startswith("www."):
            links.append(bare)
        else:
            words.append(token)
    return " ".join(words).strip(" -–—:|,;"), links


def _source_problem(text: str) -> str | None:
    if not text.strip():
        return _("**Source** is missing: give a title, an http(s) link, or both.")
    title, links = _split_source(text)
    if len(links) > 1:
        return _("**Source** may have one link, not {count}.", count=len(links))
    if links and not _URL.match(links[0]):
        shown = clip(links[0], 60).replace("`", "'")
        return _("**Source** links must start with http:// or https:// (`{link}` does not).", link=shown)
    if links and len(links[0]) > SOURCE_URL_MAX:
        return _("**Source** links may be at most {limit} characters long.", limit=SOURCE_URL_MAX)
    if len(title) > SOURCE_TITLE_MAX:
        return _(
            "**Source** titles may be at most {limit} characters long (it is {length}).",
            limit=SOURCE_TITLE_MAX,
            length=len(title),
        )
    return None


def _host(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def format_source(source: Source) -> str:
    """Return a source the way the form takes it back: ``title link``, or just the link when the title is its host."""
    if source.url is None:
        return source.title
    if source.title == _host(source.url):
        return source.url
    return f"{source.title} {source.url}"


def difficulty_level(value: str | int) -> int | None:
    """Read a difficulty typed as 1-3 or easy, medium, hard (any case); ``None`` if it is neither."""
    text = str(value).strip().lower()
    if text in DIFFICULTY_NAMES:
        return DIFFICULTY_NAMES.index(text) + 1
    return int(text) if text in ("1", "2", "3") else None


def difficulty_name(level: int) -> str:
    """Return the word for a difficulty level (1: easy, 2: medium, 3: hard)."""
    return DIFFICULTY_NAMES[level - 1]


def parse_difficulty(value: str) -> int:
    """Read a difficulty given with a command; raise a friendly error naming the choices otherwise."""
    level = difficulty_level(value)
    if level is None:
        shown = clip(value.strip(), 40).replace("`", "'")
        raise MythOrFactError(
            _("`{value}` is not a difficulty: use easy, medium or hard (or 1, 2, 3). Nothing was changed.", value=shown)
        )
    return level


def check_draft(
    kind: str, claim: str, truth: str, source: str, topic: str, difficulty: str | int = CUSTOM_DIFFICULTY
) -> FactDraft:
    """Check every field of a custom fact or suggestion; raise :class:`InvalidContent` naming each bad field.

    Nothing is stored by this function, so a bad submission saves nothing.
    """
    problems: dict[str, str] = {}
    kind = kind.strip().lower()
    if kind not in ("myth", "fact"):
        problems[LABELS["kind"]] = _('**Kind** must be "myth" or "fact".')
    claim = " ".join(claim.split())
    if problem := _length_problem("claim", claim, *CLAIM_LENGTH):
        problems[LABELS["claim"]] = problem
    truth = truth.strip()
    if problem := _length_problem("truth", truth, *TRUTH_LENGTH):
        problems[LABELS["truth"]] = problem
    if problem := _source_problem(source):
        problems[LABELS["source"]] = problem
    slug = normalize_topic(topic)
    if not slug:
        problems[LABELS["topic"]] = _("**Topic** is missing: one or two words, like `space` or `human body`.")
    elif len(slug) > TOPIC_MAX or not SLUG.match(slug):
        problems[LABELS["topic"]] = _(
            "**Topic** must be up to {limit} letters a-z, digits, spaces or dashes, like `space` or `human body`.",
            limit=TOPIC_MAX,
        )
    level = difficulty_level(difficulty)
    if level is None:
        problems[LABELS["difficulty"]] = _("**Difficulty** must be easy, medium or hard (or 1, 2, 3).")
    if problems:
        raise InvalidContent(problems)
    return FactDraft(
        kind=kind,  # type: ignore[arg-type]
        claim=claim,
        truth=truth,
        topic=slug,
        source=parse_source(source),
        difficulty=level,  # type: ignore[arg-type]
    )


def draft_from_suggestion(suggestion: Suggestion) -> FactDraft:
    """Check a stored suggestion again (it becomes a custom fact only if it is still valid)."""
    return check_draft(suggestion.kind, suggestion.claim, suggestion.truth, suggestion.source, suggestion.topic)


def parse_custom_number(raw: str) -> int:
    """Read a custom fact's number from ``3``, ``#3`` or ``custom/3``; raise a friendly error otherwise."""
    text = raw.strip().strip("`").lower().removeprefix(f"{CUSTOM_PACK}/").lstrip("#")
    if not text.isdigit() or not 0 < int(text) < 10**9:
        shown = clip(raw.strip(), 40).replace("`", "'")
        raise MythOrFactError(
            _("`{value}` is not a custom fact number. Use the number from `customfact list`, e.g. 3.", value=shown)
        )
    return int(text)


def suggestion_limit_message(per_day: int) -> str:
    """Return what a member is told when they may not suggest more today."""
    if per_day == 0:
        return _("Suggestions are turned off in this server.")
    return _n(
        "You can send {count} suggestion per day in this server. Thanks for your ideas: try again tomorrow!",
        "You can send {count} suggestions per day in this server. Thanks for your ideas: try again tomorrow!",
        per_day,
    )


class ContentStore(Protocol):
    """What the bot needs from the database for custom facts, suggestions, the review queue and hidden items."""

    async def add_custom_fact(self, guild_id: int, draft: FactDraft, author_id: int, now: datetime) -> CustomFact:
        """Store a new custom fact with the server's next number, credited to ``author_id``; audit it."""
        ...

    async def edit_custom_fact(
        self, guild_id: int, number: int, draft: FactDraft, editor_id: int, now: datetime
    ) -> CustomFact:
        """Replace a live custom fact's content (its number and credit stay); audit it."""
        ...

    async def remove_custom_fact(self, guild_id: int, number: int, remover_id: int, now: datetime) -> CustomFact:
        """Retire a live custom fact (it leaves the rotation; its number is never reused); audit it."""
        ...

    async def custom_fact(self, guild_id: int, number: int) -> CustomFact:
        """Return a live custom fact of the server; raise :class:`bot.core.errors.UnknownCustomFact`."""
        ...

    async def custom_facts(self, guild_id: int, offset: int = 0, limit: int = 10) -> tuple[list[CustomFact], int]:
        """Return a page of the server's live custom facts by number, and how many there are in all."""
        ...

    async def suggestions_today(self, guild_id: int, user_id: int, now: datetime) -> int:
        """Return how many suggestions a member sent in the server in the 24 hours before ``now``."""
        ...

    async def add_suggestion(
        self, guild_id: int, user_id: int, draft: FactDraft, per_day: int, now: datetime
    ) -> Suggestion:
        """Store a pending suggestion, unless the member already sent ``per_day`` in the last 24 hours.

        Raise :class:`bot.core.errors.SuggestionLimit` when over the limit; nothing is stored then.
        """
        ...

    async def pending_suggestions(self, guild_id: int, limit: int = 5) -> tuple[list[Suggestion], int]:
        """Return the oldest pending suggestions, and how many are pending in all."""
        ...

    async def review_suggestion(
        self, guild_id: int, suggestion_id: int, action: ReviewAction, moderator_id: int, now: datetime
    ) -> Review:
        """Approve (it becomes a credited custom fact, in one transaction) or reject a pending suggestion.

        A suggestion that was already reviewed is left as it is (``Review.changed`` is false). Audited.
        """
        ...

    async def disputed_items(self, guild_id: int, limit: int = 5, reasons: int = 3) -> tuple[list[DisputedItem], int]:
        """Return the live items with the most open disputes (with up to ``reasons`` each), and how many in all."""
        ...

    async def hide_item(self, guild_id: int, item_pk: int, moderator_id: int, now: datetime) -> tuple[bool, int]:
        """Take an item out of the server's rotation and close its open disputes there; audit it.

        Return whether it was hidden now (false: it already was) and how many disputes were closed.
        """
        ...

    async def dismiss_disputes(self, guild_id: int, item_pk: int, moderator_id: int, now: datetime) -> int:
        """Close the item's open disputes in the server without hiding it; audit it. Return how many were closed."""
        ...

    async def unhide_item(self, guild_id: int, item_pk: int, moderator_id: int, now: datetime) -> bool:
        """Put a hidden item back into the server's rotation; audit it. Return false if it was not hidden."""
        ...

    async def hidden_items(self, guild_id: int, offset: int = 0, limit: int = 10) -> tuple[list[HiddenItem], int]:
        """Return a page of the server's hidden live items, most recently hidden first, and how many there are."""
        ...
