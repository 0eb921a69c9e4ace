"""Platform errors in the user's language: the kind decides the sentence, the platform's own
words are shown beside it."""

from __future__ import annotations

from django.utils.translation import gettext as _


def explain(kind: str) -> str:
    messages = {
        "rate_limited": _("The platform asked us to slow down. Somevahti tries again by itself."),
        "unavailable": _("The platform did not answer. Somevahti tries again by itself."),
        "token_expired": _(
            "The connection to the account has expired. Connect the account again; "
            "posts wait until then."
        ),
        "permission_missing": _(
            "The account no longer lets Somevahti publish. Ask the account's admin to give "
            "the permission again and reconnect."
        ),
        "account_gone": _("The account was deleted, suspended or disconnected on the platform."),
        "not_connected": _("The channel is not connected to Somevahti."),
        "duplicate": _("The platform refused the post because the same text was just posted."),
        "media_rejected": _("The platform refused an image or video (type, size or processing)."),
        "too_long": _("The text is too long for this platform."),
        "content_rejected": _("The platform refused the post."),
        "channel_closed": _("The channel has been closed, so nothing is sent there."),
        "timeout": _("The platform did not answer in time; the post may have gone through."),
        "captions_failed": _(
            "The video is published, but its captions could not be attached. "
            "Add them on the platform."
        ),
        "unknown": _("We could not tell whether the post went through. Check it on the platform."),
    }
    return messages.get(kind, messages["unknown"])
