"""The identity-resolution review queue (analysts): each candidate pair side by side, blind.

`/review` lists the queued pairs (`headcount linkage queue`); `/review/{pair_id}` shows the
two records and how each field compares, in words only — the model's score and weights stay
hidden until the analyst has given a label, so they cannot anchor it. Three buttons with
keyboard shortcuts (the browser's access keys: Alt+M, Alt+N, Alt+U; Alt+J for the next
pair) record match / not a match / unsure; the page then shows the waterfall, the model's
call and why, and links the next unlabelled pair. Every label is audited. Later runs honour
the labels through `headcount linkage labels` and `verify --labels`. No script runs here.
"""

from __future__ import annotations

import json
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from headcount import audit
from headcount.linkage import review
from headcount.linkage.labels import DECISIONS
from headcount.web.guard import app_store, client_address, principal
from headcount.web.pages import error_page, render
from headcount.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)
WORDS = {"match": "One person", "non_match": "Two people", "unsure": "Unsure"}


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request) -> HTMLResponse:
    rows = review.queue(app_store(request))
    waiting = sum(1 for _, label in rows if label is None)
    first = next((p.id for p, label in rows if label is None), None)
    return render(
        request, "review_queue.html.j2", rows=rows, waiting=waiting, first=first, words=WORDS,
        user=principal(request),
    )  # fmt: skip


def _shown(pair: review.ReviewPair) -> dict[str, Any]:
    return {
        "records": json.loads(pair.records),
        "agrees": json.loads(pair.agrees),
        "comparisons": json.loads(pair.comparisons),
        "reasons": json.loads(pair.reasons),
    }


@router.get("/review/{pair_id}", response_class=HTMLResponse)
def review_pair(request: Request, pair_id: int) -> HTMLResponse:
    store = app_store(request)
    pair, label = review.pair_and_label(store, pair_id)
    if pair is None:
        return error_page(request, 404, "There is no such pair in the review queue.")
    following = review.next_unlabelled(store, after=pair_id) or review.next_unlabelled(store)
    if following is not None and following.id == pair_id:
        following = None
    total = pair.prior_weight
    steps = []
    for c in _shown(pair)["comparisons"]:
        total += c["log2_weight"]
        steps.append({**c, "running": total})
    return render(
        request, "review_pair.html.j2", pair=pair, label=label, shown=_shown(pair),
        steps=steps, next_pair=following, words=WORDS, decisions=DECISIONS,
        user=principal(request),
    )  # fmt: skip


@router.post("/review/{pair_id}", response_class=HTMLResponse)
async def review_label(request: Request, pair_id: int) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return error_page(request, 403, "This form has expired. Reload the page and try again.")
    decision = str(form.get("decision") or "")
    if decision not in DECISIONS:
        return error_page(request, 400, "Choose one person, two people or unsure.")
    user = principal(request)
    store = app_store(request)

    def run() -> review.ReviewPair | None:
        pair = review.record_label(store, pair_id, decision, user.username)
        if pair is not None:
            with store.begin() as s:
                audit.record(
                    s, actor=user.username, action="linkage.label", target_type="pair",
                    target_id=pair_id, client=client_address(request),
                    detail={"decision": decision},
                )  # fmt: skip
        return pair

    if await to_thread.run_sync(run) is None:
        return error_page(request, 404, "There is no such pair in the review queue.")
    return RedirectResponse(f"/review/{pair_id}", status_code=303)
