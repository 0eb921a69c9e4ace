from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.tasks import check_tasks
from somevahti.core import clock
from somevahti.core.dashboard import dashboard_context
from somevahti.core.permissions import require
from somevahti.core.queries import notifications_of, unit_tree
from somevahti.core.roles import Perm


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    parts = {"database": "ok", "tasks": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        parts["database"] = "unavailable"
    try:
        check_tasks(settings.HUEY)
    except Exception:
        parts["tasks"] = "unavailable"
    ok = all(v == "ok" for v in parts.values())
    body = {"status": "ok" if ok else "unavailable", **parts}
    return JsonResponse(body, status=200 if ok else 503)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "core/dashboard.html", dashboard_context(request.user))  # type: ignore[arg-type]


@login_required
def units(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_REGISTRY)  # type: ignore[arg-type]
    return render(request, "core/units.html", {"tree": unit_tree(request.user)})  # type: ignore[arg-type]


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = notifications_of(request.user)[:100]  # type: ignore[arg-type]
    return render(request, "core/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_of(request.user).filter(read_at__isnull=True).update(  # type: ignore[arg-type]
        read_at=clock.now()
    )
    return redirect("core:notifications")
