"""Unit tests for the catalogue lookups: languages, plurals, fallbacks, Discord locales."""

from __future__ import annotations

import logging

import pytest

from bot.core import i18n
from bot.core.i18n import LOCALE, _, _n, language_of, using


def test_a_text_reads_in_the_current_language_and_english_outside():
    assert _("Nothing matches `{words}`. Try other words.", words="x") == "Nothing matches `x`. Try other words."
    with using("de"):
        assert _("Nothing matches `{words}`. Try other words.", words="x") == (
            "Nichts passt zu `x`. Versuche es mit anderen Wörtern."
        )
    assert LOCALE.get() == "en"


def test_plural_forms_follow_each_languages_rule():
    text = ("Nobody answered {count} question in a row, so the quiz ended.",
            "Nobody answered {count} questions in a row, so the quiz ended.")  # fmt: skip
    assert _n(*text, 1) == "Nobody answered 1 question in a row, so the quiz ended."
    assert _n(*text, 0) == "Nobody answered 0 questions in a row, so the quiz ended."
    with using("de"):
        assert _n(*text, 0).startswith("Niemand hat 0 Fragen")
    with using("fr"):  # French: 0 and 1 are singular
        assert _n(*text, 0).startswith("Personne n'a répondu à 0 question d'affilée")
        assert _n(*text, 2).startswith("Personne n'a répondu à 2 questions")


def test_a_text_without_translation_reads_english_and_is_logged_once(caplog):
    caplog.set_level(logging.DEBUG, logger="bot.core.i18n")
    with using("es"):
        assert _("A text nobody translated, {name}.", name="Ana") == "A text nobody translated, Ana."
        assert _("A text nobody translated, {name}.", name="Ana") == "A text nobody translated, Ana."
    assert [r.getMessage() for r in caplog.records].count(
        "No es translation of 'A text nobody translated, {name}.'"
    ) == 1


def test_a_translation_with_wrong_fields_reads_english(monkeypatch):
    monkeypatch.setattr(i18n, "translation", lambda text, language, context=None: "Hallo {nom}")
    with using("de"):
        assert _("Hello {name}", name="Ana") == "Hello Ana"


@pytest.mark.parametrize(
    ("locale", "language"),
    [("de", "de"), ("fr", "fr"), ("es-ES", "es"), ("es-419", "es"), ("en-US", "en"), ("en-GB", "en"),
     ("ja", None), ("", None), (None, None)],
)  # fmt: skip
def test_discord_locales_map_to_the_languages_the_bot_speaks(locale, language):
    assert language_of(locale) == language


def test_an_unknown_language_reads_english():
    with using("xx"):
        assert LOCALE.get() == "en"
        assert _("Fact") == "Fact"


def test_a_catalogue_is_read_when_its_language_is_first_wanted(monkeypatch):
    monkeypatch.setattr(i18n, "_read", {})
    assert i18n._read == {}
    with using("fr"):
        assert _("Nothing matches `{words}`. Try other words.", words="x").startswith("Rien")
    assert list(i18n._read) == ["fr"]


def test_a_catalogue_that_cannot_be_read_reads_english_and_is_logged_once(monkeypatch, tmp_path, caplog):
    broken = tmp_path / "messages.po"
    broken.write_bytes(b'\xff\xfe msgid "Fact"\nmsgstr "Fakt"\n')  # not UTF-8
    monkeypatch.setattr(i18n, "_read", {})
    monkeypatch.setattr(i18n, "catalogue_path", lambda language: broken)
    with using("de"):
        assert _("Nothing matches `{words}`. Try other words.", words="x") == "Nothing matches `x`. Try other words."
        assert _n("{count} question", "{count} questions", 2) == "2 questions"
    errors = [record for record in caplog.records if record.levelname == "ERROR"]
    assert [record.getMessage() for record in errors] == [
        f"The de catalogue {broken} cannot be read; its texts read English"
    ]
