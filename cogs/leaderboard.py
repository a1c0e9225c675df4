"""Per-server leaderboards: the paginated leaderboard, a member's rank, and the server's quiz statistics."""

from __future__ import annotations

import math
import re
from datetime import datetime, tzinfo
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.errors import MythOrFactError
from bot.core.i18n import _
from bot.core.scores import ALL_TIME, BoardKey, ItemStats, ScoreRow, week_key
from bot.core.teams import TeamRow
from bot.core.text import clip
from cogs.utils import render

PAGE_SIZE = 10
PeriodChoice = Literal["all", "week"]


def period_key(period: str, zone: tzinfo, now: datetime | None = None) -> str:
    """Turn the user's ``all``/``week`` into the store's period key (``all`` or this ISO week in the server's zone)."""
    return ALL_TIME if period == "all" else week_key(now or discord.utils.utcnow(), zone)


def period_title(period: str) -> str:
    """Return a heading for a period key."""
    return _("All time") if period == ALL_TIME else _("Week {week}", week=period)


def accuracy(row: ScoreRow) -> str:
    """Return the share of rounds a member got right, as a percentage."""
    return f"{100 * row.correct / row.rounds:.0f}%" if row.rounds else "–"


def score_line(row: ScoreRow) -> str:
    """Render one leaderboard line."""
    fields = {"position": row.position, "user_id": row.user_id, "points": row.points, "correct": row.correct}
    if row.fastest_ms is None:
        return _("**{position}.** <@{user_id}>: {points} points ({correct} right)", **fields)
    return _(
        "**{position}.** <@{user_id}>: {points} points ({correct} right, fastest {seconds} s)",
        seconds=format(row.fastest_ms / 1000, ".1f"),
        **fields,
    )


