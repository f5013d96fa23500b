from apps.bookings.tests.conftest import book, pay  # noqa: F401  the booking fixtures, shared with these tests
