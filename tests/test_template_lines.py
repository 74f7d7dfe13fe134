"""Every template under sohosolo/ keeps its lines readable: none is longer than 160 characters."""

from pathlib import Path

MAX_LENGTH = 160
SOURCES = Path(__file__).resolve().parent.parent / "sohosolo"
SUFFIXES = {".html", ".txt", ".xml", ".svg"}


def template_files():
    for folder in sorted(SOURCES.rglob("templates")):
        if folder.is_dir():
            yield from sorted(path for path in folder.rglob("*") if path.is_file() and path.suffix in SUFFIXES)


def test_templates_are_found():
    assert any(path.name == "base.html" for path in template_files())


def test_no_template_line_is_longer_than_160_characters():
    too_long = []
    for path in template_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if len(line) > MAX_LENGTH:
                too_long.append(f"{path.relative_to(SOURCES.parent)}:{number} ({len(line)})")
    assert not too_long, f"{len(too_long)} template lines over {MAX_LENGTH} characters:\n" + "\n".join(too_long)
