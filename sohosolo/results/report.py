"""The charts of a period's results, and the annual report for funders as PDF (WeasyPrint) and XLSX (openpyxl).

The dashboard and the report draw their charts with the same functions (charts.py) from the same Results, so the
report's charts are the dashboard's.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import mimetypes

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from sohosolo.results import charts
from sohosolo.results.figures import refresh_figures
from sohosolo.results.stats import Period, Results, compute
from sohosolo.territory.maps import departement_svg
from sohosolo.territory.models import Commune, Territory

MAP_SECONDS = 24 * 3600
# WeasyPrint's font subsetting logs every table of every font at INFO level.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def period_label(period: Period) -> str:
    if period.is_year:
        return str(period.start.year)
    return _("%(start)s to %(end)s") % {
        "start": date_format(period.start, "SHORT_DATE_FORMAT"),
        "end": date_format(period.end, "SHORT_DATE_FORMAT"),
    }


def settlements_map(results: Results) -> str | None:
    """The département's communes, those where households settled in the period coloured (cached per content)."""
    territory = results.territory
    highlighted = {
        commune.insee_code: (
            _("%(commune)s: %(families)s households, %(people)s people")
            % {"commune": commune.name, "families": families, "people": people},
            "",
        )
        for commune, families, people in results.settled_communes
    }
    title = _("Where households settled, %(period)s") % {"period": period_label(results.period)}
    description = _(
        "Map of the communes of département %(dep)s; the %(count)s communes where households settled are coloured."
    ) % {"dep": territory.departement, "count": len(highlighted)}
    digest = hashlib.sha256(repr((sorted(highlighted.items()), title, description)).encode()).hexdigest()[:24]
    key = f"results-map:{territory.departement}:{digest}"
    svg = cache.get(key)
    if svg is None:
        communes = Commune.objects.in_departement(territory.departement).only(
            "insee_code", "name", "latitude", "longitude", "outline"
        )
        try:
            svg = departement_svg(
                communes, highlighted, title=title, description=description, width=640, link_highlighted=False
            )
        except ValueError:
            svg = ""
        cache.set(key, svg, MAP_SECONDS)
    return svg or None


def chart_set(results: Results) -> dict:
    """Every chart of the results, drawn in the active language."""
    goal = results.goal
    out = {
        "months": charts.columns(
            [r.pair for r in results.contacts_by_month],
            chart_id="chart-months",
            title=_("New contacts per month, %(period)s") % {"period": period_label(results.period)},
        ),
        "years": charts.columns(
            [r.pair for r in results.contacts_by_year],
            chart_id="chart-years",
            title=_("New contacts per year"),
        ),
        "settled_years": charts.columns(
            [r.pair for r in results.settled_by_year],
            chart_id="chart-settled-years",
            title=_("Families settled per year"),
            goal=goal.families_settled if goal else None,
            goal_for=str(goal.year) if goal else None,
            goal_label=_("Goal for %(year)s: %(families)s families")
            % {"year": goal.year, "families": goal.families_settled}
            if goal
            else "",
        ),
        "funnel": charts.bars(
            [(s.label, s.count) for s in results.funnel],
            chart_id="chart-funnel",
            title=_("Funnel of the files opened in the period"),
            suffixes=[f" ({number_format(s.rate)}\u202f%)" if s.rate is not None else "" for s in results.funnel],
        ),
        "sources": charts.bars([r.pair for r in results.sources], chart_id="chart-sources", title=_("Sources")),
        "activities": charts.bars(
            [r.pair for r in results.activities], chart_id="chart-activities", title=_("Activities")
        ),
        "countries": charts.bars(
            [r.pair for r in results.countries], chart_id="chart-countries", title=_("Country of residence")
        ),
        "regions": charts.bars(
            [r.pair for r in results.regions], chart_id="chart-regions", title=_("French region of residence")
        ),
        "map": settlements_map(results),
    }
    if goal:
        out["goal"] = charts.progress(
            results.key.settled_families,
            goal.families_settled,
            chart_id="chart-goal",
            title=_("Families settled against the goal"),
            projection=results.projection,
        )
    return out


# --- The annual report --------------------------------------------------------------------------------------------


