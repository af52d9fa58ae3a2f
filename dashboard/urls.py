from django.urls import path, re_path

from dashboard import admin_area, comments, corrections, ops, progress, shares, uploads, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("upload/sessions", uploads.session_create, name="upload_sessions"),
    path("upload/sessions/<uuid:session_id>", uploads.session_detail, name="upload_session"),
    path("upload/sessions/<uuid:session_id>/finish", uploads.session_finish, name="upload_session_finish"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/status", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/cancel", views.job_cancel, name="job_cancel"),
    path("jobs/<uuid:job_id>/retry", views.job_retry, name="job_retry"),
    path("jobs/<uuid:job_id>/corrections", corrections.job_correct, name="job_correct"),
    path("jobs/<uuid:job_id>/convert", views.job_convert, name="job_convert"),
    path("jobs/<uuid:job_id>/output", views.job_output, name="job_output"),
    path("jobs/<uuid:job_id>/result.json", views.job_result_download, name="job_result"),
    path("jobs/<uuid:job_id>/source", views.job_source, name="job_source"),
    re_path(
        r"^jobs/(?P<job_id>[0-9a-f-]{36})/highlights/(?P<name>\d{2}\.(?:mp4|jpg|vtt))$",
        views.job_artifact,
        name="job_artifact",
    ),
    re_path(
        r"^jobs/(?P<job_id>[0-9a-f-]{36})/highlights/(?P<name>\d{2}\.mp4)/share$", views.job_share, name="job_share"
    ),
    path("jobs/<uuid:job_id>/shares/<uuid:link_id>/revoke", shares.job_share_revoke, name="job_share_revoke"),
    re_path(r"^s/(?P<token>[A-Za-z0-9_-]{1,100})$", shares.shared_clip, name="shared_clip"),
    path("jobs/<uuid:job_id>/comments", comments.comment_add, name="comment_add"),
    path("jobs/<uuid:job_id>/comments/<uuid:comment_id>/delete", comments.comment_delete, name="comment_delete"),
    path("progress/", progress.teacher_progress, name="progress"),
    path("questions/", views.question_text, name="questions"),
    path("admin-area/", admin_area.budget, name="admin_budget"),
    path("admin-area/webhooks/", admin_area.webhook_list, name="admin_webhooks"),
    path("admin-area/webhooks/<uuid:endpoint_id>/", admin_area.webhook_detail, name="admin_webhook"),
    path("admin-area/webhooks/<uuid:endpoint_id>/change", admin_area.webhook_change, name="admin_webhook_change"),
    path(
        "admin-area/deliveries/<uuid:delivery_id>/redeliver",
        admin_area.delivery_redeliver,
        name="admin_delivery_redeliver",
    ),
    path("admin-area/keys/", admin_area.key_list, name="admin_keys"),
    path("admin-area/keys/<uuid:key_id>/revoke", admin_area.key_revoke, name="admin_key_revoke"),
    path("admin-area/shares/", admin_area.share_list, name="admin_shares"),
    path("admin-area/shares/<uuid:link_id>/revoke", admin_area.share_revoke, name="admin_share_revoke"),
    path("admin-area/members/", admin_area.members, name="admin_members"),
    path("admin-area/members/<int:membership_id>/change", admin_area.member_change, name="admin_member_change"),
    path(
        "admin-area/invitations/<int:invitation_id>/revoke",
        admin_area.invitation_revoke,
        name="admin_invitation_revoke",
    ),
    path("admin-area/audit/", admin_area.audit, name="admin_audit"),
    path("ops/", ops.ops_home, name="ops"),
    path("ops/tenants/", ops.ops_tenants, name="ops_tenants"),
    path("ops/tenants/<int:tenant_id>/change", ops.ops_tenant_change, name="ops_tenant_change"),
    path("ops/jobs/<uuid:job_id>/retry", ops.ops_job_retry, name="ops_job_retry"),
    path("ops/jobs/<uuid:job_id>/delete", ops.ops_job_delete, name="ops_job_delete"),
    path("health", ops.health, name="health"),
    path("ready", ops.ready, name="ready"),
    path("metrics", ops.prometheus, name="metrics"),
]
