"""Commands that serve the fact store: fact, myth, topics, source and search."""

from __future__ import annotations

import copy
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.i18n import _
from bot.core.packs import Kind
from bot.core.text import clip
from cogs.utils import render
from cogs.utils.autocomplete import topic_autocomplete
from cogs.utils.checks import member_cooldown, require_bot_can_post

log = logging.getLogger(__name__)

CUSTOM_FACT_ACTIONS = ("add", "edit", "remove", "list")
"""First words that turn a prefix `fact` into the `customfact` command (see cogs.content)."""
SEARCH_RESULTS = 5


def scope_id(ctx: commands.Context[MythOrFactBot]) -> int:
    """Return the id rotation is kept per: the server, or the DM channel outside servers."""
    return ctx.guild.id if ctx.guild else ctx.channel.id


class RevealButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mof:reveal:(?P<pk>\d+)"):
    """Shows the truth behind a myth privately to whoever presses it; works after a restart."""

    def __init__(self, item_pk: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Reveal the truth"), style=discord.ButtonStyle.primary, custom_id=f"mof:reveal:{item_pk}"
            )
        )
        self.item_pk = item_pk

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> RevealButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["pk"]))

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Reply privately with the truth and its source."""
        stored = await interaction.client.store.get_item_by_pk(self.item_pk)
        if stored is None:
            await interaction.response.send_message(
                _("That item has been retired from the fact store, so I can't show it any more."), ephemeral=True
            )
            return
        await interaction.response.send_message(embed=render.truth_embed(stored), ephemeral=True)


def reveal_view(item_pk: int) -> discord.ui.View:
    """Return a view holding the Reveal button for one myth."""
    view = discord.ui.View(timeout=None)
    view.add_item(RevealButton(item_pk))
    return view


class Facts(commands.Cog):
    """Myths and facts from the curated store."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent Reveal button."""
        self.bot.add_dynamic_items(RevealButton)

    async def cog_unload(self) -> None:
        """Stop handling Reveal buttons while unloaded."""
        self.bot.remove_dynamic_items(RevealButton)

    async def cog_check(self, ctx: commands.Context[MythOrFactBot]) -> bool:
        """Refuse early, with a clear message, where I cannot post embeds."""
        if ctx.interaction is None:  # slash replies are interaction responses, not channel posts
            require_bot_can_post(ctx)
        return True

    async def _send_item(self, ctx: commands.Context[MythOrFactBot], kind: Kind, topic: str | None) -> None:
        item = await self.bot.store.pick_item(scope_id(ctx), kind, topic)
        if item.kind == "myth":
            await ctx.send(embed=render.shared_item_embed(item, False), view=reveal_view(item.pk))
        else:
            await ctx.send(embed=render.shared_item_embed(item, True))

    @commands.hybrid_command()
    @member_cooldown(5, 15)
    @app_commands.describe(topic="Only facts about this topic (see topics)")
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def fact(self, ctx: commands.Context[MythOrFactBot], *, topic: str | None = None) -> None:
        """Show a true and surprising fact, with its source."""
        if ctx.interaction is None and topic and topic.split()[0].lower() in CUSTOM_FACT_ACTIONS:
            # `!fact add|edit|remove|list …` is the moderators' short form of `!customfact …`.
            redirected = copy.copy(ctx.message)
            redirected.content = f"{ctx.prefix}customfact {topic}"
            await self.bot.invoke(await self.bot.get_context(redirected))
            return
        await self._send_item(ctx, "fact", topic)

    @commands.hybrid_command()
    @member_cooldown(5, 15)
    @app_commands.describe(topic="Only myths about this topic (see topics)")
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def myth(self, ctx: commands.Context[MythOrFactBot], *, topic: str | None = None) -> None:
        """Show a popular myth; press Reveal to see the truth and its source."""
        await self._send_item(ctx, "myth", topic)

    @commands.hybrid_command()
    async def topics(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """List the topics and packs, with how many myths and facts each has."""
        guild_id = ctx.guild.id if ctx.guild else None
        embed = render.topics_embed(await self.bot.store.topics(guild_id), await self.bot.store.packs(guild_id))
        await ctx.send(embed=embed)

    @commands.hybrid_command()
    @app_commands.describe(item_id="The id from a fact's footer, e.g. space/venus-hottest-planet")
    @app_commands.rename(item_id="id")
    async def source(self, ctx: commands.Context[MythOrFactBot], item_id: str) -> None:
        """Show one item in full, truth and source included."""
        item = await self.bot.store.get_item(item_id, ctx.guild.id if ctx.guild else None)
        await ctx.send(embed=render.item_embed(item, show_truth=True))

    @commands.hybrid_command()
    @member_cooldown(5, 15)
    @app_commands.describe(words="Words to look for in claims and truths")
    async def search(self, ctx: commands.Context[MythOrFactBot], *, words: str) -> None:
        """Search the myths and facts for some words."""
        results = await self.bot.store.search(words, SEARCH_RESULTS, ctx.guild.id if ctx.guild else None)
        if not results:
            shown = clip(words, 100).replace("`", "'")
            await ctx.send(_("Nothing matches `{words}`. Try other words.", words=shown), ephemeral=True)
            return
        await ctx.send(embed=render.search_embed(words, results))


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Facts(bot))
