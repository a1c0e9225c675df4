"""The dashboard over HTTP: logging in through the fake Discord, who sees which server, and every page's changes
going through the store with their audit line "via dashboard".

These drive the real aiohttp application with aiohttp's test client (no browser); tests/web/test_browser.py drives it
in Chromium.
"""

from __future__ import annotations

import json

import pytest

from bot.core.content import check_draft
from bot.core.scores import ALL_TIME
from tests.conftest import on_every_backend
from tests.fakediscord import (
    BOB_ID,
    BOT_ROLE_ID,
    CAROL_ID,
    CHANNEL_ID,
    GUILD_ID,
    LOCKED_CHANNEL_ID,
    MOD_ROLE_ID,
    OTHER_GUILD_ID,
    OWNERS_ROLE_ID,
    SCHOLAR_ROLE_ID,
    USER_ID,
    quiz_channel_id,
)
from tests.helpers import NOW, round_record

SERVER = f"/servers/{GUILD_ID}"


def club_fact(claim: str = "Octopuses have three hearts and blue blood.") -> object:
    return check_draft("fact", claim, "Two hearts pump blood to the gills and one to the body.", "A book", "animals")


# -- logging in, and who sees what --------------------------------------------------------------------------------


async def test_the_owner_logs_in_and_sees_only_servers_with_the_bot(dashboard):
    assert "Log in with Discord" in await dashboard.page("/")
    await dashboard.log_in(USER_ID)
    listing = await dashboard.page("/servers")
    assert "Fake Server" in listing
    assert "Server Without The Bot" not in listing
    assert "alice" in listing


async def test_a_member_with_the_moderators_role_sees_the_server_and_a_plain_member_does_not(dashboard):
    await dashboard.log_in(CAROL_ID)
    assert "Fake Server" in await dashboard.page("/servers")
    await dashboard.log_in(BOB_ID)
    listing = await dashboard.page("/servers")
    assert "Fake Server" not in listing and "No server to show" in listing


@pytest.mark.parametrize("path", ["", "/settings", "/daily", "/review", "/facts", "/packs", "/leaderboard", "/stats",
                                  "/audit", "/data"])  # fmt: skip
async def test_a_plain_member_is_refused_on_every_page_of_the_server(dashboard, path):
    await dashboard.log_in(BOB_ID)
    assert "Not your server" in await dashboard.page(f"{SERVER}{path}", status=403)


async def test_another_servers_id_is_refused_whatever_is_typed(dashboard):
    await dashboard.log_in(USER_ID)
    assert "Not your server" in await dashboard.page(f"/servers/{OTHER_GUILD_ID}/settings", status=403)
    assert "Not your server" in await dashboard.page("/servers/123/settings", status=403)
    await dashboard.page("/servers/12ab/settings", status=404)
    await dashboard.page("/servers/" + "9" * 40, status=404)


async def test_a_form_for_another_server_is_refused_and_changes_nothing(dashboard):
    await dashboard.log_in(BOB_ID)
    token = await dashboard.token("/servers")
    response = await dashboard.client.post(
        f"{SERVER}/settings", data={"csrf_token": token, "prefix": "?"}, allow_redirects=False
    )
    assert response.status == 403
    assert (await dashboard.store.server_settings(GUILD_ID)).prefix == ""


