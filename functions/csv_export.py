"""Spreadsheet files for pt-BR (indicators, audit trail): UTF-8 with BOM, `;` between fields, decimal
comma, dates dd/mm/aaaa, headers in Portuguese; text that looks like a formula is quoted."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import azure.functions as func

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """pt-BR spreadsheet text: decimal comma, no formula injection from names."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value % 1 else f"{value:.0f}"
    text = str(value)
    return "'" + text if text.startswith(FORMULA) else text


def csv_response(filename: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> func.HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return func.HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        status_code=200,
        mimetype="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
