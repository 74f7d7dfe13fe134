"""Tables to CSV or XLSX, streamed row by row so that a long list never sits whole in memory."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
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


def write_xlsx(target, header: list[str], rows: Iterable[list], title: str = "Export") -> None:
    """The workbook written row by row (openpyxl's write-only mode) into `target`, a file or a buffer."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(target)


def xlsx_content(header: list[str], rows: Iterable[list], title: str = "Export") -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, header, rows, title)
    return buffer.getvalue()


def xlsx_response(filename: str, header: list[str], rows: Iterable[list], title: str = "Export") -> FileResponse:
    """The workbook written row by row into a temporary file (openpyxl's write-only mode), then sent from it: the
    memory stays flat however many rows."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response once sent)
    write_xlsx(handle, header, rows, title)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
