"""The bot's texts and their catalogues: every text extracted, translated, with the right fields; none left out.

These read the source and the ``.po`` files; the behaviour (a German member gets German) is tested in
tests/cogs/test_languages.py and tests/e2e/test_languages.py.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.app.i18n_extract import TEMPLATE, all_messages, untranslated
from bot.app.languages import DESCRIPTION_MAX, valid_name
from bot.core.i18n import LANGUAGES, NAME_CONTEXT, catalogue_path
from tests.helpers import PROJECT

TRANSLATED = LANGUAGES[1:]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return all_messages()


def read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def keys(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context) for m in catalog if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_and_catalogues_hold_every_text_and_no_other(template):
    """Fails after texts were added or changed: run `python -m bot.app.i18n_extract` and translate the new ones."""
    wanted = keys(template)
    for path in (TEMPLATE, *(catalogue_path(language) for language in TRANSLATED)):
        held = keys(read(path))
        assert held == wanted, (
            f"{path.relative_to(PROJECT)} is out of date (run python -m bot.app.i18n_extract): "
            f"missing {sorted(wanted - held, key=str)[:20]}, no longer used {sorted(held - wanted, key=str)[:20]}"
        )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_has_a_translation(language):
    missing = untranslated(read(catalogue_path(language)))
    assert not missing, f"{len(missing)} texts have no {language} translation, e.g. {missing[:15]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_has_the_fields_of_its_text(language):
    wrong = []
    for message in read(catalogue_path(language)):
        if not message.id or not message.string:
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(fields(text) for text in english))
        for text in translated:
            if text and fields(text) != wanted:
                wrong.append((english[0], text))
    assert not wrong, f"{language} translations whose {{fields}} differ from the English text: {wrong}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translated_command_names_are_valid_and_unique_and_descriptions_fit(language):
    catalog = read(catalogue_path(language))
    bad_names = [
        (m.id, m.string) for m in catalog if m.context == NAME_CONTEXT and m.string and not valid_name(m.string)
    ]
    assert not bad_names, f"{language} command names Discord would refuse (lowercase, no spaces, <= 32): {bad_names}"
    described = [m for m in catalog if m.context is None and isinstance(m.string, str) and m.string]
    too_long = [m.string for m in described if "slash-commands" in str(m.locations) and len(m.string) > DESCRIPTION_MAX]
    assert not too_long, f"{language} command descriptions over {DESCRIPTION_MAX} characters: {too_long}"


# -- texts written without _() ----------------------------------------------------------------------------------

SENDING = {"send", "reply", "send_message", "edit", "edit_message", "edit_original_response", "send_modal"}
"""Calls whose first argument (or ``content=``) is text for people."""
TEXT_KEYWORDS = {
    "Embed": {"title", "description"},
    "add_field": {"name", "value"},
    "insert_field_at": {"name", "value"},
    "set_field_at": {"name", "value"},
    "set_footer": {"text"},
    "set_author": {"name"},
    "Button": {"label"},
    "button": {"label"},
    "Modal": {"title"},
    "TextInput": {"label", "placeholder"},
    "text_field": {"label", "placeholder"},
    "SelectOption": {"label", "description"},
    "Select": {"placeholder"},
    "select": {"placeholder"},
}
"""Calls (by their last name) and the keywords that carry text for people."""
ERRORS = {"MythOrFactError", "FriendlyCheckFailure", "BadSearch", "InvalidContent", "UploadRefused"}
"""Errors whose message is shown to people."""
UNTRANSLATABLE = {"Myth or Fact"}
"""Literal texts that read the same in every language (the bot's name). Texts without letters (emoji, ids,
punctuation) need no entry."""


def literal_text(node: ast.expr) -> str | None:
    """Return the literal English a node writes (a string or f-string with letters), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
    elif isinstance(node, ast.BinOp):
        return literal_text(node.left) or literal_text(node.right)
    elif isinstance(node, ast.IfExp):
        return literal_text(node.body) or literal_text(node.orelse)
    else:
        return None
    if not any(c.isalpha() for c in text) or text in UNTRANSLATABLE:
        return None
    return text


def untranslated_texts(path: Path) -> list[str]:
    """Return ``line: text`` for every literal text in a module that reaches people without _()."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            candidates = [kw.value for kw in node.keywords if kw.arg == "title"]
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            candidates = [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS.get(name, ())]
            if name in SENDING:
                candidates += node.args[:1] + [kw.value for kw in node.keywords if kw.arg == "content"]
            if name in ERRORS:
                candidates += node.args[:1]
        else:
            continue
        found += [f"{node.lineno}: {text!r}" for text in map(literal_text, candidates) if text]
    return found


SPEAKING_FOLDERS = ("cogs", "bot/core", "bot/storage")
"""Where texts for members are written: the cogs, and the errors the core and the stores raise for the cogs to show.
(The web dashboard is in English only.)"""


def speaking_files() -> list[object]:
    paths = sorted(path for folder in SPEAKING_FOLDERS for path in (PROJECT / folder).rglob("*.py"))
    return [pytest.param(path, id=str(path.relative_to(PROJECT))) for path in paths]


@pytest.mark.parametrize("path", speaking_files())
def test_every_text_shown_to_members_goes_through_the_catalogue(path):
    assert untranslated_texts(path) == []


def test_the_check_finds_texts_written_without_the_catalogue(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "async def run(ctx, n):\n"
        "    await ctx.send('Hello there')\n"
        "    await ctx.send(f'{n} points')\n"
        "    embed = discord.Embed(title='Scores', description=_('Fine'))\n"
        "    embed.set_footer(text='🏆')\n"
        "    raise MythOrFactError('Nope.')\n"
        "class Form(discord.ui.Modal, title='Add a fact'):\n"
        "    pass\n"
    )
    assert sorted(untranslated_texts(sample)) == [
        "2: 'Hello there'",
        "3: ' points'",
        "4: 'Scores'",
        "6: 'Nope.'",
        "7: 'Add a fact'",
    ]


def test_no_module_that_translates_rebinds_the_underscore():
    """``for _ in …`` or ``x, _ = …`` in a module that imports ``_`` would hide the translating function."""
    offenders = []
    for path in [*(PROJECT / "cogs").rglob("*.py"), *(PROJECT / "bot").rglob("*.py")]:
        tree = ast.parse(path.read_text())
        imports_it = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "bot.core.i18n"
            and any(a.name == "_" for a in node.names)
            for node in tree.body
        )
        if imports_it:
            offenders += [
                f"{path.relative_to(PROJECT)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)
            ]
    assert offenders == []
