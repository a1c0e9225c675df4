"""Behaviour tests: replies in the member's Discord language, else the server's; translated commands are synced."""

from __future__ import annotations

import discord
import pytest

from bot.app.languages import valid_name
from bot.core.admin import UploadRefused
from bot.core.errors import MythOrFactError
from bot.core.i18n import LOCALE
from cogs.utils.checks import NotModerator
from tests.helpers import expect_errors


@pytest.fixture
def world(simcord_env):
    """A server with a channel, an owner who may sync, a moderator and a plain member."""
    guild = simcord_env.create_guild(name="Trivia Club")
    channel = guild.create_text_channel("general")
    owner = guild.add_member(simcord_env.create_user("owner"))
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    member = guild.add_member(simcord_env.create_user("alice"))
    simcord_env.bot.owner_ids = {owner.id}
    return guild, channel, owner, admin, member


def speak(bot, locale: str) -> None:
    """Make every interaction arrive with ``locale`` as the member's Discord language (simcord sends en-US)."""
    parsers = bot._connection.parsers
    original = ORIGINAL_PARSERS.setdefault(id(bot), parsers["INTERACTION_CREATE"])
    parsers["INTERACTION_CREATE"] = lambda data: original({**data, "locale": locale})


ORIGINAL_PARSERS: dict[int, object] = {}


@pytest.fixture
async def synced(world):
    guild, channel, owner, admin, member = world
    await owner.send(channel, "!sync")
    return world


async def test_a_german_member_gets_german_replies_buttons_and_embeds(simcord_env, synced):
    guild, channel, owner, admin, member = synced
    speak(simcord_env.bot, "de")
    result = await member.slash(channel, "search", words="zzzqqq")
    assert result.response.content == "Nichts passt zu `zzzqqq`. Versuche es mit anderen Wörtern."
    result = await member.slash(channel, "myth")
    embed = result.response.embeds[0]
    assert embed.title == "Mythos"
    assert [field.name for field in embed.fields] == ["Die Wahrheit", "Quelle"]
    revealed = await member.click(result.response, label="Die Wahrheit zeigen")
    assert revealed.response.embeds[0].title == "Die Wahrheit"


async def test_the_same_item_reads_english_again_for_an_english_member(simcord_env, synced):
    """The shared embed cache keeps one embed per language."""
    guild, channel, owner, admin, member = synced
    speak(simcord_env.bot, "fr")
    assert (await member.slash(channel, "fact")).response.embeds[0].title == "Fait"
    speak(simcord_env.bot, "en-GB")
    assert (await member.slash(channel, "fact")).response.embeds[0].title == "Fact"


async def test_config_language_makes_prefix_replies_french(simcord_env, world, store):
    guild, channel, owner, admin, member = world
    await admin.send(channel, "!config language fr")
    assert channel.last_message.embeds[0].description.startswith("Langue : **Français**")
    assert (await store.server_settings(guild.id)).language == "fr"
    await member.send(channel, "!search zzzqqq")
    assert channel.last_message.content == "Rien ne correspond à `zzzqqq`. Essayez d'autres mots."
    await member.send(channel, "!help")
    assert channel.last_message.embeds[0].title == "Myth or Fact : les commandes"
    history = [entry.detail for entry in await store.audit_history(guild.id)]
    assert "language: en → fr" in history


async def test_a_member_whose_language_the_bot_lacks_gets_the_servers(simcord_env, synced, store):
    guild, channel, owner, admin, member = synced
    await store.update_server_settings(guild.id, {"language": "es"})
    speak(simcord_env.bot, "ja")
    result = await member.slash(channel, "search", words="zzzqqq")
    assert result.response.content == "Nada coincide con `zzzqqq`. Prueba con otras palabras."
    assert LOCALE.get() == "en", "the language of one interaction does not leak into the test's (or the bot's) context"


async def test_a_bad_language_is_refused_and_nothing_changes(simcord_env, world, store):
    guild, channel, owner, admin, member = world
    await admin.send(channel, "!config language klingon")
    assert "The language must be one of en, de, fr, es." in channel.last_message.content
    assert (await store.server_settings(guild.id)).language == "en"
    await member.send(channel, "!config language de")
    assert "Manage Server" in channel.last_message.content
    assert (await store.server_settings(guild.id)).language == "en"
    expect_errors(simcord_env, MythOrFactError, NotModerator)


async def test_config_shows_the_language_and_the_pack_languages(simcord_env, world, store):
    guild, channel, owner, admin, member = world
    await admin.send(channel, "!config languages en, de")
    assert "Myths and facts now come from packs in English, Deutsch." in channel.last_message.embeds[0].description
    await admin.send(channel, "!config")
    fields = {field.name: field.value for field in channel.last_message.embeds[0].fields}
    assert fields["Language"].startswith("**English** for prefix commands and posts")
    assert "Packs in English, Deutsch." in fields["Language"]
    await admin.send(channel, "!config languages all")
    assert (await store.server_settings(guild.id)).pack_languages() is None
    assert "Packs in every language." in channel.last_message.embeds[0].description.replace("packs in", "Packs in")


async def test_the_synced_commands_carry_valid_translated_names_and_descriptions(simcord_env, synced):
    guild, channel, owner, admin, member = synced
    registered = simcord_env.backend.commands[guild.id].values()
    by_name = {command["name"]: command for command in registered}
    fact = by_name["fact"]
    assert fact["name_localizations"]["de"] == "fakt"
    assert fact["description_localizations"]["fr"] == "Affiche un fait vrai et surprenant, avec sa source."
    assert fact["description_localizations"]["es-ES"] == fact["description_localizations"]["es-419"]
    assert by_name["help"]["options"][0]["name_localizations"]["es-ES"] == "comando"
    for command in registered:
        names = [command["name"], *command.get("name_localizations", {}).values()]
        for option in command.get("options", []):
            names += [option["name"], *option.get("name_localizations", {}).values()]
        assert all(valid_name(name) for name in names), names
        descriptions = command.get("description_localizations", {}).values()
        assert all(0 < len(text) <= 100 for text in descriptions)


async def test_refusals_written_in_the_core_read_in_the_servers_language(simcord_env, world):
    """Texts the discord-free core raises (a bad leaderboard, a file it cannot read) are translated too."""
    guild, channel, owner, admin, member = world
    await admin.send(channel, "!config language de")
    await admin.send(channel, "!leaderboard reset month")
    assert channel.last_message.content == (
        "`month` ist keine Rangliste: Nutze `all`, `week` (diese Woche) oder eine Woche wie `2026-W48`."
    )
    await admin.send(channel, "!pack import", attachments=[("club.txt", b"hello")])
    assert channel.last_message.content == (
        "`club.txt` ist kein Paket, das ich lesen kann: Sende ein `.toml`-Paket, eine Red-Trivia-Liste (`.yaml`) "
        "oder Open-Trivia-DB-`.json`."
    )
    expect_errors(simcord_env, MythOrFactError, UploadRefused)


async def test_a_bad_leaderboard_reads_in_the_members_language_in_a_slash_command(simcord_env, synced):
    guild, channel, owner, admin, member = synced
    speak(simcord_env.bot, "es-ES")
    result = await admin.slash(channel, "leaderboard-reset", period="mes")
    assert result.ephemeral
    assert result.response.content == (
        "`mes` no es una clasificación: usa `all`, `week` (esta semana) o una semana como `2026-W48`."
    )
    expect_errors(simcord_env, MythOrFactError)
