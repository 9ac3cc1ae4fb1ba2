"""The outcome report for analysts and auditors: the page (GET /outcomes), its CSV and JSON
downloads, and the JSON API route (GET /api/v1/outcomes, in the OpenAPI description). All
count with the library (cases/outcomes/); every figure names its rung of the evidence ladder.

Whoever reads cases may read it; a user of one agency sees that agency only (asking for
another's answers 403). Nothing here names anyone: the report is counts and dollars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from headcount.cases.access import Actor, Forbidden
from headcount.cases.outcomes.export import sections, shown, to_csv, to_data, to_json
from headcount.cases.outcomes.records import Window
from headcount.cases.outcomes.report import ALL, OutcomeReport, outcome_report
from headcount.contract.ladder import LADDER, RUNG_WORDS
from headcount.web.case_api_models import Problem
from headcount.web.guard import app_store, client_address, principal
from headcount.web.pages import error_page, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["outcomes"])


@dataclass(frozen=True)
class Asked:
    """The period and agency asked for, as typed (checked by `_window`)."""

    start: str
    end: str
    agency: str

    def query(self) -> str:
        pairs = (("from", self.start), ("to", self.end), ("agency", self.agency))
        return urlencode({k: v for k, v in pairs if v})


def _asked(
    start: Annotated[str, Query(alias="from", max_length=40, description="YYYY-MM-DD")] = "",
    end: Annotated[str, Query(alias="to", max_length=40, description="YYYY-MM-DD, included")] = "",
    agency: Annotated[str, Query(max_length=64, description="One agency only")] = "",
) -> Asked:
    return Asked(start, end, agency)


Period = Annotated[Asked, Depends(_asked)]


class BadPeriod(ValueError):
    """A date that is not YYYY-MM-DD, or a period that ends before it starts: (field, text)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _window(start: str, end: str) -> Window:
    days: list[date | None] = []
    for field, text in (("from", start), ("to", end)):
        try:
            days.append(date.fromisoformat(text.strip()) if text.strip() else None)
        except ValueError:
            raise BadPeriod(field, f"Enter the date as YYYY-MM-DD, not {text!r}") from None
    try:
        return Window(days[0], days[1])
    except ValueError as exc:
        raise BadPeriod("to", str(exc).capitalize()) from None


def _report(request: Request, asked: Asked) -> OutcomeReport:
    window = _window(asked.start, asked.end)
    who = Actor.of(principal(request), client_address(request))
    with app_store(request).begin() as s:
        return outcome_report(s, who, window=window, agency=asked.agency.strip() or None)


@router.get("/outcomes", response_class=HTMLResponse)
def outcome_page(request: Request, asked: Period) -> HTMLResponse:
    user = principal(request)
    fields = {"from": asked.start, "to": asked.end, "agency": asked.agency}
    try:
        report = _report(request, asked)
    except BadPeriod as exc:
        return render(request, "outcomes.html.j2", 422, fields=fields, report=None,
                      error=(exc.field, str(exc)), user=user)  # fmt: skip
    except Forbidden as exc:
        return error_page(request, 403, str(exc).capitalize() + ".")
    return render(
        request, "outcomes.html.j2", fields=fields, report=report, error=None, user=user,
        sections=sections(report), shown=shown, ALL=ALL, query=asked.query(),
        ladder=[(r, RUNG_WORDS[r]) for r in LADDER],
    )  # fmt: skip


@router.get("/outcomes/{kind}")
def outcome_download(request: Request, kind: str, asked: Period) -> Response:
    """The report as a CSV or JSON file (`kind`: csv or json)."""
    if kind not in ("csv", "json"):
        return error_page(request, 404, "There is no such download: csv or json.")
    try:
        report = _report(request, asked)
    except BadPeriod as exc:
        return error_page(request, 422, str(exc) + ".", back=("/outcomes", "Back to outcomes"))
    except Forbidden as exc:
        return error_page(request, 403, str(exc).capitalize() + ".")
    body, media = (
        (to_csv(report), "text/csv") if kind == "csv" else (to_json(report), "application/json")
    )
    return Response(
        body.encode("utf-8"), media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="outcomes.{kind}"'},
    )  # fmt: skip


class FigureOut(BaseModel):
    measure: str
    rung: str
    unit: str
    value: int | str | None  # dollars, days and shares as exact decimal strings


class RowOut(BaseModel):
    agency: str
    rule: str
    figures: list[FigureOut]


class MeasureOut(BaseModel):
    measure: str
    label: str
    rung: str
    unit: str


class OutcomesOut(BaseModel):
    """The outcome report: rows per agency and rule ("(all)" on totals), each figure with
    its rung of the evidence ladder. Figures of different rungs are never added together."""

    period: dict[str, str | None]
    agency: str | None
    as_of: str | None
    rungs: dict[str, str]
    measures: list[MeasureOut]
    rows: list[RowOut]


@api_router.get(
    "/outcomes", response_model=OutcomesOut,
    responses={
        401: {"model": Problem, "description": "Not signed in"},
        403: {"model": Problem, "description": "Role not allowed, or another agency"},
        422: {"model": Problem, "description": "Invalid period"},
    },
)  # fmt: skip
def outcomes_api(request: Request, asked: Period) -> OutcomesOut | JSONResponse:
    """The outcome report per agency and rule (leads, verified, determined by outcome and
    cause, dollars, median days to determination, share cleared after contest, recovered
    and waived), each figure counting what happened at its rung within the period."""
    try:
        report = _report(request, asked)
    except BadPeriod as exc:
        return JSONResponse({"code": "invalid", "message": str(exc)}, 422)
    except Forbidden as exc:
        return JSONResponse({"code": "forbidden", "message": str(exc)}, 403)
    return OutcomesOut.model_validate(to_data(report))
