from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("api/", include("cultivate.api.urls")),
    path("accounts/", include("cultivate.accounts.urls")),
    path("admin/", admin.site.urls),
    path("django-rq/", include("django_rq.urls")),
    path("", include("dashboard.urls")),
]

handler404 = "cultivate.api.errors.not_found"
handler500 = "cultivate.api.errors.server_error"
