"""End-to-end: uploaded packs and member-written text through the real process.

Files attached to ``!pack import`` and ``/pack import`` are served by the fake Discord, which counts downloads:
a valid pack is imported and served in the server; broken, oversized, explosive (YAML anchors), deeply nested and
non-UTF-8 files are refused with a list of problems and nothing is imported; ``partial`` keeps the valid items; a
plain member is refused before anything is downloaded. Custom facts and suggestions written through the forms
carry ``@everyone``, ``@here``, role and user mentions; wherever the bot shows them again, no request it sends
could ping anyone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.core.admin import MAX_UPLOAD_BYTES
from bot.storage.shared import server_pack_id
from tests.e2e.helpers import BotProcess, fake_discord, posted_text, query, running_bot, sync_commands, text_of
from tests.fakediscord import (
    BOB_ID,
    CAROL_ID,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    MOD_ROLE_ID,
    USER_ID,
    FakeDiscord,
    PendingInteraction,
    Recorded,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

PACK_HEAD = """[pack]
id = "{pack_id}"
name = "{name}"
description = "A pack the club uploaded."
author = "The club"
license = "CC-BY-4.0"
version = "1.0.0"
"""
BROKEN_ITEMS = """
[[items]]
id = "wrong-types"
kind = "fact"
claim = 5
topic = "{topic}"
difficulty = "hard"
source = "a book"

[[items]]
kind = "legend"
claim = "A claim without an id, long enough to pass."
truth = "Its truth, which is long enough to pass too."
topic = ["lists", "are", "not", "topics"]
difficulty = 2
"""
RED_WRONG_TYPES = b"""AUTHOR: The club
What is the capital of France?:
  - Paris
What is two plus two, in words?:
  answer: four
Name a colour of the rainbow, please: 7
Which planet is called the red one?:
  - [Mars]
"""
OPENTDB_WRONG_TYPES = b"""{"response_code": 0, "results": [
 {"type": "multiple", "difficulty": "easy", "category": "General", "question": "Which is the largest ocean on Earth?",
  "correct_answer": "Pacific", "incorrect_answers": ["Atlantic", "Indian", "Arctic"]},
 {"type": "multiple", "category": "General", "question": "Which metal is liquid at room temperature?",
  "incorrect_answers": ["Iron"]},
 {"type": "boolean", "category": "General", "question": "The Sun is a star of our galaxy.", "correct_answer": "Maybe"},
 {"type": "multiple", "category": "General", "question": 42, "correct_answer": "x", "incorrect_answers": ["y"]},
 "not an object"]}"""
BILLION_LAUGHS = b"""lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
lol1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
lol2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
lol3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
lol4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
lol5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]
lol6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]
lol7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]
lol8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]
What is the sound of a billion laughs?: [*a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8]
"""
DEPTH = 50_000
DEEP_FILES = {
    "flow.yaml": b"Deep question, is it?: " + b"[" * DEPTH + b"]" * DEPTH,
    # Block nesting by indentation, as deep as the size limit allows: libyaml accepts it, Python's stack may not.
    "block.yaml": b"".join(b" " * depth + b"k:\n" for depth in range(690)) + b" " * 690 + b"- deep\n",
    "arrays.json": b"[" * DEPTH + b"]" * DEPTH,
    "objects.json": b'{"results": ' + b'{"a":' * (DEPTH // 2) + b"1" + b"}" * (DEPTH // 2) + b"}",
}
NOT_UTF8 = {
    "latin1.toml": PACK_HEAD.format(pack_id="latin", name="Caf\xe9 quiz").encode("latin-1"),
    "latin1.yaml": "Quelle est la capitale de la Fran\xe7e ?:\n  - Paris\n".encode("latin-1"),
    "utf16.json": '[{"type": "boolean", "question": "The sky is blue today.", "correct_answer": "True"}]'.encode(
        "utf-16"
    ),
    "random.toml": bytes(range(128, 256)) * 4,
}
MENTIONS = f"@everyone @here <@&{MOD_ROLE_ID}> <@{BOB_ID}> <@!{CAROL_ID}>"
_CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
_MASS_PINGS = re.compile(r"@(everyone|here)")
_MESSAGE_PATH = re.compile(r"^/channels/\d+/messages(/\d+)?$")
_CALLBACK_PATH = re.compile(r"^/interactions/\d+/[^/]+/callback$")
_NEWCOMERS = itertools.count(900_000_000_000_000_500)


def newcomer() -> int:
    """A member id that has not used a command yet, so ``!fact``'s per-member cooldown never gets in the way."""
    return next(_NEWCOMERS)


