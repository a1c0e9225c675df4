"""Moderator configuration: the `config` command group and the audit trail.

Every change goes through ``store.update_server_settings(..., actor_id=...)``, so it is validated before anything is
written and recorded for ``config history``. Quiz defaults are changed with ``quiz settings`` and shown here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.client import MythOrFactBot
from bot.core.audit import AuditNote
from bot.core.catalog import AuditEntry
from bot.core.daily import DailySchedule
from bot.core.errors import MythOrFactError
from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, _, _n, using
from bot.core.quiz import MODE_NAMES, Mode, time_limit
from bot.core.rewards import (
    MAX_REWARDS,
    REWARDS_CHANGED,
    RewardKind,
    RoleReward,
    check_setup,
    describe_reward,
    parse_reward,
    reward_audit_detail,
)
from bot.core.scheduling import matching_zones, parse_zone
from bot.core.settings import ServerSettings, check_mod_role_change, describe_enabled, toggled
from bot.core.text import clip, normalize_topic
from cogs.utils import render
from cogs.utils.autocomplete import match_names
from cogs.utils.checks import moderator_only, require_moderator
from cogs.utils.rewards import bot_facts, role_facts

log = logging.getLogger(__name__)

HISTORY_SHOWN = 15
HISTORY_LINE_MAX = 260
RESET_WORDS = ("reset", "default")

# -- rendering -----------------------------------------------------------------------------------------------------

_SNOWFLAKE = re.compile(r"\b\d{15,21}\b")
_MENTION_TEMPLATES = {"allowed_channels": "<#{}>", "log_channel_id": "<#{}>", "mod_role_id": "<@&{}>"}


def history_line(entry: AuditEntry) -> str:
    """Render one audit entry: when (a relative Discord timestamp), who, and what changed.

    Ids of channels and roles become mentions, which never ping inside an embed.
    """
    detail = discord.utils.escape_markdown(entry.detail.replace("\n", " "))
    template = _MENTION_TEMPLATES.get(entry.detail.partition(":")[0]) if entry.action == "setting" else None
    if template is not None:
        detail = _SNOWFLAKE.sub(lambda match: template.format(match.group()), detail)
    line = f"<t:{int(entry.at.timestamp())}:R> · <@{entry.user_id}> · **{entry.action}** · {detail}"
    return clip(line, HISTORY_LINE_MAX)


def history_embed(entries: list[AuditEntry], guild_name: str) -> discord.Embed:
    """Show the most recent moderator changes, newest first."""
    lines = [history_line(entry) for entry in entries]
    embed = discord.Embed(
        title=clip(_("Recent changes · {server}", server=guild_name), render.TITLE_MAX),
        description=clip("\n".join(lines) or _("No changes yet."), render.DESCRIPTION_MAX),
        colour=render.INFO_COLOUR,
    )
    embed.set_footer(text=_("Newest first; the last {count} are shown.", count=HISTORY_SHOWN))
    return embed


def quiz_defaults(settings: ServerSettings) -> str:
    """Describe the quiz defaults: questions, mode, time limits, extra time, hints and when an idle quiz ends."""
    quiz = settings.quiz()
    limits = ", ".join(
        _("{mode} {seconds} s", mode=_(MODE_NAMES[mode]).lower(), seconds=f"{time_limit(mode, '', quiz):g}")
        for mode in Mode
    )
    lines = [
        _(
            "Questions: **{count}** · mode when not chosen: **{mode}**",
            count=settings.quiz_rounds,
            mode=settings.quiz_mode,
        ),
        _("Time limits: {limits}", limits=limits),
        _("Extra time: **{percent}%** · hints in typed rounds: **on**", percent=settings.quiz_extra_time)
        if settings.quiz_hints
        else _("Extra time: **{percent}%** · hints in typed rounds: **off**", percent=settings.quiz_extra_time),
        _n(
            "Ends after **{count}** unanswered question in a row",
            "Ends after **{count}** unanswered questions in a row",
            settings.quiz_idle_rounds,
        ),
        _("Adaptive difficulty: **on** (questions matched to the players)")
        if settings.quiz_adaptive
        else _("Adaptive difficulty: **off** (`config quiz adaptive on` matches questions to the players)"),
    ]
    return "\n".join(lines)


def settings_embed(
    settings: ServerSettings,
    guild: discord.Guild,
    *,
    default_prefix: str,
    bot_mention: str,
    packs: Sequence[str],
    topics: Sequence[str],
    command_prefix: str,
    daily: DailySchedule | None,
    rewards: Sequence[RoleReward] = (),
) -> discord.Embed:
    """Show every server setting in one embed, each field clipped to Discord's limits."""
    embed = discord.Embed(
        title=clip(_("Settings · {server}", server=guild.name), render.TITLE_MAX), colour=render.INFO_COLOUR
    )

    def field(name: str, value: str) -> None:
        embed.add_field(name=name, value=clip(value, render.FIELD_VALUE_MAX), inline=False)

    if settings.prefix:
        prefix = _("`{prefix}`\nMentioning {bot} always works too.", prefix=settings.prefix, bot=bot_mention)
    else:
        prefix = _(
            "`{prefix}` (the default)\nMentioning {bot} always works too.", prefix=default_prefix, bot=bot_mention
        )
    field(_("Prefix"), prefix)
    channels = ", ".join(f"<#{channel_id}>" for channel_id in settings.allowed_channels)
    field(_("Channels for commands and games"), channels or _("Everywhere"))
    field(_("Quiz defaults"), quiz_defaults(settings))
    field(_("Packs"), describe_enabled(settings.packs, packs, "pack"))
    field(_("Topics"), describe_enabled(settings.topics, topics, "topic"))
    field(_("Moderators"), moderators_summary(settings, guild))
    log_channel = f"<#{settings.log_channel_id}>" if settings.log_channel_id else _("None: the server's system channel")
    field(_("Log channel"), log_channel)
    field(_("Suggestions"), _("Up to **{count}** a day per member", count=settings.suggestions_per_day))
    field(
        _("Time zone"),
        _(
            "**{zone}**: weekly leaderboards start on its Monday; daily posts default to it",
            zone=settings.timezone,
        ),
    )
    field(_("Daily post"), daily_post_summary(daily, command_prefix))
    field(
        _("Language"),
        _(
            "**{language}** for prefix commands and posts; slash commands follow each member's Discord language. "
            "Packs in {languages}.",
            language=LANGUAGE_NAMES.get(settings.language, settings.language),
            languages=languages_shown(settings),
        ),
    )
    field(_("Global board"), global_board_summary(settings.global_board, command_prefix))
    field(_("Role rewards"), rewards_summary(rewards, guild, command_prefix))
    embed.set_footer(
        text=_(
            "Change one with {prefix}config <setting>; quiz defaults with {prefix}quiz settings; "
            "the daily post with {prefix}daily set. Past changes: {prefix}config history.",
            prefix=command_prefix,
        )
    )
    return embed


