"""Django admin for the service provider's superusers only.

Organisation staff work in Somevahti's own pages, which are scoped per
organisation; the admin site is not, so it is closed to everyone else.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from somevahti.core.models import Organisation, RoleAssignment, Unit, User


class SuperuserOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


@admin.register(Organisation)
class OrganisationAdmin(SuperuserOnly):
    list_display = ["name", "slug", "created_at"]


@admin.register(Unit)
class UnitAdmin(SuperuserOnly):
    list_display = ["name", "organisation", "kind", "path"]
    list_filter = ["organisation", "kind"]
    search_fields = ["name"]
    readonly_fields = ["path", "depth"]


class RoleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoleAssignment
    extra = 0


@admin.register(User)
class SomevahtiUserAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["organisation", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Somevahti", {"fields": ("organisation", "title", "language")}),
    )  # type: ignore[misc]
    inlines = [RoleInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)
