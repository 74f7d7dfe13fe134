"""Tables to CSV or XLSX, streamed row by row so that a long list never sits whole in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A value as a spreadsheet must show it: text that looks like a formula is kept as text (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """UTF-8 with a byte-order mark and `;`: what a spreadsheet opened in France reads right away."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    """The same CSV as csv_response, as one text (for a file written on disk)."""
    writer = csv.writer(_Echo(), delimiter=";")
    return "\ufeff" + writer.writerow(header) + "".join(writer.writerow([cell(value) for value in row]) for row in rows)


def xlsx_content(header: list[str], rows: Iterable[list], title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, header: list[str], rows: Iterable[list], title: str = "Export") -> HttpResponse:
    response = HttpResponse(
        xlsx_content(header, rows, title),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
