"""The web import: upload, column mapping with a checked preview, the task with its progress, and the report."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import Workbook

from sohosolo.audit.models import ActionLog
from sohosolo.prospects import import_views
from sohosolo.prospects.importing import read_table
from sohosolo.prospects.models import Household, ImportJob, Interaction, Person

HEADERS = ["Prénom", "Nom", "Courriel", "Téléphone", "Ville", "Remarque du salon"]
GOOD = [
    ["Hélène", "Léger", "helene@example.fr", "0611223344", "Toulouse", "vue au salon"],
    ["Tom", "Baker", "tom@example.co.uk", "", "Bristol", ""],
]
BAD = ["Paul", "Petit", "pas-une-adresse", "", "Lyon", ""]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_file(rows, headers=HEADERS, name="contacts.csv", delimiter=";") -> SimpleUploadedFile:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def upload_url(world) -> str:
    return reverse("prospects:import_upload", args=[world.territory_a.code])


def job_url(name: str, job: ImportJob) -> str:
    return reverse(f"prospects:{name}", args=[job.territory.code, job.pk])


def upload(client, world, file, mode="all_or_nothing") -> ImportJob:
    response = client.post(upload_url(world), {"file": file, "mode": mode})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url("import_mapping", job)
    return job


def run(client, job: ImportJob, mode: str, **mapping) -> ImportJob:
    """Post the mapping page's form as the browser does: every column's choice, then "Run the import"."""
    data = {"mode": mode, "action": "run"}
    table = read_table(job.file.open("rb").read())
    guessed = {header: job.mapping.get(header) or "" for header in table.headers}
    for index, header in enumerate(table.headers):
        data[f"column_{index}"] = mapping.get(header, guessed[header])
    response = client.post(job_url("import_mapping", job), data)
    assert response.status_code == 302
    assert response["Location"] == job_url("import_job", job)
    job.refresh_from_db()
    return job


def test_upload_shows_the_columns_with_their_guessed_fields(world, client_for):
    client = client_for("advisor_a")

    job = upload(client, world, csv_file(GOOD))

    assert (job.territory, job.created_by, job.original_name, job.rows_total) == (
        world.territory_a,
        world.users["advisor_a"],
        "contacts.csv",
        2,
    )
    assert job.status == ImportJob.Status.UPLOADED
    assert job.mapping == {
        "Prénom": "first_name",
        "Nom": "last_name",
        "Courriel": "email",
        "Téléphone": "phone",
        "Ville": "current_town",
        "Remarque du salon": "keep",  # no field takes it: kept in the notes unless the mapping ignores it
    }
    # The stored file has a random name: it says nothing of whom it lists.
    assert job.file.name.startswith("imports/gers/") and "contacts" not in job.file.name
    assert ActionLog.objects.filter(action="prospects.import_uploaded", object_id=str(job.pk)).exists()

    response = client.get(job_url("import_mapping", job))
    page = response.content.decode()
    for header in HEADERS:
        assert header in page
    assert '<option value="email" selected>' in page
    assert '<option value="current_town" selected>' in page
    # The column nobody recognised is offered, kept in the notes until a field is chosen for it (or it is ignored).
    assert '<option value="keep" selected>' in page.split('name="column_5"')[1].split("</select>")[0]
    assert "helene@example.fr" in page  # the preview of the first rows
    assert response.context["preview"].report.created == 2  # the dry run of the whole file


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("contacts.pdf", b"%PDF-1.4", "CSV"),
        ("contacts.csv", b"", ""),
        ("contacts.csv", b"\x00\x01\x02binary\x00", ""),
        ("contacts.xlsx", b"Prenom;Nom\nA;B\n", "XLSX"),
        ("contacts.xls", b"\xd0\xcf\x11\xe0old excel", "xls"),
        ("contacts.csv", b"Prenom;Nom\r\n", ""),  # headers, no rows
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_saved(
    world, client_for, settings, name, content, message
):
    file = SimpleUploadedFile(name, content)

    response = client_for("advisor_a").post(upload_url(world), {"file": file, "mode": "all_or_nothing"})

    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert errors and message in errors[0]
    assert 'class="errorlist' in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not (settings.MEDIA_ROOT / "imports").exists()
    assert not (Path(settings.PRIVATE_MEDIA_ROOT) / "imports").exists()


def test_a_file_over_the_size_limit_is_refused(world, client_for, monkeypatch):
    monkeypatch.setattr(import_views, "IMPORT_MAX_MB", 0)

    response = client_for("advisor_a").post(upload_url(world), {"file": csv_file(GOOD), "mode": "all_or_nothing"})

    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_running_imports_in_the_task_and_reports_rejected_lines(world, client_for, settings):
    client = client_for("advisor_a")
    job = upload(client, world, csv_file([GOOD[0], BAD, GOOD[1]]))
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / job.file.name
    assert stored.exists()

    job = run(client, job, "valid_only", **{"Remarque du salon": "notes"})

    # Tests run tasks at once: the import is over when the page answers.
    assert job.status == ImportJob.Status.DONE
    assert (job.rows_done, job.rows_total, job.percent) == (3, 3, 100)
    assert job.finished_at is not None
    assert sorted(Person.objects.values_list("last_name", flat=True)) == ["Baker", "Léger"]
    assert Household.objects.get(members__last_name="Léger").notes == "vue au salon"
    assert (job.report["created"], job.report["written"]) == (2, True)
    assert [row["line"] for row in job.report["rejected"]] == [3]
    # The file (personal data) is deleted once imported; the report is kept.
    assert not stored.exists()
    assert not job.file
    assert ActionLog.objects.filter(action="prospects.import_queued", object_id=str(job.pk)).exists()
    assert ActionLog.objects.filter(action="prospects.imported").exists()

    page = client.get(job_url("import_job", job)).content.decode()
    assert "pas-une-adresse" in page
    assert '<tr><th scope="row">3</th>' in page
    assert reverse("prospects:list", args=[world.territory_a.code]) in page
    assert "hx-trigger" not in page  # finished: no polling


def test_all_or_nothing_with_a_bad_row_writes_nothing(world, client_for):
    client = client_for("manager_a")
    job = upload(client, world, csv_file([GOOD[0], GOOD[1], BAD]))

    job = run(client, job, "all_or_nothing")

    assert job.status == ImportJob.Status.DONE
    assert not Household.objects.exists()
    assert not Interaction.objects.exists()
    assert (job.report["written"], job.report["created"], [r["line"] for r in job.report["rejected"]]) == (
        False,
        2,
        [4],
    )
    page = client.get(job_url("import_job", job)).content.decode()
    assert '<tr><th scope="row">4</th>' in page
    assert 'class="alert"' in page


def test_the_mapping_chosen_is_the_one_imported(world, client_for):
    client = client_for("advisor_a")
    job = upload(client, world, csv_file(GOOD, headers=["Prénom", "Nom", "Où le joindre", "Tél", "Ville", "X"]))
    assert job.mapping["Où le joindre"] == "keep"  # not recognised: kept in the notes unless a field is chosen

    run(client, job, "all_or_nothing", **{"Où le joindre": "email", "Ville": ""})

    helene = Person.objects.get(first_name="Hélène")
    assert helene.email == "helene@example.fr"
    assert helene.household.current_town == ""  # the column was ignored


def test_a_change_of_mapping_with_htmx_returns_the_checked_preview(world, client_for):
    client = client_for("advisor_a")
    job = upload(client, world, csv_file([GOOD[0], BAD]))
    data = {"mode": "valid_only", **{f"column_{i}": job.mapping.get(h, "") for i, h in enumerate(HEADERS)}}

    response = client.post(job_url("import_mapping", job), data, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="import-preview"')
    assert "pas-une-adresse" in page  # the reason of line 3
    assert 'hx-swap-oob="innerHTML"' in page  # the short summary for screen readers
    job.refresh_from_db()
    assert (job.mode, job.status) == ("valid_only", ImportJob.Status.UPLOADED)

    # Two columns for one field: the preview says so, and nothing is queued.
    data["column_5"] = "email"
    response = client.post(job_url("import_mapping", job), data | {"action": "run"})
    assert response.status_code == 400
    assert "Courriel" in response.content.decode() and "Remarque du salon" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    assert not Household.objects.exists()


def test_a_long_file_is_checked_on_its_first_rows_with_the_files_line_numbers(world, client_for, monkeypatch):
    monkeypatch.setattr(import_views, "CHECKED_ROWS", 3)
    client = client_for("advisor_a")
    # An empty row keeps its number: the bad row is line 5 of the file.
    job = upload(client, world, csv_file([GOOD[0], [], GOOD[1], BAD, GOOD[0]]))

    response = client.get(job_url("import_mapping", job))

    preview = response.context["preview"]
    assert (preview.checked, preview.total) == (3, 4)
    assert [line for line, _reason in preview.report.rejected] == [5]
    assert [line for line, _cells, _reason in preview.rows] == [2, 4, 5, 6]


def test_the_sample_of_a_long_file_reads_back_as_the_file(world):
    table = read_table(
        "Nom, prénom;Courriel;Notes\r\n"
        '"Léger, Hélène";h@example.fr;"deux\r\nlignes ; et ,"\r\n'
        "Baker;t@example.fr;\t tab\r\n".encode()
    )

    sample = read_table(import_views.sample_file(table, 2))

    assert sample.headers == table.headers
    assert [cells for _line, cells in sample.rows] == [cells for _line, cells in table.rows]


def test_an_xlsx_file_is_uploaded_and_imported(world, client_for):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in GOOD:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    client = client_for("advisor_a")

    job = upload(client, world, SimpleUploadedFile("contacts.xlsx", out.getvalue()))
    job = run(client, job, "all_or_nothing")

    assert job.report["created"] == 2
    assert Person.objects.count() == 2


def test_running_twice_queues_the_import_once(world, client_for):
    client = client_for("advisor_a")
    job = upload(client, world, csv_file(GOOD))
    data = {"mode": "all_or_nothing", "action": "run"} | {
        f"column_{i}": job.mapping.get(h, "") for i, h in enumerate(HEADERS)
    }

    client.post(job_url("import_mapping", job), data)
    response = client.post(job_url("import_mapping", job), data)

    assert response.status_code == 302
    assert response["Location"] == job_url("import_job", job)
    assert Person.objects.count() == 2
    assert ActionLog.objects.filter(action="prospects.import_queued").count() == 1


def test_a_failed_import_says_why_and_deletes_the_file(world, client_for, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("sohosolo.prospects.tasks.import_prospects", broken)  # as the task calls it
    client = client_for("advisor_a")
    job = upload(client, world, csv_file(GOOD))
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / job.file.name

    job = run(client, job, "all_or_nothing")

    assert job.status == ImportJob.Status.FAILED
    assert "disk full" in job.report["error"]
    assert not stored.exists()
    assert "disk full" in client.get(job_url("import_job", job)).content.decode()
    assert ActionLog.objects.filter(action="prospects.import_failed", object_id=str(job.pk)).exists()


def test_the_polling_fragment_shows_the_progress_until_the_import_is_over(world, client_for):
    client = client_for("advisor_a")
    job = ImportJob.objects.create(
        territory=world.territory_a,
        original_name="big.csv",
        status=ImportJob.Status.RUNNING,
        rows_done=1500,
        rows_total=6000,
    )
    url = job_url("import_progress", job)

    response = client.get(url, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert '<progress id="import-progress" max="100" value="25">' in page
    assert "1500" in page and "6000" in page
    assert f'hx-get="{url}?seen=running-1500"' in page
    assert 'hx-trigger="every 1s"' in page
    # Nothing new since the last poll: nothing to swap, nothing said again to screen readers.
    assert client.get(url, {"seen": "running-1500"}, headers={"HX-Request": "true"}).status_code == 204

    job.status, job.rows_done, job.report = (
        ImportJob.Status.DONE,
        6000,
        {"rows": 6000, "created": 6000, "written": True},
    )
    job.save()
    response = client.get(url, {"seen": "running-1500"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "hx-trigger" not in page  # the finished block ends the polling
    assert "6000" in page

    # The job page itself shows the same block while the import runs.
    job.status = ImportJob.Status.QUEUED
    job.save()
    assert 'hx-trigger="every 1s"' in client.get(job_url("import_job", job)).content.decode()


def test_advisor_of_another_territory_gets_404_on_the_import_pages(world, client_for):
    job = upload(client_for("advisor_a"), world, csv_file(GOOD))
    outsider = client_for("advisor_b")

    for name in ("import_job", "import_mapping", "import_progress"):
        assert outsider.get(job_url(name, job)).status_code == 404, name
    assert outsider.post(job_url("import_mapping", job), {"action": "run", "mode": "valid_only"}).status_code == 404
    assert outsider.post(job_url("import_cancel", job)).status_code == 404
    # A job of territory A named under territory B's address is not found either.
    assert outsider.get(reverse("prospects:import_job", args=[world.territory_b.code, job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    assert not Household.objects.exists()


def test_cancelling_deletes_the_file_and_the_job(world, client_for, settings):
    client = client_for("advisor_a")
    job = upload(client, world, csv_file(GOOD))
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / job.file.name

    response = client.post(job_url("import_cancel", job))

    assert response["Location"] == upload_url(world)
    assert not ImportJob.objects.exists()
    assert not stored.exists()
    assert ActionLog.objects.filter(action="prospects.import_cancelled").exists()


def test_the_upload_page_lists_the_last_imports_of_the_territory_only(world, client_for):
    ImportJob.objects.create(territory=world.territory_a, original_name="ours.csv", status=ImportJob.Status.DONE)
    ImportJob.objects.create(territory=world.territory_b, original_name="theirs.csv", status=ImportJob.Status.DONE)

    page = client_for("advisor_a").get(upload_url(world)).content.decode()

    assert "ours.csv" in page
    assert "theirs.csv" not in page


def test_periodic_clean_up_deletes_files_of_imports_never_run_and_fails_stuck_ones(world, settings, tmp_path):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from sohosolo.prospects.models import ImportJob
    from sohosolo.prospects.tasks import clean_up_imports

    settings.MEDIA_ROOT = tmp_path
    old = timezone.now() - timedelta(days=2)
    forgotten = ImportJob.objects.create(territory=world.territory_a, original_name="a.csv", status="uploaded")
    forgotten.file.save("a.csv", ContentFile(b"Nom;Email\n"))
    stuck = ImportJob.objects.create(territory=world.territory_a, original_name="b.csv", status="running")
    fresh = ImportJob.objects.create(territory=world.territory_a, original_name="c.csv", status="uploaded")
    ImportJob.objects.filter(pk=forgotten.pk).update(created_at=old)
    ImportJob.objects.filter(pk=stuck.pk).update(created_at=old, queued_at=old)
    path = forgotten.file.path
    assert clean_up_imports.call() == {"abandoned": 1, "stuck": 1, "rejected_rows_deleted": 0}
    forgotten.refresh_from_db()
    fresh.refresh_from_db()
    assert forgotten.status == "failed" and not forgotten.file and not os.path.exists(path)
    assert fresh.status == "uploaded"


TEAM_HEADERS = ["Prénom", "Nom", "E-mail", "Étape", "Activité", "Origine du contact", "Conseiller"]
TEAM_ROWS = [
    ["Hélène", "Léger", "helene@example.fr", "En veille", "Télétravail salarié", "Réunion d'information", "J. Advisor"],
    ["Tom", "Baker", "tom@example.co.uk", "Suivi", "Consultant en informatique", "Réunion d'information", "P. Nobody"],
    ["Léa", "Roux", "lea@example.fr", "En veille", "Consultant en informatique", "Salon", ""],
]


def value_field(page: str, value: str) -> str:
    """The name of the value table's field for a value of the file (its label says the value)."""
    marker = f"« {escape(value)} » importé comme"
    assert marker in page, value
    label = page.split(marker)[0].rsplit('<label class="visually-hidden" for="id_', 1)[1]
    return label.split('"', 1)[0]