async def test_pages_need_a_login(dashboard):
    response = await dashboard.client.get(f"{SERVER}/settings", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (302, "/")
    assert (await dashboard.client.get("/servers", allow_redirects=False)).status == 302


async def test_the_callback_refuses_a_state_it_did_not_start(dashboard):
    await dashboard.client.get("/login", allow_redirects=False)
    page = await dashboard.page("/login/callback?code=whatever&state=forged", status=400)
    assert "Login expired" in page
    assert "user_id" not in str(dashboard.client.session.cookie_jar.filter_cookies(dashboard.client.make_url("/")))


async def test_logins_are_rate_limited_per_address_also_behind_a_local_proxy(dashboard):
    for _ in range(10):
        assert (await dashboard.client.get("/login", allow_redirects=False)).status == 302
    assert "Too many logins" in await dashboard.page("/login", status=429)
    # Through a reverse proxy on the same machine, members are told apart by the address the proxy saw.
    for address in ("203.0.113.7", "203.0.113.8"):
        headers = {"X-Forwarded-For": f"10.0.0.1, {address}"}
        for _ in range(10):
            assert (await dashboard.client.get("/login", headers=headers, allow_redirects=False)).status == 302
        assert (await dashboard.client.get("/login", headers=headers, allow_redirects=False)).status == 429


async def test_logging_out_ends_the_session(dashboard):
    await dashboard.log_in(USER_ID)
    response = await dashboard.submit("/servers", "/logout")
    assert (response.status, response.headers["Location"]) == (302, "/")
    await dashboard.page(f"{SERVER}/settings", status=302)


async def test_no_secret_reaches_a_page_or_a_cookie_in_clear(dashboard):
    await dashboard.log_in(USER_ID)
    token = next(iter(dashboard.fake.oauth_tokens))
    pages = [await dashboard.page(path) for path in ("/servers", SERVER, f"{SERVER}/settings")]
    cookies = " ".join(c.value for c in dashboard.client.session.cookie_jar)
    for text in (*pages, cookies):
        assert token not in text
        assert "fake-client-secret" not in text
    cookie = next(c for c in dashboard.client.session.cookie_jar if c.key == "mof_session")
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


# -- settings ------------------------------------------------------------------------------------------------------


def settings_form(**changes: object) -> dict:
    form = {"prefix": "", "suggestions_per_day": "3", "timezone": "UTC", "quiz_rounds": "10", "quiz_seconds": "15",
            "quiz_extra_time": "0", "quiz_idle_rounds": "3", "quiz_hints": "on", "quiz_mode": "mixed",
            "mod_role_id": "", "log_channel_id": "", "packs": ["sample"], "language": "en",
            "languages": ["en"]}  # fmt: skip
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@on_every_backend
async def test_a_setting_changed_on_the_page_is_saved_and_audited_via_dashboard(dashboard):
    await dashboard.log_in(USER_ID)
    page = await dashboard.page(f"{SERVER}/settings")
    assert 'value="3"' in page and "quiz-0" in page and "Moderators" in page
    topics = [topic.topic for topic in await dashboard.store.topics(GUILD_ID)]
    response = await dashboard.submit(
        f"{SERVER}/settings",
        data=settings_form(
            prefix="?",
            quiz_rounds="5",
            log_channel_id=str(CHANNEL_ID),
            topics=topics,
            allowed_channels=[str(quiz_channel_id(0))],
        ),
    )
    assert (response.status, response.headers["Location"]) == (302, f"{SERVER}/settings")
    settings = await dashboard.store.server_settings(GUILD_ID)
    assert (settings.prefix, settings.quiz_rounds, settings.log_channel_id) == ("?", 5, CHANNEL_ID)
    assert settings.allowed_channels == (quiz_channel_id(0),)
    assert "Saved" in await dashboard.messages(f"{SERVER}/settings")
    details = [entry.detail for entry in await dashboard.store.audit_history(GUILD_ID)]
    assert "prefix: (default) → ? (via dashboard)" in details
    assert "quiz_rounds: 10 → 5 (via dashboard)" in details
    assert all(detail.endswith("(via dashboard)") for detail in details)
    assert "via dashboard" in await dashboard.page(f"{SERVER}/audit")


async def test_adaptive_difficulty_is_turned_on_and_off_on_the_form_and_audited(dashboard):
    await dashboard.log_in(USER_ID)
    topics = [topic.topic for topic in await dashboard.store.topics(GUILD_ID)]
    page = await dashboard.page(f"{SERVER}/settings")
    assert 'name="quiz_adaptive" >' in page and "Adaptive difficulty" in page
    await dashboard.submit(f"{SERVER}/settings", data=settings_form(quiz_adaptive="on", topics=topics))
    assert (await dashboard.store.server_settings(GUILD_ID)).quiz_adaptive is True
    assert 'name="quiz_adaptive" checked' in await dashboard.page(f"{SERVER}/settings")
    await dashboard.submit(f"{SERVER}/settings", data=settings_form(topics=topics))
    assert (await dashboard.store.server_settings(GUILD_ID)).quiz_adaptive is False
    details = [entry.detail for entry in await dashboard.store.audit_history(GUILD_ID)]
    assert details[:2] == ["quiz_adaptive: True → False (via dashboard)", "quiz_adaptive: False → True (via dashboard)"]


@on_every_backend
async def test_the_global_board_is_joined_and_left_on_the_page(dashboard):
    await dashboard.log_in(USER_ID)
    assert 'name="global_board" >' in await dashboard.page(f"{SERVER}/settings"), "off by default"
    topics = [topic.topic for topic in await dashboard.store.topics(GUILD_ID)]
    await dashboard.submit(f"{SERVER}/settings", data=settings_form(global_board="on", topics=topics))
    assert (await dashboard.store.server_settings(GUILD_ID)).global_board
    assert 'name="global_board" checked' in await dashboard.page(f"{SERVER}/settings")
    await dashboard.submit(f"{SERVER}/settings", data=settings_form(topics=topics))
    assert not (await dashboard.store.server_settings(GUILD_ID)).global_board
    details = [entry.detail for entry in await dashboard.store.audit_history(GUILD_ID)]
    assert details[:2] == ["global_board: True → False (via dashboard)", "global_board: False → True (via dashboard)"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prefix": "@x"}, "cannot start with"),
        ({"quiz_rounds": "500"}, "from 1 to 50"),
        ({"quiz_rounds": "ten"}, "whole number"),
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"packs": None}, "Tick at least one pack"),
        ({"log_channel_id": "123"}, "this server's own"),
        ({"quiz_mode": "<script>"}, "must be one of"),
        ({"language": "xx"}, "language must be one of"),
        ({"languages": None}, "Tick at least one pack language"),
        ({"languages": ["en", "klingon"]}, "Tick only the languages listed"),
    ],
)
async def test_a_bad_value_is_refused_with_the_cores_message_and_changes_nothing(dashboard, changes, message):
    await dashboard.log_in(USER_ID)
    topics = [topic.topic for topic in await dashboard.store.topics(GUILD_ID)]
    await dashboard.submit(f"{SERVER}/settings", data=settings_form(quiz_seconds="20", topics=topics, **changes))
    shown = await dashboard.messages(f"{SERVER}/settings")
    assert message in shown
    assert (await dashboard.store.server_settings(GUILD_ID)).quiz_seconds == 15
    assert await dashboard.store.audit_history(GUILD_ID) == []


