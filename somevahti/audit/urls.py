from django.urls import URLPattern, path

from somevahti.audit import views

app_name = "audit"
urlpatterns: list[URLPattern] = [
    # Filters are query parameters: ?verb=&actor=&target_type=&target_id=&since=&until=&q=
    path("", views.log, name="log"),
]
