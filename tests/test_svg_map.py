"""The département map is a pure function of the communes: no database here, only stand-ins with their attributes."""

from __future__ import annotations

import math
import time
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from sohosolo.territory.maps import departement_svg

NS = "{http://www.w3.org/2000/svg}"


def square(lon: float, lat: float, size: float = 0.05) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def commune(code: str, lon: float, lat: float, *, town_hall: bool = True, rings=None) -> SimpleNamespace:
    return SimpleNamespace(
        insee_code=code,
        name=f"Commune {code}",
        latitude=lat + 0.02 if town_hall else None,
        longitude=lon + 0.02 if town_hall else None,
        rings=[square(lon, lat)] if rings is None else rings,
    )


COMMUNES = [
    commune("32003", 0.2, 43.5),  # north of the two others
    commune("32001", 0.0, 43.0),
    commune("32002", 0.1, 43.1, town_hall=False),
]


def render(communes=COMMUNES, highlighted=None, **kwargs) -> str:
    kwargs = {"title": "Gers", "description": "Partner villages of the Gers.", **kwargs}
    return departement_svg(communes, {} if highlighted is None else highlighted, **kwargs)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def min_y(path: ET.Element) -> float:
    numbers = path.get("d").replace("M", " ").replace("L", " ").replace("Z", " ").replace(",", " ").split()
    return min(float(n) for n in numbers[1::2])


def test_is_a_standalone_svg_with_a_title_a_description_and_a_role():
    root = parse(render())
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.text == "Gers"
    assert desc.text == "Partner villages of the Gers."
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert len(root.get("viewBox").split()) == 4
    assert int(root.get("width")) == 800


def test_one_path_per_commune_sorted_by_insee_code_and_output_is_deterministic():
    svg = render()
    assert len(parse(svg).findall(f".//{NS}path")) == 3
    assert svg == render(list(reversed(COMMUNES)))


def test_highlighted_commune_is_a_link_with_its_label_and_the_highlight_fill():
    root = parse(render(highlighted={"32002": ("Village & co", "/villages/gers/deux/?a=1&b=2")}))
    assert root.get("role") == "group"  # role="img" would hide the links from assistive technologies
    links = root.findall(f".//{NS}a")
    assert len(links) == 1
    link = links[0]
    assert link.get("href") == "/villages/gers/deux/?a=1&b=2"
    assert link.find(f"{NS}title").text == "Village & co"
    path = link.find(f"{NS}path")
    assert path.get("fill") == "#8a3b12"
    assert path.get("stroke") == "#ffffff"


def test_non_highlighted_communes_are_not_links_and_keep_the_plain_fill():
    root = parse(render(highlighted={"32002": ("Deux", "/deux/")}))
    up = parents(root)
    plain = [path for path in root.iter(f"{NS}path") if up[path].tag != f"{NS}a"]
    assert len(plain) == 2
    for path in plain:
        assert all(ancestor.tag != f"{NS}a" for ancestor in (up[path], up[up[path]]))
        assert (path.get("fill") or up[path].get("fill")) == "#efe9dc"
        assert (path.get("stroke") or up[path].get("stroke")) == "#b9b0a0"


def test_without_links_highlighted_communes_keep_their_label_and_the_svg_is_an_image():
    root = parse(render(highlighted={"32001": ("Un", "/un/")}, link_highlighted=False))
    assert root.get("role") == "img"
    assert root.findall(f".//{NS}a") == []
    assert [t.text for t in root.iter(f"{NS}title")] == ["Gers", "Un"]


def test_town_hall_dot_only_where_the_town_hall_is_known():
    root = parse(render(highlighted={"32001": ("Un", "/un/"), "32002": ("Deux", "/deux/")}))
    circles = root.findall(f".//{NS}circle")
    assert len(circles) == 1  # 32002 has no town-hall location
    up = parents(root)
    assert circles[0].get("r") == "3"
    assert up[circles[0]].get("fill") == "#f2b705"


def test_text_and_urls_are_escaped():
    evil = '<script>alert("x")</script> & co'
    svg = render(
        highlighted={"32001": (evil, '/x/?a=1&b="2"><script>')}, title=evil, description="Ain't <b>bold</b> & more"
    )
    assert "<script>" not in svg
    assert "<b>" not in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == evil
    assert root.find(f"{NS}desc").text == "Ain't <b>bold</b> & more"
    link = root.find(f".//{NS}a")
    assert link.get("href") == '/x/?a=1&b="2"><script>'
    assert link.find(f"{NS}title").text == evil
    assert root.findall(f".//{NS}script") == []


def test_north_is_up():
    # Paths come sorted by INSEE code: 32001 (latitude 43.0), 32002 (43.1), then 32003 (43.5), the northernmost.
    south, middle, north = parse(render()).findall(f".//{NS}path")
    assert min_y(north) < min_y(middle) < min_y(south)


def test_shape_is_not_stretched_east_west():
    # A "square" of 1° by 1° at 60° N is about twice as high as wide once projected.
    root = parse(render([commune("1", 10.0, 59.5, rings=[square(10.0, 59.5, 1.0)])]))
    _x, _y, width, height = (float(n) for n in root.get("viewBox").split())
    assert 1.8 < (height - 8) / (width - 8) < 2.2


def test_coordinates_are_rounded_to_one_decimal():
    d = parse(render()).find(f".//{NS}path").get("d")
    numbers = d.replace("M", " ").replace("L", " ").replace("Z", " ").replace(",", " ").split()
    assert all(len(n.partition(".")[2]) <= 1 for n in numbers)


def test_no_style_attribute_script_or_external_reference():
    svg = render(highlighted={"32001": ("Un", "/un/")})
    root = parse(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in (f"{NS}script", f"{NS}style", f"{NS}image", f"{NS}use")
    assert "xlink" not in svg


def test_communes_without_outline_are_skipped():
    root = parse(render([*COMMUNES, commune("32999", 5.0, 50.0, rings=[])]))
    assert len(root.findall(f".//{NS}path")) == 3


def test_no_outline_at_all_is_an_error_for_the_caller_to_handle():
    with pytest.raises(ValueError, match="no outline"):
        render([commune("32001", 0.0, 43.0, rings=[]), commune("32002", 0.1, 43.1, rings=[[]])])
    with pytest.raises(ValueError, match="no outline"):
        render([])


def test_a_whole_departement_is_drawn_quickly():
    communes = []
    for i in range(460):
        lon, lat = -0.3 + (i % 23) * 0.07, 43.2 + (i // 23) * 0.05
        ring = [[lon + 0.03 * math.cos(k * math.pi / 20), lat + 0.03 * math.sin(k * math.pi / 20)] for k in range(40)]
        communes.append(commune(f"32{i:03d}", lon, lat, rings=[ring]))
    start = time.perf_counter()
    svg = render(communes, {c.insee_code: ("V", "/v/") for c in communes[::40]})
    assert time.perf_counter() - start < 0.5  # about 20 ms in practice; generous for slow CI machines
    assert len(parse(svg).findall(f".//{NS}path")) == 460
