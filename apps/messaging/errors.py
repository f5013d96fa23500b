"""Domain errors of messaging (rendered through the common error envelope)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.common.exceptions import Conflict, Forbidden


class NotAuthor(Forbidden):
    code = "not_author"
    message = gettext_noop("Only the author of a message can change it.")


class EditWindowClosed(Conflict):
    code = "edit_window_closed"
    message = gettext_noop("Messages can only be edited shortly after they are sent.")


class MessageDeleted(Conflict):
    code = "message_deleted"
    message = gettext_noop("This message has been deleted.")
