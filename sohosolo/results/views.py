from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.audit.log import log_action
from sohosolo.results.forms import FIRST_YEAR, GoalForm, PeriodForm, ReportForm
from sohosolo.results.models import AnnualReport
from sohosolo.results.report import chart_set, period_label
from sohosolo.results.stats import DEFINITIONS, by_year, compute
from sohosolo.results.tasks import build_annual_report

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_GET
@staff_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """The programme's figures for a year or a custom period, each with its definition, charts and tables."""
    territory = get_territory_or_404(request, code)
    form = PeriodForm(request.GET or None)
    period = form.period()
    results = compute(territory, period)
    context = {
        "territory": territory,
        "form": form,
        "results": results,
        "charts": chart_set(results),
        "period_label": period_label(period),
        "previous_label": period_label(period.previous),
        "can_manage": request.user.scope.can_manage_territory(territory.pk),
        "report_form": ReportForm(
            initial={"year": period.end.year, "language": request.LANGUAGE_CODE, "format": AnnualReport.Format.PDF}
        ),
    }
    return render(request, "results/dashboard.html", context)


@staff_required
@require_POST
def request_report(request: HttpRequest, code: str) -> HttpResponse:
    """Ask for the annual report of a year, as PDF or spreadsheet, in French or English: written in the background."""
    territory = get_territory_or_404(request, code)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("results:dashboard", territory.code)
    report = AnnualReport.objects.create(territory=territory, requested_by=request.user, **form.cleaned_data)
    transaction.on_commit(lambda: build_annual_report.enqueue(report.pk))
    return redirect("results:report", territory.code, report.pk)


@require_GET
@staff_required
def report_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The report being written (the status block polls itself), then its download link."""
    territory = get_territory_or_404(request, code)
    report = get_object_or_404(AnnualReport, pk=pk, territory=territory)
    template = "results/report_status.html#status" if request.htmx else "results/report_status.html"
    return render(request, template, {"territory": territory, "report": report})


@require_GET
@staff_required
def report_download(request: HttpRequest, code: str, pk: int) -> FileResponse:
    territory = get_territory_or_404(request, code)
    report = get_object_or_404(AnnualReport, pk=pk, territory=territory, status=AnnualReport.Status.DONE)
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.filename,
        content_type=CONTENT_TYPES[report.format],
    )


@require_http_methods(["GET", "POST"])
@staff_required
def goals(request: HttpRequest, code: str) -> HttpResponse:
    """Goals per year against what was achieved; managers set them."""
    territory = get_territory_or_404(request, code, manage=request.method == "POST")
    form = GoalForm(request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        goal = form.save()
        log_action(
            request.user,
            "results.goal_set",
            goal,
            {"year": goal.year, "contacts": goal.contacts, "families_settled": goal.families_settled},
        )
        messages.success(request, _("The goals of %(year)s are saved.") % {"year": goal.year})
        return redirect("results:goals", territory.code)
    goal_list = list(territory.goals.order_by("-year"))
    last = max([g.year for g in goal_list], default=FIRST_YEAR)
    contacts = {int(r.label): r.value for r in by_year(territory, "first_contact_on", last)}
    settled = {int(r.label): r.value for r in by_year(territory, "settled_on", last)}
    rows = [
        {
            "goal": g,
            "contacts": contacts.get(g.year, 0),
            "settled": settled.get(g.year, 0),
            "contacts_percent": round(100 * contacts.get(g.year, 0) / g.contacts) if g.contacts else None,
            "settled_percent": round(100 * settled.get(g.year, 0) / g.families_settled) if g.families_settled else None,
        }
        for g in goal_list
    ]
    context = {
        "territory": territory,
        "form": form,
        "rows": rows,
        "can_manage": request.user.scope.can_manage_territory(territory.pk),
        "definitions": DEFINITIONS,
    }
    return render(request, "results/goals.html", context, status=400 if form.errors else 200)
