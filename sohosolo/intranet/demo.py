"""Demo intranet: the team's news, discussions with the villages and in the club, a few documents (small PDFs made
here) and the members' notice board, written by the demo personas and the territory's other people.

Deterministic for a given `rng` and `now`; about twenty queries and a few small files per territory.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.utils.text import slugify

from sohosolo.accounts.models import RoleKind, User
from sohosolo.intranet.models import (
    Audience,
    Document,
    NoticeMessage,
    NoticeRequest,
    Post,
    Reply,
    Space,
    Thread,
)
from sohosolo.territory.models import Territory

DEMO_DOMAIN = "demo.sohosolo.fr"

# (days ago, audience, title, Markdown)
POSTS = [
    (2, Audience.VOLUNTEERS, "Réunion des comités d'accueil le {month}",
     "Bonjour à toutes et à tous,\n\nLa prochaine **réunion des comités** aura lieu à Auch, salle de la CCI.\n\n"
     "Au programme :\n\n- le point sur les familles accueillies cette année ;\n- les logements repérés dans les "
     "villages ;\n- l'organisation des journées découverte du printemps.\n\nMerci de confirmer votre venue dans la "
     "discussion « Réunion des comités »."),
    (4, Audience.MEMBERS, "Atelier du club : facturer à l'étranger",
     "Le prochain atelier du club porte sur la **facturation de clients hors de France** (TVA, devises, "
     "contrats).\n\nAnimé par un expert-comptable partenaire du programme. Inscription sur la page des "
     "[réunions et ateliers](/evenements/)."),
    (6, Audience.EVERYONE, "Bienvenue aux nouvelles familles",
     "Trois familles se sont installées ce mois-ci, à Lectoure, Marciac et Fleurance. Merci aux comités "
     "d'accueil et aux membres du club qui les ont accompagnées !"),
    (12, Audience.EVERYONE, "Soho Solo au salon de l'entrepreneuriat de Toulouse",
     "L'équipe tiendra un stand au salon de l'entrepreneuriat. Venez nous aider à présenter le Gers : "
     "*témoignages bienvenus*."),
    (20, Audience.VOLUNTEERS, "Nouvelle fiche « premier accueil »",
     "La fiche de premier accueil est dans la bibliothèque de documents. Elle résume ce que le comité propose à "
     "une famille qui visite le village : rencontre avec le maire, école, commerces, associations."),
    (35, Audience.MEMBERS, "Annuaire des membres : mettez votre profil à jour",
     "Pensez à compléter vos **compétences** : elles servent aux mises en relation avec les candidats."),
    (50, Audience.EVERYONE, "Bilan de l'année",
     "Le bilan annuel est disponible dans les documents. Merci à tous pour votre engagement."),
]  # fmt: skip

VILLAGE_THREADS = [
    ("Réunion des comités", ["Je serai là, avec deux membres du comité.", "Présente également.",
                              "Parfait, nous préparons la salle pour une quarantaine de personnes."]),
    ("Logements à louer dans les villages", ["À Lectoure, une maison avec jardin se libère en mars.",
                                            "À Marciac, un appartement au-dessus de la boulangerie.",
                                            "Merci ! Je les ajoute aux offres de logement."]),
    ("Accueillir une famille anglophone", ["Quelqu'un parle anglais dans votre comité ?",
                                          "Oui, notre secrétaire a vécu à Londres."]),
    ("Journées découverte du printemps", ["Nous proposons le marché du samedi et la visite de l'école."]),
]  # fmt: skip
CLUB_THREADS = [
    ("Un espace de coworking à Auch ?", ["Très intéressé, deux jours par semaine.", "Moi aussi, pour les réunions.",
                                        "Je connais un local libre près de la cathédrale."]),
    ("Fibre : retours d'expérience", ["Raccordé en trois semaines à Saint-Clar.", "Toujours en ADSL à Aignan…"]),
    ("Covoiturage vers la gare d'Agen", ["Je fais le trajet chaque lundi matin.",
                                        "Je peux vous rejoindre à Lectoure !"]),
    ("Apéro du club en terrasse", ["Bonne idée, à Fleurance ?", "Va pour Fleurance !"]),
]  # fmt: skip

# (days ago, audience, title, description, kind: "pdf" or "txt")
DOCUMENTS = [
    (3, Audience.VOLUNTEERS, "Fiche « premier accueil »", "Ce que le comité propose à une famille en visite.", "pdf"),
    (10, Audience.VOLUNTEERS, "Charte des comités d'accueil", "Rôle des bénévoles et confidentialité.", "pdf"),
    (18, Audience.MEMBERS, "Guide du membre du club", "Ateliers, annuaire, parrainage.", "pdf"),
    (45, Audience.EVERYONE, "Bilan annuel du programme", "Chiffres clés et témoignages.", "pdf"),
    (60, Audience.EVERYONE, "Contacts utiles", "Liste des partenaires et de l'équipe.", "txt"),
]

# (days ago, kind, title, description, skills, closed)
NOTICES = [
    (1, NoticeRequest.Kind.NEED, "Cherche graphiste pour un logo",
     "Je lance une activité de traiteur et cherche un ou une graphiste du club pour le logo et les cartes de "
     "visite.", "graphisme, identité visuelle", False),
    (3, NoticeRequest.Kind.OFFER, "Aide pour les premières déclarations URSSAF",
     "Installé depuis cinq ans en micro-entreprise, je peux aider les nouveaux à s'y retrouver.",
     "micro-entreprise, URSSAF", False),
    (8, NoticeRequest.Kind.NEED, "Traduction anglais d'un site web",
     "Mon site de gîte doit exister en anglais avant l'été.", "traduction, anglais", False),
    (15, NoticeRequest.Kind.OFFER, "Prêt d'un vidéoprojecteur", "Disponible pour vos réunions et ateliers.",
     "matériel", False),
    (25, NoticeRequest.Kind.NEED, "Photographe pour un catalogue", "Photos de mes créations en céramique.",
     "photographie", True),
    (40, NoticeRequest.Kind.OFFER, "Initiation aux réseaux sociaux", "Une heure offerte aux membres qui débutent.",
     "réseaux sociaux, communication", True),
]  # fmt: skip


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A small valid one-page PDF (Helvetica, Latin-1 text), without any library."""

    def text(value: str) -> str:
        data = value.encode("cp1252", "replace").decode("latin-1")
        return "(" + data.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    stream = ["BT", "/F1 18 Tf", "72 770 Td", f"{text(title)} Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        stream += [f"{text(line)} Tj", "0 -16 Td"]
    stream.append("ET")
    content = "\n".join(stream).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def people(territory: Territory, kind: RoleKind) -> list[User]:
    return list(User.objects.filter(roles__kind=kind, roles__territory=territory).order_by("pk").distinct())


def persona(login: str) -> User | None:
    return User.objects.filter(email=f"{login}@{DEMO_DOMAIN}").first()


def load_intranet(territory: Territory, rng: random.Random, now: datetime) -> dict[str, int]:
    """Fill the intranet of `territory` (its people must exist); return how many of each thing were made."""
    team = people(territory, RoleKind.MANAGER) + people(territory, RoleKind.ADVISOR)
    volunteers = people(territory, RoleKind.VOLUNTEER)
    members = people(territory, RoleKind.MEMBER)
    if not team:
        return {}
    # The personas first, so that signing in with them shows their own writings.
    for login, group in (("volunteer.lectoure", volunteers), ("volunteer.marciac", volunteers), ("member", members)):
        user = persona(login)
        if user in group:
            group.remove(user)
            group.insert(0, user)

    def ago(days: float) -> datetime:
        return now - timedelta(days=days, hours=rng.randint(1, 9), minutes=rng.randint(0, 59))

    month = (now + timedelta(days=20)).strftime("%d/%m")
    posts = [
        Post(
            territory=territory,
            audience=audience,
            title=title.format(month=month),
            body=body,
            author=team[i % len(team)],
            published_at=ago(days),
        )
        for i, (days, audience, title, body) in enumerate(POSTS)
    ]
    for p in posts:
        p.save()  # one by one: save() renders the Markdown

    threads = 0
    replies = []
    for space, specs, writers in ((Space.VILLAGES, VILLAGE_THREADS, volunteers), (Space.CLUB, CLUB_THREADS, members)):
        if not writers:
            continue
        for i, (title, answers) in enumerate(specs):
            started = ago(3 + 9 * i)
            thread = Thread(
                territory=territory,
                space=space,
                title=title,
                body=answers[0] if space == Space.CLUB else f"{title} : qu'en pensez-vous ?",
                author=writers[i % len(writers)] if space == Space.CLUB else team[0],
                created_at=started,
            )
            when = started
            authors = [*writers[:6], team[-1]]
            for answer in answers[1:] if space == Space.CLUB else answers:
                when = min(now, when + timedelta(hours=rng.randint(2, 40)))
                replies.append(Reply(thread=thread, author=rng.choice(authors), body=answer, created_at=when))
            thread.last_activity_at = when
            thread.reply_count = sum(1 for r in replies if r.thread is thread)
            thread.save()
            threads += 1
    for reply in replies:
        reply.thread_id = reply.thread.pk
        reply.save()

    storage = Document._meta.get_field("file").storage
    for days, audience, title, description, kind in DOCUMENTS:
        lines = [description, territory.name, "", "Document de démonstration."]
        if kind == "pdf":
            content, mime, filename = make_pdf(title, lines), "application/pdf", f"{title}.pdf"
        else:
            content = "\n".join([title, *lines, "", territory.email, territory.phone]).encode()
            mime, filename = "text/plain", f"{title}.txt"
        document = Document(
            territory=territory,
            audience=audience,
            title=title,
            description=description,
            filename=filename.replace("«", "").replace("»", "").replace("  ", " "),
            content_type=mime,
            size=len(content),
            uploaded_by=team[0],
            uploaded_at=ago(days),
        )
        # Fixed names, overwritten: loading the demo again (tests do, often) leaves no stray files behind.
        name = f"intranet/demo/{territory.code}/{slugify(title)}{'.pdf' if kind == 'pdf' else '.txt'}"
        if storage.exists(name):
            storage.delete(name)
        document.file.name = storage.save(name, ContentFile(content))
        document.save()

    notices = []
    messages = []
    if members:
        for i, (days, kind, title, description, skills, closed) in enumerate(NOTICES):
            author = members[i % min(len(members), 4)]
            notice = NoticeRequest.objects.create(
                territory=territory,
                kind=kind,
                title=title,
                description=description,
                skills=skills,
                author=author,
                created_at=ago(days),
                closed_at=ago(days - 5) if closed else None,
            )
            notices.append(notice)
            helpers = [m for m in members[1:12] if m != author]
            for j, helper in enumerate(rng.sample(helpers, min(len(helpers), rng.randint(1, 2)))):
                sent = notice.created_at + timedelta(hours=3 + 5 * j)
                messages.append(
                    NoticeMessage(
                        request=notice,
                        sender=helper,
                        recipient=author,
                        body="Bonjour, je peux vous aider : écrivez-moi pour en parler.",
                        sent_at=min(now, sent),
                    )
                )
                messages.append(
                    NoticeMessage(
                        request=notice,
                        sender=author,
                        recipient=helper,
                        body="Merci beaucoup ! Seriez-vous disponible la semaine prochaine ?",
                        sent_at=min(now, sent + timedelta(hours=4)),
                    )
                )
        NoticeMessage.objects.bulk_create(messages)
    return {
        "intranet posts": len(posts),
        "discussions": threads,
        "replies": len(replies),
        "documents": len(DOCUMENTS),
        "notice-board requests": len(notices),
    }
