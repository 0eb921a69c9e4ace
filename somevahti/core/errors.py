"""Domain errors that actions raise; views and the API turn them into 4xx answers.

- ``django.core.exceptions.ValidationError``: bad input (400, field errors)
- ``django.core.exceptions.PermissionDenied``: not allowed (403)
- ``Conflict``: the state has moved on, e.g. a request already decided (409)
"""


class Conflict(Exception):
    pass
