import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Upper


def codes_upper_case(apps, schema_editor):
    """Codes written before the constraint, stored as typed: upper-case, as bookings look them up."""
    Coupon = apps.get_model("bookings", "Coupon")
    Coupon.objects.exclude(code=Upper("code")).update(code=Upper("code"))


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_batch_group_booked_members"),
    ]

    operations = [
        migrations.RunPython(codes_upper_case, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="coupon",
            constraint=models.CheckConstraint(
                condition=models.Q(("code", django.db.models.functions.text.Upper("code"))),
                name="coupon_code_upper_case",
            ),
        ),
    ]
