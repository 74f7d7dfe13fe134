"""Who may see what of a territory's intranet, from the user's roles (one query for the volunteers' territories).

access = intranet_access(request.user)
territory = get_intranet_territory_or_404(request, code)   # 404 unless the user has any place in it
posts = Post.objects.filter(access.posts_q())
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404, HttpRequest

from sohosolo.intranet.models import Audience, Space
from sohosolo.territory.models import Territory, Village


@dataclass(frozen=True)
class IntranetAccess:
    is_admin: bool
    staff: frozenset[int]
    volunteer: frozenset[int]
    member: frozenset[int]
    partner: frozenset[int]

    @property
    def territory_ids(self) -> frozenset[int]:
        return self.staff | self.volunteer | self.member | self.partner

    def sees_territory(self, territory_id: int) -> bool:
        return self.is_admin or territory_id in self.territory_ids

    def is_team(self, territory_id: int) -> bool:
        return self.is_admin or territory_id in self.staff

    def audiences(self, territory_id: int) -> set[str]:
        """The audiences of posts and documents this user reads in the territory."""
        if self.is_team(territory_id):
            return set(Audience.values)
        audiences = set()
        if territory_id in self.volunteer:
            audiences |= {Audience.VOLUNTEERS, Audience.EVERYONE}
        if territory_id in self.member:
            audiences |= {Audience.MEMBERS, Audience.EVERYONE}
        if territory_id in self.partner:
            audiences.add(Audience.EVERYONE)
        return audiences

    def spaces(self, territory_id: int) -> set[str]:
        """The discussion spaces this user reads and writes in the territory."""
        if self.is_team(territory_id):
            return set(Space.values)
        spaces = set()
        if territory_id in self.volunteer:
            spaces.add(Space.VILLAGES)
        if territory_id in self.member:
            spaces.add(Space.CLUB)
        return spaces

    def sees_notice_board(self, territory_id: int) -> bool:
        return self.is_team(territory_id) or territory_id in self.member

    def audience_q(self, territory_field: str = "territory_id") -> Q:
        """Posts or documents this user may read, in every territory (admins: all)."""
        if self.is_admin:
            return Q()
        by_audience: dict[frozenset, set[int]] = {}
        for territory_id in self.territory_ids:
            by_audience.setdefault(frozenset(self.audiences(territory_id)), set()).add(territory_id)
        q = Q(pk__in=[])
        for audiences, territory_ids in by_audience.items():
            q |= Q(**{f"{territory_field}__in": territory_ids, "audience__in": audiences})
        return q


def intranet_access(user) -> IntranetAccess:
    """Cached on the user for the request, like its scope."""
    if not hasattr(user, "_intranet_access_cache"):
        scope = user.scope
        volunteer = frozenset(
            Village.objects.filter(pk__in=scope.volunteer_village_ids).values_list("territory_id", flat=True)
            if scope.volunteer_village_ids
            else []
        )
        user._intranet_access_cache = IntranetAccess(
            is_admin=scope.is_admin,
            staff=scope.staff_territory_ids,
            volunteer=volunteer,
            member=scope.member_territory_ids,
            partner=scope.partner_territory_ids,
        )
    return user._intranet_access_cache


def intranet_territories(user):
    access = intranet_access(user)
    territories = Territory.objects.order_by("name")
    return territories if access.is_admin else territories.filter(pk__in=access.territory_ids)


def get_intranet_territory_or_404(request: HttpRequest, code: str) -> Territory:
    """The territory if the user has any place in its intranet (team, volunteer, member, partner); 404 otherwise."""
    territory = Territory.objects.filter(code=code).first()
    if territory is None or not intranet_access(request.user).sees_territory(territory.pk):
        raise Http404("No such intranet in your scope.")
    return territory
