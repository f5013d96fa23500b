"""Domain errors of the community app, each with a stable machine code."""

from __future__ import annotations

from apps.common.exceptions import Conflict, Forbidden, ValidationFailed


class PostEmpty(ValidationFailed):
    code = "post_empty"
    message = "A post needs a text or at least one photo."


class PhotoInvalid(ValidationFailed):
    code = "invalid_photo"
    message = "A photo could not be accepted."


class TooManyPhotos(ValidationFailed):
    code = "too_many_photos"
    message = "At most 10 photos are allowed."


class BatchNotOfTrek(ValidationFailed):
    code = "batch_not_of_trek"
    message = "The batch tagged is not a departure of the trek tagged."


class ReplyDepthExceeded(ValidationFailed):
    code = "reply_depth_exceeded"
    message = "Replies can only be made to top-level comments."


class ParentNotOnPost(ValidationFailed):
    code = "parent_not_on_post"
    message = "The comment replied to is not on this post."


class AlreadyReported(Conflict):
    code = "already_reported"
    message = "You have already reported this post."


class OwnPostReport(ValidationFailed):
    code = "own_post"
    message = "You cannot report your own post."


class NotAuthor(Forbidden):
    code = "not_author"
    message = "Only the author can do this."


class TrekNotBooked(Forbidden):
    code = "trek_not_booked"
    message = "Journal entries are written for treks you have a confirmed or completed booking for."


class DayOutOfRange(ValidationFailed):
    code = "day_out_of_range"
    message = "The day number is outside the trek's duration."
