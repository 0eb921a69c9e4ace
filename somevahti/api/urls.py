from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from somevahti.audit import api as audit_api
from somevahti.checks import api as checks_api
from somevahti.content import api as content_api
from somevahti.core import api as core_api
from somevahti.guidelines import api as guidelines_api
from somevahti.inbox import api as inbox_api
from somevahti.publishing import api as publishing_api
from somevahti.registry import api as registry_api

router = DefaultRouter()
for module in (
    core_api,
    registry_api,
    guidelines_api,
    audit_api,
    checks_api,
    content_api,
    publishing_api,
    inbox_api,
):
    module.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles; allowed on this page only (scripts stay 'self').
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("", include(router.urls)),
]
