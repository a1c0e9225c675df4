"""A database that cannot be used just now (locked, read-only) gets a polite answer, logged once, never a traceback."""

from __future__ import annotations

from bot.core.errors import StorageUnavailable
from tests.helpers import expect_errors

FRIENDLY = "I can't save right now; please try again in a minute."


async def test_an_unavailable_store_gets_the_polite_answer_once_logged(simcord_env, store, caplog, monkeypatch):
    guild = simcord_env.create_guild(name="Read Only")
    channel = guild.create_text_channel("general")
    owner = guild.add_member(simcord_env.create_user("owner"))
    simcord_env.bot.owner_ids = {owner.id}
    await owner.send(channel, "!sync")

    async def refuse(*args: object, **kwargs: object) -> None:
        raise StorageUnavailable("attempt to write a readonly database")

    monkeypatch.setattr(store, "pick_item", refuse)
    await owner.send(channel, "!fact")
    assert channel.history()[-1].content == FRIENDLY
    result = await owner.slash(channel, "fact")
    assert result.response.content == FRIENDLY and result.ephemeral
    expect_errors(simcord_env, StorageUnavailable, StorageUnavailable)
    lines = [r for r in caplog.records if "Database unavailable" in r.getMessage()]
    assert len(lines) == 2 and all(r.exc_info is None and "readonly database" in r.getMessage() for r in lines)
