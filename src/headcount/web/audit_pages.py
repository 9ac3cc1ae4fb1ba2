"""The auditor's view of the audit log: filter by actor, action and dates, page through it,
export the selection as CSV, and export the summarised page views as CSV or JSON (auditors
only). Exports are POSTs with a CSRF token, and are themselves audited."""

from __future__ import annotations

import tempfile
from pathlib import Path

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from headcount.audit.export import export_csv
from headcount.audit.query import PAGE_SIZE, AuditFilter, FilterError, page
from headcount.audit.view_export import FORMATS, MEDIA_TYPES, export_views
from headcount.audit.views import record_view, views_between
from headcount.auth.policy import VIEWS_EXPORT
from headcount.store import utcnow
from headcount.web.guard import app_store, client_address, principal
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
FIELDS = ("actor", "action", "since", "until")


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and 0 < len(value) < 7 else 1


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request) -> HTMLResponse:
    query = request.query_params
    values = {name: (query.get(name) or "")[:128] for name in FIELDS}
    try:
        filters = AuditFilter.parse(**values)
    except FilterError as exc:
        return render(
            request, "audit.html.j2", 400, error=str(exc), values=values, rows=[], total=0,
            number=1, pages=1, views=[], may_export_views=_may_export_views(request),
        )  # fmt: skip
    number = _page_number(query.get("page"))
    user = principal(request)
    with app_store(request).begin() as s:
        rows, total = page(s, filters, number)
        # Reading the log is itself a look to account for; recorded after the page is read
        # so it does not show itself.
        record_view(s, actor=user.username, action="audit.view", client=client_address(request))
        views = views_between(s, filters.since, filters.until, filters.actor)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request, "audit.html.j2", values=values, rows=rows, total=total,
        number=min(number, pages), pages=pages, views=views,
        may_export_views=_may_export_views(request),
    )  # fmt: skip


def _may_export_views(request: Request) -> bool:
    return principal(request).role in VIEWS_EXPORT


@router.post("/audit/export")
async def audit_export(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    try:
        filters = AuditFilter.parse(*(str(form.get(name) or "")[:128] for name in FIELDS))
    except FilterError as exc:
        return error_page(request, 400, str(exc))
    user = principal(request)
    out = Path(tempfile.mkdtemp(prefix="hc-audit-")) / "audit.csv"
    await to_thread.run_sync(
        lambda: export_csv(
            app_store(request), filters, out, actor=user.username, client=client_address(request)
        )
    )
    name = f"audit-log-{utcnow():%Y%m%dT%H%M%SZ}.csv"
    return FileResponse(
        out, media_type="text/csv; charset=utf-8", filename=name,
        background=BackgroundTask(_remove, out),
    )  # fmt: skip


@router.post("/audit/views/export")
async def views_export(request: Request) -> Response:
    """The summarised page views of the filter's days, as CSV or JSON (`format`)."""
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    fmt = str(form.get("format") or "csv")
    if fmt not in FORMATS:
        return error_page(request, 400, "Choose CSV or JSON.", back=("/audit", "Back to the log"))
    try:
        filters = AuditFilter.parse(*(str(form.get(name) or "")[:128] for name in FIELDS))
    except FilterError as exc:
        return error_page(request, 400, str(exc), back=("/audit", "Back to the log"))
    user = principal(request)
    out = Path(tempfile.mkdtemp(prefix="hc-views-")) / f"views.{fmt}"

    def write() -> None:
        with out.open("w", encoding="utf-8", newline="") as fh:
            export_views(
                app_store(request), filters, fmt, fh, actor=user.username,
                client=client_address(request),
            )  # fmt: skip

    try:
        await to_thread.run_sync(write)
    except BaseException:
        _remove(out)
        raise
    name = f"page-views-{utcnow():%Y%m%dT%H%M%SZ}.{fmt}"
    return FileResponse(
        out, media_type=MEDIA_TYPES[fmt], filename=name,
        background=BackgroundTask(_remove, out),
    )  # fmt: skip


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.parent.rmdir()
