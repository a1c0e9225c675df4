"""Commands for custom facts, suggestions, the review queue and hidden items.

``customfact add|edit|remove|list`` (also typed as ``!fact add …``) lets moderators write the server's own facts;
``suggest`` lets any member propose one; ``suggestions`` shows moderators the review queue, where disputed items
can be hidden; ``item hidden|unhide`` lists them and puts them back. The forms and buttons live in
:mod:`cogs.content.views`, the rules and the storage in :mod:`bot.core.content`.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.content import DIFFICULTY_NAMES, parse_custom_number, parse_difficulty
from bot.core.i18n import _
from cogs.content import views as content_ui
from cogs.utils.autocomplete import AUTOCOMPLETE_MAX, match_names
from cogs.utils.checks import moderator_only, require_bot_can_post

log = logging.getLogger(__name__)

KindChoice = Literal["fact", "myth"]
DIFFICULTY_OPTIONS = [
    app_commands.Choice(name=f"{name} ({points} points in quizzes)", value=name)
    for name, points in zip(DIFFICULTY_NAMES, (10, 20, 30), strict=True)
]
HIDDEN_OFFERED = 100
"""How many hidden items the id autocomplete looks through (the most recently hidden)."""
BUTTONS = (content_ui.OpenFormButton, content_ui.RemoveButton, content_ui.ReviewButton)
"""Buttons that keep working after a restart."""


class Content(commands.Cog):
    """Custom facts, suggestions, the review queue and hidden items."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the form, removal and review buttons, so they work after a restart."""
        self.bot.add_dynamic_items(*BUTTONS)

    async def cog_unload(self) -> None:
        """Stop handling the buttons while unloaded."""
        self.bot.remove_dynamic_items(*BUTTONS)

    async def cog_check(self, ctx: commands.Context[MythOrFactBot]) -> bool:
        """Refuse early, with a clear message, where I cannot post embeds."""
        if ctx.interaction is None:
            require_bot_can_post(ctx)
        return True

    async def _open_form(
        self,
        ctx: commands.Context[MythOrFactBot],
        purpose: content_ui.Purpose,
        kind: str | None,
        number: int = 0,
        difficulty: str | None = None,
    ) -> None:
        """Open the form: directly for a slash command, through a button for a prefix command."""
        assert ctx.guild is not None
        level = parse_difficulty(difficulty) if difficulty is not None else None
        form = await content_ui.prepare_form(self.bot, ctx.author, ctx.guild, purpose, kind, number, level)
        if ctx.interaction is not None:
            await ctx.interaction.response.send_modal(form)
            return
        if purpose == "suggest":
            prompt = _("Press **Open the form** to write your suggestion.")
        elif form.kind == "myth":
            prompt = _("Press **Open the form** to write the myth.")
        else:
            prompt = _("Press **Open the form** to write the fact.")
        await ctx.send(
            prompt,
            view=content_ui.open_form_view(purpose, ctx.author.id, kind, number, level),
        )

    # -- custom facts --------------------------------------------------------------------------

    @commands.hybrid_group(name="customfact", invoke_without_command=True)
    @commands.guild_only()
    @moderator_only()
    @app_commands.default_permissions(manage_guild=True)
    async def customfact(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Moderators: this server's own facts and myths (add, edit, remove, list); also `fact add` and so on."""
        await self.customfact_list(ctx)

    # `kind` is optional for prefix commands too, so `!fact add hard` reads as the difficulty.
    @customfact.command(name="add", extras={"opens_form": True})
    @commands.guild_only()
    @moderator_only()
    @app_commands.describe(
        kind="fact (true, the default) or myth (a popular belief that is wrong)",
        difficulty="easy, medium (the default) or hard: 10, 20 or 30 points in quizzes",
    )
    @app_commands.choices(difficulty=DIFFICULTY_OPTIONS)
    async def customfact_add(
        self, ctx: commands.Context[MythOrFactBot], kind: KindChoice | None = None, difficulty: str | None = None
    ) -> None:
        """Write a new fact or myth for this server's rotation (opens a form), optionally easy, medium or hard."""
        await self._open_form(ctx, "add", kind or "fact", difficulty=difficulty)

    @customfact.command(name="edit", extras={"opens_form": True})
    @commands.guild_only()
    @moderator_only()
    @app_commands.describe(
        number="The custom fact's number, e.g. 3 for custom/3",
        kind="Change it to a fact or a myth",
        difficulty="Change it to easy, medium or hard",
    )
    @app_commands.choices(difficulty=DIFFICULTY_OPTIONS)
    async def customfact_edit(
        self,
        ctx: commands.Context[MythOrFactBot],
        number: str,
        kind: KindChoice | None = None,
        difficulty: str | None = None,
    ) -> None:
        """Change one of this server's custom facts (opens the form, filled in), its difficulty too."""
        await self._open_form(ctx, "edit", kind, parse_custom_number(number), difficulty)

    @customfact.command(name="remove")
    @commands.guild_only()
    @moderator_only()
    @app_commands.describe(number="The custom fact's number, e.g. 3 for custom/3")
    async def customfact_remove(self, ctx: commands.Context[MythOrFactBot], number: str) -> None:
        """Remove one of this server's custom facts from the rotation (asks you to confirm first)."""
        assert ctx.guild is not None
        fact = await self.bot.store.custom_fact(ctx.guild.id, parse_custom_number(number))
        question, view = content_ui.confirm_removal(fact, ctx.author.id)
        await ctx.send(question, view=view, ephemeral=True)

    @customfact.command(name="list")
    @commands.guild_only()
    @moderator_only()
    @app_commands.describe(page="Which page, 10 custom facts each")
    async def customfact_list(self, ctx: commands.Context[MythOrFactBot], page: commands.Range[int, 1] = 1) -> None:
        """List this server's custom facts with their numbers."""
        assert ctx.guild is not None
        size = content_ui.LIST_PAGE_SIZE
        facts, total = await self.bot.store.custom_facts(ctx.guild.id, (page - 1) * size, size)
        await ctx.send(embed=content_ui.custom_facts_embed(facts, total, page), ephemeral=True)

    # -- suggestions and the review queue ------------------------------------------------------

    @commands.hybrid_command(name="suggest", extras={"opens_form": True})
    @commands.guild_only()
    @app_commands.describe(kind="fact (true, the default) or myth (a popular belief that is wrong)")
    async def suggest(self, ctx: commands.Context[MythOrFactBot], kind: KindChoice = "fact") -> None:
        """Suggest a fact or myth, with its source, for this server's moderators to review (opens a form)."""
        await self._open_form(ctx, "suggest", kind)

    @commands.hybrid_command(name="suggestions")
    @commands.guild_only()
    @moderator_only()
    @app_commands.default_permissions(manage_guild=True)
    async def suggestions(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Moderators: review members' suggestions and the questions players disputed."""
        assert ctx.guild is not None
        for part in (content_ui.suggestion_queue, content_ui.dispute_queue):
            queue = await part(self.bot, ctx.guild.id)
            extra = {"view": queue.view} if queue.view is not None else {}
            await ctx.send(queue.content, embeds=queue.embeds, **extra)

    # -- hidden items ----------------------------------------------------------------------------

    @commands.hybrid_group(name="item", invoke_without_command=True)
    @commands.guild_only()
    @moderator_only()
    @app_commands.default_permissions(manage_guild=True)
    async def item(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Moderators: the items hidden in this server (hidden, unhide); hide them from the review queue."""
        await self.item_hidden(ctx)

    @item.command(name="hidden")
    @commands.guild_only()
    @moderator_only()
    @app_commands.describe(page="Which page, 10 hidden items each")
    async def item_hidden(self, ctx: commands.Context[MythOrFactBot], page: commands.Range[int, 1] = 1) -> None:
        """List the items hidden in this server, most recently hidden first."""
        assert ctx.guild is not None
        size = content_ui.LIST_PAGE_SIZE
        hidden, total = await self.bot.store.hidden_items(ctx.guild.id, (page - 1) * size, size)
        await ctx.send(embed=content_ui.hidden_items_embed(hidden, total, page), ephemeral=True)

    async def hidden_autocomplete(
        self, interaction: discord.Interaction[MythOrFactBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the ids of the server's hidden items matching what was typed."""
        if interaction.guild_id is None:
            return []
        hidden, _total = await self.bot.store.hidden_items(interaction.guild_id, 0, HIDDEN_OFFERED)
        refs = match_names([item.ref for item in hidden], current.strip().lower(), AUTOCOMPLETE_MAX)
        return [app_commands.Choice(name=ref[:100], value=ref[:100]) for ref in refs]

    @item.command(name="unhide")
    @commands.guild_only()
    @moderator_only()
    @app_commands.describe(item_id="The item's id, e.g. space/venus-hottest-planet (see item hidden)")
    @app_commands.rename(item_id="id")
    @app_commands.autocomplete(item_id=hidden_autocomplete)
    async def item_unhide(self, ctx: commands.Context[MythOrFactBot], item_id: str) -> None:
        """Put an item hidden in this server back into its rotation."""
        assert ctx.guild is not None
        found = await self.bot.store.get_item(item_id, ctx.guild.id)
        if not await self.bot.store.unhide_item(ctx.guild.id, found.pk, ctx.author.id, discord.utils.utcnow()):
            await ctx.send(
                _(
                    "`{ref}` is not hidden in this server, so there is nothing to unhide. "
                    "`item hidden` lists the hidden ones.",
                    ref=found.ref,
                ),
                ephemeral=True,
            )
            return
        log.info("Item %s unhidden in guild %s by %s", found.ref, ctx.guild.id, ctx.author.id)
        await ctx.send(_("`{ref}` is back in this server's rotation.", ref=found.ref), ephemeral=True)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Content(bot))
