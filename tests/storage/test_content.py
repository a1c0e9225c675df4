"""Unit tests for custom facts, suggestions and the review queue, against a real store on every backend."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.content import check_draft, format_source, parse_custom_number, parse_difficulty, parse_source
from bot.core.errors import (
    InvalidContent,
    MythOrFactError,
    SuggestionLimit,
    UnknownCustomFact,
    UnknownItem,
    UnknownTopic,
)
from bot.core.packs import Source
from bot.storage.base import FactStore
from tests.conftest import RawSql

GUILD, OTHER_GUILD = 111, 222
MOD, MEMBER = 1, 2
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SAMPLE_FACTS = {"sample/octopus-hearts", "sample/wombat-cubes", "sample/venus-hottest"}


def draft(claim: str = "Honey found in ancient tombs is still edible.", kind: str = "fact", topic: str = "Food"):
    return check_draft(
        kind,
        claim,
        "Honey is acidic and low in water, so microbes cannot grow in it.",
        "https://example.org/honey",
        topic,
    )


async def served_refs(store: FactStore, guild_id: int, kind: str = "fact", times: int = 6) -> set[str]:
    rng = random.Random(5)
    return {(await store.pick_item(guild_id, kind, rng=rng)).ref for _ in range(times)}


async def audit_lines(store: FactStore, guild_id: int) -> list[tuple[str, str]]:
    return [(entry.action, entry.detail) for entry in reversed(await store.audit_history(guild_id))]


# -- checking fields ------------------------------------------------------------------------------


def test_a_good_draft_is_cleaned_up():
    checked = check_draft(
        " Myth ", "  Bulls   hate the colour red. ", " Bulls are colour-blind to red. ", "Wiki", "Animals "
    )
    assert checked.kind == "myth"
    assert checked.claim == "Bulls hate the colour red."
    assert checked.truth == "Bulls are colour-blind to red."
    assert checked.topic == "animals"
    assert checked.source == Source("Wiki")


@pytest.mark.parametrize(
    ("fields", "label", "message"),
    [
        ({"kind": "rumour"}, "Kind", 'must be "myth" or "fact".'),
        ({"claim": "Too short"}, "Claim", "must be 10 to 300 characters long (it is 9)."),
        ({"claim": "x" * 301}, "Claim", "must be 10 to 300 characters long (it is 301)."),
        ({"truth": "Nope."}, "Truth", "must be 10 to 1000 characters long (it is 5)."),
        ({"source": "  "}, "Source", "is missing: give a title, an http(s) link, or both."),
        ({"source": "ftp://example.org/x"}, "Source", "links must start with http:// or https://"),
        ({"source": "www.example.org"}, "Source", "links must start with http:// or https://"),
        ({"source": "https://a.org https://b.org"}, "Source", "may have one link, not 2."),
        ({"source": "t" * 201}, "Source", "titles may be at most 200 characters long (it is 201)."),
        ({"source": "https://a.org/" + "u" * 490}, "Source", "links may be at most 500 characters long."),
        ({"topic": " "}, "Topic", "is missing"),
        ({"topic": "space!"}, "Topic", "must be up to 32 letters a-z"),
        ({"topic": "a" * 33}, "Topic", "must be up to 32 letters a-z"),
        ({"difficulty": "4"}, "Difficulty", "must be easy, medium or hard (or 1, 2, 3)."),
        ({"difficulty": "very hard"}, "Difficulty", "must be easy, medium or hard (or 1, 2, 3)."),
        ({"difficulty": 0}, "Difficulty", "must be easy, medium or hard (or 1, 2, 3)."),
    ],
)
def test_each_bad_field_is_named(fields, label, message):
    values = {"kind": "fact", "claim": "A valid claim here.", "truth": "A valid truth here.", "source": "Book"}
    values |= {"topic": "space"} | fields
    with pytest.raises(InvalidContent) as caught:
        check_draft(**values)
    assert list(caught.value.problems) == [label]
    assert caught.value.problems[label].startswith(f"**{label}** {message}")
    assert str(caught.value).startswith("Nothing was saved.")
    assert f"**{label}** {message}" in str(caught.value)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidContent) as caught:
        check_draft("fact", "short", "short", "", "")
    assert list(caught.value.problems) == ["Claim", "Truth", "Source", "Topic"]


@pytest.mark.parametrize(
    ("typed", "source", "shown"),
    [
        ("Octopus", Source("Octopus"), "Octopus"),
        ("https://www.example.org/a", Source("example.org", "https://www.example.org/a"), "https://www.example.org/a"),
        ("Octopus - <https://en.wikipedia.org/wiki/Octopus>", None, "Octopus https://en.wikipedia.org/wiki/Octopus"),
        ("https://en.wikipedia.org/wiki/Octopus Octopus", None, "Octopus https://en.wikipedia.org/wiki/Octopus"),
    ],
)
def test_sources_read_a_title_a_link_or_both(typed, source, shown):
    parsed = parse_source(typed)
    assert parsed == (source or Source("Octopus", "https://en.wikipedia.org/wiki/Octopus"))
    assert format_source(parsed) == shown
    assert parse_source(format_source(parsed)) == parsed


def test_difficulties_are_read_as_words_or_numbers_and_default_to_medium():
    values = ("fact", "A valid claim here.", "A valid truth here.", "Book", "space")
    assert check_draft(*values).difficulty == 2
    typed = ("easy", " Medium ", "HARD", "1", "2", "3", 3)
    assert [check_draft(*values, difficulty).difficulty for difficulty in typed] == [1, 2, 3, 1, 2, 3, 3]
    assert check_draft(*values, "hard").to_item(4).difficulty == 3
    assert [parse_difficulty(text) for text in ("easy", "2", "Hard")] == [1, 2, 3]
    with pytest.raises(MythOrFactError, match="`extreme` is not a difficulty: use easy, medium or hard"):
        parse_difficulty("extreme")


def test_custom_numbers():
    assert [parse_custom_number(text) for text in ("3", " #4 ", "custom/5", "`CUSTOM/6`")] == [3, 4, 5, 6]
    for bad in ("", "three", "0", "-1", "sample/3"):
        with pytest.raises(MythOrFactError, match="is not a custom fact number"):
            parse_custom_number(bad)


# -- custom facts ---------------------------------------------------------------------------------


async def test_add_numbers_per_server_and_credits_the_author(store: FactStore):
    first = await store.add_custom_fact(GUILD, draft(), MOD, NOW)
    second = await store.add_custom_fact(GUILD, draft("Wombats produce cube-shaped droppings."), MEMBER, NOW)
    elsewhere = await store.add_custom_fact(OTHER_GUILD, draft(), MOD, NOW)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.item.ref == "custom/1" and second.item.ref == "custom/2"
    assert (first.author_id, second.author_id) == (MOD, MEMBER)
    assert first.item.topic == "food" and first.item.difficulty == 2
    assert first.item.source == Source("example.org", "https://example.org/honey")
    assert (await store.get_item("custom/2", GUILD)).claim == "Wombats produce cube-shaped droppings."
    with pytest.raises(UnknownItem):
        await store.get_item("custom/2", OTHER_GUILD)
    packs = {pack.id: pack for pack in await store.packs(GUILD)}
    assert packs["custom"].name == "Custom facts" and packs["custom"].items == 2
    assert await audit_lines(store, GUILD) == [
        ("fact", "added custom/1: Honey found in ancient tombs is still edible."),
        ("fact", "added custom/2: Wombats produce cube-shaped droppings."),
    ]


async def test_a_custom_fact_is_served_to_its_server_only(store: FactStore):
    added = await store.add_custom_fact(GUILD, draft(topic="food"), MOD, NOW)
    assert await served_refs(store, GUILD, times=8) == {*SAMPLE_FACTS, added.item.ref}
    assert await served_refs(store, OTHER_GUILD, times=8) == SAMPLE_FACTS
    assert (await store.pick_item(GUILD, "fact", "food")).ref == "custom/1"
    with pytest.raises(UnknownTopic, match="food"):
        await store.pick_item(OTHER_GUILD, "fact", "food")
    quiz = await store.pick_quiz_items(GUILD, 20, ["myth-or-fact"])
    assert "custom/1" in {item.ref for item in quiz}
    other_quiz = await store.pick_quiz_items(OTHER_GUILD, 20, ["myth-or-fact"])
    assert "custom/1" not in {item.ref for item in other_quiz}


async def test_edit_replaces_content_and_keeps_number_and_credit(store: FactStore):
    added = await store.add_custom_fact(GUILD, draft(), MEMBER, NOW)
    edited = await store.edit_custom_fact(GUILD, 1, draft("Sharks are older than trees.", kind="myth"), MOD, NOW)
    assert edited.item.pk == added.item.pk and edited.number == 1 and edited.author_id == MEMBER
    assert (edited.item.kind, edited.item.claim) == ("myth", "Sharks are older than trees.")
    assert [item.ref for item in await store.search("sharks trees", guild_id=GUILD)] == ["custom/1"]
    with pytest.raises(UnknownCustomFact):
        await store.edit_custom_fact(OTHER_GUILD, 1, draft(), MOD, NOW)
    assert (await audit_lines(store, GUILD))[-1] == ("fact", "edited custom/1: Sharks are older than trees.")


async def test_a_custom_facts_difficulty_is_kept_on_add_and_changed_on_edit(store: FactStore):
    values = ("fact", "Honey found in ancient tombs is still edible.", "Honey is acidic and dry.", "Book", "food")
    added = await store.add_custom_fact(GUILD, check_draft(*values, "hard"), MOD, NOW)
    assert added.item.difficulty == 3 and (await store.custom_fact(GUILD, 1)).item.difficulty == 3
    edited = await store.edit_custom_fact(GUILD, 1, check_draft(*values, "easy"), MOD, NOW)
    assert edited.item.difficulty == 1 and (await store.get_item("custom/1", GUILD)).difficulty == 1
    assert (await store.add_custom_fact(GUILD, draft(), MOD, NOW)).item.difficulty == 2, "medium by default"


async def test_remove_retires_and_numbers_are_never_reused(store: FactStore):
    await store.add_custom_fact(GUILD, draft(topic="food"), MOD, NOW)
    await store.add_custom_fact(GUILD, draft("A second custom fact here."), MOD, NOW)
    removed = await store.remove_custom_fact(GUILD, 2, MOD, NOW)
    assert removed.number == 2
    with pytest.raises(UnknownCustomFact, match="custom/2"):
        await store.remove_custom_fact(GUILD, 2, MOD, NOW)
    with pytest.raises(UnknownItem):
        await store.get_item("custom/2", GUILD)
    again = await store.add_custom_fact(GUILD, draft("A third custom fact here."), MOD, NOW)
    assert again.number == 3
    facts, total = await store.custom_facts(GUILD)
    assert [fact.number for fact in facts] == [1, 3] and total == 2
    page, total = await store.custom_facts(GUILD, offset=1, limit=1)
    assert [fact.number for fact in page] == [3] and total == 2
    assert (await audit_lines(store, GUILD))[2] == ("fact", "removed custom/2: A second custom fact here.")


async def test_custom_facts_beyond_nine_sort_by_number(store: FactStore):
    for index in range(11):
        await store.add_custom_fact(GUILD, draft(f"Custom fact number {index + 1}."), MOD, NOW)
    facts, total = await store.custom_facts(GUILD, limit=20)
    assert [fact.number for fact in facts] == list(range(1, 12)) and total == 11


# -- suggestions ----------------------------------------------------------------------------------


async def test_suggestions_are_limited_per_member_per_day(store: FactStore):
    for index in range(3):
        await store.add_suggestion(GUILD, MEMBER, draft(f"Suggested fact number {index}."), 3, NOW)
    with pytest.raises(SuggestionLimit, match="3 suggestions per day"):
        await store.add_suggestion(GUILD, MEMBER, draft(), 3, NOW + timedelta(hours=23))
    assert await store.suggestions_today(GUILD, MEMBER, NOW) == 3
    await store.add_suggestion(GUILD, MOD, draft(), 3, NOW)  # other members are not affected
    await store.add_suggestion(OTHER_GUILD, MEMBER, draft(), 3, NOW)  # nor other servers
    later = await store.add_suggestion(GUILD, MEMBER, draft(), 3, NOW + timedelta(hours=24, seconds=1))
    assert later.status == "pending"
    with pytest.raises(SuggestionLimit, match="turned off"):
        await store.add_suggestion(GUILD, MOD, draft(), 0, NOW)
    pending, total = await store.pending_suggestions(GUILD, limit=2)
    assert total == 5 and [s.claim for s in pending] == ["Suggested fact number 0.", "Suggested fact number 1."]


async def test_approve_creates_one_credited_custom_fact(store: FactStore):
    suggestion = await store.add_suggestion(GUILD, MEMBER, draft(kind="myth"), 3, NOW)
    assert suggestion.source == "https://example.org/honey"
    review = await store.review_suggestion(GUILD, suggestion.id, "approve", MOD, NOW)
    assert review.changed and review.ref == "custom/1"
    assert review.suggestion.status == "approved" and review.suggestion.reviewed_by == MOD
    fact = await store.custom_fact(GUILD, 1)
    assert fact.author_id == MEMBER and fact.item.kind == "myth" and review.suggestion.item_pk == fact.item.pk
    again = await store.review_suggestion(GUILD, suggestion.id, "approve", 99, NOW)
    assert not again.changed and again.ref is None and again.suggestion.reviewed_by == MOD
    rejected_late = await store.review_suggestion(GUILD, suggestion.id, "reject", 99, NOW)
    assert not rejected_late.changed and rejected_late.suggestion.status == "approved"
    assert (await store.custom_facts(GUILD))[1] == 1
    assert await store.pending_suggestions(GUILD) == ([], 0)
    lines = await audit_lines(store, GUILD)
    assert lines == [("suggestion", f"approved suggestion #{suggestion.id} as custom/1: {suggestion.claim}")]


async def test_reject_keeps_the_suggestion_out_of_the_rotation(store: FactStore):
    suggestion = await store.add_suggestion(GUILD, MEMBER, draft(topic="food"), 3, NOW)
    review = await store.review_suggestion(GUILD, suggestion.id, "reject", MOD, NOW)
    assert review.changed and review.ref is None and review.suggestion.status == "rejected"
    assert not (await store.review_suggestion(GUILD, suggestion.id, "approve", MOD, NOW)).changed
    assert await store.custom_facts(GUILD) == ([], 0)
    with pytest.raises(UnknownTopic):
        await store.pick_item(GUILD, "fact", "food")
    with pytest.raises(MythOrFactError, match="no longer exists"):
        await store.review_suggestion(OTHER_GUILD, suggestion.id, "approve", MOD, NOW)
    assert (await audit_lines(store, GUILD))[0][1].startswith(f"rejected suggestion #{suggestion.id}")


async def test_approving_a_suggestion_that_is_no_longer_valid_changes_nothing(store: FactStore, raw_sql: RawSql):
    suggestion = await store.add_suggestion(GUILD, MEMBER, draft(), 3, NOW)
    await raw_sql("UPDATE suggestions SET source = 'ftp://old.example' WHERE id = ?", suggestion.id)
    with pytest.raises(InvalidContent, match="Source"):
        await store.review_suggestion(GUILD, suggestion.id, "approve", MOD, NOW)
    assert (await store.pending_suggestions(GUILD))[1] == 1
    assert await store.custom_facts(GUILD) == ([], 0)
    assert await audit_lines(store, GUILD) == []


# -- disputes, hiding and dismissing --------------------------------------------------------------


async def test_disputed_items_are_grouped_with_their_reasons(store: FactStore):
    octopus = await store.get_item("sample/octopus-hearts")
    wombat = await store.get_item("sample/wombat-cubes")
    await store.add_dispute(GUILD, wombat.pk, 5, "Only some wombats.", NOW)
    await store.add_dispute(GUILD, octopus.pk, 5, "Squid too?", NOW)
    await store.add_dispute(GUILD, octopus.pk, 6, "Ambiguous wording.", NOW)
    await store.add_dispute(OTHER_GUILD, wombat.pk, 6, "Elsewhere.", NOW)
    items, total = await store.disputed_items(GUILD)
    assert total == 2
    assert [(item.ref, item.disputes) for item in items] == [("sample/octopus-hearts", 2), ("sample/wombat-cubes", 1)]
    assert [reason.reason for reason in items[0].reasons] == ["Ambiguous wording.", "Squid too?"]
    assert items[0].text == octopus.claim
    custom = await store.add_custom_fact(GUILD, draft(), MOD, NOW)
    await store.add_dispute(GUILD, custom.item.pk, 5, "Source?", NOW)
    assert "custom/1" in {item.ref for item in (await store.disputed_items(GUILD, limit=3, reasons=1))[0]}


async def test_hide_leaves_only_that_servers_rotation_and_closes_its_disputes(store: FactStore):
    octopus = await store.get_item("sample/octopus-hearts")
    await store.add_dispute(GUILD, octopus.pk, 5, "Squid too?", NOW)
    await store.add_dispute(GUILD, octopus.pk, 6, "Ambiguous.", NOW)
    await store.add_dispute(OTHER_GUILD, octopus.pk, 6, "Elsewhere.", NOW)
    assert await store.hide_item(GUILD, octopus.pk, MOD, NOW) == (True, 2)
    assert await served_refs(store, GUILD, times=8) == SAMPLE_FACTS - {"sample/octopus-hearts"}
    assert await served_refs(store, OTHER_GUILD, times=8) == SAMPLE_FACTS
    assert await store.disputed_items(GUILD) == ([], 0)
    assert (await store.disputed_items(OTHER_GUILD))[1] == 1
    assert await store.hide_item(GUILD, octopus.pk, MOD, NOW) == (False, 0)
    assert await audit_lines(store, GUILD) == [
        ("dispute", "hid sample/octopus-hearts in this server and closed 2 disputes")
    ]
    other = await store.add_custom_fact(OTHER_GUILD, draft(), MOD, NOW)
    with pytest.raises(MythOrFactError, match="no longer exists"):
        await store.hide_item(GUILD, other.item.pk, MOD, NOW)


async def test_unhide_puts_an_item_back_in_that_servers_rotation_only(store: FactStore):
    octopus = await store.get_item("sample/octopus-hearts")
    wombat = await store.get_item("sample/wombat-cubes")
    assert await store.unhide_item(GUILD, octopus.pk, MOD, NOW) is False, "not hidden: nothing to do"
    assert await store.audit_history(GUILD) == [], "and nothing is audited"
    await store.hide_item(GUILD, octopus.pk, MOD, NOW)
    await store.hide_item(GUILD, wombat.pk, MEMBER, NOW + timedelta(minutes=1))
    await store.hide_item(OTHER_GUILD, octopus.pk, MOD, NOW)
    hidden, total = await store.hidden_items(GUILD)
    assert total == 2
    assert [(item.ref, item.kind, item.hidden_by, item.hidden_at) for item in hidden] == [
        ("sample/wombat-cubes", "fact", MEMBER, NOW + timedelta(minutes=1)),
        ("sample/octopus-hearts", "fact", MOD, NOW),
    ], "most recently hidden first"
    assert hidden[1].text == octopus.claim
    assert (await store.hidden_items(GUILD, offset=1, limit=1))[0][0].ref == "sample/octopus-hearts"

    assert await store.unhide_item(GUILD, octopus.pk, MEMBER, NOW) is True
    assert await served_refs(store, GUILD, times=8) == SAMPLE_FACTS - {"sample/wombat-cubes"}
    assert await served_refs(store, OTHER_GUILD, times=8) == SAMPLE_FACTS - {"sample/octopus-hearts"}
    assert [item.ref for item in (await store.hidden_items(GUILD))[0]] == ["sample/wombat-cubes"]
    assert await store.unhide_item(GUILD, octopus.pk, MEMBER, NOW) is False
    assert (await audit_lines(store, GUILD))[-1] == ("item", "unhid sample/octopus-hearts in this server")
    assert len(await audit_lines(store, GUILD)) == 3
    assert await store.hidden_items(OTHER_GUILD + 1) == ([], 0)
    other = await store.add_custom_fact(OTHER_GUILD, draft(), MOD, NOW)
    with pytest.raises(MythOrFactError, match="no longer exists"):
        await store.unhide_item(GUILD, other.item.pk, MOD, NOW)


async def test_dismiss_closes_disputes_but_keeps_the_item(store: FactStore):
    octopus = await store.get_item("sample/octopus-hearts")
    await store.add_dispute(GUILD, octopus.pk, 5, "Squid too?", NOW)
    assert await store.dismiss_disputes(GUILD, octopus.pk, MOD, NOW) == 1
    assert await store.dismiss_disputes(GUILD, octopus.pk, MOD, NOW) == 0
    assert await store.disputed_items(GUILD) == ([], 0)
    assert await served_refs(store, GUILD, times=8) == SAMPLE_FACTS
    assert await audit_lines(store, GUILD) == [("dispute", "dismissed 1 dispute of sample/octopus-hearts")]
    await store.add_dispute(GUILD, octopus.pk, 5, "Still wrong.", NOW)
    assert (await store.disputed_items(GUILD))[1] == 1, "the same member can dispute again after a dismissal"
