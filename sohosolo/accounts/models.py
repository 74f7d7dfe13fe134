"""Users sign in by email; what they may see comes from the roles they hold, each in a scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sohosolo.territory.models import Territory, Village


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="fr", help_text=_("Emails use it too.")
    )
    file_news_by_email = models.BooleanField(
        _("a daily email of the news on my files"),
        default=False,
        help_text=_("Proposals answered, registrations, visits recorded… also shown in My day."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("access to the Django admin"), default=False)
    date_joined = models.DateTimeField(_("joined on"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_case_insensitive")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def scope(self):
        """What this user may see, computed once per request (the helpers that use it: sohosolo.accounts.scopes)."""
        if not hasattr(self, "_scope_cache"):
            self._scope_cache = Scope.for_user(self)
        return self._scope_cache


class RoleKind(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    MANAGER = "manager", _("Programme manager")
    ADVISOR = "advisor", _("Advisor")
    VOLUNTEER = "volunteer", _("Village volunteer")
    MEMBER = "member", _("Club member")
    PARTNER = "partner", _("Partner")


STAFF_ROLES = (RoleKind.MANAGER, RoleKind.ADVISOR)


@dataclass(frozen=True)
class Scope:
    """The roles of one user, flattened into sets of ids (one query, cached on the user for the request)."""

    is_admin: bool = False
    managed_territory_ids: frozenset[int] = field(default_factory=frozenset)
    advised_territory_ids: frozenset[int] = field(default_factory=frozenset)
    volunteer_village_ids: frozenset[int] = field(default_factory=frozenset)
    member_territory_ids: frozenset[int] = field(default_factory=frozenset)
    partner_territory_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user) -> Scope:
        if not user.is_authenticated or not user.is_active:
            return cls()
        sets: dict[str, set[int]] = {kind: set() for kind in RoleKind.values}
        is_admin = user.is_superuser
        for kind, territory_id, village_id in user.roles.values_list("kind", "territory_id", "village_id"):
            if kind == RoleKind.PLATFORM_ADMIN:
                is_admin = True
            elif kind == RoleKind.VOLUNTEER:
                sets[kind].add(village_id)
            else:
                sets[kind].add(territory_id)
        return cls(
            is_admin=is_admin,
            managed_territory_ids=frozenset(sets[RoleKind.MANAGER]),
            advised_territory_ids=frozenset(sets[RoleKind.ADVISOR]),
            volunteer_village_ids=frozenset(sets[RoleKind.VOLUNTEER]),
            member_territory_ids=frozenset(sets[RoleKind.MEMBER]),
            partner_territory_ids=frozenset(sets[RoleKind.PARTNER]),
        )

    @property
    def staff_territory_ids(self) -> frozenset[int]:
        """Territories whose programme team the user belongs to (managers and advisors)."""
        return self.managed_territory_ids | self.advised_territory_ids

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.staff_territory_ids)

    @property
    def has_any_role(self) -> bool:
        return self.is_staff or bool(
            self.volunteer_village_ids or self.member_territory_ids or self.partner_territory_ids
        )

    def can_see_territory(self, territory_id: int) -> bool:
        return self.is_admin or territory_id in self.staff_territory_ids

    def can_manage_territory(self, territory_id: int) -> bool:
        return self.is_admin or territory_id in self.managed_territory_ids

    def can_see_village(self, village: Village) -> bool:
        return self.can_see_territory(village.territory_id) or village.pk in self.volunteer_village_ids


class CommitteeFunction(models.TextChoices):
    REFERENT = "referent", _("Referent")
    MEMBER = "member", _("Member")


class Role(models.Model):
    """One role of a user in one scope: the whole platform, a territory, or a partner village of a territory."""

    user = models.ForeignKey(User, models.CASCADE, related_name="roles", verbose_name=_("user"))
    kind = models.CharField(_("role"), max_length=20, choices=RoleKind.choices)
    territory = models.ForeignKey(
        Territory, models.CASCADE, null=True, blank=True, related_name="roles", verbose_name=_("territory")
    )
    village = models.ForeignKey(
        Village, models.CASCADE, null=True, blank=True, related_name="roles", verbose_name=_("partner village")
    )
    committee_function = models.CharField(
        _("function in the committee"),
        max_length=10,
        choices=CommitteeFunction.choices,
        blank=True,
        help_text=_("Only for a volunteer: the referent is the committee's contact for the programme team."),
    )
    granted_at = models.DateTimeField(_("granted on"), default=timezone.now)
    granted_by = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("granted by")
    )
    # An advisor's turn in the automatic assignment of new applications: when this role was last given one.
    last_given_at = models.DateTimeField(_("last given a new file on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["kind"]
        constraints = [
            # One role of a kind per scope (three partial constraints: NULLs are never equal in SQL).
            models.UniqueConstraint(
                fields=["user", "kind"], condition=models.Q(territory__isnull=True), name="role_unique_platform"
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "territory"],
                condition=models.Q(territory__isnull=False, village__isnull=True),
                name="role_unique_territory",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "village"],
                condition=models.Q(village__isnull=False),
                name="role_unique_village",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="platform_admin", territory__isnull=True, village__isnull=True)
                    | models.Q(kind="volunteer", territory__isnull=False, village__isnull=False)
                    | (
                        models.Q(kind__in=["manager", "advisor", "member", "partner"])
                        & models.Q(territory__isnull=False, village__isnull=True)
                    )
                ),
                name="role_scope_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["territory", "kind"], name="role_territory_kind_idx")]

    def __str__(self) -> str:
        where = self.village or self.territory
        return f"{self.get_kind_display()} — {where}" if where else str(self.get_kind_display())

    def save(self, *args, **kwargs) -> None:
        if self.kind == RoleKind.VOLUNTEER and self.village_id:
            # A volunteer's territory is always their village's.
            self.territory_id = Village.objects.values_list("territory_id", flat=True).get(pk=self.village_id)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.kind == RoleKind.PLATFORM_ADMIN:
            self.territory = self.village = None
        elif self.kind == RoleKind.VOLUNTEER:
            if not self.village_id:
                raise ValidationError({"village": _("A volunteer belongs to a partner village.")})
        else:
            self.village = None
            if not self.territory_id:
                raise ValidationError({"territory": _("This role belongs to a territory.")})


class Invitation(models.Model):
    """An email inviting someone to activate their account with a role; the link is valid for a while."""

    user = models.ForeignKey(User, models.CASCADE, related_name="invitations", verbose_name=_("user"))
    role = models.ForeignKey(Role, models.SET_NULL, null=True, related_name="+", verbose_name=_("role"))
    invited_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("sent on"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.user.email

    @property
    def expires_at(self):
        from datetime import timedelta

        return self.created_at + timedelta(days=settings.INVITATION_TIMEOUT_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class RateCounter(models.Model):
    """How many times something happened for one key (a hashed address, an email) in one fixed window of time: the
    throttles' counters (sohosolo.accounts.throttle), in the database so that every app server process and host
    shares them, whatever the cache."""

    name = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    window = models.BigIntegerField()  # the window's start, in seconds since 1970
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "key", "window"], name="ratecounter_once_per_window")]
        indexes = [models.Index(fields=["window"], name="ratecounter_window_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.count}"
