from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from sohosolo import views

admin.site.site_header = "Soho Solo"
admin.site.site_title = "Soho Solo"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("langue/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

# French pages at the root, English ones under /en/.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("espace/", views.staff_home, name="staff_home"),
    path("", include("sohosolo.accounts.urls")),
    path("", include("sohosolo.territory.urls")),
    path("", include("sohosolo.prospects.urls")),
    path("", include("sohosolo.events.urls")),
    path("", include("sohosolo.housing.urls")),
    path("", include("sohosolo.network.urls")),
    path("", include("sohosolo.committees.urls")),
    path("", include("sohosolo.results.urls")),
    path("", include("sohosolo.intranet.urls")),
    path("", include("sohosolo.privacy.urls")),
    path("", include("sohosolo.documents.urls")),
    path("", include("sohosolo.correspondence.urls")),
    path("", include("sohosolo.appointments.urls")),
    path("", include("sohosolo.campaigns.urls")),
    prefix_default_language=False,
)

if settings.DEBUG or settings.SERVE_MEDIA:
    from django.urls import re_path
    from django.views.static import serve

    # Only the public media: private files (PRIVATE_MEDIA_ROOT) have no address, their views check who asks.
    urlpatterns += [
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]

handler400 = "sohosolo.views.bad_request"
handler403 = "sohosolo.views.permission_denied"
handler404 = "sohosolo.views.page_not_found"
handler500 = "sohosolo.views.server_error"
