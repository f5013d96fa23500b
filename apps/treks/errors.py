"""Domain errors of the catalog (rendered through the common error envelope)."""

from __future__ import annotations

from apps.common.exceptions import ApplicationError, Conflict, ValidationFailed


class FileTooLarge(ApplicationError):
    status_code = 413
    code = "file_too_large"
    message = "The uploaded file is too large."


class InvalidUpload(ValidationFailed):
    code = "invalid_upload"
    message = "The uploaded file is not acceptable."


class BatchHasBookings(Conflict):
    code = "batch_has_bookings"
    message = "This batch has bookings and cannot be deleted; cancel it instead."


class BatchNotEditable(Conflict):
    code = "batch_not_editable"
    message = "Only open or full batches can be changed."


class GuideProfileExists(Conflict):
    code = "guide_profile_exists"
    message = "This user already has a guide profile."
