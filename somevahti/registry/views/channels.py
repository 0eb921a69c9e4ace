from django.urls import URLPattern, path

from somevahti.core.placeholder import placeholder

urlpatterns: list[URLPattern] = [
    path("", placeholder, name="channel_list"),
    path("channels/<int:pk>/", placeholder, name="channel_detail"),
]
