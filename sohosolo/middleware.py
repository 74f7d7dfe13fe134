"""Project-wide middleware that must run before any other."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from sohosolo.views import healthz

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """`GET /healthz` for a load balancer or an uptime check, whatever its Host header: a probe by IP address or
    without Host would otherwise get 400 from the host check (ALLOWED_HOSTS), which protects pages, not this answer."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH and request.method == "GET":
            return healthz(request)
        return self.get_response(request)
