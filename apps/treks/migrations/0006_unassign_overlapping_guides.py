"""Before a guide may be on only one departure at a time (0007): take the guide off the later of any two of
their departures whose dates overlap. Cancelled and completed departures do not count. Each change is logged
(logger ``apps.treks.migrations``) with the batch, its trek, its dates and the guide, so ops can assign another."""

import logging
from typing import Any

from django.db import migrations

logger = logging.getLogger("apps.treks.migrations")

RELEASED = ("cancelled", "completed")


def unassign_overlaps(apps: Any, schema_editor: Any) -> None:
    Batch = apps.get_model("treks", "Batch")
    batches = (
        Batch.objects.exclude(status__in=RELEASED)
        .filter(guide__isnull=False)
        .order_by("guide_id", "start_date", "created_at", "id")  # on a tie, the departure made first keeps the guide
        .values_list("id", "guide_id", "trek_id", "start_date", "end_date")
    )
    unassigned: list[Any] = []
    guide, last_end = None, None
    for batch_id, guide_id, trek_id, start, end in batches.iterator():
        if guide_id != guide:
            guide, last_end = guide_id, end
            continue
        if last_end is not None and start <= last_end:  # shares a day with a departure the guide keeps
            unassigned.append(batch_id)
            logger.warning(
                "guide %s taken off batch %s (trek %s, %s to %s): it overlaps another of their departures",
                guide_id,
                batch_id,
                trek_id,
                start,
                end,
            )
            continue
        last_end = end
    if unassigned:
        Batch.objects.filter(pk__in=unassigned).update(guide=None)
    logger.info("%d overlapping guide assignment(s) removed", len(unassigned))


class Migration(migrations.Migration):
    dependencies = [("treks", "0005_fill_trek_cards")]

    operations = [migrations.RunPython(unassign_overlaps, migrations.RunPython.noop)]