async def test_the_language_and_pack_languages_are_chosen_on_the_page_and_audited(dashboard):
    await dashboard.log_in(USER_ID)
    page = await dashboard.page(f"{SERVER}/settings")
    assert 'name="language"' in page and "Deutsch" in page and 'name="languages" value="fr"' in page
    topics = [topic.topic for topic in await dashboard.store.topics(GUILD_ID)]
    await dashboard.submit(
        f"{SERVER}/settings", data=settings_form(language="fr", languages=["fr", "en"], topics=topics)
    )
    settings = await dashboard.store.server_settings(GUILD_ID)
    assert (settings.language, settings.languages) == ("fr", ("en", "fr"))
    details = [entry.detail for entry in await dashboard.store.audit_history(GUILD_ID)]
    assert "language: en → fr (via dashboard)" in details
    assert "languages: (default) → en, fr (via dashboard)" in details
    page = await dashboard.page(f"{SERVER}/settings")
    assert '<option value="fr" selected>' in page and 'value="de" >' in page


async def test_the_moderator_role_is_chosen_only_by_members_with_manage_server(dashboard):
    await dashboard.log_in(USER_ID)
    topics = [topic.topic for topic in await dashboard.store.topics(GUILD_ID)]
    await dashboard.submit(f"{SERVER}/settings", data=settings_form(mod_role_id=str(MOD_ROLE_ID), topics=topics))
    assert (await dashboard.store.server_settings(GUILD_ID)).mod_role_id == MOD_ROLE_ID


