"""Message texts come from templates, never from inline strings.

- ``templates/email/<name>.txt``: first line is the subject, the rest the plain-text body;
  ``templates/email/<name>.html`` (optional) is the HTML alternative.
- ``templates/sms/<name>.txt``: the whole SMS.
- ``templates/push/<name>.txt``: first line is the title, the rest the body. The inbox row uses the push
  text (or, without a push template, the e-mail subject and body, or the SMS).

Plain-text templates are rendered without HTML autoescaping; the HTML template is autoescaped.

Languages (docs/i18n.md): the English text is the template above; the text in another language of
``apps.common.i18n.Language`` is the same path under a directory named after the language, in the same
templates directory: ``templates/hi/sms/<name>.txt``. Each renderer takes the recipient's ``language``; a
template without its twin in that language falls back to the English one (logged), so a message is never lost
for want of a translation (``apps/notifications/tests/test_template_languages.py`` keeps every template paired).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

from apps.common.i18n import DEFAULT_LANGUAGE, supported_language
from apps.notifications.models import Channel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    title: str  # e-mail subject / push title / inbox title ("" for SMS)
    body: str  # plain text
    html: str | None = None


def template_path(channel: str, name: str, ext: str = "txt", language: str = DEFAULT_LANGUAGE) -> str:
    """``sms/otp.txt`` in English, ``hi/sms/otp.txt`` in Hindi."""
    path = f"{channel}/{name}.{ext}"
    return path if language == DEFAULT_LANGUAGE else f"{language}/{path}"


def template_exists(channel: str, name: str, ext: str = "txt") -> bool:
    try:
        get_template(template_path(channel, name, ext))
    except TemplateDoesNotExist:
        return False
    return True


def _localized(channel: str, name: str, ext: str, language: str) -> Any:
    """The template in ``language``, else the English one."""
    language = supported_language(language)
    if language != DEFAULT_LANGUAGE:
        try:
            return get_template(template_path(channel, name, ext, language))
        except TemplateDoesNotExist:
            logger.warning("no %s twin of %s; sent in English", language, template_path(channel, name, ext))
    return get_template(template_path(channel, name, ext))


def _render_text(channel: str, name: str, context: dict[str, Any], language: str) -> str:
    template = _localized(channel, name, "txt", language)
    with translation.override(supported_language(language)):
        return str(template.template.render(Context(context, autoescape=False)))


def _split_title(text: str) -> tuple[str, str]:
    first, _, rest = text.strip().partition("\n")
    return first.strip(), rest.strip()


def render_email(name: str, context: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> Rendered:
    subject, body = _split_title(_render_text(Channel.EMAIL, name, context, language))
    html = None
    if template_exists(Channel.EMAIL, name, "html"):
        with translation.override(supported_language(language)):
            html = _localized(Channel.EMAIL, name, "html", language).render(context)
    return Rendered(title=" ".join(subject.split()), body=body, html=html)


def render_sms(name: str, context: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> Rendered:
    return Rendered(title="", body=" ".join(_render_text(Channel.SMS, name, context, language).split()))


def render_push(name: str, context: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> Rendered:
    title, body = _split_title(_render_text(Channel.PUSH, name, context, language))
    return Rendered(title=title, body=body)


def render_inbox(name: str, context: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> Rendered:
    if template_exists(Channel.PUSH, name):
        return render_push(name, context, language)
    if template_exists(Channel.EMAIL, name):
        email = render_email(name, context, language)
        return Rendered(title=email.title, body=email.body)
    sms = render_sms(name, context, language)
    return Rendered(title=sms.body[:200], body=sms.body)


def require_template(channel: str, name: str) -> None:
    """Raise ``TemplateDoesNotExist`` now (in the caller's transaction) rather than in a worker later."""
    if channel == Channel.INBOX:
        if not any(template_exists(c, name) for c in (Channel.PUSH, Channel.EMAIL, Channel.SMS)):
            raise TemplateDoesNotExist(f"no push, email or sms template named {name!r} for the inbox")
        return
    get_template(template_path(channel, name))


RENDERERS = {Channel.EMAIL: render_email, Channel.SMS: render_sms, Channel.PUSH: render_push}
