from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.scopes import get_territory_or_404, role_required, staff_required
from sohosolo.audit.log import log_action
from sohosolo.housing.forms import (
    OfferForm,
    OfferPhotoForm,
    OfferStatusForm,
    ProposalForm,
    PublicFilterForm,
    StaffFilterForm,
    WeightsForm,
)
from sohosolo.housing.models import (
    Answer,
    HousingOffer,
    MatchingWeights,
    OfferPhoto,
    Proposal,
    ProposalItem,
    Status,
)
from sohosolo.housing.services import (
    PROPOSAL_LINK_DAYS,
    ProposalRefused,
    prospects_for_offer,
    rank_for_household,
    record_answers,
    send_proposal,
)
from sohosolo.prospects.access import get_household_or_404
from sohosolo.prospects.models import Household
from sohosolo.territory.models import Territory, Village

PUBLIC_PAGE_SIZE = 12
STAFF_PAGE_SIZE = 25
SHOWN_MATCHES = 30
SHOWN_EXCLUSIONS = 20
# The best villages are shown at once, the others behind "show all" (a territory has dozens of villages).
SHOWN_VILLAGES = 10


# --- Public pages -------------------------------------------------------------------------------------------------


def public_photos() -> Prefetch:
    return Prefetch("photos", queryset=OfferPhoto.objects.order_by("position", "uploaded_at"), to_attr="photo_list")


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """Public offers of every programme, with filters: tenure, budget, rooms, village, distance to the main town."""
    villages = Village.objects.public().filter(housing_offers__in=HousingOffer.objects.public()).distinct()
    form = PublicFilterForm(villages.order_by("name"), request.GET or None)
    offers = form.filter(
        HousingOffer.objects.public()
        .select_related("village__territory__main_town")
        .prefetch_related(public_photos())
        .order_by("-status_changed_at", "-pk")
    )
    page = Paginator(offers, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "housing/public_list.html", {"form": form, "page": page})


@require_GET
def public_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    offer = get_object_or_404(
        HousingOffer.objects.public().select_related("village__territory__main_town", "village__commune"),
        territory__code=code,
        pk=pk,
    )
    context = {"offer": offer, "village": offer.village, "territory": offer.territory, "photos": offer.photos.all()}
    return render(request, "housing/public_detail.html", context)


# --- The programme team and the villages' volunteers --------------------------------------------------------------


@dataclass(frozen=True)
class HousingAccess:
    """What a user may do with a territory's offers: the team everything; volunteers see all, edit their village's."""

    territory: Territory
    is_team: bool
    village_ids: frozenset[int]
    can_manage: bool = False

    def can_edit(self, offer: HousingOffer) -> bool:
        return self.is_team or offer.village_id in self.village_ids

    def editable_villages(self):
        villages = Village.objects.filter(territory=self.territory).exclude(status=Village.Status.ENDED)
        return villages if self.is_team else villages.filter(pk__in=self.village_ids)


def housing_access_or_404(request: HttpRequest, code: str) -> HousingAccess:
    territory = Territory.objects.filter(code=code).first()
    if territory is None:
        raise Http404("No such territory.")
    scope = request.user.scope
    village_ids = frozenset(
        Village.objects.filter(territory=territory, pk__in=scope.volunteer_village_ids).values_list("pk", flat=True)
    )
    is_team = scope.can_see_territory(territory.pk)
    if not is_team and not village_ids:
        raise Http404("Not in your scope.")
    return HousingAccess(territory, is_team, village_ids, scope.can_manage_territory(territory.pk))


def get_offer_or_404(
    request: HttpRequest, code: str, pk: int, edit: bool = False
) -> tuple[HousingOffer, HousingAccess]:
    """An offer of the territory for its team and volunteers; to change it, the team or its own village's volunteers.
    Everybody else gets 404."""
    access = housing_access_or_404(request, code)
    offer = get_object_or_404(
        HousingOffer.objects.select_related("village__territory__main_town", "village__commune", "created_by"),
        territory=access.territory,
        pk=pk,
    )
    if edit and not access.can_edit(offer):
        raise Http404("Not your village's offer.")
    return offer, access


