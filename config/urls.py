from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from somevahti.core.views import healthz
from somevahti.publishing.views import oauth_callback

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("somevahti.api.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    # Registered with the platforms as is: no language prefix.
    path("oauth/callback/", oauth_callback, name="publishing_oauth_callback"),
    path("media/", include("somevahti.publishing.media_links")),
    path("hooks/", include("somevahti.inbox.hooks")),
]
urlpatterns += i18n_patterns(
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("registry/", include("somevahti.registry.urls")),
    path("guidelines/", include("somevahti.guidelines.urls")),
    path("audit/", include("somevahti.audit.urls")),
    path("content/", include("somevahti.content.urls")),
    path("checks/", include("somevahti.checks.urls")),
    path("publishing/", include("somevahti.publishing.views")),
    path("inbox/", include("somevahti.inbox.urls")),
    path("", include("somevahti.core.urls")),
    prefix_default_language=True,
)
