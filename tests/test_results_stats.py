"""Results figures on small, hand-made data (the demo's figures are in test_results.py)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from sohosolo.prospects.models import Household, Stage
from sohosolo.results import stats
from sohosolo.results.recount import recount
from sohosolo.territory.models import Territory


def test_french_region_from_the_town_metropolitan_before_overseas(db):
    from sohosolo.territory.models import Commune

    Commune.objects.create(insee_code="93066", name="Saint-Denis", departement="93", region_name="Île-de-France",
                           population=113000)  # fmt: skip
    Commune.objects.create(insee_code="97411", name="Saint-Denis", departement="974", region_name="La Réunion",
                           population=153000)  # fmt: skip
    territory = Territory.objects.create(code="t", name="T", departement="32")
    for town in ("Saint-Denis", "saint-denis", "Nowhere"):
        Household.objects.create(territory=territory, current_country="France", current_town=town)
    Household.objects.create(territory=territory, current_country="Belgique", current_town="Bruxelles")
    today = timezone.localdate()
    for results in (
        stats.compute(territory, stats.Period(today, today)),
        recount(territory, stats.Period(today, today)),
    ):
        assert [(r.label, r.value) for r in results.regions] == [("Île-de-France", 2), ("Non renseigné", 1)]


def test_committees_activity_per_village(world):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from sohosolo.events.models import Event

    territory, lectoure = world.territory_a, world.village_a1
    interested = Household.objects.create(territory=territory, first_contact_on=date(2025, 3, 1))
    interested.villages_of_interest.add(lectoure)
    Household.objects.create(
        territory=territory, stage=Stage.SETTLED, first_contact_on=date(2024, 5, 1), settled_on=date(2025, 4, 1),
        settled_commune=lectoure.commune, settled_people=3,
    )  # fmt: skip
    paris = ZoneInfo("Europe/Paris")
    for starts_at in (datetime(2025, 2, 3, 18, tzinfo=paris), timezone.now() + timedelta(days=3)):
        Event.objects.create(
            territory=territory, village=lectoure, kind="committee", title_fr="Comité", starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
        )  # fmt: skip
    period = stats.Period(date(2025, 1, 1), timezone.localdate() + timedelta(days=30))
    rows = {row.village.pk: row for row in stats.compute(territory, period).villages}
    lectoure_row = rows[lectoure.pk]
    assert (lectoure_row.interested, lectoure_row.settled, lectoure_row.people, lectoure_row.meetings) == (1, 1, 3, 1)
    assert rows[world.village_a2.pk].interested == rows[world.village_a2.pk].meetings == 0


def test_committees_work_shows_per_village_on_the_dashboard(world):
    """Referrals received count in the village's row, within the period only (the committees app's records)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sohosolo.committees.models import Referral

    territory, lectoure = world.territory_a, world.village_a1
    paris = ZoneInfo("Europe/Paris")
    for when in (datetime(2025, 3, 1, 10, tzinfo=paris), datetime(2024, 6, 1, 10, tzinfo=paris)):
        household = Household.objects.create(territory=territory, first_contact_on=when.date())
        Referral.objects.create(household=household, village=lectoure, created_at=when)
    rows = {
        row.village.pk: row
        for row in stats.compute(territory, stats.Period(date(2025, 1, 1), date(2025, 12, 31))).villages
    }
    assert rows[lectoure.pk].referrals == 1
    assert rows[world.village_a2.pk].referrals == 0


def test_club_size_is_the_club_at_the_periods_end(world):
    """The dashboard counts the club's members at the period's end, from their membership dates."""
    from sohosolo.network.models import MemberProfile

    MemberProfile.objects.create(
        user=world.users["member"], territory=world.territory_a, status="active", member_since=date(2024, 3, 1)
    )
    year = {y: stats.Period(date(y, 1, 1), date(y, 12, 31)) for y in (2023, 2024)}
    assert stats.compute(world.territory_a, year[2023]).club_size == 0
    assert stats.compute(world.territory_a, year[2024]).club_size == 1


def test_a_years_goal_is_drawn_over_that_year_only():
    from sohosolo.results import charts

    rows = [("2024", 30), ("2025", 35), ("2026", 20)]
    svg = str(charts.columns(rows, chart_id="c", title="t", goal=40, goal_label="Goal", goal_for="2026"))
    dashed = [line for line in svg.split("<line") if "stroke-dasharray" in line and 'y1="10"' not in line]
    assert len(dashed) == 1
    x1 = float(dashed[0].split('x1="')[1].split('"')[0])
    assert x1 > 640 * 2 / 3 - 20  # over the last bar, not across 2024 and 2025


def test_month_names_never_alike():
    from django.utils import translation

    for language in ("fr", "en"):
        with translation.override(language):
            assert len({stats.month_name(m) for m in range(1, 13)}) == 12
