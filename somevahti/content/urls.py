from django.urls import URLPattern

app_name = "content"
urlpatterns: list[URLPattern] = []
