"""No server error from what a client sends: bodies in another charset, extreme dates, odd `next=` values."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import make_household
from tests.test_access_log_reads import routes

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


class Forms(HTMLParser):
    """The forms of a page: action, method and their fields with the values the page gives them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": attrs.get("method", "get"), "fields": []})
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and attrs.get("name"):
            kind = attrs.get("type", "text") if tag == "input" else "textarea"
            if kind not in ("submit", "button", "file", "image", "reset"):
                self.forms[-1]["fields"].append([attrs["name"], kind, attrs.get("value", "")])
        elif tag == "select" and attrs.get("name"):
            self._select = [attrs["name"], "select", None]
            self.forms[-1]["fields"].append(self._select)
        elif tag == "option" and self._select is not None and self._select[2] is None:
            self._select[2] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


EXTREMES = {
    "date": ["0001-01-01", "9999-12-31", "2026-02-30", "31/12/9999"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59", "2026-03-29T02:30"],
    "time": ["25:61", "00:00"],
    "number": ["99999999999999999999999999", "-1", "1e308", "NaN"],
    "email": ["a" * 300 + "@example.fr", "@"],
    "text": ["\x00", "x" * 5000, "'; DROP TABLE x; --", "99999999999999999999999999"],
    "next": ["evil", "//evil.example/", "javascript:alert(1)", "https://evil.example/"],
}


def extreme_values(kind: str, name: str) -> list[str]:
    if name == "next":
        return EXTREMES["next"]
    return EXTREMES.get(kind, EXTREMES["text"] if kind in ("textarea", "search", "tel", "url") else [])


def staff_pages(world, household) -> list[str]:
    """The team's pages of territory A that the URL list lets the test fill: the territory's, one file's."""
    values = {"code": "gers", "pk": household.pk, "slug": world.village_a1.slug}
    pages = []
    for route, _pattern in routes():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not route.startswith("territoires/") or not names or any(n not in values for n in names):
            continue
        if "pk" in names and "candidats/<int:pk>/" not in route:
            continue
        pages.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route))
    return pages


def public_pages() -> list[str]:
    """The public pages the URL list lets the test fill: the programme's forms for candidates, members, visitors."""
    pages = []
    for route, _pattern in routes():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if route.startswith(("territoires/", "admin/", "espace/")) or any(n != "code" for n in names):
            continue
        if route.endswith((".ics", ".json", ".xml", ".txt")):
            continue
        pages.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", "gers", route))
    return pages


def send_extremes(client, pages: list[str]) -> tuple[int, list[str]]:
    """Every form of `pages`, sent with each field in turn at each of its extreme values: (how many sent, 5xx)."""
    errors, sent = [], 0
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            target = form["action"] or page
            if not target.startswith("/") or target.startswith("/admin/"):
                continue
            base = {name: value or "" for name, _kind, value in form["fields"]}
            for name, kind, _value in form["fields"]:
                for extreme in extreme_values(kind, name):
                    send = client.post if form["method"].lower() == "post" else client.get
                    answer = send(target, {**base, name: extreme})
                    sent += 1
                    if answer.status_code >= 500:
                        errors.append(f"{form['method']} {target} {name}={extreme[:30]!r}: {answer.status_code}")
    return sent, errors


def test_extreme_values_in_every_form_of_the_team_pages_give_no_server_error(world, client_for):
    """Every form found on the team's pages, sent with each of its fields in turn at an extreme value (dates in
    year 1 or 9999, numbers too large, `next=` a bare word or another site), answers without a server error."""
    household = make_household(world.territory_a, advisor=world.users["advisor_a"], stage="follow_up")
    client = client_for("manager_a")
    client.raise_request_exception = False
    sent, errors = send_extremes(client, staff_pages(world, household))
    assert sent > 200
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("persona", ["anonymous", "member"])
def test_extreme_values_in_every_public_form_give_no_server_error(world, client_for, persona):
    client = client_for(persona)
    client.raise_request_exception = False
    sent, errors = send_extremes(client, public_pages())
    assert sent > 50
    assert errors == [], "\n".join(errors)
