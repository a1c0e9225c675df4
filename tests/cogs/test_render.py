"""Rendering stays within Discord's limits whatever the content."""

from __future__ import annotations

import discord

from bot.core.catalog import PackSummary, StoredItem, TopicSummary
from bot.core.packs import Source
from bot.core.text import clip, normalize_topic
from cogs.utils import render
from cogs.utils.autocomplete import match_topics


def long_item(**changes: object) -> StoredItem:
    values: dict[str, object] = {
        "pk": 1,
        "pack_id": "p" * 32,
        "id": "i" * 48,
        "kind": "myth",
        "claim": "c" * 300,
        "truth": "word " * 200,
        "topic": "t" * 32,
        "difficulty": 3,
        "source": Source("s" * 200, "https://example.org/" + "a(b)" * 100, "cite " * 60),
    }
    values.update(changes)
    return StoredItem(**values)  # type: ignore[arg-type]


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


def test_clip_cuts_on_a_word_with_an_ellipsis():
    assert clip("short", 10) == "short"
    assert clip("the quick brown fox jumps", 12) == "the quick…"
    assert len(clip("x" * 5000, 1024)) == 1024


def test_normalize_topic():
    assert normalize_topic("  Human Body ") == "human-body"
    assert normalize_topic("mask_1985") == "mask-1985"


def test_largest_item_embeds_fit_discord_limits():
    for kind in ("myth", "fact"):
        for show_truth in (True, False):
            embed = render.item_embed(long_item(kind=kind), show_truth=show_truth)
            assert embed_size(embed) <= 6000
            assert all(len(field.value) <= 1024 for field in embed.fields)
            assert len(embed.footer.text) <= 2048
    truth = render.truth_embed(long_item())
    assert embed_size(truth) <= 6000


def test_source_link_cannot_break_markdown():
    text = render.source_markdown(long_item(source=Source("A [tricky] *title*", "https://x.org/a_(b)", None)))
    assert text == r"[A (tricky) \*title\*](https://x.org/a_%28b%29)"


def test_many_topics_fit_in_one_field_with_a_count_of_the_rest():
    topics = [TopicSummary(f"topic-number-{i}", i, i) for i in range(300)]
    packs = [PackSummary(f"pack-{i}", f"Pack {i}", "d", "1.0.0", 10) for i in range(300)]
    embed = render.topics_embed(topics, packs)
    assert embed_size(embed) <= 6000
    for field in embed.fields:
        assert len(field.value) <= 1024
        assert field.value.splitlines()[-1].startswith("…and ")


def test_autocomplete_offers_at_most_25_prefix_matches_first():
    topics = [f"space-{i:02d}" for i in range(40)] + ["deep-space", "animals"]
    offered = match_topics(topics, "SPACE")
    assert len(offered) == 25
    assert offered[0] == "space-00"
    assert match_topics(topics, "deep") == ["deep-space"]
    assert match_topics(["deep-space", "space"], "space") == ["space", "deep-space"]


def test_hardest_line_shows_rate_and_close_misses():
    from bot.core.scores import ItemStats
    from cogs.leaderboard import hardest_line

    item = ItemStats(1, "space/sidereal-day", "Claim", times_asked=4, answers=10, correct_answers=3,
                     near_misses=("23 hours", "*24*"))  # fmt: skip
    assert hardest_line(item) == r"`space/sidereal-day`: 30% of 10 answers right; close misses: “23 hours”, “\*24\*”"
