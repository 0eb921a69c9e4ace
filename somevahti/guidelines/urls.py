from django.urls import URLPattern, path

from somevahti.core.placeholder import placeholder

app_name = "guidelines"
urlpatterns: list[URLPattern] = [
    path("", placeholder, name="list"),
]
