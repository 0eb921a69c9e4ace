"""The pre-publish checker. The engine (everything but apps.py, models, views, api, adapter and
management) imports no Django: ``from somevahti.checks import check, CheckContext``."""

from somevahti.checks.engine import RULES, blocked, check
from somevahti.checks.findings import CheckContext, Finding, Media

__all__ = ["RULES", "CheckContext", "Finding", "Media", "blocked", "check"]
