from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.notifications.backends import push, sms


@pytest.fixture(autouse=True)
def _empty_outboxes() -> Iterator[None]:
    sms.outbox.clear()
    push.outbox.clear()
    push.reset_credentials()
    yield
    sms.outbox.clear()
    push.outbox.clear()