def item_toml(item_id: str, topic: str, claim: str | None = None) -> str:
    """One valid [[items]] table."""
    return f"""
[[items]]
id = "{item_id}"
kind = "fact"
claim = "{claim or f"Club fact {item_id} is long enough to pass."}"
truth = "The explanation, long enough to pass as well."
topic = "{topic}"
difficulty = 1
source = {{ title = "A book", citation = "Somebody, A book (2020)" }}
"""


def pack_toml(pack_id: str, *items: str, name: str = "Club pack") -> bytes:
    """A TOML pack with the given [[items]] tables."""
    return (PACK_HEAD.format(pack_id=pack_id, name=name) + "".join(items)).encode()


@dataclass
class World:
    fake: FakeDiscord
    bot: BotProcess
    database: Path


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory) -> AsyncIterator[World]:
    """One bot process for the module, slash commands synced."""
    workdir = tmp_path_factory.mktemp("e2e-uploads")
    async with fake_discord() as fake, running_bot(fake, workdir / "bot.db", workdir) as bot:
        await sync_commands(fake)
        assert "Traceback" not in bot.log, bot.log
        yield World(fake, bot, workdir / "bot.db")


@pytest.fixture(autouse=True)
def no_traceback_logged(world: World) -> Iterator[None]:
    """Each test leaves no traceback in the log, and the bot still runs."""
    mark = world.bot.mark()
    yield
    assert world.bot.process.returncode is None, world.bot.log_since(mark)
    assert "Traceback" not in world.bot.log_since(mark), world.bot.log_since(mark)


# -- helpers ---------------------------------------------------------------------------------------------


async def reply_to(
    world: World, content: str, *, author_id: int = CAROL_ID, attachments: Iterable[dict[str, Any]] = ()
) -> Recorded:
    """Send a message in the general channel and return the bot's next post there."""
    mark = len(world.fake.requests)
    await world.fake.send_message(content, author_id=author_id, attachments=list(attachments))
    return await world.fake.wait_for_post_in(CHANNEL_ID, after=mark)


async def prefix_import(
    world: World, filename: str, data: bytes, *, partial: bool = False, author_id: int = CAROL_ID
) -> tuple[str, dict[str, Any]]:
    """``!pack import`` with a file attached; return the reply's text and the attachment."""
    attachment = world.fake.attachment(filename, data)
    command = "!pack import partial" if partial else "!pack import"
    reply = await reply_to(world, command, author_id=author_id, attachments=[attachment])
    return posted_text(reply), attachment


