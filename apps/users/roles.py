"""The one table of who may do what.

Staff power comes from a role; a role grants capabilities; views check capabilities with
``HasCapability("...")`` (``apps.users.permissions``). Plain trekkers have no role and no capability.
Object-level rules (a trekker's own booking, a guide's own batch) live in the domain's permissions.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class StaffRole(models.TextChoices):
    SUPER_ADMIN = "super_admin", "Super Admin"
    OPS_MANAGER = "ops_manager", "Operations Manager"
    CUSTOMER_SUCCESS = "cs", "Customer Success"
    FINANCE = "finance", "Finance"
    CONTENT = "content", "Content Manager"
    GUIDE = "guide", "Trek Guide"


class Capability:
    """Capability names, grouped by domain."""

    CATALOG_WRITE = "catalog.write"  # treks, itineraries, regions, guide profiles
    BATCHES_MANAGE = "batches.manage"  # create/update/cancel departures
    BOOKINGS_VIEW = "bookings.view"  # list and search every booking
    BOOKINGS_MANAGE = "bookings.manage"  # cancel or adjust on a trekker's behalf
    BOOKINGS_BULK_CANCEL = "bookings.bulk_cancel"  # cancel a whole batch
    DOCUMENTS_REVIEW = "documents.review"  # approve fitness proofs, read trekker documents
    MANIFEST_VIEW = "manifest.view"  # participant manifests of any batch
    PAYMENTS_MANAGE = "payments.manage"  # refunds, reconciliation
    COUPONS_MANAGE = "coupons.manage"
    REPORTS_VIEW = "reports.view"  # revenue reports
    INVOICES_VIEW = "invoices.view"  # every booking's GST tax invoices and credit notes (JSON and PDF)
    INCIDENTS_MANAGE = "incidents.manage"  # see, acknowledge and resolve every incident; receives SOS alerts
    COMMUNITY_MODERATE = "community.moderate"  # hide posts and comments
    NOTIFICATIONS_MANAGE = "notifications.manage"  # delivery admin and retries
    USERS_VIEW = "users.view"  # look up trekker accounts
    USERS_MANAGE = "users.manage"  # assign staff roles
    AUDIT_VIEW = "audit.view"


C = Capability

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    StaffRole.SUPER_ADMIN: frozenset(
        value for name, value in vars(Capability).items() if name.isupper() and isinstance(value, str)
    ),
    StaffRole.OPS_MANAGER: frozenset(
        {
            C.CATALOG_WRITE,
            C.BATCHES_MANAGE,
            C.BOOKINGS_VIEW,
            C.BOOKINGS_MANAGE,
            C.BOOKINGS_BULK_CANCEL,
            C.DOCUMENTS_REVIEW,
            C.MANIFEST_VIEW,
            C.COUPONS_MANAGE,
            C.INCIDENTS_MANAGE,
            C.NOTIFICATIONS_MANAGE,
            C.USERS_VIEW,
        }
    ),
    StaffRole.CUSTOMER_SUCCESS: frozenset(
        {
            C.BOOKINGS_VIEW,
            C.BOOKINGS_MANAGE,
            C.DOCUMENTS_REVIEW,
            C.MANIFEST_VIEW,
            C.INCIDENTS_MANAGE,
            C.USERS_VIEW,
        }
    ),
    StaffRole.FINANCE: frozenset(
        {C.BOOKINGS_VIEW, C.PAYMENTS_MANAGE, C.COUPONS_MANAGE, C.REPORTS_VIEW, C.INVOICES_VIEW}
    ),
    StaffRole.CONTENT: frozenset({C.CATALOG_WRITE, C.COMMUNITY_MODERATE}),
    # Guides act on their own batches only; those rules are object-level, not capabilities.
    StaffRole.GUIDE: frozenset(),
}

# Roles that may sign in to the Django admin (``is_staff`` is derived from this).
ADMIN_ROLES: frozenset[str] = frozenset(
    {StaffRole.SUPER_ADMIN, StaffRole.OPS_MANAGER, StaffRole.CUSTOMER_SUCCESS, StaffRole.FINANCE, StaffRole.CONTENT}
)


def capabilities_for(role: str | None) -> frozenset[str]:
    if not role:
        return frozenset()
    return ROLE_CAPABILITIES.get(role, frozenset())


def has_capability(user: Any, capability: str) -> bool:
    if not (user and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return False
    return capability in capabilities_for(getattr(user, "staff_role", None))


def roles_with(capability: str) -> list[str]:
    return [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]
