"""The French catalog and its lookup (web.i18n): language choice, exact strings, templates
(made with tr() or matched in strings built elsewhere), labels, and the catalog's own
consistency: every French template uses the English one's placeholders only."""

from __future__ import annotations

import string

import pytest

from web.i18n import Lazy, choose, fr, label, missing, tr, translate


@pytest.mark.parametrize("option,env,expected", [
    (None, {}, "fr"),
    (None, {"LANG": "C.UTF-8"}, "fr"),
    (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
    (None, {"LANG": "en_US.UTF-8"}, "en"),
    (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"LANGUAGE": "en", "LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"CARNET_LANG": "fr", "LANG": "en_US.UTF-8"}, "fr"),
    (None, {"CARNET_LANG": "en"}, "en"),
    ("fr", {"CARNET_LANG": "en", "LANG": "en_US"}, "fr"),
    ("en", {}, "en"),
])
def test_language_choice(option: str | None, env: dict[str, str], expected: str) -> None:
    assert choose(option, env) == expected


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def test_french_templates_use_only_the_english_placeholders() -> None:
    for english, french in fr.MESSAGES.items():
        assert _fields(french) <= _fields(english), english
        french.format(**{name: "x" for name in _fields(english)})  # well formed


def test_exact_strings_and_english_pass_through() -> None:
    assert translate("no items", "fr") == "aucun élément"
    assert translate("no items", "en") == "no items"
    assert translate("some text nobody wrote", "fr") == "some text nobody wrote"


def test_tr_keeps_its_template_and_values() -> None:
    message = tr("deleted {item_id}", item_id="01JX")
    assert message == "deleted 01JX"  # the English text, as a str
    assert translate(message, "fr") == "supprimé : 01JX"
    assert translate(message, "en") == "deleted 01JX"


def test_strings_built_elsewhere_match_the_templates() -> None:
    assert (translate("section medical_history masked (2 items, and every item added to it "
                      "later)", "fr")
            == "section antécédents médicaux masquée (2 éléments, et tout élément ajouté plus "
               "tard)")
    # argparse's phrases, nested in the CLI's own frame
    assert (translate("argument --date: expected one argument (see: carnet patient add "
                      "--help)", "fr")
            == "argument --date : une valeur est attendue (voir : carnet patient add --help)")


def test_multi_line_text_is_translated_line_by_line() -> None:
    assert (translate("dossier D unlocked: 3 items\nno items", "fr")
            == "dossier D ouvert : 3 éléments\naucun élément")


def test_headings_in_capitals_and_indented_lines() -> None:
    assert translate("CARE HISTORY", "fr") == "HISTORIQUE DES SOINS"
    assert translate("    no items", "fr") == "    aucun élément"


def test_labels_and_nested_messages() -> None:
    assert label("medical_history", "fr") == "antécédents médicaux"
    assert label("medical_history", "en") == "medical_history"
    assert label("unknown_thing", "fr") == "unknown_thing"
    inner = tr("no {what} given", what=tr("recovery code"))
    assert translate(inner, "fr") == "aucune valeur donnée (code de secours)"


def test_lazy_text_is_made_for_each_language() -> None:
    text = Lazy(lambda lang: "bonjour" if lang == "fr" else "hello")
    assert str(text) == "hello"
    assert translate(text, "fr") == "bonjour"


def test_missing_lists_what_has_no_french() -> None:
    assert missing(["no items", "an untranslated sentence", "{item_id}", "--json"]) == [
        "an untranslated sentence"]
