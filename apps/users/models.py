from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.common.models import BaseModel
from apps.users.roles import ADMIN_ROLES, StaffRole


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

    tribe_tier = models.CharField(max_length=20, choices=TribeTier.choices, default=TribeTier.BASECAMP, db_index=True)
    obs_points = models.PositiveIntegerField(default=0)
    staff_role = models.CharField(max_length=20, choices=StaffRole.choices, null=True, blank=True, db_index=True)

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Derived from the staff role: may sign in to the admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["-date_joined"]
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False), name="user_has_email_or_phone"
            ),
            models.CheckConstraint(condition=~Q(email=""), name="user_email_not_blank"),
            models.CheckConstraint(condition=~Q(phone=""), name="user_phone_not_blank"),
            models.CheckConstraint(condition=~Q(tribe_handle=""), name="user_tribe_handle_not_blank"),
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

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.tribe_handle or "Trekker"
