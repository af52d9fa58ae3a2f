from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cultivate.api import accounts
from jobs import apis as jobs
from jobs.billing import apis as billing
from jobs.media.file_links import FileDownloadApi
from jobs.questions import apis as questions
from jobs.review import apis as review
from jobs.webhooks import apis as webhooks

app_name = "api"

urlpatterns = [
    path("v1/jobs", jobs.JobListApi.as_view(), name="jobs"),
    path("v1/jobs/<uuid:job_id>", jobs.JobDetailApi.as_view(), name="job"),
    path("v1/jobs/<uuid:job_id>/retry", jobs.JobRetryApi.as_view(), name="job_retry"),
    path("v1/jobs/<uuid:job_id>/result", jobs.JobResultApi.as_view(), name="job_result"),
    path("v1/jobs/<uuid:job_id>/artifacts", jobs.JobArtifactsApi.as_view(), name="job_artifacts"),
    path("v1/jobs/<uuid:job_id>/corrections", review.JobCorrectionsApi.as_view(), name="job_corrections"),
    path("v1/files/<str:token>", FileDownloadApi.as_view(), name="file"),
    path("v1/analyze/text", questions.AnalyzeTextApi.as_view(), name="analyze_text"),
    path("v1/usage", billing.UsageApi.as_view(), name="usage"),
    path("v1/webhooks", webhooks.WebhookListApi.as_view(), name="webhooks"),
    path("v1/webhooks/<uuid:endpoint_id>", webhooks.WebhookDetailApi.as_view(), name="webhook"),
    path("v1/webhooks/<uuid:endpoint_id>/deliveries", webhooks.DeliveryListApi.as_view(), name="webhook_deliveries"),
    path(
        "v1/webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/redeliver",
        webhooks.RedeliverApi.as_view(),
        name="webhook_redeliver",
    ),
    path("v1/keys", accounts.KeyListApi.as_view(), name="keys"),
    path("v1/keys/<uuid:key_id>", accounts.KeyDetailApi.as_view(), name="key"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
