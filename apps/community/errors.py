"""Domain errors of the community app, each with a stable machine code."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.common.exceptions import Conflict, Forbidden, ValidationFailed


class PostEmpty(ValidationFailed):
    code = "post_empty"
    message = gettext_noop("A post needs a text or at least one photo.")


class PhotoInvalid(ValidationFailed):
    code = "invalid_photo"
    message = gettext_noop("A photo could not be accepted.")


class TooManyPhotos(ValidationFailed):
    code = "too_many_photos"
    message = gettext_noop("At most 10 photos are allowed.")


class BatchNotOfTrek(ValidationFailed):
    code = "batch_not_of_trek"
    message = gettext_noop("The batch tagged is not a departure of the trek tagged.")


class ReplyDepthExceeded(ValidationFailed):
    code = "reply_depth_exceeded"
    message = gettext_noop("Replies can only be made to top-level comments.")


class ParentNotOnPost(ValidationFailed):
    code = "parent_not_on_post"
    message = gettext_noop("The comment replied to is not on this post.")


class AlreadyReported(Conflict):
    code = "already_reported"
    message = gettext_noop("You have already reported this post.")


class OwnPostReport(ValidationFailed):
    code = "own_post"
    message = gettext_noop("You cannot report your own post.")


class NotAuthor(Forbidden):
    code = "not_author"
    message = gettext_noop("Only the author can do this.")


class TrekNotBooked(Forbidden):
    code = "trek_not_booked"
    message = gettext_noop("Journal entries are written for treks you have a confirmed or completed booking for.")


class DayOutOfRange(ValidationFailed):
    code = "day_out_of_range"
    message = gettext_noop("The day number is outside the trek's duration.")