def logo_data_uri(territory: Territory) -> str | None:
    if not territory.logo:
        return None
    try:
        with territory.logo.open("rb") as f:
            data = f.read()
    except OSError:
        return None
    mime = mimetypes.guess_type(territory.logo.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def logo_image(territory: Territory):
    """The territory's logo for the spreadsheet, at most 60 px high; None without a readable logo."""
    from openpyxl.drawing.image import Image as SheetImage
    from PIL import Image, UnidentifiedImageError

    if not territory.logo:
        return None
    try:
        with territory.logo.open("rb") as f:
            picture = Image.open(io.BytesIO(f.read()))
            picture.load()
    except (OSError, UnidentifiedImageError):
        return None
    picture.thumbnail((240, 60))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    out.seek(0)
    return SheetImage(out)


def report_context(territory: Territory, year: int) -> dict:
    refresh_figures()  # a report is written by the worker: every change counted, however many wait
    results = compute(territory, Period.year(year))
    return {
        "results": results,
        "charts": chart_set(results),
        "territory": territory,
        "period_label": period_label(results.period),
        "previous_label": period_label(results.period.previous),
        "logo": logo_data_uri(territory),
        "generated_on": timezone.localdate(),
    }


def report_pdf(territory: Territory, year: int, language: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which the web pages do not need

    with translation.override(language):
        html = render_to_string("results/report.html", report_context(territory, year) | {"language": language})
    return HTML(string=html).write_pdf()


def report_xlsx(territory: Territory, year: int, language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    with translation.override(language):
        context = report_context(territory, year)
        results: Results = context["results"]
        key, previous, goal = results.key, results.previous, results.goal
        book = Workbook()
        sheet = book.active
        sheet.title = _("Key figures")[:31]
        bold = Font(bold=True)
        sheet.append([territory.name])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([_("Annual activity report %(year)s") % {"year": year}])
        sheet.append([])
        sheet.append([_("Figure"), str(year), str(year - 1), _("Goal"), _("Definition")])
        for cell in sheet[4]:
            cell.font = bold
        d = results.definitions
        rows = [
            (_("New contacts"), key.new_contacts, previous.new_contacts, goal.contacts if goal else None,
             d["new_contacts"]),
            (_("Families settled"), key.settled_families, previous.settled_families,
             goal.families_settled if goal else None, d["settled"]),
            (_("People settled"), key.settled_people, previous.settled_people, None, d["settled"]),
            (_("Files followed at the year's end"), key.followed_end, previous.followed_end, None, d["followed_end"]),
            (_("Files followed today"), results.followed_now, None, None, d["followed_now"]),
            (_("Median days from first contact to settling"), results.median_days, None, None, d["median_days"]),
            (_("Projection of families settled at the year's end"), results.projection, None, None, d["goal"]),
            (_("Club members"), results.club_size, None, None, d["club"]),
        ]  # fmt: skip
        for label, *values, definition in rows:
            sheet.append([str(label), *values, str(definition)])
        sheet.column_dimensions["A"].width = 48
        sheet.column_dimensions["E"].width = 90
        logo = logo_image(territory)
        if logo is not None:
            sheet.add_image(logo, "F1")

        def table(title: str, header: list[str], data: list[list]) -> None:
            ws = book.create_sheet(title[:31])
            ws.append(header)
            for cell in ws[1]:
                cell.font = bold
            for row in data:
                ws.append(row)
            ws.column_dimensions["A"].width = 40
            return ws

        months = table(_("Contacts per month"), [_("Month"), _("New contacts")],
                       [[r.label, r.value] for r in results.contacts_by_month])  # fmt: skip
        chart = BarChart()
        chart.title = _("New contacts per month, %(period)s") % {"period": year}
        chart.legend = None
        chart.add_data(Reference(months, min_col=2, min_row=1, max_row=len(results.contacts_by_month) + 1),
                       titles_from_data=True)  # fmt: skip
        chart.set_categories(Reference(months, min_col=1, min_row=2, max_row=len(results.contacts_by_month) + 1))
        months.add_chart(chart, "D2")
        table(_("Per year"), [_("Year"), _("New contacts"), _("Families settled"), _("People settled")],
              _per_year(results))  # fmt: skip
        table(_("Funnel"), [_("Stage"), _("Files"), _("Share of the step before (%)")],
              [[s.label, s.count, s.rate] for s in results.funnel])  # fmt: skip
        for title, rows_ in [
            (_("Sources"), results.sources),
            (_("Activities"), results.activities),
            (_("Countries"), results.countries),
            (_("French regions"), results.regions),
        ]:
            table(title, [title, _("New contacts")], [[r.label, r.value] for r in rows_])
        table(_("Settlements"), [_("Commune"), _("Households"), _("People")],
              [[c.name, n, p] for c, n, p in results.settled_communes])  # fmt: skip
        table(_("Partner villages"),
              [_("Village"), _("Interested new contacts"), _("Households settled"), _("Committee meetings"),
               _("Referrals received"), _("Visits held"), _("Welcome actions done")],
              [[v.village.name, v.interested, v.settled, v.meetings, v.referrals, v.visits, v.actions_done]
               for v in results.villages])  # fmt: skip
        table(_("Events"), [_("Kind"), _("Held"), _("People present")],
              [[r.label, r.value, r.extra] for r in results.events])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _per_year(results: Results) -> list[list]:
    settled = {r.label: (r.value, r.extra) for r in results.settled_by_year}
    return [[int(r.label), r.value, *settled.get(r.label, (0, 0))] for r in results.contacts_by_year]
