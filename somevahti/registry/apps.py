from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "somevahti.registry"
    label = "registry"
    verbose_name = "Registry"
