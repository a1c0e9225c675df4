"""What a quiz looks like on Discord: question and reveal embeds, answer buttons, the dispute button and modal.

Buttons are dynamic items with stable custom ids (``mof:q:<session>:<round>:<option>``, ``mof:dispute:<item>``,
``mof:team:<lobby>:<action>``), so they answer sensibly even after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import discord

from bot.app.client import DEFER_AFTER_SECONDS, MythOrFactBot
from bot.core.errors import StorageUnavailable
from bot.core.i18n import N_, _
from bot.core.quiz import MODE_NAMES, MYTH, AnswerStatus, Mode, Question, QuizSession, RoundResult, Standing, time_limit
from bot.core.retry import retry_unavailable
from bot.core.settings import ServerSettings
from bot.core.team_runner import StartStatus
from bot.core.teams import JoinStatus, TeamLobby, TeamStanding, winner
from bot.core.text import clip
from cogs.utils import render

log = logging.getLogger(__name__)

QUESTION_COLOUR = discord.Colour.gold()
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


def question_embed(session: QuizSession, question: Question) -> discord.Embed:
    """Build the embed for a question, with the round number and time limit."""
    how = _(HOW_TO_ANSWER[question.mode])
    embed = discord.Embed(
        title=_(
            "Question {number}/{total} · {mode}",
            number=question.number,
            total=session.total_rounds,
            mode=_(MODE_NAMES[question.mode]),
        ),
        description=clip(f"**{discord.utils.escape_markdown(question.text)}**\n\n{how}", render.DESCRIPTION_MAX),
        colour=QUESTION_COLOUR,
    )
    embed.set_footer(
        text=_(
            "{topic} · {stars} · {seconds} s",
            topic=question.item.topic,
            stars="★" * question.item.difficulty,
            seconds=format(question.time_limit, "g"),
        )
    )
    return embed


HOW_TO_ANSWER = {
    Mode.MYTH_OR_FACT: N_("Is this a myth or a fact? Press a button; you can answer once."),
    Mode.CHOICE: N_("Pick one answer; you can answer once."),
    Mode.TYPED: N_("Type your answer in this channel. The first right answer wins the round."),
}


def option_label(question: Question, option: str) -> str:
    """Return the label of an answer button: Myth and Fact read in the current language, other answers as written."""
    return clip(_(option) if question.mode is Mode.MYTH_OR_FACT else option, 80)


def answer_view(session: QuizSession, question: Question) -> discord.ui.View | None:
    """Return the buttons for a button round (``None`` for typed rounds)."""
    if not question.options:
        return None
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(question.options):
        view.add_item(AnswerButton(session.id, question.number, index, option_label(question, option)))
    return view


def closed_view(question: Question) -> discord.ui.View | None:
    """Return the question's buttons, disabled, with the right one highlighted."""
    if not question.options:
        return None
    view = discord.ui.View(timeout=None)
    for index, option in enumerate(question.options):
        style = discord.ButtonStyle.success if option == question.correct_option else discord.ButtonStyle.secondary
        view.add_item(
            discord.ui.Button(
                label=option_label(question, option), style=style, disabled=True, custom_id=f"mof:closed:{index}"
            )
        )
    return view


def _mentions(user_ids: list[int], limit: int = 15) -> str:
    shown = ", ".join(f"<@{uid}>" for uid in user_ids[:limit])
    more = len(user_ids) - limit
    return _("{names} and {count} more", names=shown, count=more) if more > 0 else shown


