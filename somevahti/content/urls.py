from somevahti.content import (
    calendar_views,
    crisis_views,
    media_views,
    programme_views,
    publishing_settings,
    tips_views,
    views,
)

app_name = "content"
urlpatterns = [
    *views.urlpatterns,
    *media_views.urlpatterns,
    *calendar_views.urlpatterns,
    *programme_views.urlpatterns,
    *tips_views.urlpatterns,
    *crisis_views.urlpatterns,
    *publishing_settings.urlpatterns,
]
