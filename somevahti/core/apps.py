from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "somevahti.core"
    label = "core"
    verbose_name = "Somevahti"
