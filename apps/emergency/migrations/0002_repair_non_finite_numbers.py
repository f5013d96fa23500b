"""Float columns holding NaN or +/-Infinity (accepted before the API refused them) are set to NULL.

PostgreSQL's double precision stores NaN and Infinity; the strict JSON renderer cannot render them, so a
single such accuracy or altitude made the incident lists, the active map and the incident itself answer
500. The value never meant anything, and every float column of the app is nullable: it becomes NULL, the
row (the SOS, the ping and its position) stays. Decimal columns cannot hold them: Django's DecimalField
refuses non-finite values on save, so coordinates were never stored that way.
"""

import math
from typing import Any

from django.db import migrations, models
from django.db.models import Q


def non_finite(field_name: str) -> Q:
    """NaN, +Infinity or -Infinity (PostgreSQL compares NaN equal to itself; SQLite stores NaN as NULL)."""
    return Q(**{field_name: math.nan}) | Q(**{field_name: math.inf}) | Q(**{field_name: -math.inf})


def repair_non_finite_numbers(apps: Any, schema_editor: Any) -> dict[str, int]:
    """Null every non-finite value of the app's nullable float columns; return the count per column."""
    repaired: dict[str, int] = {}
    for model in apps.get_app_config("emergency").get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FloatField) and field.null:
                count = model._base_manager.filter(non_finite(field.name)).update(**{field.name: None})
                repaired[f"{model._meta.db_table}.{field.column}"] = count
    return repaired


class Migration(migrations.Migration):
    dependencies = [("emergency", "0001_initial")]

    operations = [migrations.RunPython(repair_non_finite_numbers, migrations.RunPython.noop, elidable=True)]
