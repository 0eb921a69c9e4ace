"""Registry URLs; each views module owns its own ``urlpatterns``."""

from somevahti.registry.views import access, channels, dormancy, matrix, requests

app_name = "registry"
urlpatterns = [
    *channels.urlpatterns,
    *requests.urlpatterns,
    *access.urlpatterns,
    *dormancy.urlpatterns,
    *matrix.urlpatterns,
]
