"""The X connector against the in-process X API v2 double (no emulator exists)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from somevahti.connectors.base import Account, OAuthApp
from somevahti.connectors.doubles.x import XDouble
from somevahti.connectors.tests.harness import Harness, PublishedView
from somevahti.connectors.tests.harness_linkedin import tiny_png
from somevahti.connectors.x import XConnector


def app_for(double: XDouble) -> OAuthApp:
    return OAuthApp(double.client_id, double.client_secret, double.redirect_uri)


def connect(double: XDouble, connector: XConnector, state: str = "tila-1") -> Account:
    """The owner's round trip: consent on x.com, then the code exchange with PKCE."""
    app = app_for(double)
    code = double.consent(connector.authorize_url(app, state))
    return connector.exchange_code(app, code, state=state).account


def make_harness(platform: str, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    double = XDouble().start()
    connector = XConnector()
    account = connect(double, connector)
    stale = double.issue_token()
    double.expire(stale)
    expired = replace(account, credentials={**account.credentials, "access_token": stale})

    def read_back(tweet_id: str) -> PublishedView | None:
        if tweet_id not in double.tweets:
            return None
        alts = double.alt_texts(tweet_id)
        return PublishedView(
            text=double.text_of(tweet_id),
            alt_texts=alts,
            media_count=len(alts),
            raw=double.tweets[tweet_id],
        )

    def count_with_text(marker: str) -> int:
        return sum(marker in double.text_of(t) for t in double.tweets)

    return Harness(
        connector=connector,
        account=account,
        expired_account=expired,
        read_back=read_back,
        count_with_text=count_with_text,
        force=double.force,
        image=tiny_png(tmp_path_factory.mktemp("x") / "lukusali.png"),
        stop=double.stop,
    )
