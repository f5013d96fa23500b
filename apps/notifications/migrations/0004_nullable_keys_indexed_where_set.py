"""The nullable keys of ``notifications_delivery`` indexed only where set.

A text to a phone number or a mail to an address has no user, device or inbox row, and every delivery written wrote
a NULL entry into each of the three indexes (an SOS writes about ten deliveries). The partial indexes serve the same
look-ups (``col = x`` implies ``col IS NOT NULL``). Only the indexes change: the foreign keys stay as they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("notifications_delivery_device_id_6d0674f1", "notifications_delivery", "device_id"),
    ("notifications_delivery_notification_id_ea8dc048", "notifications_delivery", "notification_id"),
    ("notifications_delivery_user_id_70f8752d", "notifications_delivery", "user_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_redundant_indexes_dropped"),
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
                    model_name="delivery",
                    name="device",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="deliveries",
                        to="notifications.device",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="notification",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="deliveries",
                        to="notifications.notification",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="deliveries",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("notification__isnull", False)),
                fields=["notification"],
                name="delivery_notification_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(condition=models.Q(("user__isnull", False)), fields=["user"], name="delivery_user_idx"),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("device__isnull", False)), fields=["device"], name="delivery_device_idx"
            ),
        ),
    ]