def reveal_embed(result: RoundResult) -> discord.Embed:
    """Build the reveal: the answer, the truth or explanation, the source, and who got it right."""
    question = result.question
    item = question.item
    shown_answer = clip(option_label(question, question.correct_option), 200)
    if result.skipped and not result.stopped:
        title = _("Skipped · Answer: {answer}", answer=shown_answer)
    else:
        title = _("Answer: {answer}", answer=shown_answer)
    lines = [f"**{discord.utils.escape_markdown(question.text)}**"]
    if question.mode is Mode.MYTH_OR_FACT:
        lines.append(_("It's a **myth**.") if question.correct_option == MYTH else _("It's a **fact**."))
    elif question.mode is Mode.TYPED and len(item.answers) > 1:
        others = ", ".join(discord.utils.escape_markdown(a) for a in item.answers[1:4])
        lines.append(_("Also accepted: {answers}", answers=others))
    if item.truth:
        lines.append(f"\n{item.truth}")
    embed = discord.Embed(
        title=title,
        description=clip("\n".join(lines), render.DESCRIPTION_MAX),
        colour=render.FACT_COLOUR if result.winners else render.MYTH_COLOUR,
    )
    if result.stopped:
        who = _("Nobody scores: the quiz was stopped.")
    elif result.skipped:
        who = _("Nobody scores: the round was skipped.")
    elif result.winners:
        who = "\n".join(
            f"<@{player.user_id}> +{player.points}"
            + (" " + _("(streak {count})", count=player.streak) if player.streak > 1 else "")
            for player in result.winners[:15]
        )
        if len(result.winners) > 15:
            who += "\n" + _("…and {count} more", count=len(result.winners) - 15)
    elif result.answered:
        who = _("Nobody got it right.")
    else:
        who = _("Nobody answered.")
    embed.add_field(name=_("Right answers"), value=clip(who, render.FIELD_VALUE_MAX), inline=False)
    if result.teams:
        embed.add_field(name=_("Teams"), value=clip(team_lines(result.teams), render.FIELD_VALUE_MAX), inline=False)
    embed.add_field(name=_("Source"), value=render.source_markdown(item), inline=False)
    embed.set_footer(text=render.footer_text(item))
    return embed


def standings_embed(session: QuizSession, standings: list[Standing], reason: str) -> discord.Embed:
    """Build the end-of-session table."""
    lines = [
        _(
            "{place} <@{user_id}>: {points} points, {correct} right",
            place=MEDALS.get(s.position, f"{s.position}."),
            user_id=s.user_id,
            points=s.points,
            correct=s.correct,
        )
        for s in standings[:20]
    ]
    if len(standings) > 20:
        lines.append(_("…and {count} more players", count=len(standings) - 20))
    table = "\n".join(lines) or _("Nobody scored this time.")
    embed = discord.Embed(
        title=_("Quiz over"), description=clip(f"{reason}\n\n{table}", render.DESCRIPTION_MAX), colour=QUESTION_COLOUR
    )
    embed.set_footer(text=_("Scores count towards the server leaderboard: see leaderboard and rank."))
    if session.roster is not None:
        add_team_standings(embed, session.team_standings())
    return embed


def team_lines(teams: tuple[TeamStanding, ...] | list[TeamStanding]) -> str:
    """Render team totals, one line per team, best first."""
    return "\n".join(
        _(
            "{place} **{name}**: {points} points",
            place=MEDALS.get(team.position, f"{team.position}."),
            name=discord.utils.escape_markdown(team.name),
            points=team.points,
        )
        for team in teams
    )


def add_team_standings(embed: discord.Embed, teams: list[TeamStanding]) -> None:
    """Put a team quiz's result on its standings: the winner (or a draw), each team's total and its best member."""
    won = winner(teams)
    if won is not None:
        headline = _("🏆 **{name}** wins the team quiz!", name=discord.utils.escape_markdown(won.name))
    elif teams and teams[0].points > 0:
        leaders = [discord.utils.escape_markdown(team.name) for team in teams if team.position == 1]
        headline = _("It's a draw between {teams}!", teams=", ".join(leaders))
    else:
        headline = _("No team scored, so nobody wins.")
    embed.title = _("Team quiz over")
    embed.description = clip(f"{headline}\n\n{embed.description}", render.DESCRIPTION_MAX)
    for team in teams:
        best = (
            _("Best: <@{user_id}> with {points} points", user_id=team.best_member, points=team.best_points)
            if team.best_member is not None
            else _("Nobody in this team scored.")
        )
        embed.add_field(
            name=clip(
                _(
                    "{place} {name} · {points} points",
                    place=MEDALS.get(team.position, f"{team.position}."),
                    name=team.name,
                    points=team.points,
                ),
                render.FIELD_NAME_MAX,
            ),
            value=_(
                "{best} · {correct} right · {members} members", best=best, correct=team.correct, members=team.members
            ),
            inline=False,
        )


