"""The global board: servers that opt in share an all-time and a weekly board; members choose whether it names them.

The board is read from the database on every page (it is kept up to date in the transaction of every round), so
every process, whichever shards it serves, shows the same board. Names are snapshots members opted in with: the
name of a member of another server cannot be looked up here. Members seen pressing the bot's buttons or using its
commands have their snapshot refreshed, written at most every :data:`NAME_REFRESH_SECONDS` (5 minutes).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from datetime import datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError
from bot.core.global_board import GlobalRow, global_period, name_snapshot
from bot.core.i18n import _
from bot.core.scores import ALL_TIME, BoardKey
from bot.core.text import clip
from cogs.utils import render

log = logging.getLogger(__name__)

PAGE_SIZE = 10
NAME_REFRESH_SECONDS = 300.0
"""The names of members seen playing are written at most this often (only those who opted in change)."""
NAMES_PENDING_MAX = 10_000
"""Names waiting to be written are written early when this many members were seen."""
PeriodChoice = Literal["all", "week"]


def board_title(period: str) -> str:
    """Return the heading of a global board."""
    if period == ALL_TIME:
        return _("Global board · All time")
    return _("Global board · Week {week} (UTC)", week=period)


def board_line(row: GlobalRow, viewer: GlobalRow | None) -> str:
    """Render one line: position, the name snapshot or anonymous label, points and right answers."""
    label = discord.utils.escape_markdown(row.label)
    line = _("**{position}.** {label}: {points} points ({correct} right)", position=row.position, label=label,
             points=row.points, correct=row.correct)  # fmt: skip
    if viewer is not None and viewer.key == row.key:
        line += _(" ← you")
    return line


def place_text(viewer: GlobalRow | None, players: int, taking_part: bool, prefix: str) -> str:
    """Describe the viewer's own place on the board, and whether this server takes part."""
    if viewer is None:
        text = _("No points on this board yet: play in a server that takes part.")
    else:
        text = _("**#{position}** of {players} · {points} points · {correct}/{rounds} right",
                 position=viewer.position, players=players, points=viewer.points, correct=viewer.correct,
                 rounds=viewer.rounds)  # fmt: skip
        if viewer.name is None:
            text += "\n" + _("You appear as {label}; show your name with `{prefix}global name on`.",
                             label=viewer.label, prefix=prefix)  # fmt: skip
    if not taking_part:
        text += "\n" + _(
            "This server does not take part, so its games do not count here. Moderators can join with "
            "`{prefix}config global on`.",
            prefix=prefix,
        )
    return clip(text, render.FIELD_VALUE_MAX)


