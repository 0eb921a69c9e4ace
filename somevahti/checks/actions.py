"""Writes for the checker: the organisation's allowlists and rule severities."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.checks import adapter
from somevahti.checks.checksums import iban_ok
from somevahti.checks.engine import RULES
from somevahti.checks.models import LIST_FIELDS, SEVERITY_CHOICES, CheckSettings
from somevahti.checks.privacy import normalise_phone
from somevahti.core import clock
from somevahti.core.actions import root_unit
from somevahti.core.models import Organisation, RoleAssignment, User
from somevahti.core.permissions import has_perm
from somevahti.core.roles import Perm, Role

DOMAIN_RE = re.compile(r"^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_ITEMS = 500
MAX_LENGTH = 200


def can_edit_check_settings(user: User, organisation: Organisation) -> bool:
    """Communications or the data protection officer of the whole organisation (a role on
    its root unit), or the organisation admin. core.roles has no permission for this, so
    the data protection role is checked here directly."""
    if not user.is_authenticated or user.organisation_id != organisation.pk:
        return False
    root = root_unit(organisation)
    if has_perm(user, Perm.EDIT_GUIDELINES, root):
        return True
    return RoleAssignment.objects.filter(user=user, unit=root, role=Role.DATA_PROTECTION).exists()


def _lines(value: Any) -> list[str]:
    """A list of non-empty, stripped, de-duplicated items from a list or one-per-line text."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Give a list of texts."))
    seen: dict[str, None] = {}
    for item in value:
        item = " ".join(item.split())
        if item:
            seen.setdefault(item, None)
    return list(seen)


def _clean_item(field: str, item: str) -> str | None:
    """The item in its stored form, or None when it is not valid for the field."""
    if field == "phones":
        return item if normalise_phone(item) else None
    if field == "email_domains":
        domain = item.lower().lstrip("@")
        return domain if DOMAIN_RE.match(domain) else None
    if field == "ibans":
        compact = "".join(item.split()).upper()
        return compact if iban_ok(compact) else None
    if field == "words":
        return item if " " not in item else None
    return item


def _bad_message(field: str, item: str) -> str:
    messages = {
        "phones": _("“%(item)s” is not a Finnish phone number."),
        "email_domains": _("“%(item)s” is not a domain. Write it like kunta.fi."),
        "ibans": _("“%(item)s” is not a valid IBAN. Check the number."),
        "words": _("“%(item)s”: write one word per line."),
    }
    return messages[field] % {"item": item}


def clean_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Validated values for the given fields; field errors in the user's language."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field in LIST_FIELDS:
        if field not in data:
            continue
        try:
            items = _lines(data[field])
        except ValidationError as exc:
            errors[field] = exc.messages
            continue
        out: list[str] = []
        for item in items:
            if len(item) > MAX_LENGTH:
                errors.setdefault(field, []).append(
                    _("A line may be at most %(n)d characters long.") % {"n": MAX_LENGTH}
                )
                continue
            stored = _clean_item(field, item)
            if stored is None:
                errors.setdefault(field, []).append(_bad_message(field, item))
            elif stored not in out:
                out.append(stored)
        if len(out) > MAX_ITEMS:
            errors.setdefault(field, []).append(_("Give at most %(n)d lines.") % {"n": MAX_ITEMS})
        cleaned[field] = out
    if "severities" in data:
        value = data["severities"]
        if not isinstance(value, dict):
            errors["severities"] = [_("Give the severities as a mapping from rule to severity.")]
        else:
            unknown = sorted(str(k) for k in value if k not in RULES)
            bad = sorted(
                str(k) for k, v in value.items() if k in RULES and v not in SEVERITY_CHOICES
            )
            if unknown:
                errors.setdefault("severities", []).append(
                    _("Unknown rules: %(rules)s") % {"rules": ", ".join(unknown)}
                )
            if bad:
                errors.setdefault("severities", []).append(
                    _("Choose block, warn, info or off for: %(rules)s") % {"rules": ", ".join(bad)}
                )
            # Only differences from the engine's defaults are stored.
            cleaned["severities"] = {k: v for k, v in value.items() if RULES.get(k) != v}
    if errors:
        raise ValidationError(errors)
    return cleaned


def update_check_settings(
    actor: User, organisation: Organisation, data: dict[str, Any]
) -> CheckSettings:
    """Replace the given fields of the organisation's checker settings (others stay)."""
    if not can_edit_check_settings(actor, organisation):
        raise PermissionDenied
    cleaned = clean_settings(data)
    with transaction.atomic():
        settings, _created = CheckSettings.objects.select_for_update().get_or_create(
            organisation=organisation
        )
        before = {f: getattr(settings, f) for f in cleaned}
        for field, value in cleaned.items():
            setattr(settings, field, value)
        settings.updated_at = clock.now()
        settings.updated_by = actor
        settings.save()
        changed = sorted(f for f in cleaned if before[f] != cleaned[f])
        record(
            actor,
            "checks.settings_updated",
            settings,
            data={
                "changed": changed,
                "severities": settings.severities,
                "counts": {f: len(getattr(settings, f)) for f in LIST_FIELDS},
            },
            organisation=organisation,
        )
    adapter.forget(organisation)
    return settings