async def slash_import(
    world: World, filename: str, data: bytes, *, partial: bool | None = None, user_id: int = USER_ID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``/pack import`` with a file option; return the final reply's payload and the attachment."""
    attachment = world.fake.attachment(filename, data)
    options: dict[str, Any] = {"file": attachment}
    if partial is not None:
        options["partial"] = partial
    pending = await world.fake.slash("pack import", options, user_id=user_id)
    return await world.fake.final_text(pending), attachment


async def slash_text(world: World, command: str, options: dict[str, Any] | None = None, user_id: int = USER_ID) -> str:
    """Run a slash command and return the text of its reply."""
    return text_of(await world.fake.final_text(await world.fake.slash(command, options, user_id=user_id)))


def pack_items(world: World, pack_id: str) -> list[str]:
    """The item ids of this server's uploaded pack, as the database holds them (live ones only)."""
    rows = query(
        world.database,
        "SELECT item_id FROM items WHERE pack_id = ? AND retired = 0 ORDER BY item_id",
        (server_pack_id(GUILD_ID, pack_id),),
    )
    return [row[0] for row in rows]


def claims_like(world: World, fragment: str) -> list[str]:
    """Every stored claim containing ``fragment``, in any pack."""
    return [row[0] for row in query(world.database, "SELECT claim FROM items WHERE claim LIKE ?", (f"%{fragment}%",))]


def sends_a_message(record: Recorded) -> bool:
    """Whether a request creates or edits a message: a post, an edit, an interaction reply, a followup."""
    if record.method not in ("POST", "PATCH"):
        return False
    if _MESSAGE_PATH.match(record.path) or record.path.startswith("/webhooks/"):
        return True
    return bool(_CALLBACK_PATH.match(record.path)) and (record.body or {}).get("type") in (4, 7)


def assert_nobody_pinged(records: list[Recorded]) -> int:
    """Check every message the bot sent: mentions turned off, no raw @everyone/@here; return how many there were."""
    sent = [record for record in records if sends_a_message(record)]
    for record in sent:
        payload = record.payload
        allowed = payload.get("allowed_mentions")
        assert allowed is not None, (record.method, record.path, payload)
        assert allowed.get("parse") == [], allowed
        assert not allowed.get("users") and not allowed.get("roles") and not allowed.get("replied_user"), allowed
        outside_code = _CODE.sub("", payload.get("content") or "")
        assert not _MASS_PINGS.search(outside_code), payload["content"]
    return len(sent)


async def open_form(world: World, command: str, user_id: int) -> PendingInteraction:
    """Type a prefix command that offers a form, press Open the form; return the press (answered with the modal)."""
    reply = await reply_to(world, command, author_id=user_id)
    assert "Open the form" in posted_text(reply)
    message = next(m for m in reversed(world.fake.messages.values()) if "Open the form" in m["content"])
    press = await world.fake.click(message, "Open the form", user_id=user_id)
    assert (await world.fake.answer_of(press)).body["type"] == 9, "a modal"
    return press


async def open_slash_form(world: World, command: str, options: dict[str, Any], user_id: int) -> PendingInteraction:
    """Run a slash command that opens a form directly; return it (answered with the modal)."""
    pending = await world.fake.slash(command, options, user_id=user_id)
    assert (await world.fake.answer_of(pending)).body["type"] == 9, "a modal"
    return pending


def form_values(word: str, topic: str) -> dict[str, str]:
    """Form fields full of mentions around a distinctive ``word``."""
    return {
        "claim": f"{MENTIONS} {word} claim: octopuses taste with their arms.",
        "truth": f"{MENTIONS} {word} truth: their suckers carry chemical receptors.",
        "source": f"{MENTIONS} {word} https://example.com/@everyone",
        "topic": topic,
    }


# -- uploaded packs ------------------------------------------------------------------------------------


async def test_a_valid_pack_imports_by_prefix_and_slash_and_is_served_in_the_server(world: World):
    data = pack_toml("club", item_toml("first", "clubtopic"), item_toml("second", "clubtopic"))
    text, attachment = await prefix_import(world, "club.toml", data)
    assert "Imported **Club pack** (`club`) for this server: 2 added" in text
    assert world.fake.downloads(attachment) == 1
    assert pack_items(world, "club") == ["first", "second"]
    assert "Club fact" in posted_text(await reply_to(world, "!fact clubtopic", author_id=newcomer()))

    night = pack_toml("night", item_toml("owl", "nightowls", "Night owl fact: owls cannot move their eyes."))
    payload, attachment = await slash_import(world, "quiz night.toml", night)
    assert payload.get("flags", 0) & EPHEMERAL
    assert "Imported **Club pack** (`night`) for this server: 1 added" in text_of(payload)
    assert world.fake.downloads(attachment) == 1
    assert "owls cannot move their eyes" in await slash_text(world, "fact", {"topic": "nightowls"}, user_id=newcomer())


async def test_a_plain_member_is_refused_before_anything_is_downloaded(world: World):
    data = pack_toml("bobs", item_toml("mine", "bobtopic"))
    text, attachment = await prefix_import(world, "bobs.toml", data, author_id=BOB_ID)
    assert "Manage Server" in text
    payload, slash_attachment = await slash_import(world, "bobs.toml", data, user_id=BOB_ID)
    assert "Manage Server" in text_of(payload) and payload.get("flags", 0) & EPHEMERAL
    assert world.fake.downloads(attachment) == world.fake.downloads(slash_attachment) == 0
    assert pack_items(world, "bobs") == []


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        (
            "broken.toml",
            pack_toml("broken", item_toml("fine", "brokentopic"), BROKEN_ITEMS.format(topic="brokentopic")),
            [
                "broken.toml, item #2 (wrong-types), field 'claim': must be text, not a number",
                "broken.toml, item #2 (wrong-types), field 'truth': is missing",
                "broken.toml, item #2 (wrong-types), field 'difficulty': 'hard' must be 1, 2 or 3",
                "broken.toml, item #2 (wrong-types), field 'source': must be a table",
                "broken.toml, item #3, field 'id': is missing",
                "broken.toml, item #3, field 'kind': 'legend' must be",
                "broken.toml, item #3, field 'topic': must be text, not a list",
                "broken.toml, item #3, field 'source': is missing",
            ],
        ),
        (
            "broken.yaml",
            RED_WRONG_TYPES,
            [
                "broken.yaml, item 'What is two plus two, in words?': answers are a mapping, not a list",
                "broken.yaml, item 'Name a colour of the rainbow, please': answers are text, not a list",
                "broken.yaml, item 'Which planet is called the red one?': answer 1 is a list, not text",
            ],
        ),
        (
            "broken.json",
            OPENTDB_WRONG_TYPES,
            [
                "broken.json, item 'Which metal is liquid at room temperature?': correct_answer is missing",
                "broken.json, item 'The Sun is a star of our galaxy.': correct_answer 'Maybe' is neither",
                "broken.json, item 'result 4': question is missing or not text",
                "broken.json, item 'result 5': is text, not an object",
            ],
        ),
    ],
)
async def test_wrong_types_and_missing_fields_are_listed_by_item_and_field_and_nothing_is_imported(
    world: World, filename: str, data: bytes, expected: list[str]
):
    text, _ = await prefix_import(world, filename, data)
    assert f"`{filename}` has {len(expected)} problems, so nothing was imported." in text
    assert "import again with `partial`" in text
    for line in expected:
        assert line in text, text
    payload, _ = await slash_import(world, filename, data)
    assert "nothing was imported" in text_of(payload) and payload.get("flags", 0) & EPHEMERAL
    assert pack_items(world, "broken") == [], "all or nothing"
    assert claims_like(world, "Club fact fine") == []
    assert claims_like(world, "largest ocean") == [] and claims_like(world, "capital of France") == []
    assert "I don't know the topic" in posted_text(await reply_to(world, "!fact brokentopic", author_id=newcomer()))


