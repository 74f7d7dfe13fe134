"""Files with personal or staff-only data are private: never under MEDIA_ROOT, so never served by /media/."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse

from sohosolo.lib.storage import PrivateFileSystemStorage
from sohosolo.prospects.models import ImportJob
from sohosolo.results.models import AnnualReport
from sohosolo.results.tasks import build_annual_report
from tests.factories import make_household

# Every file field of the project, and whether what it holds may be public.
PUBLIC = {
    "network.MemberProfile.photo": "the photo a club member chooses to publish in the directory",
    "network.MemberProfile.thumbnail": "its thumbnail",
    "territory.Territory.logo": "the programme's logo",
    "territory.VillagePhoto.image": "the village's public page",
    "territory.VillagePhoto.thumbnail": "its thumbnail",
    "housing.OfferPhoto.image": "a published housing offer",
    "housing.OfferPhoto.thumbnail": "its thumbnail",
}
PRIVATE = {
    "intranet.Document.file": "the club's and the team's documents",
    "documents.Document.file": "documents on a household's file (CV, business plan, proof of funding, visit photos)",
    "results.AnnualReport.file": "staff-only annual reports",
    "prospects.ImportJob.file": "uploaded spreadsheets of prospects",
}


def file_fields() -> dict[str, models.FileField]:
    return {
        f"{model._meta.app_label}.{model.__name__}.{field.name}": field
        for model in apps.get_models()
        if model.__module__.startswith("sohosolo.")
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }


def test_every_file_field_is_declared_public_or_private_and_private_ones_use_the_private_storage():
    fields = file_fields()
    assert set(fields) == set(PUBLIC) | set(PRIVATE), "a new file field: say here whether it may be public"
    for name in PRIVATE:
        assert isinstance(fields[name].storage, PrivateFileSystemStorage), name
    for name in PUBLIC:
        assert not isinstance(fields[name].storage, PrivateFileSystemStorage), name


def test_an_anonymous_visitor_fetches_no_report_nor_import_file(world, client_for, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_household(world.territory_a)
    report = AnnualReport.objects.create(
        territory=world.territory_a, year=2025, language="fr", format="xlsx", requested_by=world.users["manager_a"]
    )
    build_annual_report.call(report.pk)
    report.refresh_from_db()
    job = ImportJob(territory=world.territory_a, original_name="contacts.csv")
    job.file.save("contacts.csv", ContentFile(b"Nom\nA\n"))

    for stored in (report.file, job.file):
        path = Path(stored.path)
        assert path.exists() and Path(settings.PRIVATE_MEDIA_ROOT) in path.parents
        assert Path(settings.MEDIA_ROOT) not in path.parents
        # /media/ (served in the demo) has no such file, under any name
        assert client.get(f"/media/{stored.name}").status_code == 404
    # The team reads the report through its scoped view; an outsider gets 404.
    url = reverse("results:report_download", args=[world.territory_a.code, report.pk])
    assert client_for("manager_a").get(url).status_code == 200
    assert client_for("advisor_b").get(url).status_code == 404
    assert client.get(url).status_code in (302, 404)


def test_the_migration_step_moves_files_written_before_to_the_private_storage(world, settings, tmp_path):
    from django.apps import apps as installed
    from django.core.files.storage import storages

    from sohosolo.lib.storage import move_to_private

    settings.MEDIA_ROOT = tmp_path / "media"
    public = storages["default"]
    public.save("reports/gers/old.xlsx", ContentFile(b"PK old"))
    report = AnnualReport.objects.create(
        territory=world.territory_a,
        year=2012,
        language="fr",
        format="xlsx",
        status="done",
        file="reports/gers/old.xlsx",
    )

    move_to_private("results.AnnualReport")(installed, None)

    report.refresh_from_db()
    assert not (tmp_path / "media" / "reports/gers/old.xlsx").exists()
    assert Path(report.file.path).read_bytes() == b"PK old"
    assert Path(settings.PRIVATE_MEDIA_ROOT) in Path(report.file.path).parents
