from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "somevahti.audit"
    label = "audit"
    verbose_name = "Audit"