def settings_embed(settings: ServerSettings, *, changed: bool) -> discord.Embed:
    """Show the server's quiz settings."""
    quiz = settings.quiz()
    limits = ", ".join(f"{_(MODE_NAMES[mode]).lower()} {time_limit(mode, '', quiz):g} s" for mode in Mode)
    embed = discord.Embed(
        title=_("Quiz settings saved") if changed else _("Quiz settings"),
        colour=render.INFO_COLOUR,
        description=_(
            "Questions per quiz: **{rounds}**\n"
            "Time limits: {limits} (longer questions get extra reading time)\n"
            "Extra time for accessibility: **{extra}%**\n"
            "Hints in typed rounds: **{hints}**\n"
            "Mode when not chosen: **{mode}**\n"
            "A quiz ends after **{idle}** unanswered questions in a row",
            rounds=settings.quiz_rounds,
            limits=limits,
            extra=settings.quiz_extra_time,
            hints=_("on") if settings.quiz_hints else _("off"),
            mode=settings.quiz_mode,
            idle=settings.quiz_idle_rounds,
        ),
    )
    embed.set_footer(
        text=_(
            "Moderators change these with /quiz settings, or in order: "
            "quiz settings <rounds> <seconds> <extra_time> <hints on|off> <idle_rounds> <mode>"
        )
    )
    return embed


_ACK = {
    AnswerStatus.ALREADY_ANSWERED: N_("You already answered this question; answers can't be changed."),
    AnswerStatus.ROUND_CLOSED: N_("Too late: this question is closed."),
    AnswerStatus.NOT_AN_OPTION: N_("That button is not part of this question."),
}


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"mof:q:(?P<session>[0-9a-f]+):(?P<round>\d+):(?P<option>\d)"
):
    """One answer of a button round; the answer is acknowledged privately and stays secret until the reveal."""

    def __init__(self, session_id: str, round_number: int, index: int, label: str = "?") -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"mof:q:{session_id}:{round_number}:{index}",
            )
        )
        self.session_id = session_id
        self.round_number = round_number
        self.index = index

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> AnswerButton:
        """Rebuild the button from its custom id."""
        return cls(match["session"], int(match["round"]), int(match["option"]), item.label or "?")

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Lock in the member's answer and tell them privately."""
        running = interaction.client.quizzes.by_session_id(self.session_id)
        question = running.session.question if running else None
        if question is None or question.number != self.round_number or self.index >= len(question.options):
            await interaction.response.send_message(_("This question is closed."), ephemeral=True)
            return
        option = question.options[self.index]
        status = running.session.answer_option(interaction.user.id, option, interaction.client.loop.time())
        if status is AnswerStatus.ACCEPTED:
            shown = discord.utils.escape_markdown(option_label(question, option))
            message = _("Answer locked in: **{answer}**. Wait for the reveal!", answer=shown)
        elif status is AnswerStatus.NOT_IN_A_TEAM:
            message = _(
                "This is a team quiz and you're not in a team, so your answer doesn't count. Join the next one!"
            )
        else:
            message = _(_ACK[status])
        await interaction.response.send_message(message, ephemeral=True)


