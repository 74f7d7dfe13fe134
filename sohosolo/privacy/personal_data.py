"""Hooks through which every app contributes to a household's data export and erasure (the privacy issue's).

An app holding personal data about a household connects receivers (in its AppConfig.ready):

    collect_household_data.connect(receiver)  # receiver(sender, household, **kwargs) -> (section_name, json_data)
    erase_household_data.connect(receiver)    # receiver(sender, household, **kwargs) -> None: blank personal fields

`collect_household_data.send(...)` returns the sections of the export; `erase_household_data.send(...)` runs inside
the erasure's transaction, after which the household keeps only anonymous figures.
"""

from django.dispatch import Signal

collect_household_data = Signal()
erase_household_data = Signal()
