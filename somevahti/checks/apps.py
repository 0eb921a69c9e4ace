from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "somevahti.checks"
    label = "checks"
    verbose_name = "Checks"
