"""The intranet's pages. Each view first finds the territory through get_intranet_territory_or_404 (404 for anyone
with no place in it), then narrows to what the user's roles open (sohosolo/intranet/access.py): a record outside
them is a 404 too; a page the user may see but not write to is a 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sohosolo.accounts.models import User
from sohosolo.accounts.scopes import role_required
from sohosolo.audit.log import log_action
from sohosolo.intranet.access import get_intranet_territory_or_404, intranet_access, intranet_territories
from sohosolo.intranet.forms import (
    DocumentForm,
    NoticeMessageForm,
    NoticeRequestForm,
    PostForm,
    ReplyForm,
    ThreadForm,
)
from sohosolo.intranet.models import Document, NoticeRequest, Post, Reply, Space, Thread
from sohosolo.lib.emails import send_email_to_user
from sohosolo.territory.models import Territory

PAGE_SIZE = 20
HOME_ITEMS = 5


def require_team(request: HttpRequest, territory: Territory) -> None:
    if not intranet_access(request.user).is_team(territory.pk):
        raise PermissionDenied


def require_space(request: HttpRequest, territory: Territory, space: str) -> None:
    if space not in intranet_access(request.user).spaces(territory.pk):
        raise Http404("No such discussion space in your scope.")


def require_notice_board(request: HttpRequest, territory: Territory) -> None:
    if not intranet_access(request.user).sees_notice_board(territory.pk):
        raise Http404("No notice board in your scope.")


def visible_posts(request: HttpRequest, territory: Territory):
    audiences = intranet_access(request.user).audiences(territory.pk)
    return Post.objects.filter(territory=territory, audience__in=audiences)


def visible_documents(request: HttpRequest, territory: Territory):
    audiences = intranet_access(request.user).audiences(territory.pk)
    return Document.objects.filter(territory=territory, audience__in=audiences)


def render_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """render() with what the intranet's menu needs: the discussion spaces and the notice board the user opens."""
    territory = context.get("territory")
    if territory is not None:
        access = intranet_access(request.user)
        spaces = access.spaces(territory.pk)
        context["nav_spaces"] = [(value, label) for value, label in Space.choices if value in spaces]
        context["nav_notice_board"] = access.sees_notice_board(territory.pk)
        context["nav_section"] = request.resolver_match.url_name.split("_")[0]
    return render(request, template, context)


# --- Home -----------------------------------------------------------------------------------------------------------


