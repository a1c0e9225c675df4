"""Commands for data control: forget-me, leaderboard resets, exports, uploaded packs and retention.

Confirmations are buttons with stable custom ids (``mof:forget:…``, ``mof:lbreset:…``) that carry who may press them
and when they were offered, so they work after a restart and expire after :data:`CONFIRM_SECONDS`.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.app.client import MythOrFactBot
from bot.core.admin import (
    EXPORT_MAX_BYTES,
    RESERVED_PACK_IDS,
    SWEEP_INTERVAL,
    ForgetReport,
    PackUpload,
    PurgeReport,
    UploadRefused,
    build_export,
    check_upload_size,
    import_audit_detail,
    items_left_out,
    list_problems,
    oldest_week_kept,
    parse_upload,
    resolve_period,
    upload_format,
)
from bot.core.audit import AuditNote
from bot.core.catalog import PackSummary, SyncReport
from bot.core.errors import MythOrFactError, StorageUnavailable
from bot.core.i18n import N_, _, _n
from bot.core.packs import PackProblem
from bot.core.rewards import MEMBER_FORGOTTEN, REWARDS_CHANGED
from bot.core.scores import ALL_TIME
from bot.core.text import clip
from cogs.utils import render
from cogs.utils.checks import FriendlyCheckFailure, moderator_only, require_moderator
from cogs.utils.confirm import CONFIRM_SECONDS, ConfirmAction, ConfirmButton, confirmation_view

log = logging.getLogger(__name__)

SWEEP_LEASE = "job:retention-sweep"
SWEEP_LEASE_TTL = SWEEP_INTERVAL - timedelta(minutes=5)
"""Held a little less than the interval, so the holder renews it at its next turn and a dead holder's lapses."""
FORGET, RESET = "forget", "lbreset"
"""The confirmations of this cog (their names are part of the buttons' custom ids)."""


def _kilobytes(size: int) -> str:
    return f"{size / 1024:,.1f} KB"


def _plain(text: str, limit: int = 80) -> str:
    """Make text from a file or a member safe to show inline: no Markdown, no mentions, at most ``limit`` long."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(clip(text, limit)))


async def download(file: discord.Attachment) -> bytes:
    """Fetch an attachment's bytes; a failed download gets a friendly error."""
    try:
        return await file.read()
    except discord.HTTPException as exc:
        log.info("Could not download the pack upload %r: %s", file.filename, exc)
        raise MythOrFactError(
            _("I couldn't download that file from Discord (was the message deleted?). Attach it again, please.")
        ) from None


def import_summary(upload: PackUpload, report: SyncReport, left_out: int) -> str:
    """Tell the moderator what importing a pack changed, with the importer's notes."""
    pack = upload.pack
    counts = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged}
    if report.retired:
        changes = _(
            "{added} added, {updated} updated, {unchanged} unchanged, {retired} retired",
            retired=report.retired,
            **counts,
        )
    else:
        changes = _("{added} added, {updated} updated, {unchanged} unchanged", **counts)
    lines = [
        _(
            "Imported **{name}** (`{pack}`) for this server: {changes}. "
            "It is served here only; remove it with `pack remove {pack}`.",
            name=_plain(pack.name),
            pack=pack.id,
            changes=changes,
        )
    ]
    lines += [_("Note: {note}", note=_plain(note, 200)) for note in upload.notes[:3]]
    if left_out:
        lines.append(_n("Left out {count} item with problems:", "Left out {count} items with problems:", left_out))
    return "\n".join(lines)


class PartialOption(commands.Converter[bool], app_commands.Transformer):
    """``partial`` on the prefix form (``!pack import partial``); a true/false option on the slash form."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Slash commands show it as a true/false choice."""
        return discord.AppCommandOptionType.boolean

    async def transform(self, interaction: discord.Interaction, value: bool, /) -> bool:
        """Pass the slash value through."""
        return bool(value)

    async def convert(self, ctx: commands.Context, argument: str) -> bool:
        """Accept the word ``partial`` (or a yes/no word) on the prefix form."""
        word = argument.lower()
        if word in ("partial", "yes", "true", "on"):
            return True
        if word in ("no", "false", "off"):
            return False
        raise commands.BadArgument(_("{value} is not `partial`", value=repr(argument)))


