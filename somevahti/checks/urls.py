from django.urls import path

from somevahti.checks import views

app_name = "checks"
urlpatterns = [
    path("", views.try_checker, name="try"),
    path("settings/", views.check_settings, name="settings"),
]
