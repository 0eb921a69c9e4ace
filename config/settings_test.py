"""Settings for the test suite: inline tasks, fast hashing, mail kept in memory."""

import os

os.environ.setdefault("SOMEVAHTI_TASKS", "immediate")
os.environ.setdefault("SOMEVAHTI_HTTPS", "0")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
