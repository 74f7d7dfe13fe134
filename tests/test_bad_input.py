"""No server error from what a client sends: bodies in another charset, extreme dates, odd `next=` values."""

from __future__ import annotations

import re

import pytest
from django.test import Client

CHARSETS = ["latin-1", "utf-16", "x-unknown"]
PUBLIC_FORMS = ["/compte/connexion/", "/mon-projet/gers/", "/mon-espace/", "/club/adhesion/gers/"]


@pytest.mark.parametrize("charset", CHARSETS)
def test_a_post_in_another_charset_answers_400_not_500(world, charset):
    """With the CSRF check on, as for a real browser: Django's own 400 page would read the body again and fail."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    page = client.get("/compte/connexion/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = f"csrfmiddlewaretoken={token}&email=a%E9b&password=x".encode() + b"\xff"
    for url in PUBLIC_FORMS:
        response = client.generic(
            "POST",
            url,
            body,
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
            HTTP_REFERER=f"http://testserver{url}",
        )
        assert response.status_code < 500, (url, response.status_code)
        if charset != "x-unknown":  # an unknown charset is ignored: the body is read as UTF-8
            assert response.status_code == 400 and "Requête incorrecte" in response.content.decode(), url
