"""`make run`'s two demo commands: seed_demo (with --if-empty) and print_urls with the demo logins."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from apps.users.models import User


def test_seed_demo_and_print_urls(db: None) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert User.objects.filter(email__endswith="@demo.obsexperiences.in").count() == 7
    assert User.objects.get(email="ops@demo.obsexperiences.in").is_staff
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already has data" in out.getvalue()
    urls = StringIO()
    call_command("print_urls", "--host", "0.0.0.0", "--port", "9000", stdout=urls)
    assert "http://0.0.0.0:9000/api/docs/" in urls.getvalue()
    assert "trekker@demo.obsexperiences.in" in urls.getvalue()