async def test_a_long_list_of_problems_is_cut_and_attached_in_full(world: World):
    data = pack_toml("many", *(f'\n[[items]]\nid = "bad-{n}"\n' for n in range(200)))
    mark = len(world.fake.requests)
    text, _ = await prefix_import(world, "many.toml", data)
    assert "`many.toml` has 1200 problems, so nothing was imported." in text
    assert "the full list is attached" in text and len(text) <= 2000
    post = next(r for r in world.fake.posts(CHANNEL_ID) if world.fake.requests.index(r) >= mark)
    [(name, listing)] = post.files
    assert name == "problems.txt" and listing.decode().count("\n") == 1200
    assert "many.toml, item #200 (bad-199), field 'source': is missing" in listing.decode()
    assert pack_items(world, "many") == []


async def test_a_file_over_the_size_limit_is_refused_without_being_downloaded(world: World):
    big = pack_toml("big", item_toml("one", "bigtopic")) + b"#" * MAX_UPLOAD_BYTES
    text, attachment = await prefix_import(world, "big.toml", big)
    assert "uploaded packs may be at most 256 KB" in text
    payload, slash_attachment = await slash_import(world, "big.json", big)
    assert "uploaded packs may be at most 256 KB" in text_of(payload)
    refused, odd_attachment = await prefix_import(world, "pack.exe", b"MZ\x90\x00" * 100)
    assert "is not a pack I can read" in refused
    assert [world.fake.downloads(a) for a in (attachment, slash_attachment, odd_attachment)] == [0, 0, 0]
    assert pack_items(world, "big") == []


async def test_a_yaml_bomb_is_refused_and_the_bot_keeps_answering(world: World):
    text, attachment = await prefix_import(world, "laughs.yaml", BILLION_LAUGHS)
    assert "uses YAML anchors or aliases (line 1)" in text and "nothing was imported" in text
    payload, _ = await slash_import(world, "laughs.yml", BILLION_LAUGHS, partial=True)
    assert "uses YAML anchors or aliases" in text_of(payload)
    assert world.fake.downloads(attachment) == 1
    assert pack_items(world, "laughs") == []
    assert "Fact" in posted_text(await reply_to(world, "!fact", author_id=newcomer()))


@pytest.mark.parametrize("filename", sorted(DEEP_FILES))
async def test_deeply_nested_yaml_and_json_are_refused_and_the_bot_keeps_answering(world: World, filename: str):
    data = DEEP_FILES[filename]
    assert len(data) <= MAX_UPLOAD_BYTES
    text, _ = await prefix_import(world, filename, data)
    assert "nothing was imported" in text, text
    assert "nested too deeply" in text or "maximum nesting depth" in text, text
    assert "Fact" in posted_text(await reply_to(world, "!fact", author_id=newcomer()))


