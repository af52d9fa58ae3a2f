from django.urls import path

from dashboard import consumers

websocket_urlpatterns = [
    path("ws/jobs/<uuid:job_id>/", consumers.JobConsumer.as_asgi()),
    path("ws/tenant/", consumers.TenantConsumer.as_asgi()),
]
