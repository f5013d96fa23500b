"""Every message template has its twin in every other language, with the same variables.

The templates are found in the template directories (the project's and every installed app's), not listed by
hand: a new English template without its Hindi twin fails here (docs/i18n.md says how to add one).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template.base import Lexer, TokenType

from apps.common.i18n import DEFAULT_LANGUAGE, Language

CHANNEL_DIRS = ("email", "sms", "push")  # the message channels' template folders (apps.notifications.rendering)
OTHER_LANGUAGES = [code for code in Language.values if code != DEFAULT_LANGUAGE]
# Words of the template language, not variables.
KEYWORDS = {"if", "elif", "else", "endif", "not", "and", "or", "is", "in", "None", "True", "False", "for", "endfor"}
KEYWORDS |= {"empty", "with", "endwith", "as", "firstof", "spaceless", "endspaceless", "comment", "endcomment"}
IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


def template_dirs() -> list[Path]:
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    dirs += [Path(config.path) / "templates" for config in apps.get_app_configs()]
    return [d for d in dirs if d.is_dir()]


def english_templates() -> list[tuple[Path, Path]]:
    """(templates directory, path inside it) of every English message template."""
    return sorted(
        (root, path.relative_to(root))
        for root in template_dirs()
        for channel in CHANNEL_DIRS
        for path in (root / channel).rglob("*")
        if path.is_file()
    )


def variables(source: str) -> set[str]:
    """The names a template reads: ``{{ a.b|f:"x" }}`` reads ``a``; ``{% if a == "x" %}`` reads ``a``."""
    names: set[str] = set()
    for token in Lexer(source).tokenize():
        if token.token_type not in (TokenType.VAR, TokenType.BLOCK):
            continue
        text = STRING.sub("", token.contents)
        if token.token_type is TokenType.VAR:
            text = text.split("|", 1)[0]  # filters and their arguments are not variables
        else:
            text = " ".join(part.split("|", 1)[0] for part in text.split())
        names |= {name for name in IDENTIFIER.findall(text) if name not in KEYWORDS}
    return names


def test_the_message_templates_are_found() -> None:
    found = {str(path) for _, path in english_templates()}
    assert {"sms/otp.txt", "sms/emergency_contact_alert.txt", "email/password_reset.txt"} <= found
    assert len(found) > 50


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
@pytest.mark.parametrize(("root", "path"), english_templates(), ids=lambda value: str(value))
def test_every_template_has_its_twin_with_the_same_variables(root: Path, path: Path, language: str) -> None:
    twin = root / language / path
    assert twin.is_file(), f"{path} has no {language} twin: add {twin.relative_to(settings.BASE_DIR)}"
    english, translated = (root / path).read_text(), twin.read_text()
    assert variables(translated) == variables(english), f"{twin} reads other variables than {root / path}"
    if re.search(r"[A-Za-z]", TAG.sub("", english)):  # words to translate, not only tags and variables
        assert translated.strip() != english.strip(), f"{twin} is a copy of the English text"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_translation_lacks_its_english_template(language: str) -> None:
    english = {(root, path) for root, path in english_templates()}
    orphans = [
        twin
        for root in template_dirs()
        for channel in CHANNEL_DIRS
        for twin in (root / language / channel).rglob("*")
        if twin.is_file() and (root, twin.relative_to(root / language)) not in english
    ]
    assert orphans == []


def test_hindi_templates_are_written_in_devanagari() -> None:
    for root, path in english_templates():
        if not re.search(r"[A-Za-z]", TAG.sub("", (root / path).read_text())):
            continue  # nothing but tags and variables (push/new_message: the sender and the message itself)
        text = (root / "hi" / path).read_text()
        assert any("\u0900" <= ch <= "\u097f" for ch in text), f"hi/{path} has no Devanagari"


def test_the_variable_reader_sees_conditions_and_ignores_filters_and_strings() -> None:
    source = '{% if audience == "old_guide" %}{{ a.b|join:", " }}{% elif n is not None %}{{ m|default:5 }}{% endif %}'
    assert variables(source) == {"audience", "a", "n", "m"}
