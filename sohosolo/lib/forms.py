"""Form fields that refuse a value no record could have before asking the database: a number too large for it
("villages=99999999999999999999999999" made SQLite raise instead of the form saying the choice is not valid), a date
in year 1 or 9999 (one hour from Paris to UTC, or a day added, is out of what Python's dates hold)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The years a date of the programme may fall in: a birth, a first contact in 2008, a meeting planned years ahead.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def sane_year(value) -> None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
        )


def bound_every_date_field() -> None:
    """Every date and date-time field of every form, the Django admin's and the model forms' included, refuses a
    year outside EARLIEST_YEAR-LATEST_YEAR (called once at start-up)."""
    for field_class in (forms.DateField, forms.DateTimeField):
        if sane_year not in field_class.default_validators:
            field_class.default_validators = [*field_class.default_validators, sane_year]


_SANE_INTEGER = re.compile(r"-?\d{1,18}")  # within a 64-bit integer, the largest any database's key takes


def _integer_key(field) -> bool:
    model_field = (
        field.queryset.model._meta.get_field(field.to_field_name)
        if field.to_field_name
        else field.queryset.model._meta.pk
    )
    return isinstance(model_field, models.IntegerField | models.AutoField)


def _sane(field, value) -> bool:
    return not _integer_key(field) or bool(_SANE_INTEGER.fullmatch(str(value).strip()))


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model) and not _sane(self, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for each in value if isinstance(value, list | tuple | set | frozenset) else ():
            if not isinstance(each, models.Model) and not _sane(self, each):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": str(each)[:20]}
                )
        return super()._check_values(value)