def moderators_summary(settings: ServerSettings, guild: discord.Guild) -> str:
    """Say who may use moderator commands: Manage Server, and the moderator role if there is one."""
    if settings.mod_role_id is None:
        return _("Members with **Manage Server**")
    role = guild.get_role(settings.mod_role_id)
    if role is None:
        return _(
            "Members with **Manage Server** (the moderator role {role_id} no longer exists)",
            role_id=settings.mod_role_id,
        )
    return _("Members with **Manage Server** or the {role} role", role=role.mention)


def languages_shown(settings: ServerSettings) -> str:
    """Name the pack languages a server gets: every one, or those it gets."""
    languages = settings.pack_languages()
    if languages is None:
        return _("every language")
    return ", ".join(LANGUAGE_NAMES[code] for code in languages)


def daily_post_summary(schedule: DailySchedule | None, command_prefix: str) -> str:
    """Describe the daily post for the settings overview: off, or where, when, the topic and the next post or pause."""
    if schedule is None:
        return _("Off. Turn it on with `{prefix}daily set #channel 09:00`.", prefix=command_prefix)
    return "\n".join(render.daily_schedule_lines(schedule))


def global_board_summary(taking_part: bool, command_prefix: str) -> str:
    """Describe whether the server takes part in the global board, and how to change it."""
    if taking_part:
        return _(
            "On: members' points here count on the global board (`{prefix}global`). "
            "Off with `{prefix}config global off`.",
            prefix=command_prefix,
        )
    return _("Off. Share the global board with other servers: `{prefix}config global on`.", prefix=command_prefix)


def reward_line(reward: RoleReward, guild: discord.Guild) -> str:
    """One reward: its role by name (never a ping), what it is for, and why it is paused if it is."""
    role = guild.get_role(reward.role_id)
    name = discord.utils.escape_markdown(role.name) if role else _("a deleted role")
    if reward.paused_reason:
        return _(
            "**{role}** for {what} · paused: {reason}",
            role=name,
            what=describe_reward(reward),
            reason=reward.paused_reason,
        )
    return _("**{role}** for {what}", role=name, what=describe_reward(reward))


def rewards_summary(rewards: Sequence[RoleReward], guild: discord.Guild, command_prefix: str) -> str:
    """Describe a server's role rewards, one a line, or how to set one up."""
    if not rewards:
        return _("None. Add one with `{prefix}config rewards add points 500 @Role`.", prefix=command_prefix)
    return "\n".join(reward_line(reward, guild) for reward in rewards)


