from rest_framework.routers import DefaultRouter

from somevahti.registry.api import channels, requests


def register(router: DefaultRouter) -> None:
    channels.register(router)
    requests.register(router)
