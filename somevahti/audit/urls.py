from django.urls import URLPattern, path

from somevahti.core.placeholder import placeholder

app_name = "audit"
urlpatterns: list[URLPattern] = [
    path("", placeholder, name="log"),
]
