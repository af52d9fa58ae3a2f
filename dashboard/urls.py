from django.urls import path, re_path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/status", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/cancel", views.job_cancel, name="job_cancel"),
    path("jobs/<uuid:job_id>/retry", views.job_retry, name="job_retry"),
    path("jobs/<uuid:job_id>/result.json", views.job_result_download, name="job_result"),
    path("jobs/<uuid:job_id>/source", views.job_source, name="job_source"),
    re_path(
        r"^jobs/(?P<job_id>[0-9a-f-]{36})/highlights/(?P<name>\d{2}\.(?:mp4|jpg|vtt))$",
        views.job_artifact,
        name="job_artifact",
    ),
    path("questions/", views.question_text, name="questions"),
    path("health", views.health, name="health"),
    path("ready", views.ready, name="ready"),
]
