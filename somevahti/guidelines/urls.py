from django.urls import path

from somevahti.guidelines import views

app_name = "guidelines"
urlpatterns = [
    path("", views.guideline_list, name="list"),
    # Before "<slug>/": "new" is a reserved short name.
    path("new/", views.guideline_new, name="new"),
    path("<slug:slug>/", views.guideline_detail, name="detail"),
    path("<slug:slug>/v<int:number>/", views.guideline_version, name="version"),
    path("<slug:slug>/history/", views.guideline_history, name="history"),
    path("<slug:slug>/diff/", views.guideline_diff, name="diff"),
    path("<slug:slug>/new-version/", views.guideline_new_version, name="new_version"),
]
