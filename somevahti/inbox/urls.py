"""Inbox pages; each views module owns its own ``urlpatterns``."""

from somevahti.inbox import views, views_admin, views_replies

app_name = "inbox"
urlpatterns = [
    *views.urlpatterns,
    *views_replies.urlpatterns,
    *views_admin.urlpatterns,
]