async def test_role_rewards_are_shown_added_refused_with_the_reason_and_removed(dashboard):
    await dashboard.log_in(CAROL_ID)
    assert "No role rewards yet." in await dashboard.page(f"{SERVER}/settings")
    rewards = f"{SERVER}/rewards"
    await dashboard.submit(
        f"{SERVER}/settings", rewards, {"kind": "points", "threshold": "500", "role_id": str(SCHOLAR_ROLE_ID)}
    )
    assert "Members with 500 all-time points get the Scholar role." in await dashboard.messages(f"{SERVER}/settings")
    (reward,) = await dashboard.store.role_rewards(GUILD_ID)
    assert (reward.role_id, reward.kind.value, reward.threshold) == (SCHOLAR_ROLE_ID, "points", 500)
    page = await dashboard.page(f"{SERVER}/settings")
    assert "<td>Scholar</td><td>500 all-time points</td><td>Running</td>" in page
    assert dashboard.rewards_changed == [GUILD_ID], "the bot is told to settle the server"

    for role_id, reason in (
        (OWNERS_ROLE_ID, "Owners is at or above my highest role (MythOrFact)"),
        (BOT_ROLE_ID, "MythOrFact is managed by Discord or an integration"),
        (GUILD_ID, "@everyone can't be a reward"),
    ):
        await dashboard.submit(
            f"{SERVER}/settings", rewards, {"kind": "weekly", "threshold": "", "role_id": str(role_id)}
        )
        assert reason in await dashboard.messages(f"{SERVER}/settings")
    await dashboard.submit(
        f"{SERVER}/settings", rewards, {"kind": "streak", "threshold": "", "role_id": str(SCHOLAR_ROLE_ID)}
    )
    assert "Give a number from 1 to 1,000 for a streak reward" in await dashboard.messages(f"{SERVER}/settings")
    assert len(await dashboard.store.role_rewards(GUILD_ID)) == 1, "refusals change nothing"

    await dashboard.submit(f"{SERVER}/settings", f"{rewards}/{SCHOLAR_ROLE_ID}/remove")
    assert "Scholar is no longer a reward" in await dashboard.messages(f"{SERVER}/settings")
    assert await dashboard.store.role_rewards(GUILD_ID) == []
    history = [entry.detail for entry in await dashboard.store.audit_history(GUILD_ID) if entry.action == "reward"]
    assert history == [
        f"removed Scholar ({SCHOLAR_ROLE_ID}) (via dashboard)",
        f"set Scholar ({SCHOLAR_ROLE_ID}): points 500 (via dashboard)",
    ]


# -- CSRF and sessions ---------------------------------------------------------------------------------------------


async def test_a_form_without_a_csrf_token_is_refused_and_changes_nothing(dashboard):
    await dashboard.log_in(USER_ID)
    for token in ([], ["forged-token"]):
        data = {"prefix": "?", **({"csrf_token": token[0]} if token else {})}
        response = await dashboard.client.post(f"{SERVER}/settings", data=data, allow_redirects=False)
        assert response.status == 403
        assert "This form has expired" in await response.text()
    assert (await dashboard.store.server_settings(GUILD_ID)).prefix == ""


async def test_a_forged_session_cookie_is_not_a_login(dashboard):
    dashboard.client.session.cookie_jar.update_cookies({"mof_session": "gAAAAABforged"})
    await dashboard.page(f"{SERVER}/settings", status=302)
    response = await dashboard.client.post(f"{SERVER}/settings", data={"prefix": "?"}, allow_redirects=False)
    assert response.status == 403
    assert (await dashboard.store.server_settings(GUILD_ID)).prefix == ""


async def test_an_expired_session_is_not_a_login(dashboard):
    import base64
    import time

    from cryptography.fernet import Fernet

    from bot.web.shared import SESSION_SECONDS, derived_key
    from tests.web.conftest import SECRET

    fernet = Fernet(base64.urlsafe_b64encode(derived_key(SECRET, "session")))
    stale = {"created": int(time.time()) - SESSION_SECONDS - 60, "session": {"user_id": USER_ID, "access_token": "x"}}
    cookie = fernet.encrypt_at_time(json.dumps(stale).encode(), int(time.time()) - SESSION_SECONDS - 60).decode()
    dashboard.client.session.cookie_jar.update_cookies({"mof_session": cookie})
    await dashboard.page(f"{SERVER}/settings", status=302)
    # The same cookie, fresh, is a login: the refusal above is the expiry, not a malformed cookie.
    fresh = fernet.encrypt(json.dumps({**stale, "created": int(time.time())}).encode()).decode()
    dashboard.client.session.cookie_jar.clear()
    dashboard.client.session.cookie_jar.update_cookies({"mof_session": fresh})
    await dashboard.page(f"{SERVER}/settings", status=200)


