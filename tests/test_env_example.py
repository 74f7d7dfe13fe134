import re
from pathlib import Path

from django.conf import settings


def test_env_example_lists_every_variable_the_settings_read():
    source = (Path(settings.BASE_DIR) / "sohosolo" / "settings.py").read_text()
    read = set(re.findall(r'env(?:_bool|_int|_list|_secret)?\(\s*"([A-Z0-9_]+)"', source))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (Path(settings.BASE_DIR) / ".env.example").read_text(), re.M))
    assert read, "the pattern no longer finds the settings' variables"
    assert read - listed == set()
