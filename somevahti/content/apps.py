from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "somevahti.content"
    label = "content"
    verbose_name = "Content"