async def test_writes_are_rate_limited(dashboard):
    await dashboard.log_in(USER_ID)
    token = await dashboard.token(f"{SERVER}/daily")
    statuses = []
    for _ in range(31):
        response = await dashboard.client.post(f"{SERVER}/daily/off", data={"csrf_token": token}, allow_redirects=False)
        statuses.append(response.status)
        if response.status == 302:
            token = await dashboard.token(f"{SERVER}/daily")
    assert statuses[:30] == [302] * 30 and statuses[30] == 429


# -- the daily post ------------------------------------------------------------------------------------------------


@on_every_backend
async def test_the_daily_post_is_set_and_turned_off_like_the_commands(dashboard):
    await dashboard.log_in(USER_ID)
    await dashboard.submit(
        f"{SERVER}/daily",
        data={
            "channel_id": str(quiz_channel_id(1)),
            "time": "21:30",
            "timezone": "Europe/Paris",
            "topic": "space",
        },
    )
    schedule = await dashboard.store.daily_schedule(GUILD_ID)
    assert (schedule.channel_id, schedule.post_time.strftime("%H:%M"), schedule.zone, schedule.topic) == (
        quiz_channel_id(1), "21:30", "Europe/Paris", "space"
    )  # fmt: skip
    assert dashboard.daily_wakes == 1
    page = await dashboard.page(f"{SERVER}/daily")
    assert "#quiz-1" in page and "21:30 Europe/Paris" in page
    await dashboard.submit(f"{SERVER}/daily", f"{SERVER}/daily/off")
    assert await dashboard.store.daily_schedule(GUILD_ID) is None
    details = [entry.detail for entry in await dashboard.store.audit_history(GUILD_ID)]
    assert details == ["off (via dashboard)", "set #quiz-1 at 21:30 Europe/Paris, topic space (via dashboard)"]


async def test_a_bad_daily_time_or_topic_is_refused(dashboard):
    await dashboard.log_in(USER_ID)
    for form, message in (({"time": "25:00"}, "time"), ({"time": "09:00", "topic": "nope"}, "nope"),
                          ({"time": "09:00", "channel_id": "1"}, "text channels"),
                          ({"time": "09:00", "channel_id": str(LOCKED_CHANNEL_ID)},
                           "missing the Send Messages, Embed Links permission in #announcements")):  # fmt: skip
        await dashboard.submit(f"{SERVER}/daily", data={"channel_id": str(CHANNEL_ID), **form})
        assert message in await dashboard.messages(f"{SERVER}/daily")
    assert await dashboard.store.daily_schedule(GUILD_ID) is None


# -- review queue, custom facts and hostile text ------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def test_a_suggestion_is_approved_into_a_custom_fact_and_hostile_text_stays_text(dashboard):
    store = dashboard.store
    draft = check_draft("myth", f"Goldfish forget everything {HOSTILE}", f"They remember for months. {HOSTILE}",
                        "A book", "animals")  # fmt: skip
    suggestion = await store.add_suggestion(GUILD_ID, BOB_ID, draft, 3, NOW)
    await dashboard.log_in(USER_ID)
    page = await dashboard.page(f"{SERVER}/review")
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    await dashboard.submit(f"{SERVER}/review", f"{SERVER}/suggestions/{suggestion.id}/approve")
    assert "Approved suggestion" in await dashboard.messages(f"{SERVER}/review")
    facts, total = await store.custom_facts(GUILD_ID)
    assert total == 1 and facts[0].author_id == BOB_ID
    facts_page = await dashboard.page(f"{SERVER}/facts")
    assert "Goldfish forget everything" in facts_page and "<script>" not in facts_page
    assert (await store.audit_history(GUILD_ID))[0].detail.endswith("(via dashboard)")


async def test_a_disputed_item_is_hidden_or_dismissed(dashboard):
    store = dashboard.store
    await store.add_dispute(GUILD_ID, 1, BOB_ID, f"Wrong! {HOSTILE}", NOW)
    await store.add_dispute(GUILD_ID, 2, BOB_ID, "Also wrong", NOW)
    await dashboard.log_in(USER_ID)
    page = await dashboard.page(f"{SERVER}/review")
    assert "Wrong! &lt;script&gt;" in page and "<script>" not in page
    await dashboard.submit(f"{SERVER}/review", f"{SERVER}/disputes/1/hide")
    await dashboard.submit(f"{SERVER}/review", f"{SERVER}/disputes/2/dismiss")
    items, count = await store.disputed_items(GUILD_ID)
    assert count == 0
    hidden, _ = await store.hidden_items(GUILD_ID)
    assert [item.item_pk for item in hidden] == [1]


