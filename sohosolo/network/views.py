"""The club's directory and members' space, partners, and introductions (the team's side and both answering sides)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sohosolo.accounts.models import RoleKind
from sohosolo.accounts.scopes import get_territory_or_404, scope_required, staff_required
from sohosolo.accounts.services import invite
from sohosolo.accounts.throttle import Throttle
from sohosolo.audit.log import log_action
from sohosolo.lib.addresses import client_address
from sohosolo.lib.emails import send_email_to_user
from sohosolo.network import services
from sohosolo.network.forms import (
    CheckInForm,
    ContactMemberForm,
    DirectoryFilterForm,
    IntroductionForm,
    MemberApplicationForm,
    MemberProfileForm,
    MetForm,
    OutcomeForm,
    PartnerContactFormSet,
    PartnerForm,
    PartnerInviteForm,
    ProspectAnswerForm,
    StaffMemberForm,
)
from sohosolo.network.models import Answer, Introduction, MemberMessage, MemberProfile, Partner, Skill
from sohosolo.prospects.access import get_household_or_404, log_read
from sohosolo.territory.models import Commune, Territory

DIRECTORY_PAGE_SIZE = 24
STAFF_PAGE_SIZE = 50
MESSAGES_PER_DAY = 10
APPLICATIONS_PER_ADDRESS_PER_HOUR = 5

member_required = scope_required(lambda scope: bool(scope.member_territory_ids))
party_required = scope_required(lambda scope: bool(scope.member_territory_ids or scope.partner_territory_ids))


def map_context() -> dict:
    return {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_ATTRIBUTION}


# --- The directory -------------------------------------------------------------------------------------------------


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The club's members: the public directory for everyone, members-only profiles too for the club's members and
    its team. Search by skill, activity and commune, with a map of where members live."""
    visible = MemberProfile.objects.visible_to(request.user)
    communes = Commune.objects.filter(pk__in=visible.values("commune")).order_by("name")
    form = DirectoryFilterForm(communes, request.GET or None)
    profiles = form.filter(visible)
    page = Paginator(
        profiles.select_related("user", "commune").prefetch_related("skills").order_by("user__full_name"),
        DIRECTORY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    points = [
        {
            "name": _("%(commune)s: %(count)s") % {"commune": row["commune__name"], "count": row["n"]},
            "lat": row["commune__latitude"],
            "lon": row["commune__longitude"],
            "url": f"?commune={row['commune']}",
        }
        for row in profiles.filter(commune__latitude__isnull=False)
        .order_by()
        .values("commune", "commune__name", "commune__latitude", "commune__longitude")
        .annotate(n=Count("pk", distinct=True))
    ]
    territories = Territory.objects.filter(villages__isnull=False).distinct().order_by("name")
    context = {
        "form": form,
        "page": page,
        "points": points,
        "map": map_context(),
        "territories": territories,
        "signed_in_view": request.user.is_authenticated
        and (request.user.scope.member_territory_ids or request.user.scope.is_staff),
        "popular_skills": Skill.objects.filter(members__in=visible).annotate(n=Count("members")).order_by("-n")[:12],
    }
    return render(request, "network/directory.html", context)


def visible_member_or_404(request: HttpRequest, pk: int) -> MemberProfile:
    profile = (
        MemberProfile.objects.visible_to(request.user)
        .select_related("user", "commune", "territory")
        .filter(pk=pk)
        .first()
    )
    if profile is None:
        raise Http404("No such member in the directory.")
    return profile


@require_GET
def member(request: HttpRequest, pk: int) -> HttpResponse:
    profile = visible_member_or_404(request, pk)
    can_write = (
        request.user.is_authenticated
        and profile.territory_id in request.user.scope.member_territory_ids
        and profile.user_id != request.user.pk
    )
    context = {"profile": profile, "skills": profile.skills.all(), "can_write": can_write}
    return render(request, "network/member.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def contact_member(request: HttpRequest, pk: int) -> HttpResponse:
    """A member writes to another: the message goes by email, neither address is shown to the other."""
    profile = visible_member_or_404(request, pk)
    if profile.territory_id not in request.user.scope.member_territory_ids or profile.user_id == request.user.pk:
        raise Http404("Members write to members of their own club.")
    form = ContactMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        since = timezone.now() - timedelta(days=1)
        if MemberMessage.objects.filter(sender=request.user, sent_at__gte=since).count() >= MESSAGES_PER_DAY:
            form.add_error(None, _("You have sent many messages today. Try again tomorrow."))
        else:
            sender_profile = MemberProfile.objects.filter(user=request.user).first()
            MemberMessage.objects.create(sender=request.user, recipient=profile)
            send_email_to_user(
                profile.user,
                "member-message",
                {
                    "sender": request.user,
                    "sender_profile": sender_profile,
                    "subject": form.cleaned_data["subject"],
                    "message": form.cleaned_data["message"],
                },
            )
            messages.success(
                request, _("Your message is on its way to %(name)s.") % {"name": profile.user.get_short_name()}
            )
            return redirect(profile.get_absolute_url())
    return render(request, "network/contact_member.html", {"profile": profile, "form": form})


# --- Joining -------------------------------------------------------------------------------------------------------


def too_many_applications(request: HttpRequest) -> bool:
    """At most a few an hour from one address: enough for a family, too few for a robot."""
    return Throttle("club-applications", APPLICATIONS_PER_ADDRESS_PER_HOUR, 3600).over(client_address(request))


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """A Solo already living in the territory asks to join the club; the team approves."""
    territory = get_object_or_404(Territory, code=code)
    form = MemberApplicationForm(territory, request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        if too_many_applications(request):
            form.add_error(None, _("Several applications were just sent from your connection. Try again in an hour."))
        else:
            data = form.cleaned_data
            services.apply_to_club(
                territory,
                full_name=data["full_name"],
                email=data["email"],
                language=data["language"],
                profile_fields=form.profile_fields(),
            )
            return redirect("network:applied", code=territory.code)
    status = 400 if form.errors else 200
    return render(request, "network/apply.html", {"form": form, "territory": territory}, status=status)


@require_GET
def applied(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_object_or_404(Territory, code=code)
    return render(request, "network/applied.html", {"territory": territory})


# --- The member's own space ----------------------------------------------------------------------------------------


def own_profile(user) -> MemberProfile:
    """The member's profile; a member given the role by hand gets an empty one to fill."""
    profile = MemberProfile.objects.select_related("territory", "user").filter(user=user).first()
    if profile is None:
        territory = Territory.objects.get(pk=min(user.scope.member_territory_ids))
        profile = MemberProfile.objects.create(
            user=user,
            territory=territory,
            member_since=timezone.localdate(),
            renewal_on=timezone.localdate() + services.MEMBERSHIP_YEAR,
        )
        profile.refresh_search_text()
    return profile


@member_required
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    profile = own_profile(request.user)
    form = MemberProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        log_action(request.user, "member.profile_changed", profile, {"fields": form.changed_data})
        messages.success(request, _("Your profile is saved."))
        return redirect("network:my_profile")
    return render(request, "network/my_profile.html", {"form": form, "profile": profile})


def introductions_for(user):
    return (
        Introduction.objects.addressed_to(user)
        .select_related("member__user", "partner", "territory")
        .order_by("-created_at")
    )


@party_required
@require_GET
def my_introductions(request: HttpRequest) -> HttpResponse:
    """The introductions addressed to this member or to this partner: names, purposes, what the prospect gave."""
    page = Paginator(introductions_for(request.user), STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "network/my_introductions.html", {"page": page})


@party_required
@require_http_methods(["GET", "POST"])
def my_introduction(request: HttpRequest, pk: int) -> HttpResponse:
    introduction = introductions_for(request.user).filter(pk=pk).first()
    if introduction is None:
        raise Http404("Not addressed to you.")
    met_form = MetForm(initial={"met_on": timezone.localdate()})
    check_in_form = CheckInForm(initial={"held_on": timezone.localdate()})
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("accept", "decline"):
            services.answer_as_party(introduction, action == "accept", request.user)
            messages.success(request, _("Your answer is recorded. Thank you."))
            return redirect("network:my_introduction", pk=pk)
        if action == "met" and introduction.status == Introduction.Status.ACCEPTED:
            met_form = MetForm(request.POST)
            if met_form.is_valid():
                services.mark_met(introduction, met_form.cleaned_data["met_on"], request.user)
                messages.success(request, _("Noted: you met."))
                return redirect("network:my_introduction", pk=pk)
        elif action == "check_in" and introduction.is_mentoring and introduction.is_open:
            check_in_form = CheckInForm(request.POST)
            if check_in_form.is_valid():
                data = check_in_form.cleaned_data
                services.add_check_in(introduction, data["held_on"], data["note"], request.user)
                messages.success(request, _("Check-in recorded."))
                return redirect("network:my_introduction", pk=pk)
        else:
            messages.error(request, _("This cannot be done any more."))
            return redirect("network:my_introduction", pk=pk)
    context = {
        "introduction": introduction,
        "check_ins": introduction.check_ins.all() if introduction.is_mentoring else [],
        "met_form": met_form,
        "check_in_form": check_in_form,
        "Status": Introduction.Status,
    }
    return render(request, "network/my_introduction.html", context)


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The prospect answers an introduction from the link in their email, and chooses what to give."""
    introduction = services.introduction_from_token(token)
    if introduction is None:
        return render(request, "network/answer_invalid.html", status=404)
    form = ProspectAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = request.POST.get("action") == "accept"
        services.answer_as_prospect(
            introduction, accept, form.cleaned_data["share_email"], form.cleaned_data["share_phone"]
        )
        introduction.refresh_from_db()
    answered = introduction.prospect_answer != Answer.PENDING
    return render(request, "network/answer.html", {"introduction": introduction, "form": form, "answered": answered})


# --- Partners ------------------------------------------------------------------------------------------------------


@require_GET
def partners(request: HttpRequest) -> HttpResponse:
    """The public page of the partner organisations and the services they offer Solos."""
    kind = request.GET.get("kind", "")
    listed = (
        Partner.objects.filter(is_public=True)
        .select_related("territory", "commune")
        .order_by("territory__name", "kind", "name")
    )
    if kind in Partner.Kind.values:
        listed = listed.filter(kind=kind)
    page = Paginator(listed, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = [(k, k.label) for k in Partner.Kind if Partner.objects.filter(is_public=True, kind=k).exists()]
    return render(request, "network/partners.html", {"page": page, "kind": kind, "kinds": kinds})


@staff_required
@require_GET
def staff_partners(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    listed = (
        Partner.objects.filter(territory=territory)
        .annotate(
            contact_count=Count("contacts", distinct=True),
            open_introductions=Count(
                "introductions",
                filter=Q(introductions__status__in=[Introduction.Status.PROPOSED, Introduction.Status.ACCEPTED]),
                distinct=True,
            ),
        )
        .order_by("kind", "name")
    )
    page = Paginator(listed, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "network/staff_partners.html", {"territory": territory, "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    return partner_form(request, territory, Partner(territory=territory))


@staff_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    partner = get_object_or_404(Partner, pk=pk, territory=territory)
    if request.method == "POST" and request.POST.get("action") == "invite":
        invite_form = PartnerInviteForm(partner, request.POST)
        if invite_form.is_valid():
            contact = invite_form.cleaned_data["contact"]
            try:
                role = invite(
                    inviter=request.user,
                    territory=territory,
                    email=contact.email,
                    full_name=contact.full_name,
                    language=contact.language,
                    kind=RoleKind.PARTNER,
                )
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                contact.user = role.user
                contact.save(update_fields=["user"])
                log_action(request.user, "partner.contact_invited", partner, {"contact": contact.full_name})
                messages.success(request, _("Done: %(email)s was told by email.") % {"email": contact.email})
        else:
            messages.error(request, _("Choose a contact with an email address and no account yet."))
        return redirect("network:partner_edit", code=territory.code, pk=partner.pk)
    return partner_form(request, territory, partner)


def partner_form(request: HttpRequest, territory: Territory, partner: Partner) -> HttpResponse:
    form = PartnerForm(territory, request.POST or None, instance=partner)
    contacts = PartnerContactFormSet(request.POST or None, instance=partner, prefix="contacts")
    if request.method == "POST":
        if form.is_valid() and contacts.is_valid():
            with transaction.atomic():
                created = partner.pk is None
                partner = form.save()
                contacts.instance = partner
                contacts.save()
                log_action(
                    request.user,
                    "partner.created" if created else "partner.changed",
                    partner,
                    {"fields": form.changed_data},
                )
            messages.success(request, _("The partner is saved."))
            return redirect("network:partner_edit", code=territory.code, pk=partner.pk)
        messages.error(request, _("Some answers need a look: nothing was saved."))
    context = {
        "territory": territory,
        "partner": partner,
        "form": form,
        "contacts": contacts,
        "invite_form": PartnerInviteForm(partner) if partner.pk else None,
    }
    return render(request, "network/partner_form.html", context, status=400 if request.method == "POST" else 200)


# --- The team's side of the club -----------------------------------------------------------------------------------


@staff_required
@require_GET
def staff_members(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:100]
    members = MemberProfile.objects.filter(territory=territory)
    counts = dict(members.order_by().values_list("status").annotate(n=Count("pk")))
    if status in MemberProfile.Status.values:
        members = members.filter(status=status)
    if query:
        members = members.search(query)
    page = Paginator(
        members.select_related("user", "commune").order_by("status", "user__full_name"), STAFF_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "territory": territory,
        "page": page,
        "status": status,
        "query": query,
        "statuses": [(s, counts.get(s.value, 0)) for s in MemberProfile.Status],
        "renewals_due": members.filter(
            status=MemberProfile.Status.ACTIVE, renewal_on__lte=timezone.localdate() + timedelta(days=30)
        ).count()
        if not status
        else None,
    }
    return render(request, "network/staff_members.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_member(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    profile = get_object_or_404(MemberProfile.objects.select_related("user", "territory"), pk=pk, territory=territory)
    action = request.POST.get("action", "save") if request.method == "POST" else None
    form = StaffMemberForm(
        request.POST if action == "save" else None, request.FILES if action == "save" else None, instance=profile
    )
    if action == "approve" and profile.status == MemberProfile.Status.APPLIED:
        services.approve_application(profile, request.user)
        messages.success(request, _("Approved: %(name)s is invited by email.") % {"name": profile.user})
        return redirect("network:staff_member", code=code, pk=pk)
    if action == "refuse" and profile.status == MemberProfile.Status.APPLIED:
        services.refuse_application(profile, request.user)
        messages.success(request, _("The application is refused; %(name)s is told by email.") % {"name": profile.user})
        return redirect("network:staff_member", code=code, pk=pk)
    if action == "renew" and profile.status in (
        MemberProfile.Status.ACTIVE,
        MemberProfile.Status.LAPSED,
        MemberProfile.Status.ENDED,
    ):
        services.renew_membership(profile, request.user)
        messages.success(
            request, _("Membership renewed until %(date)s.") % {"date": profile.renewal_on.strftime("%d/%m/%Y")}
        )
        return redirect("network:staff_member", code=code, pk=pk)
    if action == "end" and profile.status in (MemberProfile.Status.ACTIVE, MemberProfile.Status.LAPSED):
        services.end_membership(profile, request.user)
        messages.success(request, _("The membership has ended."))
        return redirect("network:staff_member", code=code, pk=pk)
    if action == "save":
        if form.is_valid():
            form.save()
            log_action(request.user, "member.profile_changed", profile, {"fields": form.changed_data})
            messages.success(request, _("The profile is saved."))
            return redirect("network:staff_member", code=code, pk=pk)
        messages.error(request, _("Some answers need a look: nothing was saved."))
    context = {
        "territory": territory,
        "profile": profile,
        "form": form,
        "introductions": profile.introductions.select_related("household").order_by("-created_at")[:20],
    }
    return render(request, "network/staff_member.html", context)


# --- Introductions: the team's side --------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def introduce(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """From a prospect's file: introduce them to a club member or a partner."""

    household = get_household_or_404(request, code, pk)
    territory = household.territory
    form = IntroductionForm(territory, request.POST or None, initial={"member": request.GET.get("member")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.propose_introduction(
            household,
            actor=request.user,
            kind=data["kind"],
            purpose=data["purpose"],
            member=data["member"],
            partner=data["partner"],
            months=data["months"],
        )
        messages.success(request, _("The introduction is proposed: both sides are told by email."))
        return redirect(household.get_absolute_url())
    status = 400 if form.errors else 200
    context = {"territory": territory, "household": household, "form": form}
    return render(request, "network/introduce.html", context, status=status)


@staff_required
@require_GET
def staff_introductions(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    status = request.GET.get("status", "")
    introductions = Introduction.objects.filter(territory=territory)
    counts = dict(introductions.order_by().values_list("status").annotate(n=Count("pk")))
    if status in Introduction.Status.values:
        introductions = introductions.filter(status=status)
    if request.GET.get("kind") == Introduction.Kind.MENTORING:
        introductions = introductions.filter(kind=Introduction.Kind.MENTORING)
    page = Paginator(
        introductions.select_related("member__user", "partner", "household__territory", "created_by").prefetch_related(
            Prefetch("household__members", to_attr="all_members")
        ),
        STAFF_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {
        "territory": territory,
        "page": page,
        "status": status,
        "statuses": [(s, counts.get(s.value, 0)) for s in Introduction.Status],
    }
    return render(request, "network/staff_introductions.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_introduction(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_territory_or_404(request, code)
    introduction = get_object_or_404(
        Introduction.objects.select_related("member__user", "partner", "household", "created_by"),
        pk=pk,
        territory=territory,
    )
    met_form = MetForm(initial={"met_on": timezone.localdate()})
    outcome_form = OutcomeForm()
    check_in_form = CheckInForm(initial={"held_on": timezone.localdate()})
    if request.method == "POST":
        action = request.POST.get("action")
        done = False
        if action == "met" and introduction.status == Introduction.Status.ACCEPTED:
            met_form = MetForm(request.POST)
            if met_form.is_valid():
                services.mark_met(introduction, met_form.cleaned_data["met_on"], request.user)
                done = True
        elif action == "outcome" and introduction.is_open:
            outcome_form = OutcomeForm(request.POST)
            if outcome_form.is_valid():
                services.record_outcome(introduction, outcome_form.cleaned_data["outcome"], request.user)
                done = True
        elif action == "check_in" and introduction.is_mentoring and introduction.is_open:
            check_in_form = CheckInForm(request.POST)
            if check_in_form.is_valid():
                data = check_in_form.cleaned_data
                services.add_check_in(introduction, data["held_on"], data["note"], request.user)
                done = True
        else:
            messages.error(request, _("This cannot be done any more."))
            return redirect("network:staff_introduction", code=code, pk=pk)
        if done:
            messages.success(request, _("Saved."))
            return redirect("network:staff_introduction", code=code, pk=pk)
    context = {
        "territory": territory,
        "introduction": introduction,
        "household": log_read(request, introduction.household),
        "check_ins": introduction.check_ins.select_related("recorded_by"),
        "met_form": met_form,
        "outcome_form": outcome_form,
        "check_in_form": check_in_form,
        "Status": Introduction.Status,
    }
    return render(request, "network/staff_introduction.html", context)
