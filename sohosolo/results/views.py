from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sohosolo.accounts.scopes import get_territory_or_404, staff_required
from sohosolo.privacy.audit import log_action
from sohosolo.results.forms import FIRST_YEAR, GoalForm, PeriodForm
from sohosolo.results.report import chart_set, period_label, report_pdf, report_xlsx
from sohosolo.results.stats import DEFINITIONS, by_year, compute

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
        "languages": settings.LANGUAGES,
    }
    return render(request, "results/dashboard.html", context)


@require_GET
@staff_required
def annual_report(request: HttpRequest, code: str, year: int, fmt: str) -> HttpResponse:
    """The annual report for funders, as PDF or spreadsheet, in French or English (?langue=)."""
    territory = get_territory_or_404(request, code)
    if fmt not in CONTENT_TYPES or not FIRST_YEAR <= year <= 2100:
        raise Http404("No such report.")
    language = request.GET.get("langue") or request.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    content = (report_pdf if fmt == "pdf" else report_xlsx)(territory, year, language)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="sohosolo-{territory.code}-{year}-{language}.{fmt}"'
    return response


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