async def test_custom_facts_are_added_edited_and_removed_with_the_commands_checks(dashboard):
    await dashboard.log_in(USER_ID)
    fields = {"kind": "fact", "claim": f"Bananas are berries {HOSTILE}", "truth": "Botanically, they are berries.",
              "source": "A book", "topic": "plants", "difficulty": "3"}  # fmt: skip
    await dashboard.submit(f"{SERVER}/facts", data=fields)
    assert "Saved as" in await dashboard.messages(f"{SERVER}/facts")
    facts, _ = await dashboard.store.custom_facts(GUILD_ID)
    assert facts[0].item.difficulty == 3
    page = await dashboard.page(f"{SERVER}/facts")
    assert "Bananas are berries &lt;script&gt;" in page and "<script>" not in page
    await dashboard.submit(f"{SERVER}/facts", f"{SERVER}/facts/1/edit", data={**fields, "claim": "x"})
    assert "Nothing was saved" in await dashboard.messages(f"{SERVER}/facts")
    await dashboard.submit(
        f"{SERVER}/facts",
        f"{SERVER}/facts/1/edit",
        data={**fields, "claim": "Bananas are berries, strawberries are not."},
    )
    assert (await dashboard.store.custom_fact(GUILD_ID, 1)).item.claim == "Bananas are berries, strawberries are not."
    await dashboard.submit(f"{SERVER}/facts", f"{SERVER}/facts/1/remove")
    assert (await dashboard.store.custom_facts(GUILD_ID))[1] == 0
    await dashboard.submit(f"{SERVER}/facts", f"{SERVER}/facts/1/remove")
    assert "custom" in await dashboard.messages(f"{SERVER}/facts")
    actions = [(e.action, e.detail.endswith("(via dashboard)")) for e in await dashboard.store.audit_history(GUILD_ID)]
    assert actions == [("fact", True)] * 3


# -- packs ---------------------------------------------------------------------------------------------------------

PACK_HEAD = """[pack]
id = "club"
name = "Club pack"
description = "A pack the club uploaded."
author = "The club"
license = "CC-BY-4.0"
version = "1.0.0"
"""
GOOD_ITEM = """
[[items]]
id = "one"
kind = "fact"
claim = "Club fact one is long enough to pass the checks."
truth = "The explanation, long enough to pass as well."
topic = "club"
difficulty = 1
source = { title = "A book", citation = "Somebody, A book (2020)" }
"""


async def upload(dashboard, filename: str, data: bytes, **form: str):
    import aiohttp

    body = aiohttp.FormData()
    body.add_field("csrf_token", await dashboard.token(f"{SERVER}/packs"))
    body.add_field("file", data, filename=filename, content_type="application/octet-stream")
    for name, value in form.items():
        body.add_field(name, value)
    return await dashboard.client.post(f"{SERVER}/packs", data=body, allow_redirects=False)


async def test_a_bad_pack_is_refused_with_its_problems_listed_and_nothing_imported(dashboard):
    await dashboard.log_in(USER_ID)
    broken = PACK_HEAD + GOOD_ITEM + f'\n[[items]]\nid = "bad"\nkind = "maybe"\nclaim = \'{HOSTILE}\'\n'
    response = await upload(dashboard, "club.toml", broken.encode())
    assert response.status == 302
    page = await dashboard.page(f"{SERVER}/packs")
    assert "so nothing was imported" in page
    assert "item #2 (bad)" in page and "field &#39;kind&#39;" in page
    assert "<script>" not in page
    assert await dashboard.store.server_packs(GUILD_ID) == []


async def test_a_good_pack_is_imported_then_removed(dashboard):
    await dashboard.log_in(USER_ID)
    await upload(dashboard, "club.toml", (PACK_HEAD + GOOD_ITEM).encode())
    assert "Imported `club`".replace("`", "") in (await dashboard.messages(f"{SERVER}/packs")).replace(
        "<code>", ""
    ).replace("</code>", "")
    assert [pack.id for pack in await dashboard.store.server_packs(GUILD_ID)] == ["club"]
    await dashboard.submit(f"{SERVER}/packs", f"{SERVER}/packs/club/remove")
    assert await dashboard.store.server_packs(GUILD_ID) == []
    details = [entry.detail for entry in await dashboard.store.audit_history(GUILD_ID)]
    assert details == [
        "removed club (1 items) (via dashboard)",
        "imported club (1 items) from club.toml (via dashboard)",
    ]


