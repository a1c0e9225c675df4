"""One confirmation button for every "are you sure?" (forget me, leaderboard reset): confirm or cancel, owner only.

A command shows :func:`confirmation_view` for a named action; the cog that owns the action registers what it does
with :meth:`ConfirmButton.register`. The buttons are dynamic items, so they keep working after a restart until
they expire.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

import discord

from bot.app.client import MythOrFactBot
from bot.core.i18n import _

CONFIRM_SECONDS = 300
"""How long a confirmation's buttons work."""


@dataclass(frozen=True, slots=True)
class ConfirmAction:
    """What a confirmation does once its owner presses the confirm button."""

    name: str
    """Part of the button's custom id: lowercase letters."""
    label: str
    """The confirm button's label, in English, marked with ``N_`` where it is written; shown translated."""
    run: Callable[[discord.Interaction[MythOrFactBot], int, str], Awaitable[str | None]]
    """``run(interaction, owner_id, argument)`` does it and returns the message that replaces the prompt, or
    ``None`` when it has answered the interaction itself (a refusal)."""


def now_seconds() -> int:
    """Return the current time in whole seconds, as the buttons record when they were issued."""
    return int(discord.utils.utcnow().timestamp())


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"mof:(?P<action>[a-z]+):(?P<user>\d+):(?:(?P<arg>[^:]+):)?(?P<issued>\d+):(?P<choice>yes|no)",
):
    """Confirms or cancels one action; only the member who asked can press it, and only for a while."""

    actions: ClassVar[dict[str, ConfirmAction]] = {}

    def __init__(self, action: str, user_id: int, issued: int, confirmed: bool, arg: str = "") -> None:
        known = self.actions.get(action)
        super().__init__(
            discord.ui.Button(
                label=(_(known.label) if known else _("Confirm")) if confirmed else _("Cancel"),
                style=discord.ButtonStyle.danger if confirmed else discord.ButtonStyle.secondary,
                custom_id=f"mof:{action}:{user_id}:{f'{arg}:' if arg else ''}{issued}:{'yes' if confirmed else 'no'}",
            )
        )
        self.action, self.user_id, self.issued, self.confirmed, self.arg = action, user_id, issued, confirmed, arg

    @classmethod
    def register(cls, action: ConfirmAction) -> None:
        """Make an action's buttons work (a cog calls this in ``cog_load``)."""
        cls.actions[action.name] = action

    @classmethod
    def unregister(cls, name: str) -> None:
        """Stop an action's buttons (``cog_unload``); pressing them then says so."""
        cls.actions.pop(name, None)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ConfirmButton:
        """Rebuild the button from its custom id."""
        return cls(
            match["action"], int(match["user"]), int(match["issued"]), match["choice"] == "yes", match["arg"] or ""
        )

    async def callback(self, interaction: discord.Interaction[MythOrFactBot]) -> None:
        """Cancel, refuse (someone else's buttons, expired) or do the action."""
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(
                _("These buttons belong to the member who ran the command; nothing was changed."), ephemeral=True
            )
            return
        action = self.actions.get(self.action)
        if now_seconds() - self.issued > CONFIRM_SECONDS or action is None:
            await interaction.response.edit_message(
                content=_("This confirmation has expired, so nothing was changed. Run the command again."), view=None
            )
            return
        if not self.confirmed:
            await interaction.response.edit_message(content=_("Cancelled. Nothing was changed."), view=None)
            return
        text = await action.run(interaction, self.user_id, self.arg)
        if text is not None:
            await interaction.response.edit_message(content=text, view=None)


def confirmation_view(action: str, user_id: int, arg: str = "") -> discord.ui.View:
    """Return the confirm and cancel buttons of ``action`` for ``user_id``, issued now."""
    issued = now_seconds()
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(action, user_id, issued, True, arg))
    view.add_item(ConfirmButton(action, user_id, issued, False, arg))
    return view
