from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.common.i18n import DEFAULT_LANGUAGE, Language
from apps.common.models import BaseModel
from apps.users.passwords import take_prehashed
from apps.users.roles import ADMIN_ROLES, StaffRole

TRIBE_HANDLE_PATTERN = r"^[a-z0-9_]{3,30}$"
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


def normalize_email_address(email: str | None) -> str | None:
    """Trim and lower-case an e-mail address; empty becomes None (phone-only accounts)."""
    if not email:
        return None
    return email.strip().lower() or None


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra: Any) -> User:
        user = self.model(email=normalize_email_address(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("staff_role", None)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra["staff_role"] = StaffRole.SUPER_ADMIN
        extra.setdefault("email_verified", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email_address(username))


class User(BaseModel, AbstractBaseUser, PermissionsMixin):
    """A trekker or a staff member. Signs in with e-mail, Google or phone (e-mail may be absent)."""

    class TribeTier(models.TextChoices):
        BASECAMP = "basecamp", "Basecamp"
        TRAIL_BLAZER = "trail_blazer", "Trail Blazer"
        SUMMIT_SEEKER = "summit_seeker", "Summit Seeker"
        PEAK_BAGGER = "peak_bagger", "Peak Bagger"
        OBS_LEGEND = "obs_legend", "OBS Legend"

    class ExperienceLevel(models.TextChoices):
        NEVER = "never", "Never trekked before"
        BEGINNER = "beginner", "1-2 treks completed"
        INTERMEDIATE = "intermediate", "3-10 treks completed"
        EXPERT = "expert", "I live in the high mountains"

    StaffRole = StaffRole

    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    email_verified = models.BooleanField(default=False)
    phone = models.CharField(max_length=16, unique=True, null=True, blank=True, help_text="E.164, e.g. +919812345678")
    phone_verified = models.BooleanField(default=False)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)

    bio = models.TextField(blank=True, max_length=1000)
    profile_photo = models.ImageField(upload_to="profiles/", null=True, blank=True)
    tribe_handle = models.CharField(max_length=30, unique=True, null=True, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    experience_level = models.CharField(max_length=20, choices=ExperienceLevel.choices, default=ExperienceLevel.NEVER)
    language = models.CharField(
        max_length=5,
        choices=Language.choices,
        default=DEFAULT_LANGUAGE,
        help_text="The language of the messages this person receives; set at sign-up from Accept-Language.",
    )

    tribe_tier = models.CharField(max_length=20, choices=TribeTier.choices, default=TribeTier.BASECAMP, db_index=True)
    obs_points = models.PositiveIntegerField(default=0)
    staff_role = models.CharField(max_length=20, choices=StaffRole.choices, null=True, blank=True, db_index=True)

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Derived from the staff role: may sign in to the admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the account was anonymised at the owner's request."
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["-date_joined"]
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False) | Q(deleted_at__isnull=False),
                name="user_has_email_or_phone",
            ),
            models.CheckConstraint(condition=~Q(email=""), name="user_email_not_blank"),
            models.CheckConstraint(condition=~Q(phone=""), name="user_phone_not_blank"),
            models.CheckConstraint(condition=~Q(tribe_handle=""), name="user_tribe_handle_not_blank"),
            models.CheckConstraint(
                condition=Q(tribe_handle__isnull=True) | Q(tribe_handle__regex=TRIBE_HANDLE_PATTERN),
                name="user_tribe_handle_format",
            ),
            models.CheckConstraint(
                condition=Q(phone__isnull=True) | Q(phone__regex=E164_PATTERN), name="user_phone_e164"
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.phone or str(self.id)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email_address(self.email)
        self.phone = self.phone or None
        self.tribe_handle = self.tribe_handle or None
        # Admin access follows the role; nobody sets these flags by hand.
        self.is_staff = self.staff_role in ADMIN_ROLES
        self.is_superuser = self.staff_role == StaffRole.SUPER_ADMIN
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "staff_role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser"}
        super().save(*args, **kwargs)

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        """A user handed on before its row was checked (a deferred user of ``apps.users.authentication``) is read
        and checked first, whichever field is read: it never gives a field of a user the token may not stand for."""
        from apps.users.authentication import ensure_verified, is_deferred

        if is_deferred(self):
            ensure_verified(self)
            if fields is not None and not set(fields) & self.get_deferred_fields():
                return
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)

    def set_password(self, raw_password: str | None) -> None:
        encoded = take_prehashed(raw_password)  # hashed before the transaction (apps/users/passwords.py)
        if encoded is None:
            super().set_password(raw_password)
        else:
            self.password = encoded
            self._password = raw_password

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.tribe_handle or "Trekker"


TribeTier = User.TribeTier


class SocialAccount(BaseModel):
    """A sign-in identity at an external provider, keyed by the provider's stable subject id."""

    class Provider(models.TextChoices):
        GOOGLE = "google", "Google"
        APPLE = "apple", "Apple"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="social_accounts")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    uid = models.CharField(max_length=255, help_text="The provider's subject id (the `sub` claim of its ID token).")
    email = models.EmailField(max_length=254, blank=True, help_text="The address the provider last asserted.")
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "uid"], name="socialaccount_provider_uid_unique"),
            models.UniqueConstraint(fields=["user", "provider"], name="socialaccount_user_provider_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.uid}"


class EmergencyContact(BaseModel):
    """Someone to call when a trekker is in trouble. At most five per user, exactly one primary."""

    MAX_PER_USER = 5

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = models.CharField(max_length=100)
    relationship = models.CharField(max_length=50)
    phone = models.CharField(max_length=16, help_text="E.164, e.g. +919812345678")
    email = models.EmailField(max_length=254, blank=True)
    is_primary = models.BooleanField(default=False)
    language = models.CharField(
        max_length=5,
        choices=Language.choices,
        default=DEFAULT_LANGUAGE,
        help_text="The language of the SOS and safe messages this contact receives.",
    )

    class Meta:
        ordering = ["-is_primary", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_primary=True), name="emergency_contact_one_primary"
            ),
            models.CheckConstraint(condition=Q(phone__regex=E164_PATTERN), name="emergency_contact_phone_e164"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class PointsTransaction(BaseModel):
    """One line of the loyalty ledger. A user's ``obs_points`` always equals the sum of their lines."""

    class Reason(models.TextChoices):
        TREK_COMPLETED = "trek_completed", "Trek completed"
        REFERRAL = "referral", "Referral"
        REVIEW = "review", "Review"
        CHALLENGE = "challenge", "Challenge"
        ADJUSTMENT = "adjustment", "Adjustment by staff"
        REVERSAL = "reversal", "Reversal"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="points_transactions")
    amount = models.IntegerField(help_text="Signed: positive for awards, negative for reversals.")
    reason = models.CharField(max_length=40, choices=Reason.choices)
    reference = models.CharField(max_length=120, blank=True, help_text="What earned it, e.g. booking:<id>.")
    idempotency_key = models.CharField(max_length=160, unique=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    balance_after = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="points_user_created_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="points_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(amount__lt=0), name="points_reversal_is_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.reason} ({self.user_id})"
