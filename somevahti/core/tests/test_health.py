import pytest
from django.test import override_settings
from huey import RedisHuey

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_tasks_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "tasks": "ok"}


def test_healthz_names_the_task_engine_when_it_is_down(client):
    # A Redis queue on a port where nothing listens.
    dead = RedisHuey("dead", url="redis://127.0.0.1:1/0")
    with override_settings(HUEY=dead):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "tasks": "unavailable"}


@pytest.mark.services
def test_healthz_with_a_real_redis_queue(client):
    live = RedisHuey("somevahti-test", url="redis://127.0.0.1:6379/15")
    with override_settings(HUEY=live):
        response = client.get("/healthz")
    assert response.json()["tasks"] == "ok"