@role_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The intranets the user belongs to; straight to it when there is only one."""
    territories = list(intranet_territories(request.user))
    if len(territories) == 1:
        return redirect("intranet:home", territories[0].code)
    return render_page(request, "intranet/index.html", {"territories": territories})


@role_required
@require_GET
def home(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    access = intranet_access(request.user)
    spaces = access.spaces(territory.pk)
    context = {
        "territory": territory,
        "access": access,
        "is_team": access.is_team(territory.pk),
        "posts": visible_posts(request, territory).select_related("author")[:HOME_ITEMS],
        "threads": Thread.objects.filter(territory=territory, space__in=spaces).select_related("author")[:HOME_ITEMS]
        if spaces
        else [],
        "spaces": [(value, label) for value, label in Space.choices if value in spaces],
        "documents": visible_documents(request, territory)[:HOME_ITEMS],
        "notice_board": access.sees_notice_board(territory.pk),
        "notices": NoticeRequest.objects.filter(territory=territory, closed_at=None).select_related("author")[
            :HOME_ITEMS
        ]
        if access.sees_notice_board(territory.pk)
        else [],
    }
    return render_page(request, "intranet/home.html", context)


# --- News -----------------------------------------------------------------------------------------------------------


@role_required
@require_GET
def post_list(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    posts = visible_posts(request, territory).select_related("author")
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"territory": territory, "page": page, "is_team": intranet_access(request.user).is_team(territory.pk)}
    return render_page(request, "intranet/post_list.html", context)


@role_required
@require_GET
def post_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    post = get_object_or_404(visible_posts(request, territory).select_related("author"), pk=pk)
    context = {"territory": territory, "post": post, "is_team": intranet_access(request.user).is_team(territory.pk)}
    return render_page(request, "intranet/post_detail.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_team(request, territory)
    post = get_object_or_404(Post, pk=pk, territory=territory) if pk else Post(territory=territory)
    form = PostForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        if not post.pk:
            form.instance.author = request.user
        form.save()
        messages.success(request, _("The post is saved."))
        return redirect(post)
    return render_page(request, "intranet/post_form.html", {"territory": territory, "form": form, "post": post})


@role_required
@require_POST
def post_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_team(request, territory)
    post = get_object_or_404(Post, pk=pk, territory=territory)
    post.delete()
    messages.success(request, _("The post is deleted."))
    return redirect("intranet:post_list", territory.code)


# --- Discussions ----------------------------------------------------------------------------------------------------


@role_required
@require_http_methods(["GET", "POST"])
def thread_list(request: HttpRequest, code: str, space: str) -> HttpResponse:
    """The discussions of a space, the newest activity first, and the form to start one."""
    territory = get_intranet_territory_or_404(request, code)
    require_space(request, territory, space)
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        thread = form.save(commit=False)
        thread.territory, thread.space, thread.author = territory, space, request.user
        thread.save()
        messages.success(request, _("Your discussion is started."))
        return redirect(thread)
    threads = Thread.objects.filter(territory=territory, space=space).select_related("author")
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"territory": territory, "space": space, "space_label": Space(space).label, "page": page, "form": form}
    return render_page(request, "intranet/thread_list.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def thread_detail(request: HttpRequest, code: str, space: str, pk: int) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_space(request, territory, space)
    thread = get_object_or_404(Thread.objects.select_related("author"), pk=pk, territory=territory, space=space)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            reply = form.save(commit=False)
            reply.thread, reply.author = thread, request.user
            reply.save()
            Thread.objects.filter(pk=thread.pk).update(
                reply_count=F("reply_count") + 1, last_activity_at=reply.created_at
            )
        messages.success(request, _("Your reply is posted."))
        return redirect(f"{thread.get_absolute_url()}#reply-{reply.pk}")
    replies = thread.replies.select_related("author")
    page = Paginator(replies, 50).get_page(request.GET.get("page"))
    context = {
        "territory": territory,
        "space": space,
        "space_label": Space(space).label,
        "is_team": intranet_access(request.user).is_team(territory.pk),
        "thread": thread,
        "page": page,
        "form": form,
    }
    return render_page(request, "intranet/thread_detail.html", context)


@role_required
@require_POST
def thread_delete(request: HttpRequest, code: str, space: str, pk: int) -> HttpResponse:
    """The team moderates: a discussion goes with its replies."""
    territory = get_intranet_territory_or_404(request, code)
    require_space(request, territory, space)
    thread = get_object_or_404(Thread, pk=pk, territory=territory, space=space)
    require_team(request, territory)
    log_action(request.user, "intranet.thread_deleted", thread, {"title": thread.title}, territory=territory)
    thread.delete()
    messages.success(request, _("The discussion is deleted."))
    return redirect("intranet:thread_list", territory.code, space)


@role_required
@require_POST
def reply_delete(request: HttpRequest, code: str, space: str, pk: int, reply_id: int) -> HttpResponse:
    """Its author takes a reply back, or the team removes it."""
    territory = get_intranet_territory_or_404(request, code)
    require_space(request, territory, space)
    reply = get_object_or_404(Reply, pk=reply_id, thread_id=pk, thread__territory=territory, thread__space=space)
    if reply.author_id != request.user.pk:
        require_team(request, territory)
    with transaction.atomic():
        log_action(request.user, "intranet.reply_deleted", reply.thread, {"reply": reply.pk}, territory=territory)
        reply.delete()
        Thread.objects.filter(pk=pk, reply_count__gt=0).update(reply_count=F("reply_count") - 1)
    messages.success(request, _("The reply is deleted."))
    return redirect("intranet:thread_detail", territory.code, space, pk)


# --- Documents ------------------------------------------------------------------------------------------------------


SEARCH_MAX = 100  # characters of a search: what a person types, never a pattern too long for the database


@role_required
@require_GET
def document_list(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    documents = visible_documents(request, territory).select_related("uploaded_by")
    query = request.GET.get("q", "").strip()[:SEARCH_MAX]
    if query:
        documents = documents.filter(Q(title__icontains=query) | Q(description__icontains=query))
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "territory": territory,
        "page": page,
        "query": query,
        "is_team": intranet_access(request.user).is_team(territory.pk),
    }
    return render_page(request, "intranet/document_list.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_team(request, territory)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = form.save(commit=False)
        upload = form.cleaned_data["file"]
        document.territory, document.uploaded_by = territory, request.user
        document.content_type, document.size = form.content_type, upload.size
        document.filename = (upload.name or "document").rsplit("/", 1)[-1][:200]
        document.save()
        log_action(request.user, "intranet.document_added", document, {"audience": document.audience})
        messages.success(request, _("The document is added."))
        return redirect("intranet:document_list", territory.code)
    return render_page(request, "intranet/document_form.html", {"territory": territory, "form": form})


@role_required
@require_GET
def document_download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The file itself, only to whom its audience allows; never cached by a shared proxy."""
    territory = get_intranet_territory_or_404(request, code)
    document = get_object_or_404(visible_documents(request, territory), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is missing.") from missing
    inline = document.content_type in ("application/pdf", "image/jpeg", "image/png", "image/webp", "text/plain")
    response = FileResponse(
        handle, as_attachment=not inline, filename=document.filename, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@role_required
@require_POST
def document_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_team(request, territory)
    document = get_object_or_404(Document, pk=pk, territory=territory)
    log_action(request.user, "intranet.document_deleted", document, {"filename": document.filename})
    document.file.delete(save=False)
    document.delete()
    messages.success(request, _("The document is deleted."))
    return redirect("intranet:document_list", territory.code)


# --- Notice board ---------------------------------------------------------------------------------------------------


@role_required
@require_GET
def notice_list(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_notice_board(request, territory)
    closed = request.GET.get("etat") == "closes"
    kind = request.GET.get("type", "")
    notices = NoticeRequest.objects.filter(territory=territory, closed_at__isnull=not closed).select_related("author")
    if kind in NoticeRequest.Kind.values:
        notices = notices.filter(kind=kind)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX]
    if query:
        notices = notices.filter(
            Q(title__icontains=query) | Q(skills__icontains=query) | Q(description__icontains=query)
        )
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "territory": territory,
        "page": page,
        "closed": closed,
        "kind": kind,
        "query": query,
        "kinds": NoticeRequest.Kind.choices,
        "is_member": territory.pk in intranet_access(request.user).member,
    }
    return render_page(request, "intranet/notice_list.html", context)


@role_required
@require_http_methods(["GET", "POST"])
def notice_create(request: HttpRequest, code: str) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_notice_board(request, territory)
    if territory.pk not in intranet_access(request.user).member:
        raise PermissionDenied  # the board is the members' own: the team reads and closes, it does not post
    form = NoticeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        notice = form.save(commit=False)
        notice.territory, notice.author = territory, request.user
        notice.save()
        messages.success(request, _("Your request is on the board. Members answer you by message."))
        return redirect(notice)
    return render_page(request, "intranet/notice_form.html", {"territory": territory, "form": form})


def conversations(notice: NoticeRequest, user) -> list[dict]:
    """The author sees one conversation per member who wrote; another member sees their own with the author."""
    notice_messages = notice.messages.select_related("sender", "recipient")
    if user.pk != notice.author_id:
        notice_messages = notice_messages.filter(Q(sender=user) | Q(recipient=user))
    by_other: dict[int, dict] = {}
    for message in notice_messages:
        other = message.recipient if message.sender_id == user.pk else message.sender
        by_other.setdefault(other.pk, {"other": other, "messages": []})["messages"].append(message)
    return list(by_other.values())


@role_required
@require_http_methods(["GET", "POST"])
def notice_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_notice_board(request, territory)
    notice = get_object_or_404(NoticeRequest.objects.select_related("author"), pk=pk, territory=territory)
    user = request.user
    is_member = territory.pk in intranet_access(user).member
    is_author = notice.author_id == user.pk
    form = NoticeMessageForm(request.POST or None)
    if request.method == "POST":
        if not is_member or not notice.is_open:
            raise PermissionDenied
        recipient = notice.author
        if is_author:
            # The author answers someone who wrote to them about this request, no one else.
            recipient = User.objects.filter(
                pk=request.POST.get("to"), pk__in=notice.messages.filter(recipient=user).values("sender")
            ).first()
            if recipient is None:
                raise Http404("Nobody to answer.")
        if form.is_valid():
            message = form.save(commit=False)
            message.request, message.sender, message.recipient = notice, user, recipient
            message.save()
            send_email_to_user(
                recipient,
                "notice-message",
                {"sender_name": user.full_name, "notice": notice, "message": message},
            )
            messages.success(
                request,
                _("Your message is sent to %(name)s. Their answer will come by email too.")
                % {"name": recipient.full_name},
            )
            return redirect(notice)
    context = {
        "territory": territory,
        "notice": notice,
        "is_member": is_member,
        "is_author": is_author,
        "can_close": notice.is_open and (is_author or intranet_access(user).is_team(territory.pk)),
        "conversations": conversations(notice, user) if is_member else [],
        "message_count": notice.messages.count(),
        "form": form,
    }
    return render_page(request, "intranet/notice_detail.html", context)


@role_required
@require_POST
def notice_close(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    territory = get_intranet_territory_or_404(request, code)
    require_notice_board(request, territory)
    notice = get_object_or_404(NoticeRequest, pk=pk, territory=territory)
    if notice.author_id != request.user.pk and not intranet_access(request.user).is_team(territory.pk):
        raise PermissionDenied
    if notice.is_open:
        notice.closed_at = timezone.now()
        notice.save(update_fields=["closed_at"])
        log_action(request.user, "intranet.notice_closed", notice, territory=territory)
        messages.success(request, _("The request is closed: it no longer takes messages."))
    return redirect(notice)
