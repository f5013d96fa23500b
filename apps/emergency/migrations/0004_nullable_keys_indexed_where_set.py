"""Who reported, acknowledged and resolved an incident: indexed only where set.

An incident is written with all three NULL (an SOS from the trekker's app), and each write put a NULL entry into each
index. The partial indexes serve the same look-ups (``col = x`` implies ``col IS NOT NULL``). Only the indexes
change: the foreign keys stay as they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("emergency_incident_acknowledged_by_id_e601311a", "emergency_incident", "acknowledged_by_id"),
    ("emergency_incident_reported_by_id_0e492ff7", "emergency_incident", "reported_by_id"),
    ("emergency_incident_resolved_by_id_e7e99cb0", "emergency_incident", "resolved_by_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("emergency", "0003_overdue_check_ins"),
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
                    model_name="incident",
                    name="acknowledged_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="reported_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="resolved_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("reported_by__isnull", False)),
                fields=["reported_by"],
                name="incident_reported_by_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("acknowledged_by__isnull", False)),
                fields=["acknowledged_by"],
                name="incident_acknowledged_by_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("resolved_by__isnull", False)),
                fields=["resolved_by"],
                name="incident_resolved_by_idx",
            ),
        ),
    ]
