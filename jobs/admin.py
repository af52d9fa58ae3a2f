from django.contrib import admin

from jobs.models import Comment, Correction, Job, ShareLink, Video


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("original_name", "tenant", "size_bytes", "created_at")
    list_filter = ("tenant",)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "tenant", "kind", "status", "stage", "progress", "attempts", "created_at")
    list_filter = ("status", "kind", "tenant")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("job", "at_s", "author", "created_at")
    list_filter = ("tenant",)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ("job", "kind", "author", "created_at")
    list_filter = ("kind", "tenant")


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Staff see and can revoke links (set revoked_at); the token itself exists nowhere."""

    list_display = ("clip", "job", "tenant", "created_by", "created_at", "expires_at", "revoked_at")
    list_filter = ("tenant",)
    readonly_fields = ("tenant", "job", "clip", "token_hash", "created_by", "created_at")
    raw_id_fields = ("revoked_by",)