class DisputeButton(discord.ui.DynamicItem[discord.ui.Button], template=r"mof:dispute:(?P<pk>\d+)"):
    """Lets a player flag an item as wrong or ambiguous, with a short reason, for the moderators."""

    def __init__(self, item_pk: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Dispute"), emoji="⚑", style=discord.ButtonStyle.secondary, custom_id=f"mof:dispute:{item_pk}"
            )
        )
        self.item_pk = item_pk

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> DisputeButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["pk"]))

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Ask for the reason in a modal."""
        if interaction.guild_id is None:
            await interaction.response.send_message(_("Disputes only work in a server."), ephemeral=True)
            return
        await interaction.response.send_modal(DisputeModal(self.item_pk))


class DisputeModal(discord.ui.Modal):
    """Collects why a player thinks an item is wrong (its texts in the player's language)."""

    def __init__(self, item_pk: int) -> None:
        super().__init__(title=_("Dispute this question"))
        self.item_pk = item_pk
        self.reason: discord.ui.TextInput = discord.ui.TextInput(
            label=_("What is wrong or ambiguous?"),
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            min_length=5,
            max_length=300,
            placeholder=_("e.g. The source says 1986, not 1985."),
        )
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Store the dispute and thank the player; a database briefly unavailable is tried again for a moment.

        If saving takes long (a database waiting on a lock), the answer is deferred first, within Discord's 3 s.
        """
        guild_id = interaction.guild_id
        assert guild_id is not None
        store, reason, now = interaction.client.store, str(self.reason.value), discord.utils.utcnow()
        save = asyncio.ensure_future(
            retry_unavailable(
                lambda: store.add_dispute(guild_id, self.item_pk, interaction.user.id, reason, now),
                f"Dispute of item {self.item_pk} in guild {guild_id}",
            )
        )
        with contextlib.suppress(StorageUnavailable):  # answered below
            try:
                await asyncio.wait_for(asyncio.shield(save), DEFER_AFTER_SECONDS)
            except TimeoutError:
                await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await save
        except StorageUnavailable as exc:
            log.error(
                "Database unavailable, dispute of item %s in guild %s not saved: %s", self.item_pk, guild_id, exc.cause
            )
            message = str(exc)
        else:
            log.info("Dispute of item %s in guild %s", self.item_pk, guild_id)
            message = _("Thanks! Your dispute is saved for the moderators to review.")
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)


def dispute_view(item_pk: int) -> discord.ui.View:
    """Return a view holding the Dispute button for one item."""
    view = discord.ui.View(timeout=None)
    view.add_item(DisputeButton(item_pk))
    return view


# -- team lobbies ----------------------------------------------------------------------------------

LOBBY_COLOUR = discord.Colour.blurple()
LOBBY_NAMES_SHOWN = 20
"""Members listed per team in a lobby; the rest are counted ("and 12 more")."""


def member_list(names: list[str], shown: int = LOBBY_NAMES_SHOWN) -> str:
    """List display names (escaped, never mentions), the first ``shown`` of them, then how many more there are."""
    listed = ", ".join(discord.utils.escape_markdown(clip(name, 40)) for name in names[:shown])
    more = len(names) - shown
    if more > 0:
        listed = _("{names} and {count} more", names=listed, count=more)
    return clip(listed, render.FIELD_VALUE_MAX) if listed else _("Nobody yet.")


def lobby_embed(lobby: TeamLobby, note: str | None = None) -> discord.Embed:
    """Build the lobby: each team with who joined it; ``note`` replaces the instructions once it has closed."""
    description = note or _(
        "Pick a team with its button; you can switch or leave until the quiz starts. It starts when <@{starter}> "
        "(or a moderator) presses **Start**, or by itself after {seconds} seconds. Only team members score.",
        starter=lobby.starter_id,
        seconds=round(lobby.wait_seconds),
    )
    embed = discord.Embed(
        title=_("Team quiz: pick your team!") if note is None else _("Team quiz"),
        description=clip(description, render.DESCRIPTION_MAX),
        colour=LOBBY_COLOUR,
    )
    for index, name in enumerate(lobby.names):
        names = lobby.display_names(index)
        embed.add_field(
            name=clip(_("{name} ({count})", name=name, count=len(names)), render.FIELD_NAME_MAX),
            value=member_list(names),
            inline=True,
        )
    return embed


def lobby_view(lobby: TeamLobby) -> discord.ui.View:
    """Return a lobby's buttons: one Join per team, then Leave and Start."""
    view = discord.ui.View(timeout=None)
    for index, name in enumerate(lobby.names):
        view.add_item(TeamButton(lobby.id, f"join{index}", _("Join {name}", name=name)))
    view.add_item(TeamButton(lobby.id, "leave", _("Leave")))
    view.add_item(TeamButton(lobby.id, "start", _("Start")))
    return view


def _join_message(status: JoinStatus, team: str) -> str:
    name = discord.utils.escape_markdown(team)
    if status is JoinStatus.JOINED:
        return _("You're in team **{team}**. Good luck!", team=name)
    if status is JoinStatus.SWITCHED:
        return _("You switched to team **{team}**.", team=name)
    if status is JoinStatus.ALREADY_IN:
        return _("You're already in team **{team}**.", team=name)
    if status is JoinStatus.TEAM_FULL:
        return _("Team **{team}** is full; pick another team.", team=name)
    return _("This lobby has closed.")


class TeamButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"mof:team:(?P<lobby>[0-9a-f]+):(?P<action>join\d|leave|start)",
):
    """A lobby button: join a team, leave your team, or start the quiz (the starter or a moderator)."""

    def __init__(self, lobby_id: str, action: str, label: str = "?") -> None:
        style = {"leave": discord.ButtonStyle.secondary, "start": discord.ButtonStyle.success}.get(
            action, discord.ButtonStyle.primary
        )
        super().__init__(
            discord.ui.Button(label=clip(label, 80), style=style, custom_id=f"mof:team:{lobby_id}:{action}")
        )
        self.lobby_id = lobby_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> TeamButton:
        """Rebuild the button from its custom id."""
        return cls(match["lobby"], match["action"], item.label or "?")

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Join, leave or start, in memory only: the answer (and the lobby's new member lists) goes out at once."""
        lobby = interaction.client.quiz_runner.lobbies.by_id(self.lobby_id)
        if lobby is None or lobby.closed:
            await interaction.response.send_message(_("This lobby has closed."), ephemeral=True)
            return
        if self.action == "start":
            await self._start(interaction, lobby)
            return
        if self.action == "leave":
            left = lobby.leave(interaction.user.id)
            if left is None:
                await interaction.response.send_message(_("You're not in a team."), ephemeral=True)
                return
            message = _("You left team **{team}**.", team=discord.utils.escape_markdown(left))
        else:
            team = int(self.action.removeprefix("join"))
            status = lobby.join(interaction.user.id, team, interaction.user.display_name)
            message = _join_message(status, lobby.names[team] if team < len(lobby.names) else "?")
            if status not in (JoinStatus.JOINED, JoinStatus.SWITCHED):
                await interaction.response.send_message(message, ephemeral=True)
                return
        await interaction.response.edit_message(embed=lobby_embed(lobby), view=lobby_view(lobby))
        await interaction.followup.send(message, ephemeral=True)

    async def _start(self, interaction: discord.Interaction[MythOrFactBot], lobby: TeamLobby) -> None:
        """Start the quiz now: the starter, or a moderator with Manage Messages; every team needs a member."""
        if interaction.user.id != lobby.starter_id and not interaction.permissions.manage_messages:
            await interaction.response.send_message(
                _(
                    "Only the member who opened the lobby or a moderator with the **Manage Messages** permission "
                    "can start it. It starts by itself soon."
                ),
                ephemeral=True,
            )
            return
        status = interaction.client.team_quizzes.request_start(lobby)
        if status is StartStatus.EMPTY_TEAMS:
            message = _(
                "Every team needs a member before the start: nobody is in {teams} yet.",
                teams=", ".join(discord.utils.escape_markdown(name) for name in lobby.empty_teams()),
            )
        elif status is StartStatus.CLOSED:
            message = _("This lobby has closed.")
        else:
            message = _("Starting the team quiz!")
        await interaction.response.send_message(message, ephemeral=True)
