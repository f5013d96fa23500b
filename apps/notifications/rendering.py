"""Message texts come from templates, never from inline strings.

- ``templates/email/<name>.txt``: first line is the subject, the rest the plain-text body;
  ``templates/email/<name>.html`` (optional) is the HTML alternative.
- ``templates/sms/<name>.txt``: the whole SMS.
- ``templates/push/<name>.txt``: first line is the title, the rest the body. The inbox row uses the push
  text (or, without a push template, the e-mail subject and body, or the SMS).

Plain-text templates are rendered without HTML autoescaping; the HTML template is autoescaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template

from apps.notifications.models import Channel


@dataclass(frozen=True)
class Rendered:
    title: str  # e-mail subject / push title / inbox title ("" for SMS)
    body: str  # plain text
    html: str | None = None


def template_path(channel: str, name: str, ext: str = "txt") -> str:
    return f"{channel}/{name}.{ext}"


def template_exists(channel: str, name: str, ext: str = "txt") -> bool:
    try:
        get_template(template_path(channel, name, ext))
    except TemplateDoesNotExist:
        return False
    return True


def _render_text(path: str, context: dict[str, Any]) -> str:
    template = get_template(path)
    return template.template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def _split_title(text: str) -> tuple[str, str]:
    first, _, rest = text.strip().partition("\n")
    return first.strip(), rest.strip()


def render_email(name: str, context: dict[str, Any]) -> Rendered:
    subject, body = _split_title(_render_text(template_path(Channel.EMAIL, name), context))
    html = None
    if template_exists(Channel.EMAIL, name, "html"):
        html = get_template(template_path(Channel.EMAIL, name, "html")).render(context)
    return Rendered(title=" ".join(subject.split()), body=body, html=html)


def render_sms(name: str, context: dict[str, Any]) -> Rendered:
    return Rendered(title="", body=" ".join(_render_text(template_path(Channel.SMS, name), context).split()))


def render_push(name: str, context: dict[str, Any]) -> Rendered:
    title, body = _split_title(_render_text(template_path(Channel.PUSH, name), context))
    return Rendered(title=title, body=body)


def render_inbox(name: str, context: dict[str, Any]) -> Rendered:
    if template_exists(Channel.PUSH, name):
        return render_push(name, context)
    if template_exists(Channel.EMAIL, name):
        email = render_email(name, context)
        return Rendered(title=email.title, body=email.body)
    sms = render_sms(name, context)
    return Rendered(title=sms.body[:200], body=sms.body)


def require_template(channel: str, name: str) -> None:
    """Raise ``TemplateDoesNotExist`` now (in the caller's transaction) rather than in a worker later."""
    if channel == Channel.INBOX:
        if not any(template_exists(c, name) for c in (Channel.PUSH, Channel.EMAIL, Channel.SMS)):
            raise TemplateDoesNotExist(f"no push, email or sms template named {name!r} for the inbox")
        return
    get_template(template_path(channel, name))


RENDERERS = {Channel.EMAIL: render_email, Channel.SMS: render_sms, Channel.PUSH: render_push}
