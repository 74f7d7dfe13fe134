"""Small, self-contained SVG maps drawn from the commune outlines shipped with the code.

Pure functions: callers query the database and pass the communes in, so that a map can be cached, tested without a
database and served under the site's strict Content Security Policy (no inline style, no script, no external reference).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from math import cos, radians
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sohosolo.territory.models import Commune

SVG_NS = "http://www.w3.org/2000/svg"
TITLE_ID = "departement-map-title"
DESC_ID = "departement-map-desc"
# Room around the drawing so that strokes and town-hall dots on the edge are not clipped.
PADDING = 4.0

COMMUNE_FILL = "#efe9dc"
COMMUNE_STROKE = "#b9b0a0"
PARTNER_FILL = "#8a3b12"
PARTNER_STROKE = "#ffffff"
TOWN_HALL_FILL = "#f2b705"
TOWN_HALL_STROKE = "#3b2a1a"
TOWN_HALL_RADIUS = 3


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def departement_svg(
    communes: Iterable[Commune],
    highlighted: Mapping[str, tuple[str, str]],
    *,
    title: str,
    description: str,
    width: int = 800,
    link_highlighted: bool = True,
) -> str:
    """The communes of a département as a standalone, accessible SVG document, partner villages highlighted.

    `highlighted` maps an INSEE code to the (label, url) of its partner village. Only the attributes `insee_code`,
    `latitude`, `longitude` and `rings` of the communes are read. Raises ValueError("no outline") when no commune
    has an outline, so that the caller can say so in the visitor's language. The root is role="img", or
    role="group" when it holds links (`link_highlighted`), so that they stay reachable by assistive technologies.
    """
    if width <= 2 * PADDING:
        raise ValueError("width too small")
    # Rings read once per commune (`Commune.rings` parses JSON), without empty rings; communes without any skipped.
    drawn: list[tuple[str, Commune, list[list[list[float]]]]] = []
    for commune in sorted(communes, key=lambda c: c.insee_code):
        rings = [ring for ring in commune.rings if ring]
        if rings:
            drawn.append((commune.insee_code, commune, rings))
    if not drawn:
        raise ValueError("no outline")

    min_lon = min_lat = float("inf")
    max_lon = max_lat = float("-inf")
    for _code, _commune, rings in drawn:
        for ring in rings:
            lons = [point[0] for point in ring]
            lats = [point[1] for point in ring]
            min_lon, max_lon = min(min_lon, *lons), max(max_lon, *lons)
            min_lat, max_lat = min(min_lat, *lats), max(max_lat, *lats)

    # Equirectangular projection about the mean latitude: a degree of longitude is cos(latitude) of a degree of
    # latitude, so longitudes are shrunk by that much and the shape keeps its proportions. North is up (y flipped).
    x_factor = cos(radians((min_lat + max_lat) / 2))
    span_x = (max_lon - min_lon) * x_factor
    span_y = max_lat - min_lat
    inner_width = width - 2 * PADDING
    scale = inner_width / span_x if span_x > 0 else (inner_width / span_y if span_y > 0 else 1.0)
    height = round(span_y * scale + 2 * PADDING)
    sx = scale * x_factor

    def project(lon: float, lat: float) -> tuple[str, str]:
        return _num(PADDING + (lon - min_lon) * sx), _num(PADDING + (max_lat - lat) * scale)

    def path_data(rings: list[list[list[float]]]) -> str:
        parts: list[str] = []
        for ring in rings:
            points: list[str] = []
            previous = None
            for position in ring:
                point = project(position[0], position[1])
                if point != previous:
                    points.append(f"{point[0]},{point[1]}")
                    previous = point
            if len(points) > 1 and points[-1] == points[0]:
                points.pop()  # rings are closed by Z
            parts.append("M" + points[0] + ("L" + " ".join(points[1:]) if len(points) > 1 else "") + "Z")
        return "".join(parts)

    plain: list[str] = []
    partners: list[str] = []
    town_halls: list[str] = []
    for code, commune, rings in drawn:
        d = path_data(rings)
        if code not in highlighted:
            plain.append(f'<path d="{d}"/>')
            continue
        label, url = highlighted[code]
        path = f'<path d="{d}" fill="{PARTNER_FILL}" stroke="{PARTNER_STROKE}" stroke-width="1"/>'
        if link_highlighted:
            partners.append(f'<a href="{_attr(url)}"><title>{_attr(label)}</title>{path}</a>')
        else:
            partners.append(f"<g><title>{_attr(label)}</title>{path}</g>")
        latitude, longitude = commune.latitude, commune.longitude
        if latitude is not None and longitude is not None:
            cx, cy = project(longitude, latitude)
            town_halls.append(f'<circle cx="{cx}" cy="{cy}" r="{TOWN_HALL_RADIUS}"/>')

    # A picture is role="img", but that role hides its children from assistive technologies (and axe-core reports
    # links inside it as "nested-interactive", serious): a map with links to the villages is a labelled group instead.
    role = "group" if link_highlighted and partners else "img"
    out = [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="{role}"'
        f' aria-labelledby="{TITLE_ID}" aria-describedby="{DESC_ID}">',
        f'<title id="{TITLE_ID}">{_attr(title)}</title>',
        f'<desc id="{DESC_ID}">{_attr(description)}</desc>',
        f'<g fill="{COMMUNE_FILL}" stroke="{COMMUNE_STROKE}" stroke-width="0.5" stroke-linejoin="round">',
        *plain,
        "</g>",
    ]
    if partners:
        out += ['<g stroke-linejoin="round">', *partners, "</g>"]
    if town_halls:
        # Drawn last so that no outline covers them; clicks go through to the commune's link underneath.
        out += [
            f'<g fill="{TOWN_HALL_FILL}" stroke="{TOWN_HALL_STROKE}" stroke-width="1" pointer-events="none"'
            ' aria-hidden="true">',
            *town_halls,
            "</g>",
        ]
    out.append("</svg>")
    return "\n".join(out)
