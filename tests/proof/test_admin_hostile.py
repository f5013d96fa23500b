"""Hostile input by class against the admin's forms for the models the API writes (regions, treks, guides,
departures, coupons): each field of each form, by its class, gets non-finite numbers, NUL bytes, over-long
strings and values of the wrong type; the answer is the form again with an error, never a 500, and nothing is
written (the row as it was, no audit row)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django import forms
from django.db import models, transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from apps.common.models import AuditLog
from apps.users.models import User

NON_FINITE = ("NaN", "Infinity", "-Infinity", "1e999")
WRONG_TYPE = {
    forms.IntegerField: "twelve",
    forms.DecimalField: "12,5 rupees",
    forms.FloatField: "far",
    forms.DateField: "2027-02-30",
    forms.ModelChoiceField: "not-a-key",
}
UNICODE = "Rūpkund ट्रेक 🏔️ \u202eevil\u202c"


def _objects() -> dict[str, tuple[str, Callable[[], models.Model]]]:
    from apps.bookings.tests.factories import CouponFactory
    from apps.treks.tests.factories import BatchFactory, GuideFactory, RegionFactory, TrekFactory

    return {
        "region": ("content", lambda: RegionFactory()),
        "trek": ("content", lambda: TrekFactory()),
        "guide": ("content", lambda: GuideFactory()),
        "batch": ("ops_manager", lambda: BatchFactory(start_date=timezone.localdate() + timedelta(days=50))),
        "coupon": ("finance", lambda: CouponFactory()),
    }


URLS = {
    "region": "/admin/treks/region/{}/change/",
    "trek": "/admin/treks/trek/{}/change/",
    "guide": "/admin/treks/guide/{}/change/",
    "batch": "/admin/treks/batch/{}/change/",
    "coupon": "/admin/bookings/coupon/{}/change/",
}


def _as_posted(form: forms.BaseForm) -> dict[str, Any]:
    """What the change form posts as it stands (split date-times in their two inputs; files not posted)."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.FileField) or value is None:
            continue
        if isinstance(field, forms.SplitDateTimeField):
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date().isoformat(), local.time().isoformat()
        elif isinstance(field, forms.ModelMultipleChoiceField):
            data[name] = [str(v) for v in value]
        elif isinstance(field, forms.JSONField):
            data[name] = field.prepare_value(value)
        elif isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


def _hostile(name: str, field: forms.Field) -> Iterator[tuple[str, dict[str, Any]]]:
    """(case, the posted values of ``name``) for each class of hostile input its field takes."""
    keys = [f"{name}_0", f"{name}_1"] if isinstance(field, forms.SplitDateTimeField) else [name]
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        for value in NON_FINITE:
            yield f"non-finite {value}", {name: value}
    for cls, value in WRONG_TYPE.items():
        if isinstance(field, cls) and not isinstance(field, forms.ModelMultipleChoiceField):
            yield "wrong type", {name: value}
    if isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
        yield "unknown key", {name: str(uuid.uuid4())}
    if isinstance(field, forms.SplitDateTimeField):
        yield "wrong type", {keys[0]: "someday", keys[1]: "25:61"}
    if isinstance(field, forms.JSONField):
        yield "broken JSON", {name: '{"a": '}
        yield "non-finite JSON", {name: "[NaN]"}
    if isinstance(field, forms.CharField) and not isinstance(field, forms.JSONField):
        yield "NUL byte", {name: "Camp\x00 one"}
        if field.max_length:
            yield "over-long", {name: "x" * (field.max_length + 1)}


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(URLS))
def test_hostile_input_is_a_form_error_and_writes_nothing(model: str, make_user: Callable[..., User]) -> None:
    role, make = _objects()[model]
    obj = make()
    client = Client()
    client.force_login(make_user(staff_role=role))
    url = URLS[model].format(obj.pk)
    page = client.get(url)
    form = page.context["adminform"].form
    baseline = _as_posted(form)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        baseline |= {management.add_prefix(k): v for k, v in management.initial.items()}
    before = model_to_dict(type(obj).objects.get(pk=obj.pk))
    audit_rows = AuditLog.objects.count()
    tried, wrong = 0, []
    for name, field in form.fields.items():
        if field.disabled:
            continue
        for case, values in _hostile(name, field):
            tried += 1
            with transaction.atomic():
                response = client.post(url, baseline | values)
                transaction.set_rollback(True)
            if response.status_code != 200 or not response.context["adminform"].form.errors:
                wrong.append(f"  {name} ({case}): {response.status_code}")
    # a Unicode name that is not hostile is kept as given (no mangling), and writes through the service
    text = next((n for n, f in form.fields.items() if type(f) is forms.CharField and (f.max_length or 99) >= 40), None)
    assert not wrong, f"{model}: not refused as a form error\n" + "\n".join(wrong)
    assert tried >= 3
    assert model_to_dict(type(obj).objects.get(pk=obj.pk)) == before
    assert AuditLog.objects.count() == audit_rows
    if text and model in ("region", "guide", "trek"):
        response = client.post(url, baseline | {text: UNICODE})
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert getattr(type(obj).objects.get(pk=obj.pk), text) == UNICODE