def value_row(page: str, value: str) -> str:
    return page.split(f'<th scope="row">{escape(value)}</th>')[1].split("</tr>")[0]


def test_the_value_table_suggests_a_choice_for_each_value_and_a_change_is_applied_and_remembered(world, client_for):
    client = client_for("advisor_a")
    job = upload(client, world, csv_file(TEAM_ROWS, headers=TEAM_HEADERS))

    page = client.get(job_url("import_mapping", job)).content.decode()

    # Every distinct value, its count and the choice it seems to mean: sure ones chosen, unsure ones to check.
    assert "Valeurs des colonnes" in page
    stage = value_field(page, "En veille")
    assert '<option value="on_hold" selected>' in page.split(f'name="{stage}"')[1].split("</select>")[0]
    advisor = value_field(page, "J. Advisor")
    chosen = page.split(f'name="{advisor}"')[1].split("</select>")[0]
    assert f'<option value="{world.users["advisor_a"].pk}" selected>' in chosen
    assert "suggestion, à vérifier" in value_row(page, "Consultant en informatique")
    assert "non reconnu" in value_row(page, "P. Nobody")
    assert "à vérifier" not in value_row(page, "En veille")

    # The team says « Réunion d'information » is their partner's meetings: the choice is applied…
    meeting = value_field(page, "Réunion d'information")
    data = {"mode": "valid_only", "action": "run", meeting: "partner"}
    data[value_field(page, "Consultant en informatique")] = "consulting"  # the suggestion, confirmed
    for index, header in enumerate(TEAM_HEADERS):
        data[f"column_{index}"] = job.mapping.get(header) or ""
    response = client.post(job_url("import_mapping", job), data)
    assert response.status_code == 302, response.context["form"].errors
    helene = Household.objects.get(members__email="helene@example.fr")
    tom = Household.objects.get(members__email="tom@example.co.uk")
    assert (helene.source, helene.stage, helene.activity) == ("partner", "on_hold", "remote_employee")
    assert helene.advisor == world.users["advisor_a"]
    assert tom.source == "partner" and tom.advisor is None and "P. Nobody" in tom.notes
    assert tom.activity == "consulting"

    # … and remembered: the next file with these headers starts from it.
    ImportJob.objects.all().delete()
    job = upload(client, world, csv_file(TEAM_ROWS[:1], headers=TEAM_HEADERS))
    assert job.values == {
        "Origine du contact": {"Réunion d'information": "partner"},
        "Activité": {"Consultant en informatique": "consulting"},
    }
    page = client.get(job_url("import_mapping", job)).content.decode()
    meeting = value_field(page, "Réunion d'information")
    assert '<option value="partner" selected>' in page.split(f'name="{meeting}"')[1].split("</select>")[0]


