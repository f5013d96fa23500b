from __future__ import annotations

import factory

from apps.users.models import User

DEFAULT_PASSWORD = "Tr3k-the-Himalaya!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"trekker{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email_verified = True
    staff_role = None
    password = factory.django.Password(DEFAULT_PASSWORD)
