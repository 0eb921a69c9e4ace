from somevahti.content import (
    calendar_views,
    crisis_views,
    media_views,
    programme_views,
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
]