async def leaderboard_page(
    bot: MythOrFactBot,
    guild: discord.Guild,
    period: str,
    page: int,
    *,
    after: BoardKey | None = None,
    before: BoardKey | None = None,
) -> tuple[discord.Embed, discord.ui.View | None]:
    """Build one page of a server's leaderboard and its Previous/Next buttons.

    A page turned with a button is read beside the line it continues from (``after`` the last line of the page
    before, or ``before`` the first line of the page after), so deep pages cost no more than the first and every
    member shows exactly once even where many share their points. A page asked for by number is found by offset.
    """
    players = await bot.store.count_players(guild.id, period)
    pages = max(1, math.ceil(players / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows: list[ScoreRow] = []
    if page > 1 and after is not None:
        rows = await bot.store.scores_after(guild.id, period, after, PAGE_SIZE)
    elif page > 1 and before is not None:
        rows = await bot.store.scores_before(guild.id, period, before, PAGE_SIZE)
        if len(rows) < PAGE_SIZE:  # the board changed so much that this is no longer a full page below the top
            rows = []
    if not rows:
        rows = await bot.store.top_scores(guild.id, period, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    embed = discord.Embed(
        title=clip(
            _("Leaderboard · {server} · {period}", server=guild.name, period=period_title(period)), render.TITLE_MAX
        ),
        description="\n".join(score_line(row) for row in rows) or _("No scores yet. Start a game with `quiz`!"),
        colour=render.INFO_COLOUR,
    )
    embed.set_footer(text=_("Page {page} of {pages} · {players} players", page=page, pages=pages, players=players))
    if pages == 1:
        return embed, None
    view = discord.ui.View(timeout=None)
    first, last = (rows[0].key, rows[-1].key) if rows else (None, None)
    view.add_item(PageButton(guild.id, period, page - 1, "◀ " + _("Previous"), before=first, disabled=page <= 1))
    view.add_item(PageButton(guild.id, period, page + 1, _("Next") + " ▶", after=last, disabled=page >= pages))
    return embed, view


def team_line(row: TeamRow) -> str:
    """Render one line of the team board."""
    return _(
        "**{position}.** {name}: {wins} wins in {quizzes} quizzes, {points} points",
        position=row.position,
        name=discord.utils.escape_markdown(row.name),
        wins=row.wins,
        quizzes=row.quizzes,
        points=row.points,
    )


async def team_board_page(
    bot: MythOrFactBot, guild: discord.Guild, page: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    """Build one page of a server's team board and its Previous/Next buttons (a server has few teams: by offset)."""
    teams = await bot.store.count_teams(guild.id)
    pages = max(1, math.ceil(teams / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = await bot.store.top_teams(guild.id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    embed = discord.Embed(
        title=clip(_("Team leaderboard · {server}", server=guild.name), render.TITLE_MAX),
        description="\n".join(team_line(row) for row in rows)
        or _("No team quiz has been played here yet. Start one with `quiz teams`!"),
        colour=render.INFO_COLOUR,
    )
    embed.set_footer(text=_("Page {page} of {pages} · {teams} teams", page=page, pages=pages, teams=teams))
    if pages == 1:
        return embed, None
    view = discord.ui.View(timeout=None)
    view.add_item(TeamPageButton(guild.id, page - 1, _("◀ Previous"), disabled=page <= 1))
    view.add_item(TeamPageButton(guild.id, page + 1, _("Next ▶"), disabled=page >= pages))
    return embed, view


def hardest_line(item: ItemStats) -> str:
    """Render a hard question: its id, success rate and the close wrong guesses players tend to make."""
    line = _(
        "`{ref}`: {rate}% of {answers} answers right",
        ref=item.ref,
        rate=format(100 * item.correct_rate, ".0f"),
        answers=item.answers,
    )
    if item.near_misses:
        guesses = ", ".join(f"“{discord.utils.escape_markdown(guess)}”" for guess in item.near_misses[:3])
        line += _("; close misses: {guesses}", guesses=guesses)
    return clip(line, 300)


def page_custom_id(guild_id: int, period: str, page: int, *, after: BoardKey | None, before: BoardKey | None) -> str:
    """Return a page button's custom id: the page, and the line it continues from."""
    return render.continued_custom_id(f"mof:lb:{guild_id}:{period}:{max(page, 0)}", after=after, before=before)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"mof:lb:(?P<guild>\d+):(?P<period>all|\d{4}-W\d{2}):(?P<page>\d+)"
        r"(?::(?P<side>[ab])(?P<points>-?\d+)\.(?P<correct>\d+)\.(?P<user>\d+))?"
    ),
):
    """Turns a leaderboard page; the period, page and line to go on from live in the custom id (works after restarts).

    Buttons posted before the line was added to the id carry only the page, which is then found by offset.
    """

    def __init__(
        self,
        guild_id: int,
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
                custom_id=page_custom_id(guild_id, period, page, after=after, before=before),
            )
        )
        self.guild_id = guild_id
        self.period = period
        self.page = page
        self.after = after
        self.before = before

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> PageButton:
        """Rebuild the button from its custom id."""
        key = None
        if match["side"]:
            key = BoardKey(int(match["points"]), int(match["correct"]), int(match["user"]))
        after, before = (key, None) if match["side"] == "a" else (None, key)
        return cls(int(match["guild"]), match["period"], int(match["page"]), after=after, before=before)

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Show the requested page in place."""
        if interaction.guild is None or interaction.guild.id != self.guild_id:
            await interaction.response.send_message(_("This leaderboard belongs to another server."), ephemeral=True)
            return
        embed, view = await leaderboard_page(
            interaction.client, interaction.guild, self.period, self.page, after=self.after, before=self.before
        )
        await interaction.response.edit_message(embed=embed, view=view)


class TeamPageButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mof:lbt:(?P<guild>\d+):(?P<page>\d+)"):
    """Turns a team board page; the page lives in the custom id (works after restarts)."""

    def __init__(self, guild_id: int, page: int, label: str = "Page", *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"mof:lbt:{guild_id}:{max(page, 0)}",
            )
        )
        self.guild_id = guild_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> TeamPageButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["guild"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Show the requested page in place."""
        if interaction.guild is None or interaction.guild.id != self.guild_id:
            await interaction.response.send_message(_("This leaderboard belongs to another server."), ephemeral=True)
            return
        embed, view = await team_board_page(interaction.client, interaction.guild, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


SUBCOMMANDS = {"reset": "leaderboard-reset", "teams": "leaderboard-teams", "global": "global"}
"""Words after `!leaderboard` that name a command of their own (see :class:`LeaderboardCommand`)."""


class LeaderboardCommand(commands.HybridCommand):
    """The `leaderboard` command, whose prefix form also routes `reset`, `teams` and `global` to their commands.

    `/leaderboard` shows the board, so it cannot also be a group with subcommands; their slash forms are
    `/leaderboard-reset`, `/leaderboard-teams` and `/global board`, and `!leaderboard reset week`,
    `!leaderboard teams 2` or `!leaderboard global week` is handed
    to them here like a subcommand would be.
    """

    async def invoke(self, ctx: commands.Context) -> None:
        """Hand `reset …`, `teams …` and `global …` (prefix form only) to their commands, before parsing a period."""
        if ctx.interaction is None:
            ctx.view.skip_ws()
            target = ctx.bot.get_command(SUBCOMMANDS.get(ctx.view.get_word().lower(), ""))
            if target is not None:
                ctx.command = target
                await target.invoke(ctx)
                return
            ctx.view.undo()
        await super().invoke(ctx)


class Leaderboard(commands.Cog):
    """Scores, ranks and statistics for each server."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the page buttons so old leaderboards keep working after a restart."""
        self.bot.add_dynamic_items(PageButton, TeamPageButton)

    async def cog_unload(self) -> None:
        """Stop handling page buttons while unloaded."""
        self.bot.remove_dynamic_items(PageButton, TeamPageButton)

    @commands.command(cls=LeaderboardCommand, aliases=["lb", "top"])  # a hybrid command (see LeaderboardCommand)
    @commands.guild_only()
    @app_commands.describe(period="all (default) or week", page="Which page, 10 players each")
    async def leaderboard(
        self, ctx: commands.Context[MythOrFactBot], period: PeriodChoice = "all", page: commands.Range[int, 1] = 1
    ) -> None:
        """Show the server's quiz leaderboard, all time or this week."""
        assert ctx.guild is not None
        zone = (await self.bot.store.server_settings(ctx.guild.id)).zone()
        embed, view = await leaderboard_page(self.bot, ctx.guild, period_key(period, zone), page)
        if view is None:
            await ctx.send(embed=embed)
        else:
            await ctx.send(embed=embed, view=view)

    @commands.hybrid_command(name="leaderboard-teams")
    @commands.guild_only()
    @app_commands.describe(page="Which page, 10 teams each")
    async def leaderboard_teams(self, ctx: commands.Context[MythOrFactBot], page: commands.Range[int, 1] = 1) -> None:
        """Show the server's team leaderboard: wins, quizzes played and points of each team."""
        assert ctx.guild is not None
        embed, view = await team_board_page(self.bot, ctx.guild, page)
        if view is None:
            await ctx.send(embed=embed)
        else:
            await ctx.send(embed=embed, view=view)

    @commands.hybrid_command()
    @commands.guild_only()
    @app_commands.describe(member="Whose rank to show (default: you)")
    async def rank(self, ctx: commands.Context[MythOrFactBot], member: discord.Member | None = None) -> None:
        """Show a member's position, points, accuracy and best streak."""
        assert ctx.guild is not None
        target = member or ctx.author
        embed = discord.Embed(
            title=clip(_("Rank of {member}", member=target.display_name), render.TITLE_MAX), colour=render.INFO_COLOUR
        )
        zone = (await self.bot.store.server_settings(ctx.guild.id)).zone()
        for period in (ALL_TIME, period_key("week", zone)):
            row = await self.bot.store.member_rank(ctx.guild.id, period, target.id)
            if row is None:
                value = _("No games yet.")
            else:
                players = await self.bot.store.count_players(ctx.guild.id, period)
                value = _(
                    "**#{position}** of {players} · {points} points\n"
                    "{correct}/{rounds} right ({accuracy}) · best streak {streak}",
                    position=row.position,
                    players=players,
                    points=row.points,
                    correct=row.correct,
                    rounds=row.rounds,
                    accuracy=accuracy(row),
                    streak=row.best_streak,
                )
            embed.add_field(name=period_title(period), value=value, inline=False)
        streak = await self.bot.store.daily_streak(ctx.guild.id, target.id)
        if streak is not None:
            embed.add_field(
                name=_("Daily streak"),
                value=_("{current} in a row · best {best}", current=streak.current, best=streak.best),
                inline=False,
            )
        await ctx.send(embed=embed)

    @commands.hybrid_command()
    @commands.guild_only()
    async def stats(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Show the server's quiz totals, favourite topics, and the hardest and most disputed questions."""
        assert ctx.guild is not None
        totals = await self.bot.store.server_totals(ctx.guild.id)
        if not totals.rounds:
            raise MythOrFactError(_("No quiz has been played here yet. Start one with `quiz`!"))
        rate = f"{100 * totals.correct_answers / totals.answers:.0f}%" if totals.answers else "–"
        embed = discord.Embed(
            title=clip(_("Quiz statistics · {server}", server=ctx.guild.name), render.TITLE_MAX),
            description=_(
                "{rounds} questions played by {players} players; {correct} of {answers} answers right ({rate}).",
                rounds=totals.rounds,
                players=totals.players,
                correct=totals.correct_answers,
                answers=totals.answers,
                rate=rate,
            ),
            colour=render.INFO_COLOUR,
        )
        topics = "\n".join(
            _("`{topic}`: {count} questions", topic=topic, count=count) for topic, count in totals.top_topics[:5]
        )
        embed.add_field(name=_("Most played topics"), value=topics or "–", inline=False)
        hardest = await self.bot.store.hardest_items(ctx.guild.id)
        embed.add_field(
            name=_("Hardest questions"),
            value=clip(
                "\n".join(hardest_line(item) for item in hardest) or _("Not enough games yet."),
                render.FIELD_VALUE_MAX,
            ),
            inline=False,
        )
        disputed = await self.bot.store.most_disputed(ctx.guild.id)
        embed.add_field(
            name=_("Most disputed"),
            value=clip(
                "\n".join(_("`{ref}`: {count} disputes", ref=i.ref, count=i.disputes) for i in disputed)
                or _("No disputes."),
                render.FIELD_VALUE_MAX,
            ),
            inline=False,
        )
        await ctx.send(embed=embed)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Leaderboard(bot))
