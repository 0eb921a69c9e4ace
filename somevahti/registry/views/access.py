from django.urls import URLPattern, path

from somevahti.core.placeholder import placeholder

urlpatterns: list[URLPattern] = [
    path("it/", placeholder, name="access_tasks"),
    path("it/tasks/<int:pk>/", placeholder, name="access_task"),
]
