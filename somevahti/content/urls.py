from somevahti.content import media_views, views

app_name = "content"
urlpatterns = [*views.urlpatterns, *media_views.urlpatterns]
