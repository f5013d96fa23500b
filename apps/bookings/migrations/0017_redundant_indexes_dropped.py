"""Three single-column indexes of ``bookings_booking`` dropped: each is the leading column of another index.

- ``user_id``: ``booking_user_created_idx`` (user_id, created_at DESC) and the partial unique
  ``booking_one_active_per_user_batch`` (user_id, batch_id) lead with it;
- ``batch_id``: ``booking_batch_status_idx`` (batch_id, status) leads with it;
- ``created_at``: ``booking_created_idx`` (created_at DESC, id DESC) leads with it (a B-tree is read either way).

Every booking written maintained each of them. Only the indexes go: the foreign keys stay as they are (Django's
own ``AlterField`` would drop and re-add each constraint, re-checking every row under a table lock).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("bookings_booking_user_id_834dfc23", "user_id"),
    ("bookings_booking_batch_id_ba46f972", "batch_id"),
    ("bookings_booking_created_at_3c10c2b4", "created_at"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0016_credit_note_for_trek_credit"),
        ("treks", "0013_card_tails"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "bookings_booking" ("{column}")',
                )
                for name, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="booking",
                    name="batch",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to="treks.batch",
                    ),
                ),
                migrations.AlterField(
                    model_name="booking",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="booking",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        )
    ]