def forget_summary(report: ForgetReport) -> str:
    """Tell a member what forgetting them deleted."""
    counted = [
        (report.scores, _n("{count} leaderboard entry", "{count} leaderboard entries", report.scores)),
        (report.daily_answers, _n("{count} daily answer", "{count} daily answers", report.daily_answers)),
        (report.daily_streaks, _n("{count} daily streak", "{count} daily streaks", report.daily_streaks)),
        (report.role_grants, _n("{count} reward role", "{count} reward roles", report.role_grants)),
        (report.disputes, _n("{count} dispute", "{count} disputes", report.disputes)),
        (
            report.suggestions_deleted,
            _n("{count} pending suggestion", "{count} pending suggestions", report.suggestions_deleted),
        ),
        (report.review_items, _n("{count} review card", "{count} review cards", report.review_items)),
        (
            report.global_scores,
            _n(
                "{count} entry from this server on the global board",
                "{count} entries from this server on the global board",
                report.global_scores,
            ),
        ),
    ]
    deleted = [text for count, text in counted if count]
    if deleted:
        sentences = [_("Done. I deleted your data in this server: {items}.", items=", ".join(deleted))]
    else:
        sentences = [_("Done. There was no data of yours left to delete in this server.")]
    if report.credits_cleared or report.suggestions_anonymised:
        sentences.append(_("Custom facts and reviewed suggestions of yours stay, but no longer carry your name."))
    if report.global_name:
        sentences.append(_("The global board no longer shows your name."))
    return " ".join(sentences)


# -- the cog ---------------------------------------------------------------------------------------


