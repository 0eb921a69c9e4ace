"""Settings for the test suite: inline tasks, fast hashing, mail kept in memory."""

import os

os.environ.setdefault("SOMEVAHTI_TASKS", "immediate")
os.environ.setdefault("SOMEVAHTI_HTTPS", "0")
# A fixed key: parallel test workers must not race to create var/encryption_keys.
os.environ.setdefault("SOMEVAHTI_ENCRYPTION_KEYS", "dGVzdC1rZXktZm9yLXNvbWV2YWh0aS10ZXN0cy0xMjM=")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
