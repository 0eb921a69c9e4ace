from django.apps import AppConfig


class GuidelinesConfig(AppConfig):
    name = "somevahti.guidelines"
    label = "guidelines"
    verbose_name = "Guidelines"
