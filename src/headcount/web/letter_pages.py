"""The case page's letters: recording the day a printed letter was mailed (the form beside
each printed letter, for the role that may record it), which starts its period. The table
itself is part of the case page (case_pages.py, templates/_letters.html.j2)."""

from __future__ import annotations

from datetime import date

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from headcount.cases.access import CaseError, CaseNotFound, Forbidden
from headcount.cases.delivery import record
from headcount.cases.delivery.models import Letter
from headcount.web.case_pages import _detail, actor, sentence
from headcount.web.guard import app_store
from headcount.web.pages import error_page
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)


@router.post("/cases/{case_id}/letters/{letter_id}/mailed", response_class=HTMLResponse)
async def letter_mailed(request: Request, case_id: int, letter_id: int) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    who = actor(request)
    field = f"mailed-on-{letter_id}"
    typed = str(form.get("on") or "").strip()
    try:
        on = date.fromisoformat(typed)
    except ValueError:
        message = "Enter the day the letter was mailed, as a date"
        return await to_thread.run_sync(
            lambda: _detail(request, case_id, 422, errors={field: message})
        )

    def run() -> None:
        with app_store(request).begin() as s:
            letter = s.get(Letter, letter_id) if letter_id > 0 else None
            if letter is None or letter.case_id != case_id:
                raise CaseNotFound(f"no letter {letter_id}")
            record.record_mailed(s, letter_id, who, on=on)

    try:
        await to_thread.run_sync(run)
    except CaseNotFound:
        return error_page(request, 404, "There is no such letter.")
    except Forbidden as exc:
        back = (f"/cases/{case_id}", f"Back to case #{case_id}")
        return error_page(request, 403, sentence(str(exc)), back=back)
    except CaseError as exc:
        message = sentence(str(exc))
        return await to_thread.run_sync(
            lambda: _detail(request, case_id, 409, errors={field: message})
        )
    return RedirectResponse(f"/cases/{case_id}?done=mailed", status_code=303)
