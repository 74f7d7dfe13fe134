"""Permission matrix lines for the prospects app: the application form, the team's files, a village's prospects and
the web import (see tests/matrix_site.py for the format, tests/test_permissions.py runs them)."""

from __future__ import annotations

from tests.matrix import STAFF_POST_ONLY, TEAM_A, every, only

OUTSIDERS = ("advisor_b",)  # staff of territory B
OUTSIDERS_OF_A1 = ("advisor_b", "volunteer_a2")  # and a volunteer of another village of territory A


def code(w) -> list:
    return [w.territory_a.code]


def household(w) -> list:
    return [w.territory_a.code, w.household.pk]


def done_import(w) -> list:
    """A finished import of territory A (made on demand, through the territory's related manager)."""
    return [w.territory_a.code, w.territory_a.import_jobs.get_or_create(status="done")[0].pk]


def import_with_rejections(w) -> list:
    """A finished import of territory A with a rejected row, downloadable as a spreadsheet."""
    report = {
        "headers": ["Nom", "Email"],
        "rejected": [{"line": 2, "reason": "email", "problems": [["bad_email", {"value": "x@"}]]}],
        "rejected_rows": [{"line": 2, "cells": ["Intrus", "x@"]}],
    }
    job, _created = w.territory_a.import_jobs.get_or_create(status="done", original_name="rejets.csv", report=report)
    return [w.territory_a.code, job.pk, "csv"]


def uploaded_import(w) -> list:
    return [w.territory_a.code, w.import_job.pk]


def csv_upload(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile("intrus.csv", b"Nom;Email\nIntrus;intrus@example.fr\n", "text/csv"),
        "mode": "all_or_nothing",
    }


def edit_data(w) -> dict:
    """The file's form, changed: its town and notes, its one member (the main contact) renamed."""
    return {
        "current_town": "Ailleurs",
        "language": "fr",
        "version": 0,
        "notes": "Piraté",
        "members-TOTAL_FORMS": 1,
        "members-INITIAL_FORMS": 1,
        "members-0-id": w.main_contact.pk,
        "members-0-is_main_contact": "on",
        "members-0-kind": "adult",
        "members-0-first_name": "Pirate",
        "members-0-last_name": "Durand",
    }


EXPECTED: dict = {
    "prospects:apply_choose": (lambda w: [], every(200)),
    "prospects:apply": (code, every(200)),
    "prospects:applied": (code, every(200)),
    "prospects:my_day": (lambda w: [], only(TEAM_A | {"advisor_b": 200})),
    "prospects:list": (code, only(TEAM_A)),
    "prospects:board": (code, only(TEAM_A)),
    "prospects:new": (code, only(TEAM_A)),
    "prospects:new_duplicates": (code, only(TEAM_A)),
    "prospects:export": (lambda w: [w.territory_a.code, "csv"], only(TEAM_A)),
    "prospects:bulk": (code, only(STAFF_POST_ONLY)),
    "prospects:save_view": (code, only(STAFF_POST_ONLY)),
    "prospects:delete_view": (lambda w: [w.territory_a.code, 1], only(STAFF_POST_ONLY)),
    "prospects:detail": (household, only(TEAM_A)),
    "prospects:edit": (household, only(TEAM_A)),
    "prospects:settle": (household, only(TEAM_A)),
    # Without another file to compare, the merge page sends back to the file.
    "prospects:merge": (household, only(dict.fromkeys(TEAM_A, 302))),
    **{
        name: (household, only(STAFF_POST_ONLY))
        for name in ("prospects:add_interaction", "prospects:add_follow_up", "prospects:set_stage", "prospects:assign")
    },
    "prospects:follow_up_done": (lambda w: [*household(w), 1], only(STAFF_POST_ONLY)),
    "prospects:village_list": (lambda w: [w.territory_a.code, w.village_a1.slug], only(TEAM_A | {"volunteer_a1": 200})),
    "prospects:village_detail": (
        lambda w: [w.territory_a.code, w.village_a1.slug, w.household.pk],
        only(TEAM_A | {"volunteer_a1": 200}),
    ),
    # The web import. The job pages need a finished import of territory A; its mapping page sends back to it.
    "prospects:import_upload": (code, only(TEAM_A)),
    "prospects:import_job": (done_import, only(TEAM_A)),
    "prospects:import_progress": (done_import, only(TEAM_A)),
    "prospects:import_mapping": (done_import, only(dict.fromkeys(TEAM_A, 302))),
    "prospects:import_cancel": (done_import, only(STAFF_POST_ONLY)),
    "prospects:import_rejected": (import_with_rejections, only(TEAM_A)),
}