@role_required
@require_GET
def offer_list(request: HttpRequest, code: str) -> HttpResponse:
    access = housing_access_or_404(request, code)
    villages = Village.objects.filter(territory=access.territory).order_by("name")
    form = StaffFilterForm(villages, request.GET or None)
    offers = form.filter(
        HousingOffer.objects.filter(territory=access.territory)
        .select_related("village__territory")
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(offers, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"access": access, "territory": access.territory, "form": form, "page": page}
    return render(request, "housing/offer_list.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest, code: str) -> HttpResponse:
    access = housing_access_or_404(request, code)
    villages = access.editable_villages().order_by("name")
    initial = {"village": request.GET.get("village")} if request.GET.get("village") else {}
    form = OfferForm(villages, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            offer = form.save(commit=False)
            offer.created_by = request.user
            offer.save()
            offer.status_changes.create(status=offer.status, changed_by=request.user)
            log_action(request.user, "offer.created", offer, {"village": offer.village.name})
        messages.success(request, _("The offer is saved as a draft. Add photos, then make it available."))
        return redirect(offer.get_absolute_url())
    status = 400 if form.errors else 200
    return render(request, "housing/offer_form.html", {"form": form, "territory": access.territory}, status=status)


@role_required
@require_GET
def offer_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    offer, access = get_offer_or_404(request, code, pk)
    can_edit = access.can_edit(offer)
    context = {
        "offer": offer,
        "territory": access.territory,
        "access": access,
        "can_edit": can_edit,
        "photos": offer.photos.all(),
        "status_changes": offer.status_changes.select_related("changed_by")[:20],
        "status_form": OfferStatusForm() if can_edit else None,
    }
    if access.is_team:
        context["proposed"] = (
            ProposalItem.objects.filter(offer=offer)
            .select_related("proposal__household", "proposal__territory")
            .prefetch_related("proposal__household__members")
            .order_by("-proposal__sent_at")
        )
        context["suited"] = prospects_for_offer(offer, limit=10) if offer.status == Status.AVAILABLE else []
    return render(request, "housing/offer_detail.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    offer, access = get_offer_or_404(request, code, pk, edit=True)
    form = OfferForm(access.editable_villages().order_by("name"), request.POST or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_action(request.user, "offer.changed", offer, {"fields": form.changed_data})
        messages.success(request, _("The offer is updated."))
        return redirect(offer.get_absolute_url())
    context = {"form": form, "offer": offer, "territory": access.territory}
    return render(request, "housing/offer_form.html", context, status=400 if form.errors else 200)


@role_required
@require_POST
def offer_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    offer, _access = get_offer_or_404(request, code, pk, edit=True)
    form = OfferStatusForm(request.POST)
    if form.is_valid() and form.cleaned_data["status"] in offer.next_statuses:
        old = offer.status
        offer.change_status(form.cleaned_data["status"], by=request.user)
        log_action(request.user, "offer.status", offer, {"from": old, "to": offer.status})
        messages.success(request, _("The offer is now: %(status)s.") % {"status": offer.get_status_display()})
    else:
        messages.error(request, _("This offer cannot take that status now."))
    return redirect(offer.get_absolute_url())


@role_required
@require_POST
def offer_confirm(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """ "Still up to date": the offer counts as updated today (no reminder for 60 more days)."""
    offer, _access = get_offer_or_404(request, code, pk, edit=True)
    offer.save(update_fields=["updated_at"])
    log_action(request.user, "offer.confirmed", offer)
    messages.success(request, _("Thank you: the offer is confirmed as up to date."))
    return redirect(offer.get_absolute_url())


@role_required
@require_http_methods(["GET", "POST"])
def offer_photos(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    offer, access = get_offer_or_404(request, code, pk, edit=True)
    form = OfferPhotoForm(
        request.POST or None,
        request.FILES or None,
        instance=OfferPhoto(offer=offer, position=offer.photos.count()),
    )
    if request.method == "POST" and form.is_valid():
        photo = form.save()
        offer.save(update_fields=["updated_at"])
        log_action(request.user, "offer.photo_added", offer, {"photo": photo.pk})
        messages.success(request, _("The photo is added."))
        return redirect("housing:offer_photos", code=code, pk=pk)
    context = {"form": form, "offer": offer, "territory": access.territory, "photos": offer.photos.all()}
    return render(request, "housing/offer_photos.html", context, status=400 if form.errors else 200)


@role_required
@require_POST
def offer_photo_delete(request: HttpRequest, code: str, pk: int, photo_id: int) -> HttpResponse:
    offer, _access = get_offer_or_404(request, code, pk, edit=True)
    get_object_or_404(OfferPhoto, pk=photo_id, offer=offer).delete_with_files()
    log_action(request.user, "offer.photo_deleted", offer, {"photo": photo_id})
    messages.success(request, _("The photo is deleted."))
    return redirect("housing:offer_photos", code=code, pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def weights(request: HttpRequest, code: str) -> HttpResponse:
    """A territory's matching weights, for its managers."""
    territory = get_territory_or_404(request, code, manage=True)
    form = WeightsForm(request.POST or None, instance=MatchingWeights.for_territory(territory))
    if request.method == "POST" and form.is_valid():
        form.save()
        log_action(request.user, "matching.weights", territory, form.cleaned_data)
        messages.success(request, _("The matching weights are saved."))
        return redirect("housing:weights", code=code)
    return render(
        request, "housing/weights.html", {"form": form, "territory": territory}, status=400 if form.errors else 200
    )


# --- Matching and proposals ---------------------------------------------------------------------------------------


def household_for_matching(request: HttpRequest, code: str, pk: int) -> Household:
    return get_household_or_404(
        request, code, pk, Household.objects.select_related("territory__main_town").with_main_contact()
    )


def matching_context(household: Household, form: ProposalForm) -> dict:
    ranking = rank_for_household(household)
    suggested_offers = ranking.suggested_offers[:SHOWN_MATCHES]
    excluded_offers = ranking.excluded_offers
    shown = [m.id for m in suggested_offers + excluded_offers[:SHOWN_EXCLUSIONS]]
    offers = HousingOffer.objects.select_related("village__territory").in_bulk(shown)
    villages = Village.objects.select_related("territory").in_bulk([m.id for m in ranking.villages])
    return {
        "household": household,
        "territory": household.territory,
        "form": form,
        "villages": [(m, villages[m.id]) for m in ranking.suggested_villages[:SHOWN_VILLAGES]],
        "more_villages": [(m, villages[m.id]) for m in ranking.suggested_villages[SHOWN_VILLAGES:]],
        "village_count": len(ranking.suggested_villages),
        "excluded_villages": [(m, villages[m.id]) for m in ranking.excluded_villages],
        "offers": [(m, offers[m.id]) for m in suggested_offers],
        "offer_count": len(ranking.suggested_offers),
        "excluded_offers": [(m, offers[m.id]) for m in excluded_offers[:SHOWN_EXCLUSIONS]],
        "excluded_offer_count": len(excluded_offers),
        "proposals": household.proposals.prefetch_related(
            Prefetch("items", queryset=ProposalItem.objects.select_related("village", "offer__village"))
        ).select_related("sent_by")[:10],
    }


@staff_required
@require_GET
def matching_page(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = household_for_matching(request, code, pk)
    form = ProposalForm(household.territory)
    return render(request, "housing/matching.html", matching_context(household, form))


@staff_required
@require_POST
def proposal_send(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    household = household_for_matching(request, code, pk)
    form = ProposalForm(household.territory, request.POST)
    if form.is_valid():
        try:
            send_proposal(
                household,
                list(form.cleaned_data["villages"]),
                list(form.cleaned_data["offers"]),
                form.cleaned_data["message"],
                request.user,
            )
        except ProposalRefused:
            form.add_error(None, _("This prospect has no email address: add one to their file first."))
        else:
            messages.success(request, _("The proposal is sent to the prospect by email."))
            return redirect("housing:matching", code=code, pk=pk)
    return render(request, "housing/matching.html", matching_context(household, form), status=400)


@require_http_methods(["GET", "POST"])
def proposal_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The prospect's own page, reached by the signed link of their email: interested or not, item by item."""
    proposal = Proposal.from_token(token, PROPOSAL_LINK_DAYS)
    if proposal is None:
        raise Http404("Unknown or expired link.")
    items = list(
        proposal.items.select_related("village__territory", "village__commune", "offer__village__territory").order_by(
            "-score", "pk"
        )
    )
    errors = False
    if request.method == "POST":
        answers = {}
        for item in items:
            answer = request.POST.get(f"answer-{item.pk}", "")
            comment = request.POST.get(f"comment-{item.pk}", "").strip()[:500]
            if answer in (Answer.INTERESTED, Answer.NOT_INTERESTED):
                answers[item.pk] = (answer, comment)
        if answers:
            record_answers(proposal, answers)
            messages.success(request, _("Thank you, your answers are sent to your advisor."))
            return redirect("housing:proposal_answer", token=token)
        messages.error(request, _("Choose “interested” or “not interested” for at least one proposal."))
        errors = True
    context = {"proposal": proposal, "items": items, "territory": proposal.territory, "token": token}
    return render(request, "housing/proposal_answer.html", context, status=400 if errors else 200)