def saved_embed(summary: str) -> discord.Embed:
    """Confirm a saved change."""
    embed = discord.Embed(
        title=_("Settings saved"), description=clip(summary, render.DESCRIPTION_MAX), colour=render.INFO_COLOUR
    )
    embed.set_footer(text=_("Every change is listed in config history."))
    return embed


def posting_warning(channel: discord.abc.GuildChannel, me: discord.Member) -> str:
    """Return a warning when the bot cannot post embeds in ``channel``, else an empty string."""
    granted = channel.permissions_for(me)
    if granted.send_messages and granted.embed_links and granted.view_channel:
        return ""
    heads_up = _(
        "Heads up: I can't post in {channel} yet. Give me **View Channel**, **Send Messages** and **Embed Links** "
        "there.",
        channel=channel.mention,
    )
    return f"\n\n{heads_up}"


def chosen_action(action: str, allowed: Sequence[str], example: str) -> str:
    """Return ``action`` in lower case if it is one of ``allowed``; otherwise refuse, naming the choices."""
    word = action.strip().lower()
    if word not in allowed:
        options = ", ".join(f"`{a}`" for a in allowed)
        raise MythOrFactError(
            _("Choose one of {options}, like `{example}`. Nothing was changed.", options=options, example=example)
        )
    return word


def action_choices(actions: Sequence[str]) -> list[app_commands.Choice[str]]:
    """Return the slash command choices for an action option."""
    return [app_commands.Choice(name=action, value=action) for action in actions]


def matching_choices(names: Sequence[str], typed: str, label: Callable[[str], str]) -> list[app_commands.Choice[str]]:
    """Return autocomplete choices: names starting with what was typed, then names containing it."""
    return [app_commands.Choice(name=clip(label(n), 100), value=n) for n in match_names(names, typed.strip().lower())]


# -- the cog -------------------------------------------------------------------------------------------------------

CHANNEL_ACTIONS = ("add", "remove", "clear")
LIST_ACTIONS = ("enable", "disable", "all")
SWITCH_STATES = ("on", "off")