async def test_deeply_nested_toml_is_refused_with_a_friendly_message(world: World):
    mark = world.bot.mark()
    text, _ = await prefix_import(world, "deep.toml", b"a = " + b"[" * DEPTH + b"]" * DEPTH)
    assert "Fact" in posted_text(await reply_to(world, "!fact", author_id=newcomer())), "the bot keeps answering"
    assert "nothing was imported" in text and "nested too deeply" in text, text
    assert "Traceback" not in world.bot.log_since(mark)


async def test_a_file_name_cannot_break_out_of_its_code_span(world: World):
    mark = len(world.fake.requests)
    text, _ = await prefix_import(world, "a` @everyone `.txt", b"hello")
    assert "is not a pack I can read" in text
    assert_nobody_pinged(world.fake.requests[mark:])


async def test_a_file_that_cannot_be_downloaded_gets_a_clear_answer(world: World):
    mark = world.bot.mark()
    attachment = world.fake.attachment("vanished.toml", pack_toml("vanished", item_toml("one", "vanished")))
    world.fake.delete_upload(attachment)
    reply = await reply_to(world, "!pack import", attachments=[attachment])
    assert "Fact" in posted_text(await reply_to(world, "!fact", author_id=newcomer())), "the bot keeps answering"
    assert "something went wrong on my side" not in posted_text(reply), posted_text(reply)
    assert "Traceback" not in world.bot.log_since(mark)


@pytest.mark.parametrize("filename", sorted(NOT_UTF8))
async def test_files_that_are_not_utf8_are_refused(world: World, filename: str):
    text, _ = await prefix_import(world, filename, NOT_UTF8[filename])
    assert f"{filename}: is not UTF-8 text" in text and "nothing was imported" in text, text


async def test_a_python_tag_in_yaml_is_read_as_text_and_never_run(world: World, tmp_path: Path):
    marker = tmp_path / "ran"
    data = (
        f'What is the capital of Italy, in Europe?: !!python/object/apply:os.system ["touch {marker}"]\n'
        "What is the capital of Spain, in Europe?:\n  - Madrid\n"
    ).encode()
    text, _ = await prefix_import(world, "tagged.yaml", data)
    assert "2 added" in text
    assert not marker.exists()
    answers = query(world.database, "SELECT answers FROM items WHERE question LIKE 'What is the capital of Italy%'")
    assert answers == [(f'["touch {marker}"]',)]


async def test_partial_imports_only_the_valid_items(world: World):
    data = pack_toml(
        "halves", item_toml("keep-one", "halves"), BROKEN_ITEMS.format(topic="halves"), item_toml("keep-two", "halves")
    )
    text, _ = await prefix_import(world, "halves.toml", data, partial=True)
    assert "2 added" in text and "Left out 2 items with problems:" in text
    assert "item #2 (wrong-types), field 'claim'" in text and "item #3, field 'id'" in text
    assert pack_items(world, "halves") == ["keep-one", "keep-two"]
    assert "Club fact keep-" in posted_text(await reply_to(world, "!fact halves", author_id=newcomer()))

    payload, _ = await slash_import(world, "broken.json", OPENTDB_WRONG_TYPES, partial=True)
    assert "1 added" in text_of(payload) and "Left out 4 items with problems:" in text_of(payload)
    assert pack_items(world, "broken") == ["which-is-the-largest-ocean-on-earth"]
    assert claims_like(world, "liquid at room temperature") == []


# -- mentions in member-written text -------------------------------------------------------------------


