"""Webhook receivers, outside the versioned API: ``/hooks/meta/`` and ``/hooks/ingest/``.

They check the signature in constant time, store the raw body and answer at once; the
work happens in a task. A database outage answers 503 so the sender tries again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from somevahti.core import crypto
from somevahti.core.models import Organisation
from somevahti.inbox import ingest
from somevahti.inbox.models import IngestKey
from somevahti.publishing.models import PlatformApp

log = logging.getLogger(__name__)
# Signed ingest requests older or newer than this are replays (or a bad clock).
REPLAY_WINDOW = 300
READ_LIMIT = ingest.MAX_BODY * 4


def _body(request: HttpRequest) -> bytes:
    """The raw body without Django's in-memory cap; beyond READ_LIMIT the rest is dropped."""
    return request.read(READ_LIMIT)


def _refuse(source: str, reason: str) -> HttpResponse:
    try:
        ingest.count_rejection(source, reason)
    except DatabaseError:
        log.warning("could not count a rejected %s webhook (%s)", source, reason)
    return HttpResponse(status=403)


def _meta_secrets() -> list[tuple[int, str, str]]:
    """(organisation, app secret, verify token) of every Meta app registration."""
    out = []
    for row in PlatformApp.objects.filter(platform__in=("facebook", "instagram")):
        data = crypto.decrypt_json(row.secret)
        out.append(
            (row.organisation_id, data.get("client_secret", ""), data.get("verify_token", ""))
        )
    return out


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta(request: HttpRequest) -> HttpResponse:
    try:
        apps = _meta_secrets()
    except DatabaseError:
        return HttpResponse(status=503)
    if request.method == "GET":
        # The subscription handshake: echo the challenge when the token is ours.
        token = request.GET.get("hub.verify_token", "")
        ok = request.GET.get("hub.mode") == "subscribe" and any(
            v and hmac.compare_digest(v, token) for _o, _s, v in apps
        )
        if not ok:
            return _refuse("meta", "bad_verify_token")
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    body = _body(request)
    header = request.headers.get("X-Hub-Signature-256", "")
    if not header.startswith("sha256="):
        return _refuse("meta", "unsigned")
    given = header.removeprefix("sha256=")
    matched = [
        org
        for org, secret, _v in apps
        if secret
        and hmac.compare_digest(hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(), given)
    ]
    if not matched:
        return _refuse("meta", "bad_signature")
    try:
        # One matching app tells the organisation (kept on failures for its admin page).
        org = Organisation.objects.filter(pk=matched[0]).first() if len(set(matched)) == 1 else None
        ingest.store_raw(
            "meta", ingest.body_key("meta", body), body, dict(request.headers), organisation=org
        )
    except DatabaseError:
        log.exception("meta webhook not stored")
        return HttpResponse(status=503)
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_http_methods(["POST"])
def signed_ingest(request: HttpRequest) -> HttpResponse:
    """HMAC-SHA256 over "<timestamp>.<body>" with the key's secret, in
    ``X-Somevahti-Signature: sha256=<hex>``, ``X-Somevahti-Key`` and ``X-Somevahti-Timestamp``."""
    body = _body(request)
    key_id = request.headers.get("X-Somevahti-Key", "")
    stamp = request.headers.get("X-Somevahti-Timestamp", "")
    signature = request.headers.get("X-Somevahti-Signature", "").removeprefix("sha256=")
    if not (key_id and stamp and signature):
        return _refuse("ingest", "unsigned")
    try:
        key = (
            IngestKey.objects.select_related("organisation", "channel")
            .filter(key_id=key_id, revoked_at__isnull=True)
            .first()
        )
    except DatabaseError:
        return HttpResponse(status=503)
    if key is None:
        return _refuse("ingest", "unknown_key")
    secret = crypto.decrypt(key.secret).encode()
    expected = hmac.new(secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return _refuse("ingest", "bad_signature")
    try:
        age = abs(time.time() - int(stamp))
    except ValueError:
        return _refuse("ingest", "bad_timestamp")
    if age > REPLAY_WINDOW:
        return _refuse("ingest", "replayed")
    # The sender's own id makes a resent message one event; else the signed body itself.
    dedup = f"ingest:{key.key_id}:{hashlib.sha256(body).hexdigest()}"
    try:
        _raw, created = ingest.store_raw(
            "ingest",
            dedup,
            body,
            dict(request.headers),
            organisation=key.organisation,
            channel=key.channel,
        )
    except DatabaseError:
        log.exception("ingest webhook not stored")
        return HttpResponse(status=503)
    return HttpResponse(status=202 if created else 200)


urlpatterns = [
    path("meta/", meta, name="hooks_meta"),
    path("ingest/", signed_ingest, name="hooks_ingest"),
]
