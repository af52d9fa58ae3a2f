from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("cultivate.accounts.urls")),
    path("admin/", admin.site.urls),
    path("django-rq/", include("django_rq.urls")),
    path("", include("dashboard.urls")),
]
