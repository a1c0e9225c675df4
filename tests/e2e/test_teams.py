"""End-to-end: a team quiz through the real ``python -m bot`` process against the fake Discord.

Members pick teams with the lobby's buttons (a switch moves a member, never into two teams), the starter starts it,
only team members score, the standings name the winning team, and the team board shows it (and stores it).
"""

from __future__ import annotations

import tomllib
from typing import Any

from tests.e2e.helpers import eventually, fake_discord, has_text, posted_text, query, running_bot, text_of
from tests.fakediscord import BOB_ID, CAROL_ID, CHANNEL_ID, QUIZ_CHANNEL_IDS, USER_ID, FakeDiscord
from tests.helpers import SAMPLE_PACKS

KIND_BY_CLAIM = {
    item["claim"]: item["kind"] for item in tomllib.loads((SAMPLE_PACKS / "sample.toml").read_text())["items"]
}


def message_with(fake: FakeDiscord, channel_id: int, fragment: str) -> dict[str, Any]:
    return next(
        m for m in reversed(fake.messages.values()) if m["channel_id"] == str(channel_id) and fragment in text_of(m)
    )


def team_members(answer: dict[str, Any]) -> dict[str, str]:
    """The lobby's teams and their members, from a button's answer (the lobby as it was updated)."""
    return {field["name"]: field["value"] for field in answer["data"]["embeds"][0]["fields"]}


async def test_a_team_quiz_through_the_real_process(tmp_path):
    channel_id = QUIZ_CHANNEL_IDS[0]
    async with fake_discord() as fake, running_bot(fake, tmp_path / "bot.db", tmp_path):
        await fake.send_message("!quiz settings 1 5")
        await fake.wait_for_post_in(CHANNEL_ID, has_text("Quiz settings saved"))

        mark = len(fake.requests)
        await fake.send_message("!quiz teams 2 1 myth-or-fact Owls, Foxes", channel_id=channel_id, author_id=BOB_ID)
        await fake.wait_for_post_in(channel_id, has_text("Team quiz: pick your team!"), after=mark)
        lobby = message_with(fake, channel_id, "Team quiz: pick your team!")

        await fake.answer_of(await fake.click(lobby, "Join Owls", user_id=USER_ID))
        switched = await fake.answer_of(await fake.click(lobby, "Join Foxes", user_id=USER_ID))
        assert team_members(switched.body) == {"Owls (0)": "Nobody yet.", "Foxes (1)": "alice"}
        joined = await fake.answer_of(await fake.click(lobby, "Join Owls", user_id=CAROL_ID))
        assert team_members(joined.body) == {"Owls (1)": "carol", "Foxes (1)": "alice"}, "one team per member"

        start = await fake.answer_of(await fake.click(lobby, "Start", user_id=BOB_ID))
        assert "Starting the team quiz!" in text_of(start.body["data"])
        await fake.wait_for_post_in(channel_id, has_text("Question 1/1"), after=mark)
        question = message_with(fake, channel_id, "Question 1/1")
        claim = question["embeds"][0]["description"].split("**")[1]
        right = "Myth" if KIND_BY_CLAIM[claim] == "myth" else "Fact"
        outsider = await fake.answer_of(await fake.click(question, right, user_id=BOB_ID))
        assert "you're not in a team" in text_of(outsider.body["data"])
        await fake.answer_of(await fake.click(question, right, user_id=CAROL_ID))

        final = await fake.wait_for_post_in(channel_id, has_text("Team quiz over"), after=mark, seconds=30)
        assert "**Owls** wins the team quiz!" in posted_text(final)
        assert f"Best: <@{CAROL_ID}>" in posted_text(final)
        assert final.body.get("allowed_mentions", {}).get("parse") == [], "standings never ping"

        mark = len(fake.requests)
        await fake.send_message("!leaderboard teams", channel_id=channel_id)
        board = await fake.wait_for_post_in(channel_id, has_text("Team leaderboard"), after=mark)
        assert "**1.** Owls: 1 wins in 1 quizzes" in posted_text(board)
        assert "**2.** Foxes: 0 wins in 1 quizzes, 0 points" in posted_text(board)
        # The quiz forgets its crash-recovery record just after its standings are posted.
        await eventually(lambda: query(tmp_path / "bot.db", "SELECT COUNT(*) FROM running_quizzes") == [(0,)])
    assert query(tmp_path / "bot.db", "SELECT name, wins, quizzes FROM team_scores ORDER BY wins DESC") == [
        ("Owls", 1, 1),
        ("Foxes", 0, 1),
    ]


async def test_a_team_quiz_killed_mid_question_is_closed_by_the_restart_like_any_quiz(tmp_path):
    channel_id, database = QUIZ_CHANNEL_IDS[1], tmp_path / "bot.db"
    async with fake_discord() as fake:
        async with running_bot(fake, database, tmp_path) as bot:
            mark = len(fake.requests)
            await fake.send_message("!quiz teams 2 3 myth-or-fact", channel_id=channel_id)
            await fake.wait_for_post_in(channel_id, has_text("Team quiz: pick your team!"), after=mark)
            lobby = message_with(fake, channel_id, "Team quiz: pick your team!")
            await fake.answer_of(await fake.click(lobby, "Join Red", user_id=BOB_ID))
            await fake.answer_of(await fake.click(lobby, "Join Blue", user_id=CAROL_ID))
            await fake.answer_of(await fake.click(lobby, "Start", user_id=USER_ID))
            await fake.wait_for_post_in(channel_id, has_text("Question 1/3"), after=mark)
            bot.process.kill()
            await bot.process.wait()
        assert query(database, "SELECT channel_id FROM running_quizzes") == [(channel_id,)]

        mark = len(fake.requests)
        async with running_bot(fake, database, tmp_path):
            notice = await fake.wait_for_post_in(channel_id, has_text("interrupted by a restart"), after=mark)
            assert notice.body["content"].startswith("The quiz here was interrupted by a restart")
            await fake.send_message("!quiz teams", channel_id=channel_id)  # the channel is free for a new lobby
            await fake.wait_for_post_in(channel_id, has_text("Team quiz: pick your team!"), after=mark)
    assert query(database, "SELECT COUNT(*) FROM running_quizzes") == [(0,)]
    assert query(database, "SELECT COUNT(*) FROM team_scores") == [(0,)], "an interrupted quiz is on no team board"
