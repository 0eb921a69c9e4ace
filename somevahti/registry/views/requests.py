from django.urls import URLPattern, path

from somevahti.core.placeholder import placeholder

urlpatterns: list[URLPattern] = [
    path("requests/", placeholder, name="request_list"),
    path("requests/new/", placeholder, name="request_new"),
    path("requests/<int:pk>/", placeholder, name="request_detail"),
]