async def zone_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Offer IANA time zone names matching what was typed."""
    return [app_commands.Choice(name=zone, value=zone) for zone in matching_zones(current)]


class Config(commands.Cog):
    """Server settings for moderators."""

    def __init__(self, bot: MythOrFactBot) -> None:
        self.bot = bot

    async def cog_check(self, ctx: commands.Context[MythOrFactBot]) -> bool:
        """Every command here is for a server's moderators.

        Checked for the whole cog because discord.py runs a group's own checks neither for slash subcommands nor
        for prefix subcommands of an ``invoke_without_command`` group (``checks.channel_allowed`` now enforces
        the group's mark too; this keeps the cog safe on its own).
        """
        if ctx.guild is None:
            raise commands.NoPrivateMessage()
        await require_moderator(ctx.author, ctx.guild, await self.bot.store.server_settings(ctx.guild.id))
        return True

    async def _settings(self, ctx: commands.Context[MythOrFactBot]) -> ServerSettings:
        assert ctx.guild is not None
        return await self.bot.store.server_settings(ctx.guild.id)

    async def _save(self, ctx: commands.Context[MythOrFactBot], changes: dict[str, object], summary: str) -> None:
        """Validate and save ``changes`` as the author's (audited), then say what changed."""
        assert ctx.guild is not None
        await self.bot.store.update_server_settings(ctx.guild.id, changes, actor_id=ctx.author.id)
        log.info("Settings of guild %s changed by %s: %s", ctx.guild.id, ctx.author.id, changes)
        await ctx.send(embed=saved_embed(summary), ephemeral=True)

    async def _set_or_clear(
        self,
        ctx: commands.Context[MythOrFactBot],
        setting: str,
        chosen: discord.Role | discord.abc.GuildChannel | None,
        *,
        absent: str,
        cleared: str,
        already: Callable[[str], str],
        done: Callable[[str], str],
    ) -> None:
        """Set a role or channel setting to ``chosen``, or clear it when ``chosen`` is ``None``; say what happened.

        ``absent`` and ``already`` explain why nothing changed; ``already`` and ``done`` write their sentence for
        the chosen role's or channel's mention.
        """
        current = getattr(await self._settings(ctx), setting)
        if chosen is None and current is None:
            await self._unchanged(ctx, absent)
        elif chosen is None:
            await self._save(ctx, {setting: None}, cleared)
        elif chosen.id == current:
            await self._unchanged(ctx, already(chosen.mention))
        else:
            await self._save(ctx, {setting: chosen.id}, done(chosen.mention))

    async def _unchanged(self, ctx: commands.Context[MythOrFactBot], reason: str) -> None:
        """Say that nothing changed, and why (``reason`` is a translated clause ending the sentence)."""
        await ctx.send(_("Nothing to change: {reason}", reason=reason), ephemeral=True)

    def _prefix_shown(self, ctx: commands.Context[MythOrFactBot]) -> str:
        return "/" if ctx.interaction is not None else ctx.clean_prefix

    async def _pack_names(self, guild_id: int | None) -> list[str]:
        return [pack.id for pack in await self.bot.store.packs(guild_id)]

    async def _topic_names(self, guild_id: int | None) -> list[str]:
        return [topic.topic for topic in await self.bot.store.topics(guild_id)]

    # -- show --------------------------------------------------------------------------------------------------

    @commands.hybrid_group(name="config", fallback="show", invoke_without_command=True, case_insensitive=True)
    @commands.guild_only()
    @moderator_only()
    @app_commands.default_permissions(manage_guild=True)
    async def config(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Show this server's settings; moderators change them with the subcommands."""
        assert ctx.guild is not None
        # `!config show` arrives here with "show" unparsed (the slash form has a real `show`); anything else is a typo.
        words = ctx.view.read_rest().split(maxsplit=1) if ctx.interaction is None else []
        if words and words[0].lower() != "show":
            names = ", ".join(f"`{c.name}`" for c in sorted(self.config.commands, key=lambda c: c.name))
            shown = clip(words[0].replace("`", "'"), 32)
            raise MythOrFactError(
                _("There is no `config {name}`. Try `config` alone, or one of: {names}.", name=shown, names=names)
            )
        settings = await self._settings(ctx)
        embed = settings_embed(
            settings,
            ctx.guild,
            default_prefix=self.bot.config.command_prefix,
            bot_mention=ctx.me.mention,
            packs=await self._pack_names(ctx.guild.id),
            topics=await self._topic_names(ctx.guild.id),
            command_prefix=self._prefix_shown(ctx),
            daily=await self.bot.store.daily_schedule(ctx.guild.id),
            rewards=await self.bot.store.role_rewards(ctx.guild.id),
        )
        await ctx.send(embed=embed, ephemeral=True)

    # -- prefix ------------------------------------------------------------------------------------------------

    # ignore_extra=False: an optional channel or role that fails to convert would otherwise be skipped silently,
    # and a typo like `config logchannel #gnereal` would clear the setting instead of being refused.
    @config.command(name="prefix", ignore_extra=False)
    @app_commands.describe(prefix="1-5 characters without spaces, like ? or mof!; or reset for the default")
    async def config_prefix(self, ctx: commands.Context[MythOrFactBot], prefix: str) -> None:
        """Change this server's command prefix (`reset` goes back to the default)."""
        default = self.bot.config.command_prefix
        wanted = "" if prefix.lower() in RESET_WORDS or prefix == default else prefix
        current = (await self._settings(ctx)).prefix
        shown = wanted or default
        if wanted == current:
            await self._unchanged(ctx, _("the prefix is already `{prefix}`.", prefix=shown))
            return
        fields = {"prefix": shown, "was": current or default, "bot": ctx.me.mention}
        if wanted:
            summary = _(
                "Prefix: `{prefix}` (was `{was}`). Commands now look like `{prefix}fact`; mentioning {bot} works too.",
                **fields,
            )
        else:
            summary = _(
                "Prefix: the default `{prefix}` (was `{was}`). Commands now look like `{prefix}fact`; "
                "mentioning {bot} works too.",
                **fields,
            )
        await self._save(ctx, {"prefix": wanted}, summary)

    # -- channels ----------------------------------------------------------------------------------------------

    @config.command(name="channels", ignore_extra=False)
    @app_commands.describe(
        action="add or remove a channel, or clear the list so commands work everywhere",
        channel="A text channel (default: this one)",
    )
    @app_commands.choices(action=action_choices(CHANNEL_ACTIONS))
    async def config_channels(
        self, ctx: commands.Context[MythOrFactBot], action: str, channel: discord.TextChannel | None = None
    ) -> None:
        """Limit commands and games to some channels; an empty list means everywhere."""
        assert ctx.guild is not None
        action = chosen_action(action, CHANNEL_ACTIONS, "config channels add #games")
        allowed = (await self._settings(ctx)).allowed_channels
        if action == "clear":
            if not allowed:
                await self._unchanged(ctx, _("commands already work in every channel."))
                return
            await self._save(ctx, {"allowed_channels": []}, _("Commands and games work in every channel again."))
            return
        target = channel or self._current_text_channel(ctx)
        warning = ""
        if action == "add":
            if target.id in allowed:
                await self._unchanged(ctx, _("{channel} is already on the list.", channel=target.mention))
                return
            wanted = [*allowed, target.id]
            warning = posting_warning(target, ctx.guild.me)
        else:
            if target.id not in allowed:
                if allowed:
                    listed = ", ".join(f"<#{c}>" for c in allowed)
                    reason = _("{channel} is not on the list ({channels}).", channel=target.mention, channels=listed)
                else:
                    reason = _("{channel} is not on the list (none: commands work everywhere).", channel=target.mention)
                await self._unchanged(ctx, reason)
                return
            wanted = [c for c in allowed if c != target.id]
        if wanted:
            where = ", ".join(f"<#{c}>" for c in wanted)
            summary = _(
                "Members can now use commands and play only in {channels}. "
                "Moderators can still use moderator commands anywhere.",
                channels=where,
            )
        else:
            summary = _("Commands and games work in every channel again.")
        await self._save(ctx, {"allowed_channels": wanted}, summary + warning)

    @staticmethod
    def _current_text_channel(ctx: commands.Context[MythOrFactBot]) -> discord.TextChannel:
        channel = ctx.channel
        if isinstance(channel, discord.Thread):
            channel = channel.parent  # type: ignore[assignment]
        if not isinstance(channel, discord.TextChannel):
            raise MythOrFactError(_("Name a text channel, like `config channels add #games`. Nothing was changed."))
        return channel

    # -- packs and topics --------------------------------------------------------------------------------------

    async def pack_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Offer the server's packs: those that are on when disabling, those that are off when enabling."""
        packs = {pack.id: pack for pack in await self.bot.store.packs(interaction.guild_id)}
        enabled = (await self.bot.store.server_settings(interaction.guild_id)).packs if interaction.guild_id else ()
        names = self._offered(list(packs), enabled, interaction.namespace.action)
        return matching_choices(
            names,
            current,
            lambda n: _n(
                "{pack} · {name} ({count} item)",
                "{pack} · {name} ({count} items)",
                packs[n].items,
                pack=n,
                name=packs[n].name,
            ),
        )

    async def topic_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the server's topics: those that are on when disabling, those that are off when enabling."""
        topics = await self._topic_names(interaction.guild_id)
        enabled = (await self.bot.store.server_settings(interaction.guild_id)).topics if interaction.guild_id else ()
        names = self._offered(topics, enabled, interaction.namespace.action)
        return matching_choices(names, normalize_topic(current), lambda n: n)

    @staticmethod
    def _offered(available: list[str], enabled: tuple[str, ...], action: str | None) -> list[str]:
        if action == "enable":
            return [n for n in available if enabled and n not in enabled]
        if action == "disable":
            return [n for n in available if not enabled or n in enabled]
        return available

    @config.command(name="packs", ignore_extra=False)
    @app_commands.describe(action="enable or disable one pack, or all to turn every pack on", pack="The pack's id")
    @app_commands.autocomplete(pack=pack_autocomplete)
    @app_commands.choices(action=action_choices(LIST_ACTIONS))
    async def config_packs(self, ctx: commands.Context[MythOrFactBot], action: str, *, pack: str | None = None) -> None:
        """Choose which packs this server gets facts from (all, by default)."""
        assert ctx.guild is not None
        action = chosen_action(action, LIST_ACTIONS, "config packs disable mask")
        name = pack.strip().strip("`").lower() if pack else None
        await self._change_list(ctx, "packs", "pack", action, name, await self._pack_names(ctx.guild.id))

    @config.command(name="topics", ignore_extra=False)
    @app_commands.describe(action="enable or disable one topic, or all to turn every topic on", topic="The topic")
    @app_commands.autocomplete(topic=topic_autocomplete)
    @app_commands.choices(action=action_choices(LIST_ACTIONS))
    async def config_topics(
        self, ctx: commands.Context[MythOrFactBot], action: str, *, topic: str | None = None
    ) -> None:
        """Choose which topics this server gets (all, by default)."""
        assert ctx.guild is not None
        action = chosen_action(action, LIST_ACTIONS, "config topics disable space")
        name = normalize_topic(topic.strip("`")) if topic else None
        await self._change_list(ctx, "topics", "topic", action, name, await self._topic_names(ctx.guild.id))

    async def _change_list(
        self,
        ctx: commands.Context[MythOrFactBot],
        setting: Literal["packs", "topics"],
        noun: str,
        action: str,
        name: str | None,
        available: list[str],
    ) -> None:
        packs = setting == "packs"
        enabled: tuple[str, ...] = getattr(await self._settings(ctx), setting)
        if action == "all":
            if not enabled:
                await self._unchanged(ctx, _("all packs are already on.") if packs else _("all topics are already on."))
                return
            wanted: tuple[str, ...] = ()
        else:
            if not name:
                raise MythOrFactError(
                    _("Name the pack, like `config packs {action} space`. Nothing was changed.", action=action)
                    if packs
                    else _("Name the topic, like `config topics {action} space`. Nothing was changed.", action=action)
                )
            wanted = toggled(enabled, available, name, enable=action == "enable", noun=noun)
        described = describe_enabled(wanted, available, noun)
        summary = _("Packs on: {packs}.", packs=described) if packs else _("Topics on: {topics}.", topics=described)
        if action == "disable" and not enabled:
            later = (
                _("New packs are off until you turn them on (or use `all`).")
                if packs
                else _("New topics are off until you turn them on (or use `all`).")
            )
            summary = f"{summary} {later}"
        await self._save(ctx, {setting: list(wanted)}, summary)

    # -- moderator role, log channel, suggestions -------------------------------------------------------------

    @config.command(name="modrole", ignore_extra=False)
    @app_commands.describe(role="Members with this role may use moderator commands; leave empty to clear it")
    async def config_modrole(self, ctx: commands.Context[MythOrFactBot], role: discord.Role | None = None) -> None:
        """Set or clear the moderator role (choosing it needs Manage Server)."""
        assert ctx.guild is not None and isinstance(ctx.author, discord.Member)
        # Members who are moderators only through the role must not hand moderator rights to another role.
        check_mod_role_change(ctx.author.guild_permissions.manage_guild)
        if role is not None and role.is_default():
            raise MythOrFactError(_("@everyone can't be the moderator role: pick a role. Nothing was changed."))
        await self._set_or_clear(
            ctx,
            "mod_role_id",
            role,
            absent=_("there is no moderator role."),
            cleared=_("Moderator role cleared: only members with **Manage Server** can use moderator commands now."),
            already=lambda mention: _("{role} is already the moderator role.", role=mention),
            done=lambda mention: _(
                "Moderator role: {role}. Its members can use moderator commands, like members with **Manage Server**. "
                "To show them the slash commands too, allow the role for this bot under Server Settings → "
                "Integrations.",
                role=mention,
            ),
        )

    @config.command(name="logchannel", ignore_extra=False)
    @app_commands.describe(channel="Where I report problems, like a paused daily post; leave empty to clear it")
    async def config_logchannel(
        self, ctx: commands.Context[MythOrFactBot], channel: discord.TextChannel | None = None
    ) -> None:
        """Set or clear the channel where I report problems."""
        assert ctx.guild is not None
        await self._set_or_clear(
            ctx,
            "log_channel_id",
            channel,
            absent=_("there is no log channel; problems go to the server's system channel."),
            cleared=_("Log channel cleared: problems go to the server's system channel."),
            already=lambda mention: _("{channel} is already the log channel.", channel=mention),
            done=lambda mention: (
                _("Log channel: {channel}. I report problems, like a paused daily post, there.", channel=mention)
                + (posting_warning(channel, ctx.guild.me) if channel else "")
            ),
        )

    @config.command(name="suggestions", ignore_extra=False)
    @app_commands.describe(per_day="How many suggestions a member may send per day (0-20; 0 turns them off)")
    async def config_suggestions(self, ctx: commands.Context[MythOrFactBot], per_day: int) -> None:
        """Set how many suggestions each member may send per day."""
        current = (await self._settings(ctx)).suggestions_per_day
        if per_day == current:
            await self._unchanged(ctx, _("members can already send {count} a day.", count=per_day))
            return
        if per_day:
            summary = _n(
                "Members can send up to **{count}** suggestion a day (was {was}).",
                "Members can send up to **{count}** suggestions a day (was {was}).",
                per_day,
                was=current,
            )
        else:
            summary = _("Members can send no suggestions (they are off) (was {was}).", was=current)
        await self._save(ctx, {"suggestions_per_day": per_day}, summary)

    @config.command(name="timezone", ignore_extra=False)
    @app_commands.describe(zone="An IANA time zone such as Europe/Paris or America/New_York")
    @app_commands.autocomplete(zone=zone_autocomplete)
    async def config_timezone(self, ctx: commands.Context[MythOrFactBot], zone: str) -> None:
        """Set the server's time zone (weekly leaderboards, the default for daily posts)."""
        current = (await self._settings(ctx)).timezone
        wanted = parse_zone(zone).key
        if wanted == current:
            await self._unchanged(ctx, _("the time zone is already {zone}.", zone=current))
            return
        await self._save(
            ctx,
            {"timezone": wanted},
            _(
                "Time zone: **{zone}** (was {was}). Weekly leaderboards now start at midnight on its Monday; "
                "daily posts set from now on use it unless given another zone.",
                zone=wanted,
                was=current,
            ),
        )

    # -- quiz -------------------------------------------------------------------------------------------------

    @config.group(name="quiz", invoke_without_command=True, case_insensitive=True)
    async def config_quiz(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Quiz settings beyond the defaults of `quiz settings`: adaptive difficulty."""
        raise MythOrFactError(
            _("Say which quiz setting to change, like `config quiz adaptive on`. Nothing was changed.")
        )

    @config_quiz.command(name="adaptive", ignore_extra=False)
    @app_commands.describe(state="on: questions matched to the players; off: questions drawn at random (the default)")
    @app_commands.choices(state=action_choices(SWITCH_STATES))
    async def config_quiz_adaptive(self, ctx: commands.Context[MythOrFactBot], state: str) -> None:
        """Turn adaptive difficulty on or off: easier questions for newcomers, harder ones for regulars."""
        wanted = chosen_action(state, SWITCH_STATES, "config quiz adaptive on") == "on"
        if wanted == (await self._settings(ctx)).quiz_adaptive:
            already = (
                _("Nothing to change: adaptive difficulty is already on.")
                if wanted
                else _("Nothing to change: adaptive difficulty is already off.")
            )
            await ctx.send(already, ephemeral=True)
            return
        summary = (
            _(
                "Adaptive difficulty: **on**. Quizzes now draw the questions whose predicted correct rate suits "
                "their players: easier for newcomers, harder for regulars."
            )
            if wanted
            else _("Adaptive difficulty: **off**. Quizzes draw their questions at random again.")
        )
        await self._save(ctx, {"quiz_adaptive": wanted}, summary)

    # -- languages -------------------------------------------------------------------------------------------

    @config.command(name="language", ignore_extra=False)
    @app_commands.describe(code="de, en, es or fr")
    @app_commands.choices(code=[app_commands.Choice(name=LANGUAGE_NAMES[code], value=code) for code in LANGUAGES])
    async def config_language(self, ctx: commands.Context[MythOrFactBot], code: str) -> None:
        """Set the bot's language here, for prefix commands, posts and members whose Discord language it lacks."""
        wanted = code.strip().lower()
        if wanted not in LANGUAGES:
            raise MythOrFactError(_("The language must be one of {codes}.", codes=", ".join(LANGUAGES)))
        current = (await self._settings(ctx)).language
        if wanted == current:
            await self._unchanged(ctx, _("the language is already {language}.", language=LANGUAGE_NAMES[current]))
            return
        # A prefix command's reply is already in the new language; a slash command's stays in the member's.
        with using(wanted) if ctx.interaction is None else contextlib.nullcontext():
            summary = _(
                "Language: **{language}**. Prefix commands, daily posts, quizzes and reports are now in {language}; "
                "slash commands answer each member in their own Discord language when I speak it.",
                language=LANGUAGE_NAMES[wanted],
            )
            await self._save(ctx, {"language": wanted}, summary)

    @config.command(name="languages", ignore_extra=False)
    @app_commands.describe(codes="Pack languages to serve, e.g. en de; or all")
    async def config_languages(self, ctx: commands.Context[MythOrFactBot], *, codes: str) -> None:
        """Choose the languages of the packs this server gets myths and facts from (`all` for every one)."""
        words = codes.replace(",", " ").lower().split()
        wanted = list(LANGUAGES) if words == ["all"] else words
        if not wanted or any(word not in LANGUAGES for word in wanted):
            raise MythOrFactError(
                _(
                    "Name pack languages among {codes}, like `config languages en de`, or `all`. Nothing was changed.",
                    codes=", ".join(LANGUAGES),
                )
            )
        current = await self._settings(ctx)
        chosen = dataclasses.replace(current, languages=tuple(code for code in LANGUAGES if code in wanted))
        if chosen.pack_languages() == current.pack_languages():
            await self._unchanged(
                ctx, _("the server already gets packs in {languages}.", languages=languages_shown(current))
            )
            return
        await self._save(
            ctx,
            {"languages": list(chosen.languages)},
            _("Myths and facts now come from packs in {languages}.", languages=languages_shown(chosen)),
        )

    @config.command(name="global", ignore_extra=False)
    @app_commands.describe(state="on: this server's points count on the global board; off: they leave it at once")
    async def config_global(self, ctx: commands.Context[MythOrFactBot], state: Literal["on", "off"]) -> None:
        """Take part in the global board shared by servers that opt in, or leave it."""
        wanted = state == "on"
        if (await self._settings(ctx)).global_board == wanted:
            await self._unchanged(
                ctx,
                _("the global board is already on here.") if wanted else _("the global board is already off here."),
            )
            return
        await ctx.defer(ephemeral=True)  # joining copies the server's all-time board, which can take a moment
        prefix = self._prefix_shown(ctx)
        if wanted:
            summary = _(
                "This server now takes part in the global board: its all-time scores count there from now on, "
                "and its weekly ones from this week's next round. Members appear anonymously unless they choose to "
                "show their name with `{prefix}global name on`.",
                prefix=prefix,
            )
        else:
            summary = _("This server left the global board: its members' points here no longer count there.")
        await self._save(ctx, {"global_board": wanted}, summary)

    # -- role rewards ------------------------------------------------------------------------------------------

    @config.group(name="rewards", invoke_without_command=True, case_insensitive=True)
    async def config_rewards(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Roles I give for points, a daily streak or last week's top place: add, remove, list."""
        await self.config_rewards_list.callback(self, ctx)  # type: ignore[arg-type]

    @config_rewards.command(name="add", ignore_extra=False)
    @app_commands.describe(
        kind="points (all time), streak (daily posts answered right in a row) or weekly (last week's winner)",
        threshold="Points or posts in a row (not for weekly)",
        role="The role to give; it must be below my highest role",
    )
    @app_commands.choices(kind=action_choices(tuple(RewardKind)))
    async def config_rewards_add(
        self, ctx: commands.Context[MythOrFactBot], kind: str, threshold: int | None, role: discord.Role
    ) -> None:
        """Give a role to members who reach a threshold (or win last week); setting it again resumes it."""
        assert ctx.guild is not None
        reward = parse_reward(ctx.guild.id, role.id, kind, threshold)
        existing = await self.bot.store.role_rewards(ctx.guild.id)
        check_setup(reward, role_facts(role), bot_facts(ctx.guild.me), existing)
        detail = reward_audit_detail(reward, role.name)
        await self.bot.store.set_role_reward(reward, AuditNote(ctx.author.id, "reward", f"set {detail}"))
        log.info("Role reward of guild %s set by %s: %s", ctx.guild.id, ctx.author.id, reward)
        self.bot.dispatch(REWARDS_CHANGED, ctx.guild.id)
        summary = _(
            "Members with {what} get **{role}**, and lose it when they no longer qualify. Members who already "
            "qualify get it in a moment.",
            what=describe_reward(reward),
            role=discord.utils.escape_markdown(role.name),
        )
        await ctx.send(embed=saved_embed(summary), ephemeral=True)

    @config_rewards.command(name="remove", ignore_extra=False)
    @app_commands.describe(role="The reward's role; I take it back from the members I gave it to")
    async def config_rewards_remove(self, ctx: commands.Context[MythOrFactBot], role: discord.Role) -> None:
        """Stop rewarding a role and take it back from the members I gave it to."""
        assert ctx.guild is not None
        audit = AuditNote(ctx.author.id, "reward", f"removed {role.name} ({role.id})")
        if not await self.bot.store.remove_role_reward(ctx.guild.id, role.id, audit):
            await self._unchanged(
                ctx,
                _(
                    "**{role}** is not a reward. See `config rewards list`.",
                    role=discord.utils.escape_markdown(role.name),
                ),
            )
            return
        self.bot.dispatch(REWARDS_CHANGED, ctx.guild.id)
        summary = _(
            "**{role}** is no longer a reward; I'm taking it back from the members I gave it to.",
            role=discord.utils.escape_markdown(role.name),
        )
        await ctx.send(embed=saved_embed(summary), ephemeral=True)

    @config_rewards.command(name="list", ignore_extra=False)
    async def config_rewards_list(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Show this server's role rewards."""
        assert ctx.guild is not None
        rewards = await self.bot.store.role_rewards(ctx.guild.id)
        embed = discord.Embed(
            title=clip(_("Role rewards · {server}", server=ctx.guild.name), render.TITLE_MAX),
            description=clip(rewards_summary(rewards, ctx.guild, self._prefix_shown(ctx)), render.DESCRIPTION_MAX),
            colour=render.INFO_COLOUR,
        )
        embed.set_footer(
            text=_(
                "{count} of {most} rewards. Roles are shown by name and nobody is pinged.",
                count=len(rewards),
                most=MAX_REWARDS,
            )
        )
        await ctx.send(embed=embed, ephemeral=True)

    # -- history -----------------------------------------------------------------------------------------------

    @config.command(name="history", ignore_extra=False)
    async def config_history(self, ctx: commands.Context[MythOrFactBot]) -> None:
        """Show the latest moderator changes: who changed what, and when."""
        assert ctx.guild is not None
        entries = await self.bot.store.audit_history(ctx.guild.id, HISTORY_SHOWN)
        await ctx.send(embed=history_embed(entries, ctx.guild.name), ephemeral=True)


async def setup(bot: MythOrFactBot) -> None:
    """Add the cog (discord.py extension entry point)."""
    await bot.add_cog(Config(bot))
