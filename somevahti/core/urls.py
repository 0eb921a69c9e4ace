from django.urls import path

from somevahti.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("settings/", views.organisation_settings, name="settings"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