POST: dict = {
    "prospects:bulk": (
        code,
        OUTSIDERS,
        lambda w: {"households": [w.household.pk], "action": "stage", "stage": "follow_up"},
    ),
    "prospects:save_view": (code, OUTSIDERS, {"name": "Vue pirate", "query": "stage=new"}),
    "prospects:delete_view": (lambda w: [w.territory_a.code, w.saved_view.pk], OUTSIDERS, {}),
    "prospects:edit": (household, OUTSIDERS, edit_data),
    "prospects:add_interaction": (
        household,
        OUTSIDERS,
        {"kind": "note", "summary": "Note pirate", "occurred_at": "2026-01-05T10:00"},
    ),
    "prospects:add_follow_up": (
        household,
        OUTSIDERS,
        lambda w: {"title": "Relance pirate", "due_on": "2026-07-01", "assignee": w.users["advisor_a"].pk},
    ),
    "prospects:follow_up_done": (lambda w: [*household(w), w.follow_up.pk], OUTSIDERS, {}),
    "prospects:set_stage": (household, OUTSIDERS, {"stage": "follow_up", "reason": ""}),
    "prospects:assign": (household, OUTSIDERS, lambda w: {"advisor": w.users["advisor_a"].pk}),
    "prospects:settle": (
        household,
        OUTSIDERS,
        lambda w: {"commune": w.village_a1.commune_id, "settled_on": "2026-01-05", "people": 2},
    ),
    "prospects:merge": (household, OUTSIDERS, lambda w: {"other": w.other_household.pk, "current_town": "other"}),
    "prospects:import_upload": (code, OUTSIDERS, csv_upload),
    "prospects:new": (
        code,
        OUTSIDERS,
        {
            "channel": "phone call",
            "first_name": "Pirate",
            "last_name": "Durand",
            "email": "pirate@example.org",
            "language": "fr",
            "consent_follow_up": "on",
        },
    ),
    "prospects:import_mapping": (uploaded_import, OUTSIDERS, {"action": "run"}),
    "prospects:import_cancel": (uploaded_import, OUTSIDERS, {}),
}

POST_EXEMPT: dict[str, str] = {
    "prospects:apply": "public: the application form, for anyone (throttled, its own tests)",
}


def build(world) -> None:
    """world.household: a prospect of territory A who agreed to share their project with the Lectoure committee
    (village A1); another file of A to merge into it, an open follow-up, a saved view and an uploaded import."""
    from sohosolo.privacy.consents import record_consents
    from sohosolo.prospects.models import FollowUp, Household, ImportJob, Person, SavedView

    world.household = Household.objects.create(territory=world.territory_a, current_town="Lyon")
    world.main_contact = Person.objects.create(
        household=world.household,
        is_main_contact=True,
        first_name="Hélène",
        last_name="Durand",
        email="helene.durand@example.fr",
    )
    world.household.villages_of_interest.add(world.village_a1)
    record_consents(world.household, {"follow_up": True, "sharing": True}, "fr", source="test")
    world.other_household = Household.objects.create(territory=world.territory_a, current_town="Nantes")
    Person.objects.create(household=world.other_household, is_main_contact=True, first_name="Hélène", last_name="D.")
    world.follow_up = FollowUp.objects.create(household=world.household, title="Rappeler", due_on="2026-07-01")
    world.saved_view = SavedView.objects.create(
        user=world.users["manager_a"], territory=world.territory_a, name="Nouveaux", query="stage=new"
    )
    world.import_job = ImportJob.objects.create(
        territory=world.territory_a, created_by=world.users["manager_a"], original_name="liste.csv"
    )
