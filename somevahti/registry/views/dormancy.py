from django.urls import URLPattern, path

from somevahti.core.placeholder import placeholder

urlpatterns: list[URLPattern] = [
    path("dormant/", placeholder, name="dormancy_list"),
]