async def test_mentions_in_custom_facts_never_ping(world: World):
    fake, mark = world.fake, len(world.fake.requests)
    # A topic made of mentions is refused; the reply offers the form again, filled in.
    press = await open_form(world, "!customfact add", CAROL_ID)
    refused = await fake.submit_modal(press, form_values("Prefixed", MENTIONS), user_id=CAROL_ID)
    answer = await fake.final_text(refused)
    assert "Nothing was saved" in text_of(answer) and "Topic" in text_of(answer)
    retry = await fake.click(refused.message, "Fix and try again", user_id=CAROL_ID)
    reopened = (await fake.answer_of(retry)).body["data"]
    assert "Prefixed claim" in str(reopened), "the form comes back filled in"
    saved = await fake.submit_modal(retry, form_values("Prefixed", "ping facts"), user_id=CAROL_ID)
    assert "Saved as `custom/1`" in text_of(await fake.final_text(saved))

    form = await open_slash_form(world, "customfact add", {"kind": "myth"}, CAROL_ID)
    myth = await fake.submit_modal(form, form_values("Slashed", "ping myths"), user_id=CAROL_ID)
    assert "Saved as `custom/2`" in text_of(await fake.final_text(myth))

    listing = posted_text(await reply_to(world, "!customfact list"))
    assert "Prefixed claim" in listing and "Slashed claim" in listing
    assert "Slashed claim" in await slash_text(world, "customfact list", user_id=CAROL_ID)
    assert "Prefixed claim" in posted_text(await reply_to(world, "!fact ping-facts", author_id=newcomer()))
    assert "Slashed claim" in await slash_text(world, "myth", {"topic": "ping-myths"}, user_id=newcomer())

    question = await reply_to(world, "!customfact remove 1")
    assert "Prefixed claim" in posted_text(question) and "@\u200beveryone" in posted_text(question)
    message = next(m for m in reversed(fake.messages.values()) if "Remove `custom/1`" in m["content"])
    removal = await fake.click(message, "Remove custom/1", user_id=CAROL_ID)
    assert "Removed `custom/1`" in (await fake.answer_of(removal)).payload["content"]

    assert assert_nobody_pinged(fake.requests[mark:]) >= 10


async def test_mentions_in_suggestions_never_ping_through_review_and_approval(world: World):
    fake, mark = world.fake, len(world.fake.requests)
    press = await open_form(world, "!suggest", BOB_ID)
    first = await fake.submit_modal(press, form_values("Suggested", "echoes"), user_id=BOB_ID)
    assert "Your suggestion #1 is waiting" in text_of(await fake.final_text(first))
    form = await open_slash_form(world, "suggest", {"kind": "myth"}, BOB_ID)
    second = await fake.submit_modal(form, form_values("Doubted", "echoes"), user_id=BOB_ID)
    assert "Your suggestion #2 is waiting" in text_of(await fake.final_text(second))

    queue = await reply_to(world, "!suggestions")
    assert "2 waiting" in posted_text(queue) and "Suggested claim" in posted_text(queue)
    message = next(m for m in reversed(fake.messages.values()) if "2 waiting" in m["content"])
    approve = await fake.click(message, "Approve #1", user_id=CAROL_ID)
    assert (await fake.answer_of(approve)).body["type"] == 7, "the queue message is updated in place"
    note = await fake.wait_until(lambda: len(approve.responses) > 1 and approve.responses[1].payload)
    assert "it is now `custom/3`" in note["content"]

    pending = await fake.slash("suggestions", user_id=CAROL_ID)
    assert "1 waiting" in text_of(await fake.final_text(pending)) and pending.message is not None
    reject = await fake.click(pending.message, "Reject #2", user_id=CAROL_ID)
    await fake.wait_until(lambda: len(reject.responses) > 1)
    assert "Suggested claim" in posted_text(await reply_to(world, "!fact echoes", author_id=newcomer()))
    assert "Suggested claim" in await slash_text(world, "fact", {"topic": "echoes"}, user_id=newcomer())

    assert assert_nobody_pinged(fake.requests[mark:]) >= 10


async def test_mentions_in_an_uploaded_pack_are_refused_and_never_ping(world: World):
    mark = len(world.fake.requests)
    data = pack_toml(
        "pings", item_toml("loud", "pingpack", f"{MENTIONS} is a loud claim."), name="@everyone quiz night"
    )
    text, _ = await prefix_import(world, f"{MENTIONS}.toml", data)
    assert "field 'name': must not contain mentions" in text and "field 'claim': must not contain mentions" in text
    payload, _ = await slash_import(world, "@everyone.yaml", f"'{MENTIONS} who is there?': ['@here']\n".encode())
    assert "nothing was imported" in text_of(payload)
    assert pack_items(world, "pings") == [] and pack_items(world, "everyone") == []
    assert assert_nobody_pinged(world.fake.requests[mark:]) >= 2


async def test_every_request_stayed_within_limits_and_pinged_nobody(world: World):
    checked = list(world.fake.requests)
    refused = [(r.method, r.path, r.status) for r in checked if r.status >= 400]
    assert refused == []
    assert_nobody_pinged(checked)
