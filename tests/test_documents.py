"""Documents on a household's file: the team adds, lists, downloads and deletes them; a village committee downloads
only those shared with it while the household consents; they follow the file into its export, erasure and merge."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import escape

from sohosolo.audit.models import ActionLog
from sohosolo.documents.models import Document
from sohosolo.privacy.services import anonymise_household, export_household, withdraw_consent
from sohosolo.prospects.services import merge_households
from tests.factories import followed_household, make_household

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.fixture
def household(world):
    return followed_household(world)


def list_url(household) -> str:
    return reverse("documents:list", args=[household.territory.code, household.pk])


def download_url(document) -> str:
    return reverse("documents:download", args=[document.household.territory.code, document.household_id, document.pk])


def delete_url(document) -> str:
    return reverse("documents:delete", args=[document.household.territory.code, document.household_id, document.pk])


def committee_url(document, village) -> str:
    return reverse(
        "documents:committee_download",
        args=[village.territory.code, village.slug, document.household_id, document.pk],
    )


def upload(client, household, name="CV Hélène Durand.pdf", content=PDF, **data):
    payload = {"file": SimpleUploadedFile(name, content, "application/pdf"), "kind": "cv", "description": "Son CV"}
    return client.post(list_url(household), payload | data)


def add_document(household, user=None, shared=False, content=PDF, name="CV Durand.pdf") -> Document:
    from django.core.files.base import ContentFile

    document = Document(
        household=household,
        kind=Document.Kind.CV,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        shared_with_committee=shared,
        uploaded_by=user,
    )
    document.file.save("ignored.pdf", ContentFile(content), save=False)
    document.save()
    return document


def on_disk(document) -> Path:
    return Path(document.file.storage.path(document.file.name))


def read(response) -> bytes:
    return b"".join(response.streaming_content)


# --- The team ------------------------------------------------------------------------------------------------------


def test_the_advisor_adds_a_pdf_that_is_listed_and_downloaded_as_sent(world, client_for, household):
    advisor = client_for("advisor_a")
    response = upload(advisor, household)
    assert response.status_code == 302 and response["Location"] == list_url(household)
    document = household.documents.get()
    assert (document.kind, document.original_name, document.content_type, document.size) == (
        "cv",
        "CV Hélène Durand.pdf",
        "application/pdf",
        len(PDF),
    )
    assert document.uploaded_by == world.users["advisor_a"] and not document.shared_with_committee
    added = ActionLog.objects.get(action="document.added")
    assert added.object_id == str(household.pk) and added.data["document"] == document.pk

    page = advisor.get(list_url(household))
    assert page.status_code == 200
    assert "CV Hélène Durand.pdf" in page.text and download_url(document) in page.text
    assert "Julien Advisor" in page.text  # who added it

    response = advisor.get(download_url(document))
    assert response.status_code == 200 and read(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_staff_download_is_logged_as_a_read_of_the_file(world, client_for, household):
    document = add_document(household)
    client_for("advisor_a").get(download_url(document))
    read_entry = ActionLog.objects.get(action="prospect.read", object_id=str(household.pk))
    assert read_entry.actor == world.users["advisor_a"] and read_entry.data == {"document": document.pk}


def test_the_file_is_kept_in_the_private_storage_never_under_media_root(world, client_for, household):
    upload(client_for("advisor_a"), household)
    document = household.documents.get()
    path = on_disk(document).resolve()
    assert path.read_bytes() == PDF
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    # documents/<territory code>/<random name>.pdf: nothing of the uploader's name reaches the disk.
    assert document.file.name.startswith("documents/gers/") and document.file.name.endswith(".pdf")
    assert "Durand" not in document.file.name
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018 (no public URL at all)


def refusal(response) -> tuple[str, str]:
    """The code of the upload's refusal, and its message as the page shows it (in the reader's language)."""
    [error] = response.context["document_form"].errors.as_data()["file"]
    message = error.message % error.params if error.params else error.message
    assert escape(message) in response.text
    return error.code, message


@pytest.mark.parametrize("content", [EXE, HTML], ids=["exe", "html"])
def test_a_program_or_a_web_page_named_pdf_is_refused_and_nothing_saved(client_for, household, content):
    response = upload(client_for("advisor_a"), household, name="cv.pdf", content=content)
    assert response.status_code == 400
    assert refusal(response)[0] == "file_type"
    assert not Document.objects.exists()
    assert not any(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*.*"))


def test_a_file_too_big_is_refused_with_the_largest_size_accepted(client_for, household, settings):
    settings.INTRANET_DOCUMENT_MAX_BYTES = 1024
    response = upload(client_for("advisor_a"), household, content=PDF[:-6] + b" " * 2000 + b"%%EOF\n")
    assert response.status_code == 400
    code, message = refusal(response)
    assert code == "too_large" and "1,0" in message  # the largest size accepted, in French
    assert not Document.objects.exists()


@pytest.mark.parametrize("persona", ["volunteer_a1", "advisor_b"])
def test_a_volunteer_or_another_territory_gets_404_on_the_list_the_download_and_the_deletion(
    client_for, household, persona
):
    document = add_document(household, shared=True)
    client = client_for(persona)
    assert client.get(list_url(household)).status_code == 404
    assert client.get(download_url(document)).status_code == 404
    assert upload(client, household).status_code == 404
    assert client.post(delete_url(document)).status_code == 404
    assert Document.objects.get() == document and on_disk(document).exists()


def test_a_document_of_another_file_is_not_reached_through_this_file(client_for, world, household):
    other = make_household(world.territory_a, last_name="Autre")
    document = add_document(other)
    url = reverse("documents:download", args=["gers", household.pk, document.pk])
    assert client_for("advisor_a").get(url).status_code == 404


def test_deleting_removes_the_row_and_then_the_file(world, client_for, household, django_capture_on_commit_callbacks):
    document = add_document(household)
    path = on_disk(document)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("advisor_a").post(delete_url(document), {"return_to": "file"})
    assert response.status_code == 302 and response["Location"] == household.get_absolute_url() + "#documents"
    assert not Document.objects.exists() and not path.exists()
    deleted = ActionLog.objects.get(action="document.deleted")
    assert deleted.object_id == str(household.pk) and deleted.actor == world.users["advisor_a"]


def test_the_list_takes_a_bounded_number_of_queries(world, client_for, household, django_assert_max_num_queries):
    advisor = client_for("advisor_a")
    advisor.get(list_url(household))
    for number in range(12):
        add_document(household, user=world.users["advisor_a" if number % 2 else "manager_a"])
    with django_assert_max_num_queries(14):
        response = advisor.get(list_url(household))
    assert response.text.count("/supprimer/") == 12


def test_the_file_page_panel_lists_the_documents_in_one_query(world, household, django_assert_num_queries):
    for _number in range(5):
        add_document(household, user=world.users["advisor_a"])
    template = Template("{% load documents %}{% documents_panel household %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"household": household}))
    assert html.count("CV Durand.pdf") >= 5 and 'name="return_to" value="file"' in html


# --- A village committee -------------------------------------------------------------------------------------------


def test_a_committee_downloads_a_shared_document_under_a_name_without_the_family_name(world, client_for, household):
    document = add_document(household, shared=True, name="CV Hélène Durand.pdf")
    response = client_for("volunteer_a1").get(committee_url(document, world.village_a1))
    assert response.status_code == 200 and read(response) == PDF
    assert response["Content-Disposition"] == f'attachment; filename="cv-{document.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
    entry = ActionLog.objects.get(action="prospect.read_by_committee")
    assert entry.object_id == str(household.pk) and entry.data["document"] == document.pk


def test_a_committee_gets_404_for_a_document_not_shared(world, client_for, household):
    document = add_document(household, shared=False)
    assert client_for("volunteer_a1").get(committee_url(document, world.village_a1)).status_code == 404


def test_a_committee_gets_404_once_the_household_withdrew_its_consent_to_sharing(world, client_for, household):
    document = add_document(household, shared=True)
    volunteer = client_for("volunteer_a1")
    assert volunteer.get(committee_url(document, world.village_a1)).status_code == 200
    withdraw_consent(household, "sharing")
    assert volunteer.get(committee_url(document, world.village_a1)).status_code == 404


def test_a_committee_without_consent_to_sharing_gets_404(world, client_for):
    refused = make_household(world.territory_a, villages=[world.village_a1], sharing=False)
    document = add_document(refused, shared=True)
    assert client_for("volunteer_a1").get(committee_url(document, world.village_a1)).status_code == 404


def test_another_village_committee_gets_404_for_a_shared_document(world, client_for, household):
    document = add_document(household, shared=True)
    assert client_for("volunteer_a2").get(committee_url(document, world.village_a2)).status_code == 404
    assert client_for("volunteer_a2").get(committee_url(document, world.village_a1)).status_code == 404


def test_the_committee_list_shows_only_the_shared_documents(world, household):
    shared = add_document(household, shared=True)
    kept = add_document(household, shared=False)
    html = Template("{% load documents %}{% committee_documents household village %}").render(
        Context({"household": household, "village": world.village_a1})
    )
    assert committee_url(shared, world.village_a1) in html
    assert f"/{kept.pk}/" not in html and "Durand" not in html


# --- Export, erasure, merge ----------------------------------------------------------------------------------------


def test_the_data_export_describes_the_documents_without_their_bytes(household):
    add_document(household, name="Plan Durand.pdf")
    export = export_household(household)
    [entry] = export["documents"]
    assert entry["name"] == "Plan Durand.pdf" and entry["size"] == len(PDF) and entry["type"] == "PDF"
    assert entry["kind"] == "CV" and entry["added_on"]
    assert "PDF-1.4" not in str(export)


def test_erasure_deletes_the_rows_and_their_files(household, django_capture_on_commit_callbacks):
    paths = [on_disk(add_document(household)) for _number in range(2)]
    assert all(path.exists() for path in paths)
    with django_capture_on_commit_callbacks(execute=True):
        anonymise_household(household, reason="test")
    assert not Document.objects.exists()
    assert not any(path.exists() for path in paths)


def test_merged_files_keep_the_documents_of_both(world, household):
    other = make_household(world.territory_a, last_name="Durand")
    document = add_document(other)
    merge_households(household, other, [], world.users["advisor_a"])
    document.refresh_from_db()
    assert document.household == household and on_disk(document).exists()


def test_the_admin_page_of_a_document_logs_the_read_of_the_household(world, client_for, household):
    operator = world.users["platform_admin"]
    operator.is_staff = operator.is_superuser = True
    operator.save()
    document = add_document(household)
    response = client_for("platform_admin").get(reverse("admin:documents_document_change", args=[document.pk]))
    assert response.status_code == 200
    entry = ActionLog.objects.get(action="prospect.read")
    assert entry.object_id == str(household.pk) and entry.data == {"admin": "documents.document"}


def test_the_household_sends_a_document_from_its_personal_space_and_the_advisor_is_told(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from sohosolo.prospects.models import FileNews
    from tests.privacy_helpers import full_household, open_space

    household = full_household(world)
    household.advisor = world.users["advisor_a"]
    household.save()
    visitor = Client()
    open_space(visitor)
    url = reverse("privacy:space_documents")
    pdf = SimpleUploadedFile("mon-cv.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    response = visitor.post(url, {"file": pdf, "kind": "cv", "description": "Mon CV à jour"})
    assert response.status_code == 302
    document = household.documents.get()
    assert document.added_by_household and document.uploaded_by is None and not document.shared_with_committee
    assert "mon-cv.pdf" in visitor.get(url).text
    news = FileNews.objects.get(household=household, kind="document_added")
    assert news.advisor == world.users["advisor_a"]
    # A page disguised as a PDF is refused, nothing kept.
    fake = SimpleUploadedFile("cv.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    assert visitor.post(url, {"file": fake, "kind": "cv"}).status_code == 400
    assert household.documents.count() == 1
    # Without an open space: nothing.
    assert Client().post(url, {"file": pdf, "kind": "cv"}).status_code == 403
