from django.urls import URLPattern, path

from somevahti.core.placeholder import placeholder

urlpatterns: list[URLPattern] = [
    path("matrix/", placeholder, name="matrix"),
]
