"""The try-it page (paste a text, see findings in place) and the checker settings page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from somevahti.checks import actions, adapter
from somevahti.checks.api import settings_data
from somevahti.checks.forms import CheckForm, CheckSettingsForm
from somevahti.checks.highlight import highlight
from somevahti.checks.labels import CATEGORY_LABELS, SEVERITY_LABELS, rule_label
from somevahti.core.forms import add_form_errors
from somevahti.core.models import User
from somevahti.core.permissions import organisation_of, user_of


def _results(user: User, form: CheckForm) -> dict[str, Any]:
    data = form.cleaned_data
    text = data["text"]
    result = adapter.check_for(
        user, text, data.get("channel"), form.media_items(), data.get("lang")
    )
    rows = [
        {
            "number": n,
            "finding": f,
            "rule_label": rule_label(f.rule),
            "category_label": CATEGORY_LABELS.get(f.category, f.category),
            "severity_label": SEVERITY_LABELS.get(f.severity, f.severity),
            "in_text": f.start < f.end,
        }
        for n, f in enumerate(result.findings, 1)
    ]
    return {
        "checked": True,
        "blocked": result.blocked,
        "rows": rows,
        "blocking": sum(1 for f in result.findings if f.severity == "block"),
        "highlighted": highlight(text, result.findings),
    }


@login_required
def try_checker(request: HttpRequest) -> HttpResponse:
    """GET shows the form; POST (plain or htmx) checks the text. htmx gets only the results."""
    user = user_of(request)
    htmx = request.headers.get("HX-Request") == "true"
    context: dict[str, Any] = {"checked": False}
    if request.method == "POST":
        form = CheckForm(request.POST)
        if form.is_valid():
            context.update(_results(user, form))
    else:
        form = CheckForm(initial={"lang": adapter.text_language()})
    context["form"] = form
    if htmx:
        # Live updates: an empty or invalid text just clears the results.
        return render(request, "checks/_results.html", {**context, "oob": True})
    org = user.organisation
    context["can_edit_settings"] = org is not None and actions.can_edit_check_settings(user, org)
    return render(request, "checks/try.html", context)


@login_required
def check_settings(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    organisation = organisation_of(user)
    if not actions.can_edit_check_settings(user, organisation):
        raise PermissionDenied
    initial = CheckSettingsForm.initial_from(settings_data(organisation))
    form = CheckSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_check_settings(user, organisation, form.action_data())
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The checker settings were saved."))
            return redirect("checks:settings")
    return render(request, "checks/settings.html", {"form": form, "organisation": organisation})