async def board_page(
    bot: MythOrFactBot,
    member: discord.Member | discord.User,
    guild_id: int | None,
    period: str,
    page: int,
    prefix: str,
    *,
    after: BoardKey | None = None,
    before: BoardKey | None = None,
) -> tuple[discord.Embed, discord.ui.View | None]:
    """Build one page of the global board, with the member's own place, and its Previous/Next buttons.

    Pages turned with a button are read beside the line they continue from, like a server's leaderboard.
    """
    store = bot.store
    players = await store.global_count(period)
    pages = max(1, math.ceil(players / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows: list[GlobalRow] = []
    if page > 1 and after is not None:
        rows = await store.global_after(period, after, PAGE_SIZE)
    elif page > 1 and before is not None:
        rows = await store.global_before(period, before, PAGE_SIZE)
        if len(rows) < PAGE_SIZE:  # the board changed so much that this is no longer a full page below the top
            rows = []
    if not rows:
        rows = await store.global_top(period, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    viewer = await store.global_rank(period, member.id)
    taking_part = guild_id is not None and (await store.server_settings(guild_id)).global_board
    embed = discord.Embed(
        title=board_title(period),
        description="\n".join(board_line(row, viewer) for row in rows)
        or _("Nobody has points on this board yet. Servers join with `{prefix}config global on`.", prefix=prefix),
        colour=render.INFO_COLOUR,
    )
    embed.add_field(
        name=clip(_("Place of {name}", name=discord.utils.escape_markdown(member.display_name)), 256),
        value=place_text(viewer, players, taking_part, prefix),
        inline=False,
    )
    embed.set_footer(text=_("Page {page} of {pages} · {players} players", page=page, pages=pages, players=players))
    if pages == 1:
        return embed, None
    view = discord.ui.View(timeout=None)
    first, last = (rows[0].key, rows[-1].key) if rows else (None, None)
    view.add_item(BoardButton(period, page - 1, _("◀ Previous"), before=first, disabled=page <= 1))
    view.add_item(BoardButton(period, page + 1, _("Next ▶"), after=last, disabled=page >= pages))
    return embed, view


def board_custom_id(period: str, page: int, *, after: BoardKey | None, before: BoardKey | None) -> str:
    """Return a page button's custom id: the page and the line it continues from (a member key, never an id)."""
    return render.continued_custom_id(f"mof:gb:{period}:{max(page, 0)}", after=after, before=before)


class BoardButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"mof:gb:(?P<period>all|\d{4}-W\d{2}):(?P<page>\d+)"
        r"(?::(?P<side>[ab])(?P<points>-?\d+)\.(?P<correct>-?\d+)\.(?P<key>\d+))?"
    ),
):
    """Turns a page of the global board; what it needs lives in its custom id, so it works after restarts."""

    def __init__(
        self,
        period: str,
        page: int,
        label: str = "Page",
        *,
        after: BoardKey | None = None,
        before: BoardKey | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=board_custom_id(period, page, after=after, before=before),
            )
        )
        self.period = period
        self.page = page
        self.after = after
        self.before = before

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> BoardButton:
        """Rebuild the button from its custom id."""
        key = None
        if match["side"]:
            key = BoardKey(int(match["points"]), int(match["correct"]), int(match["key"]))
        after, before = (key, None) if match["side"] == "a" else (None, key)
        return cls(match["period"], int(match["page"]), after=after, before=before)

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Show the requested page in place, with the place of whoever pressed."""
        prefix = await interaction.client.prefix_in(interaction.guild_id)
        embed, view = await board_page(
            interaction.client,
            interaction.user,
            interaction.guild_id,
            self.period,
            self.page,
            prefix,
            after=self.after,
            before=self.before,
        )
        await interaction.response.edit_message(embed=embed, view=view)


class GlobalBoard(commands.Cog):
    """The board shared by every server that takes part."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot
        self._seen: dict[int, str] = {}
        """Display names of members seen playing since the last write, by user id (made snapshots when written)."""
        self._written_at = time.monotonic()
        self._writing: asyncio.Task | None = None

    async def cog_load(self) -> None:
        """Register the page buttons so old boards keep working after a restart."""
        self.bot.add_dynamic_items(BoardButton)
        self.bot.command_hooks.append(self._saw_author)

    async def cog_unload(self) -> None:
        """Stop; the names seen last are written first."""
        self.bot.remove_dynamic_items(BoardButton)
        self.bot.command_hooks.remove(self._saw_author)
        await self._write_names()

    # -- names of members seen playing ------------------------------------------------------------------------

    def _saw(self, user: discord.abc.User) -> None:
        """Remember a member's name; write the names seen once the interval has passed (or many are waiting)."""
        if not isinstance(user, discord.Member) or user.bot:
            return
        self._seen[user.id] = user.display_name
        now = time.monotonic()  # once per command: cheaper than a datetime
        due = now - self._written_at >= NAME_REFRESH_SECONDS or len(self._seen) >= NAMES_PENDING_MAX
        if due and (self._writing is None or self._writing.done()):
            self._written_at = now
            self._writing = asyncio.create_task(self._write_names(), name="global-names")

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Note who pressed a button or ran a command, to refresh their name if they show it on the board."""
        self._saw(interaction.user)

    def _saw_author(self, ctx: commands.Context) -> None:
        """Note who ran a command, for the same reason (a command hook of the bot: no task per command)."""
        self._saw(ctx.author)

    async def _write_names(self) -> None:
        seen, self._seen = self._seen, {}
        if seen:
            try:
                snapshots = {user_id: name_snapshot(name) for user_id, name in seen.items()}
                changed = await self.bot.store.refresh_global_names(snapshots, discord.utils.utcnow())
            except Exception:
                log.exception("Could not refresh %s names on the global board; they are tried again later", len(seen))
                self._seen = {**seen, **self._seen}
                return
            log.debug("Refreshed %s names on the global board", changed)

    # -- commands -------------------------------------------------------------------------------------------

    def _prefix(self, ctx: commands.Context[MythOrFactBot]) -> str:
        return "/" if ctx.interaction is not None else ctx.clean_prefix

    @commands.hybrid_group(name="global", fallback="board", invoke_without_command=True, case_insensitive=True)
    @app_commands.describe(period="all (default) or week (the ISO week in UTC)", page="Which page, 10 players each")
    async def global_board(
        self, ctx: commands.Context[MythOrFactBot], period: PeriodChoice = "all", page: commands.Range[int, 1] = 1
    ) -> None:
        """Show the board shared by servers that opt in, all time or this week (UTC), with your place."""
        key = global_period(period, discord.utils.utcnow())
        guild_id = ctx.guild.id if ctx.guild else None
        embed, view = await board_page(self.bot, ctx.author, guild_id, key, page, self._prefix(ctx))
        if view is None:
            await ctx.send(embed=embed)
        else:
            await ctx.send(embed=embed, view=view)

    @global_board.command(name="name", ignore_extra=False)
    @app_commands.describe(state="on: show your display name on the global board; off: appear anonymously")
    async def global_name(self, ctx: commands.Context[MythOrFactBot], state: Literal["on", "off"]) -> None:
        """Choose whether the global board shows your display name (it is anonymous unless you turn this on)."""
        now: datetime = discord.utils.utcnow()
        if state == "off":
            await self.bot.store.set_global_name(ctx.author.id, None, now)
            await ctx.send(_("Done: the global board shows you anonymously."), ephemeral=True)
            return
        snapshot = name_snapshot(ctx.author.display_name)
        if not snapshot:
            raise MythOrFactError(
                _(
                    "Your display name has nothing the board can show (it drops mentions, markdown and symbols). "
                    "Change it, then try again. Nothing was changed."
                )
            )
        await self.bot.store.set_global_name(ctx.author.id, snapshot, now)
        self._seen.pop(ctx.author.id, None)
        await ctx.send(
            _(
                "Done: the global board shows you as **{name}**, in every server that takes part. The name is "
                "refreshed when you play; `{prefix}global name off` hides it again.",
                name=discord.utils.escape_markdown(snapshot),
                prefix=self._prefix(ctx),
            ),
            ephemeral=True,
        )


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(GlobalBoard(bot))
