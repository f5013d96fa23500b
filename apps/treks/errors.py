"""Domain errors of the catalog (rendered through the common error envelope).

The ``FIELD_*`` constants are the codes of a form field's ``ValidationError`` in the catalog filters: Django's
own field codes, kept as they were (they reach clients as the messages of a 400 ``validation_error``).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.common.exceptions import ApplicationError, Conflict, NotFound, ValidationFailed

FIELD_INVALID = "invalid"
FIELD_INVALID_CHOICE = "invalid_choice"


class FileTooLarge(ApplicationError):
    status_code = 413
    code = "file_too_large"
    message = gettext_noop("The uploaded file is too large.")


class InvalidUpload(ValidationFailed):
    code = "invalid_upload"
    message = gettext_noop("The uploaded file is not acceptable.")


class BatchHasBookings(Conflict):
    code = "batch_has_bookings"
    message = gettext_noop("This batch has bookings and cannot be deleted; cancel it instead.")


class BatchNotEditable(Conflict):
    code = "batch_not_editable"
    message = gettext_noop("Only open or full batches can be changed.")


class GuideProfileExists(Conflict):
    code = "guide_profile_exists"
    message = gettext_noop("This user already has a guide profile.")


class RegionExists(Conflict):
    code = "region_exists"
    message = gettext_noop("A region with this name already exists.")


class SlugConflict(Conflict):
    code = "slug_conflict"
    message = gettext_noop("Could not allocate a unique slug for this trek; try again.")


class RouteNotFound(NotFound):
    code = "route_not_found"
    message = gettext_noop("This trek has no route yet.")


class GuideUnavailable(Conflict):
    code = "guide_unavailable"
    message = gettext_noop("This guide is already on a departure whose dates overlap these.")
