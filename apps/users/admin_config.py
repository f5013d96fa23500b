"""Installs Django's admin with the site of ``apps.users.admin_site`` (imported lazily, once models are ready)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "apps.users.admin_site.AdminSite"