def test_a_value_mapped_to_nothing_is_kept_in_the_notes(world, client_for):
    client = client_for("advisor_a")
    job = upload(client, world, csv_file(TEAM_ROWS[:1], headers=TEAM_HEADERS))
    page = client.get(job_url("import_mapping", job)).content.decode()
    data = {"mode": "valid_only", "action": "run", value_field(page, "Télétravail salarié"): ""}
    for index, header in enumerate(TEAM_HEADERS):
        data[f"column_{index}"] = job.mapping.get(header) or ""

    client.post(job_url("import_mapping", job), data)

    helene = Household.objects.get()
    assert helene.activity == ""
    assert "Activité : Télétravail salarié" in helene.notes


def test_the_rejected_rows_download_as_a_spreadsheet_to_fix(world, client_for):
    client = client_for("advisor_a")
    job = run(client, upload(client, world, csv_file([GOOD[0], BAD])), "valid_only")

    page = client.get(job_url("import_job", job)).content.decode()
    assert "Rejets par motif" in page and "Adresse e-mail non valide" in page
    response = client.get(reverse("prospects:import_rejected", args=[job.territory.code, job.pk, "csv"]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == [*HEADERS, "Ligne dans le fichier", "Motif du rejet"]
    assert row[:6] == BAD and row[6] == "3" and "pas-une-adresse" in row[7]
    assert ActionLog.objects.filter(action="prospects.import_rejected_exported", object_id=str(job.pk)).exists()
    assert client.get(reverse("prospects:import_rejected", args=[job.territory.code, job.pk, "pdf"])).status_code == 404
    other = client_for("advisor_b").get(reverse("prospects:import_rejected", args=[job.territory.code, job.pk, "csv"]))
    assert other.status_code == 404


def test_the_rejected_rows_are_deleted_a_month_after_the_import(world, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from sohosolo.prospects.tasks import clean_up_imports

    client = client_for("advisor_a")
    job = run(client, upload(client, world, csv_file([GOOD[0], BAD])), "valid_only")
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=31))

    assert clean_up_imports.call()["rejected_rows_deleted"] == 1

    job.refresh_from_db()
    assert "rejected_rows" not in job.report and job.report["created"] == 1 and len(job.report["rejected"]) == 1
    url = reverse("prospects:import_rejected", args=[job.territory.code, job.pk, "csv"])
    assert client.get(url).status_code == 404
    assert clean_up_imports.call()["rejected_rows_deleted"] == 0