class Admin(commands.Cog):
    """Data control: forget-me, leaderboard resets, exports, uploaded packs and retention."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the confirmations and start the retention sweep (it waits until the bot is ready)."""
        ConfirmButton.register(ConfirmAction(FORGET, N_("Delete my data"), self._forget_confirmed))
        ConfirmButton.register(ConfirmAction(RESET, N_("Reset it"), self._reset_confirmed))
        self.bot.add_dynamic_items(ConfirmButton)
        self.retention_sweep.start()

    async def cog_unload(self) -> None:
        """Stop the sweep and the confirmations."""
        self.retention_sweep.cancel()
        self.bot.remove_dynamic_items(ConfirmButton)
        for name in (FORGET, RESET):
            ConfirmButton.unregister(name)

    # -- uploaded packs ------------------------------------------------------------------------

    @commands.hybrid_group(name="pack", invoke_without_command=True)
    @moderator_only()
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def pack(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Manage this server's own packs: import a file, list them, remove one."""
        await self._send_pack_list(ctx)

    @pack.command(name="import")
    @moderator_only()
    @app_commands.describe(
        file="A .toml pack, a Red trivia list (.yaml) or Open Trivia DB .json",
        partial="Import the valid items even if some have problems (default: all or nothing)",
    )
    async def pack_import(
        self,
        ctx: commands.Context[MythOrFactBot],
        file: discord.Attachment | None = None,
        partial: PartialOption = False,
    ) -> None:
        """Import an attached pack for this server only; `partial` keeps the valid items of a flawed file."""
        assert ctx.guild is not None
        if file is None:
            raise MythOrFactError(
                _(
                    "Attach the pack file to the command: a `.toml` pack, a Red trivia list (`.yaml`) or Open Trivia "
                    "DB `.json`. Add `partial` to import the valid items of a file with problems."
                )
            )
        upload_format(file.filename)
        check_upload_size(file.size)  # before downloading anything
        await ctx.defer(ephemeral=True)
        try:
            upload = parse_upload(await download(file), file.filename, partial=bool(partial))
        except UploadRefused as refused:
            if not refused.problems:
                raise
            header = str(refused)
            if not partial:
                hint = _("Fix them, or import again with `partial` to keep the valid items.")
                header = f"{header} {hint}"
            await self._send_listing(ctx, header, refused.problems)
            return
        pack = upload.pack
        detail = import_audit_detail(upload, file.filename)
        left_out = items_left_out(upload)
        report = await self.bot.store.import_server_pack(ctx.guild.id, pack, AuditNote(ctx.author.id, "pack", detail))
        log.info("Guild %s %s", ctx.guild.id, detail)
        await self._send_listing(ctx, import_summary(upload, report, left_out), upload.rejected)

    async def _send_listing(
        self, ctx: commands.Context[MythOrFactBot], header: str, problems: list[PackProblem]
    ) -> None:
        """Send a message with problems listed, attaching the full list when it does not fit."""
        listing = list_problems(header, problems)
        if listing.full_list is None:
            await ctx.send(listing.text, ephemeral=True)
            return
        attachment = discord.File(io.BytesIO(listing.full_list.encode()), filename="problems.txt")
        await ctx.send(listing.text, file=attachment, ephemeral=True)

    @pack.command(name="remove")
    @moderator_only()
    @app_commands.describe(pack_id="The id of a pack this server imported (see pack list)")
    @app_commands.rename(pack_id="id")
    async def pack_remove(self, ctx: commands.Context[MythOrFactBot], pack_id: str) -> None:
        """Retire one of this server's imported packs: its items are no longer served here."""
        assert ctx.guild is not None
        pack_id = pack_id.strip().strip("`").lower()
        if pack_id in RESERVED_PACK_IDS:
            raise MythOrFactError(_("`custom` holds this server's custom facts; remove those one by one instead."))
        retired = await self.bot.store.remove_server_pack(ctx.guild.id, pack_id, actor_id=ctx.author.id)
        log.info("Guild %s removed pack %s (%d items)", ctx.guild.id, pack_id, retired)
        await ctx.send(
            _n(
                "Removed the pack `{pack}`: {count} item is no longer served here. "
                "Import the file again to bring it back.",
                "Removed the pack `{pack}`: {count} items are no longer served here. "
                "Import the file again to bring it back.",
                retired,
                pack=pack_id,
            ),
            ephemeral=True,
        )

    @pack.command(name="list")
    @moderator_only()
    async def pack_list(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """List the packs this server gets: the shipped ones and its own, with item counts."""
        await self._send_pack_list(ctx)

    async def _send_pack_list(self, ctx: commands.Context[MythOrFactBot]) -> None:
        assert ctx.guild is not None
        store = self.bot.store
        own = await store.server_packs(ctx.guild.id)
        own_ids = {pack.id for pack in own}
        shipped = [pack for pack in await store.packs(ctx.guild.id) if pack.id not in own_ids]
        enabled = (await store.server_settings(ctx.guild.id)).packs

        def line(pack: PackSummary) -> str:
            fields = {"name": _plain(pack.name, 60), "pack": pack.id}
            if enabled and pack.id not in enabled:
                return _n(
                    "**{name}** (`{pack}`): {count} item (turned off here)",
                    "**{name}** (`{pack}`): {count} items (turned off here)",
                    pack.items,
                    **fields,
                )
            return _n(
                "**{name}** (`{pack}`): {count} item", "**{name}** (`{pack}`): {count} items", pack.items, **fields
            )

        embed = discord.Embed(
            title=clip(_("Packs · {server}", server=ctx.guild.name), render.TITLE_MAX), colour=render.INFO_COLOUR
        )
        for title, packs, empty in (
            (_("This server's packs"), own, _("None yet. Attach a file to `pack import` to add one.")),
            (_("Shipped packs"), shipped, _("None.")),
        ):
            value = "\n".join(line(pack) for pack in packs) or empty
            embed.add_field(name=title, value=clip(value, render.FIELD_VALUE_MAX), inline=False)
        embed.set_footer(text=_("pack import <file> [partial] · pack remove <id>"))
        await ctx.send(embed=embed, ephemeral=True)

    # -- a member's own data -------------------------------------------------------------------

    @commands.hybrid_command(name="forgetme", extras={"private_reply": True})
    @commands.guild_only()
    @app_commands.guild_only()
    async def forgetme(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Delete your scores, daily answers, disputes, pending suggestions and review here (asks first)."""
        assert ctx.guild is not None
        view = confirmation_view(FORGET, ctx.author.id)
        await ctx.send(
            _(
                "This deletes your data in **{server}**: your scores on every leaderboard (all time and weekly), "
                "your daily answers and streak, your disputes, your pending suggestions and your personal review "
                "(cards, streak and numbers), and I take back the reward roles I gave you. Custom facts you were "
                "credited for stay, but without your name. This cannot be undone. "
                "The buttons work for {minutes} minutes.",
                server=_plain(ctx.guild.name, 100),
                minutes=CONFIRM_SECONDS // 60,
            ),
            view=view,
            ephemeral=True,
        )

    async def _forget_confirmed(self, interaction: discord.Interaction[MythOrFactBot], user_id: int, _: str) -> str:
        """Delete the member's data in this server."""
        assert interaction.guild_id is not None
        grants = await self.bot.store.role_grants(interaction.guild_id, [user_id])
        report = await self.bot.store.forget_member_data(interaction.guild_id, user_id)
        self.bot.quiz_runner.forget_player(interaction.guild_id, user_id)
        log.info("Forgot member %s in guild %s: %s", user_id, interaction.guild_id, report)
        if grants:
            self.bot.dispatch(MEMBER_FORGOTTEN, grants)  # the rewards cog takes the roles back
        return forget_summary(report)

    # -- leaderboards --------------------------------------------------------------------------

    @commands.hybrid_command(name="leaderboard-reset")
    @moderator_only()
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(period="all (default), week (this week), or a week such as 2026-W48")
    async def leaderboard_reset(self, ctx: commands.Context[MythOrFactBot], period: str = "all") -> None:
        """Empty one of this server's leaderboards, all time or a week (asks first)."""
        assert ctx.guild is not None
        zone = (await self.bot.store.server_settings(ctx.guild.id)).zone()
        key = resolve_period(period, discord.utils.utcnow(), zone)
        players = await self.bot.store.count_players(ctx.guild.id, key)
        if not players:
            already_empty = (
                _("The all-time leaderboard is already empty; nothing to reset.")
                if key == ALL_TIME
                else _("The leaderboard of week {week} is already empty; nothing to reset.", week=key)
            )
            await ctx.send(already_empty, ephemeral=True)
            return
        view = confirmation_view(RESET, ctx.author.id, key)
        if key == ALL_TIME:
            prompt = _n(
                "Reset the all-time leaderboard of this server? {count} player loses their points in it; other "
                "leaderboards stay. This cannot be undone.",
                "Reset the all-time leaderboard of this server? {count} players lose their points in it; other "
                "leaderboards stay. This cannot be undone.",
                players,
            )
        else:
            prompt = _n(
                "Reset the leaderboard of week {week} of this server? {count} player loses their points in it; "
                "other leaderboards stay. This cannot be undone.",
                "Reset the leaderboard of week {week} of this server? {count} players lose their points in it; "
                "other leaderboards stay. This cannot be undone.",
                players,
                week=key,
            )
        await ctx.send(prompt, view=view, ephemeral=True)

    async def _reset_confirmed(
        self, interaction: discord.Interaction[MythOrFactBot], user_id: int, period: str
    ) -> str | None:
        """Delete the leaderboard's rows in this server, if the presser is still a moderator."""
        guild = interaction.guild
        assert guild is not None
        store = self.bot.store
        try:
            await require_moderator(interaction.user, guild, await store.server_settings(guild.id))
        except FriendlyCheckFailure as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return None
        removed = await store.reset_leaderboard(guild.id, period, actor_id=interaction.user.id)
        log.info("Leaderboard %s of guild %s reset by %s (%d rows)", period, guild.id, user_id, removed)
        self.bot.dispatch(REWARDS_CHANGED, guild.id)  # members who no longer qualify lose their reward roles
        if period == ALL_TIME:
            return _n(
                "Done: the all-time leaderboard is empty again ({count} player removed).",
                "Done: the all-time leaderboard is empty again ({count} players removed).",
                removed,
            )
        return _n(
            "Done: the leaderboard of week {week} is empty again ({count} player removed).",
            "Done: the leaderboard of week {week} is empty again ({count} players removed).",
            removed,
            week=period,
        )

    # -- export --------------------------------------------------------------------------------

    @commands.hybrid_command(name="export")
    @moderator_only()
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def export(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Get everything the bot stores for this server as a JSON file (privately, or by DM)."""
        assert ctx.guild is not None
        await ctx.defer(ephemeral=True)
        sections = await self.bot.store.export_sections(ctx.guild.id)
        limit = min(ctx.guild.filesize_limit, EXPORT_MAX_BYTES)
        # Off the event loop: a big server's export is megabytes of JSON, which would stall every other server.
        export = await asyncio.to_thread(build_export, ctx.guild.id, sections, discord.utils.utcnow(), limit)
        size = _kilobytes(len(export.data))
        file = discord.File(io.BytesIO(export.data), filename=export.filename)
        text = _("Here is everything I store for **{server}** ({size}).", server=_plain(ctx.guild.name, 100), size=size)
        if export.truncated:
            cut = ", ".join(
                _n("{section} ({count} row left out)", "{section} ({count} rows left out)", count, section=name)
                for name, count in export.truncated.items()
            )
            note = _("It was too big for one file, so some sections were cut: {sections}.", sections=cut)
            text = f"{text} {note}"
        if ctx.interaction is not None:
            await ctx.send(text, file=file, ephemeral=True)
        else:
            try:
                await ctx.author.send(text, file=file)
            except discord.Forbidden:
                raise MythOrFactError(
                    _(
                        "I couldn't send you a DM (your DMs are closed to me). Use `/export` instead: the file is "
                        "shown only to you."
                    )
                ) from None
            await ctx.send(_("I sent you the export by DM ({size}).", size=size))
        await self.bot.store.record_audit(ctx.guild.id, ctx.author.id, "export", f"exported {size}")
        log.info("Guild %s exported by %s (%s)", ctx.guild.id, ctx.author.id, size)

    # -- retention -----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Remember when the bot left a server; its data is deleted once the retention period has passed."""
        await self.bot.store.mark_departed(guild.id, discord.utils.utcnow())
        log.info("Left guild %s; its data goes in %d days unless I am added back", guild.id, self._retention.days)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Keep a returning server's data."""
        if await self.bot.store.clear_departed([guild.id]):
            log.info("Back in guild %s; its data is kept", guild.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Keep the data of every server the bot is in: it may have been added back while offline."""
        await self.bot.store.clear_departed(guild.id for guild in self.bot.guilds)

    @property
    def _retention(self) -> timedelta:
        return timedelta(days=self.bot.config.data_retention_days)

    @tasks.loop(seconds=SWEEP_INTERVAL.total_seconds())
    async def retention_sweep(self) -> None:
        """Sweep once the bot is ready, then every six hours, in one process of the cluster (the lease's holder).

        A failed sweep is logged and tried at the next turn.
        """
        try:
            now = discord.utils.utcnow()
            holder = await self.bot.store.claim_lease(SWEEP_LEASE, self.bot.instance_id, now, SWEEP_LEASE_TTL)
            if holder != self.bot.instance_id:
                log.info("The retention sweep runs in %s this time", holder)
                return
            await self.sweep()
        except StorageUnavailable as exc:
            log.warning("The retention sweep could not run, the database is unavailable (%s); next turn", exc.cause)
        except Exception:
            log.exception("The retention sweep failed; trying again at the next turn")

    @retention_sweep.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def sweep(self) -> list[PurgeReport]:
        """Delete all data of servers the bot left longer ago than the retention period, and old weekly boards."""
        await self.bot.store.clear_departed(guild.id for guild in self.bot.guilds)
        now = discord.utils.utcnow()
        reports = await self.bot.store.purge_departed(now, self._retention)
        oldest_kept = oldest_week_kept(now)
        pruned = await self.bot.store.prune_weeks(oldest_kept)
        log.info(
            "Retention sweep done: %d departed servers' data deleted, %d weekly score rows from before %s",
            len(reports),
            pruned,
            oldest_kept,
        )
        for report in reports:
            log.info(
                "Deleted the data of guild %s (left %s, over %d days ago): %d rows",
                report.guild_id,
                report.left_at.isoformat(timespec="seconds"),
                self._retention.days,
                report.total,
            )
        return reports


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Admin(bot))
