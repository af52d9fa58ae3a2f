from django.contrib import admin

from cultivate.accounts.models import Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "blur_others_default", "created_at")
    inlines = [MembershipInline]
