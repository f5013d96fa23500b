"""The single-column ``user_id`` index of ``notifications_notification`` dropped: ``notif_user_created_idx`` (user_id,
created_at DESC, id DESC) and the inbox's other indexes lead with it, and every notification written maintained it.
Only the index goes: the foreign key stays as it is (Django's own ``AlterField`` would drop and re-add the
constraint, re-checking every row under a table lock).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "notifications_notification_user_id_b5e8c0ff"


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_delivery_language_sms_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "notifications_notification" ("user_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                )
            ],
        )
    ]
