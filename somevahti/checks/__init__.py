"""The pre-publish checker. The engine (everything but apps.py, models, views, api
and management) imports no Django."""
