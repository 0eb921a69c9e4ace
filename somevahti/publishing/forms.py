from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UrlForm(forms.Form):
    url = forms.URLField(
        label=_("Address of the post on the platform"),
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )


class BlueskyForm(forms.Form):
    server = forms.URLField(
        label=_("Server address"),
        initial="https://bsky.social",
        assume_scheme="https",
        help_text=_("Leave as it is unless the account lives on its own server."),
    )
    handle = forms.CharField(label=_("Account name (handle)"), max_length=253)
    app_password = forms.CharField(
        label=_("App password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Make one in the Bluesky settings under “App passwords”; never give the account's "
            "own password."
        ),
    )


class MastodonForm(forms.Form):
    server = forms.URLField(
        label=_("Server address"), assume_scheme="https", help_text=_("For example https://some.fi")
    )


class PlatformAppForm(forms.Form):
    client_id = forms.CharField(label=_("Client id"), max_length=300)
    client_secret = forms.CharField(
        label=_("Client secret"), widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
