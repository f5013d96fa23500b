from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "apps.users"
    label = "users"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.users.demo import seed_accounts
        from apps.users.management.commands.seed_demo import DEMO_SEEDERS

        if not any(name == "accounts" for name, _ in DEMO_SEEDERS):
            DEMO_SEEDERS.insert(0, ("accounts", seed_accounts))
