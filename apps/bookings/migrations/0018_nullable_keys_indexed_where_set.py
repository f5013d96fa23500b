"""Nullable keys of ``bookings_booking`` indexed only where set, and the participants' own ``booking_id`` index dropped.

- ``created_by``, ``coupon``, ``cancelled_by``: NULL on most bookings when written, and each new booking wrote a
  NULL entry into each index; the partial indexes serve the same look-ups (``col = x`` implies ``col IS NOT NULL``).
- ``bookingparticipant.booking_id``: ``participant_position_unique`` (booking_id, position) leads with it.

Only the indexes change: the foreign keys stay as they are (Django's own ``AlterField`` would drop and re-add each
constraint, re-checking every row under a table lock, and on the participants it would also drop the partial unique
``participant_one_lead``, an index of that one column).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("bookings_booking_cancelled_by_id_6d3a47c3", "bookings_booking", "cancelled_by_id"),
    ("bookings_booking_coupon_id_7852c644", "bookings_booking", "coupon_id"),
    ("bookings_booking_created_by_id_d8a2f432", "bookings_booking", "created_by_id"),
    ("bookings_bookingparticipant_booking_id_bf14bc2f", "bookings_bookingparticipant", "booking_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0017_redundant_indexes_dropped"),
        ("treks", "0015_card_seats_read_live"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="booking",
                    name="cancelled_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="booking",
                    name="coupon",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to="bookings.coupon",
                    ),
                ),
                migrations.AlterField(
                    model_name="booking",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="bookingparticipant",
                    name="booking",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="participants",
                        to="bookings.booking",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)), fields=["created_by"], name="booking_created_by_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("coupon__isnull", False)), fields=["coupon"], name="booking_coupon_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("cancelled_by__isnull", False)),
                fields=["cancelled_by"],
                name="booking_cancelled_by_idx",
            ),
        ),
    ]
