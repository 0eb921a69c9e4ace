from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from somevahti.audit import api as audit_api
from somevahti.core import api as core_api
from somevahti.guidelines import api as guidelines_api
from somevahti.registry import api as registry_api

router = DefaultRouter()
for module in (core_api, registry_api, guidelines_api, audit_api):
    module.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include(router.urls)),
]