async def test_an_oversized_upload_is_refused_before_it_is_read(dashboard):
    await dashboard.log_in(USER_ID)
    response = await upload(dashboard, "big.toml", b"#" * (400 * 1024))
    assert response.status == 413
    assert "too big" in await response.text()
    assert await dashboard.store.server_packs(GUILD_ID) == []


async def test_a_file_of_another_kind_is_refused(dashboard):
    await dashboard.log_in(USER_ID)
    await upload(dashboard, "evil.exe", b"MZ")
    assert "is not a pack I can read" in await dashboard.messages(f"{SERVER}/packs")


# -- leaderboards, statistics, export and reset --------------------------------------------------------------------


async def test_leaderboards_stats_and_charts_show_the_servers_numbers(dashboard):
    store = dashboard.store
    for n in range(25):
        await store.record_round(round_record(GUILD_ID, f"r{n}", (1000 + n, 10 * (n + 1))), "2026-W48")
    await dashboard.log_in(USER_ID)
    first = await dashboard.page(f"{SERVER}/leaderboard?period=all")
    assert "25 players" in first and "<svg" in first and "Page 1 of 2" in first
    assert first.index(">member 1024<") < first.index(">member 1023<")
    second = await dashboard.page(f"{SERVER}/leaderboard?period=all&page=2")
    assert ">member 1000<" in second and ">member 1024<" not in second
    stats = await dashboard.page(f"{SERVER}/stats")
    assert ">25<" in stats and "animals" in stats


async def test_export_downloads_the_servers_data_and_is_audited(dashboard):
    await dashboard.store.add_custom_fact(GUILD_ID, club_fact(), USER_ID, NOW)
    await dashboard.log_in(USER_ID)
    response = await dashboard.submit(f"{SERVER}/data", f"{SERVER}/export")
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    document = json.loads(await response.read())
    assert document["guild_id"] == str(GUILD_ID)
    assert (await dashboard.store.audit_history(GUILD_ID))[0].action == "export"


async def test_a_leaderboard_reset_needs_the_confirmation(dashboard):
    store = dashboard.store
    await store.record_round(round_record(GUILD_ID, "r", (BOB_ID, 10)), "2026-W48")
    await dashboard.log_in(USER_ID)
    assert "1 players lose their points" in await dashboard.page(f"{SERVER}/data")
    await dashboard.submit(f"{SERVER}/data", f"{SERVER}/leaderboard/reset", data={"period": "all"})
    assert "Tick the box" in await dashboard.messages(f"{SERVER}/data")
    assert await store.count_players(GUILD_ID, ALL_TIME) == 1
    await dashboard.submit(f"{SERVER}/data", f"{SERVER}/leaderboard/reset", data={"period": "all", "confirm": "yes"})
    assert await store.count_players(GUILD_ID, ALL_TIME) == 0
    assert (await store.audit_history(GUILD_ID))[0].detail == "reset all: 1 rows (via dashboard)"


async def test_pages_carry_a_strict_content_security_policy(dashboard):
    response = await dashboard.client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_a_refusal_from_the_core_on_any_form_is_shown_on_its_page(dashboard):
    await dashboard.log_in(USER_ID)
    response = await dashboard.submit(f"{SERVER}/review", f"{SERVER}/suggestions/999/approve")
    assert (response.status, response.headers["Location"]) == (302, f"{SERVER}/review")
    assert "999" in await dashboard.messages(f"{SERVER}/review")
    response = await dashboard.submit(f"{SERVER}/data", f"{SERVER}/leaderboard/reset", data={"period": "W99"})
    assert response.headers["Location"] == f"{SERVER}/data"
    assert "is not a leaderboard" in await dashboard.messages(f"{SERVER}/data")


async def test_the_leaderboard_shows_members_by_name(dashboard):
    await dashboard.store.record_round(round_record(GUILD_ID, "r", (BOB_ID, 10), (1234, 5)), "2026-W48")
    await dashboard.log_in(USER_ID)
    page = await dashboard.page(f"{SERVER}/leaderboard")
    assert ">bob<" in page and ">member 1234<" in page
