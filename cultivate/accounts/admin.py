from django.contrib import admin

from cultivate.accounts.models import ApiKey, Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "monthly_budget", "api_requests_per_minute", "created_at")
    inlines = [MembershipInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "tenant", "role", "requests_per_minute", "last_used_at", "revoked_at")
    list_filter = ("role", "tenant")
    readonly_fields = ("prefix", "key_hash", "created_by", "created_at", "last_used_at")
