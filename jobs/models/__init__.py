"""The jobs app's models, one module per noun of the product: the work (``work``: videos, jobs,
attempts, chunked uploads), its cost (``billing``), webhooks (``webhooks``) and a coach's review
(``review``). Everything is imported here, so ``jobs.models`` stays the one place to import a
model from; migrations name the upload paths here too (``jobs.models._video_path``)."""

from jobs.models.billing import BudgetAlert, CostEntry, month_of
from jobs.models.review import Comment, Correction, ShareLink
from jobs.models.webhooks import WebhookDelivery, WebhookEndpoint
from jobs.models.work import Job, JobAttempt, UploadSession, Video, _result_path, _video_path

__all__ = [
    "BudgetAlert",
    "Comment",
    "CostEntry",
    "Correction",
    "Job",
    "JobAttempt",
    "ShareLink",
    "UploadSession",
    "Video",
    "WebhookDelivery",
    "WebhookEndpoint",
    "_result_path",
    "_video_path",
    "month_of",
]
