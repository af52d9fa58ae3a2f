from django.contrib import admin

from jobs.models import Job, Video


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("original_name", "tenant", "size_bytes", "created_at")
    list_filter = ("tenant",)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "tenant", "kind", "status", "stage", "progress", "attempts", "created_at")
    list_filter = ("status", "kind", "tenant")
