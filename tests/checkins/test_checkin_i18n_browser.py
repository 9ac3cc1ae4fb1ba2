"""The Spanish path in Chromium: a printed letter in Spanish, the code page switched to
Spanish with the language selector, the form, the guard's refusal and the confirmation —
every page checked with axe, its Spanish text asserted exactly, screenshots at 1280 and
390 px wide."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from live_server import live_server
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from browser import artifact_path
from checkins.axe_check import axe
from checkins.conftest import SECRET
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.letters import issue_letters, render_letters
from headcount.checkins.models import Recipient, Reply
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

POLICY_ES = (
    "Responder es voluntario: su agencia (GSA) deja en sus manos la decisión de responder. "
    "No responder no tiene ninguna consecuencia en este sistema: nunca se toma como prueba "
    "de que usted no existe, de que dejó su trabajo o de que hizo algo mal, y no se informa "
    "sobre usted por su nombre."
)


def _shots(page: Page, name: str) -> None:
    """Full-page screenshots at 1280 and 390 px wide (git-ignored test-artifacts/)."""
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=artifact_path(f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.browser
def test_the_spanish_form_through_a_printed_code_in_chromium_with_axe(
    sqlite_store: Store, roster: Path, chromium: Browser, tmp_path: Path
) -> None:
    create_campaign(
        sqlite_store, "wk8", roster, deadline=utcnow() + timedelta(days=2),
        policies={"VA": Policy.MANDATORY, "DOD": Policy.EXEMPT},
    )  # fmt: skip
    with sqlite_store.begin() as s:  # as a roster's preferred_language column leaves it
        s.execute(update(Recipient).where(Recipient.employee_id == "GSA2").values(language="es"))
    with live_server(sqlite_store, SECRET) as base:
        (letter,) = issue_letters(sqlite_store, "wk8", SECRET, base)
        render_letters([letter], tmp_path / "letters.html")
        context = chromium.new_context(
            bypass_csp=True, locale="en-US", viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.goto((tmp_path / "letters.html").as_uri())
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=2)).to_have_text("Cómo responder")
        assert axe(page) == []
        _shots(page, "i18n-letter-es")

        # The Spanish letter's address opens the page in Spanish, though the browser asks
        # for English; the language selector goes to English and back.
        assert letter.url == f"{base}/code?lang=es"
        page.goto(letter.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Responda con el código de su carta"
        )
        page.get_by_role("link", name="English").click()
        expect(page).to_have_url(f"{base}/code?lang=en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Reply with the code from your letter"
        )
        assert axe(page) == []
        page.get_by_role("link", name="Español").click()
        expect(page).to_have_url(f"{base}/code?lang=es")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Responda con el código de su carta"
        )
        expect(page.get_by_role("link", name="English")).to_have_attribute("lang", "en")
        assert axe(page) == []
        _shots(page, "i18n-code-es")

        expect(page.locator("#code-hint")).to_have_text(
            "10 letras y números, por ejemplo ABCDE-23456."
        )
        page.get_by_label("Su código").fill("ABCDE-FGHJK")
        page.get_by_role("button", name="Continuar a mi informe").click()
        expect(page.locator("#error-summary")).to_be_focused()
        expect(page.get_by_role("alert")).to_have_text(
            "No se aceptó el código Ese código no funciona. Compárelo con el de su carta: "
            "cada código funciona una sola vez, hasta la fecha límite. Si aun así no "
            "funciona, pida una carta nueva."
        )
        assert axe(page) == []
        _shots(page, "i18n-code-error-es")

        page.get_by_label("Su código").fill(letter.code)
        page.get_by_role("button", name="Continuar a mi informe").click()
        expect(page).to_have_url(f"{base}/checkin")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text("¿Qué logró la semana pasada?")
        expect(page.locator(".policy")).to_have_text(POLICY_ES)
        expect(page.get_by_role("group")).to_contain_text("De tres a cinco puntos sobre su trabajo")
        assert axe(page) == []
        _shots(page, "i18n-form-es")

        page.get_by_label("Punto 1", exact=False).first.fill("Revisé el caso 123-45-6789")
        page.get_by_label("Punto 2").fill("Capacité a dos conductores")
        page.get_by_label("Punto 3").fill("Conté el inventario")
        page.get_by_role("button", name="Enviar mi respuesta").click()
        summary = page.locator("#error-summary")
        expect(summary.get_by_role("heading")).to_have_text("No se guardó su respuesta")
        expect(summary.locator("#error")).to_have_text(
            "Bórrelo y envíe su respuesta otra vez. Las respuestas no deben contener números "
            "de Seguro Social, números de cuentas bancarias o de tarjetas, ni información "
            "clasificada o controlada: no se guardó nada de esta respuesta."
        )
        expect(page.locator("#bullet1-error")).to_have_text(
            "Parece que el punto 1 contiene un número de Seguro Social."
        )
        assert axe(page) == []
        _shots(page, "i18n-refused-es")

        page.get_by_label("Punto 1", exact=False).first.fill("Revisé el caso de la señora Ruiz")
        page.get_by_role("button", name="Enviar mi respuesta").click()
        expect(page).to_have_url(f"{base}/checkin/done")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gracias: su respuesta quedó guardada"
        )
        expect(page.get_by_role("status")).to_contain_text("Puede cambiarla hasta el ")
        expect(page.locator("ul.reply li")).to_have_text(
            ["Revisé el caso de la señora Ruiz", "Capacité a dos conductores",
             "Conté el inventario"]
        )  # fmt: skip
        expect(page.get_by_role("link", name="Cambiar mi respuesta")).to_be_visible()
        assert axe(page) == []
        _shots(page, "i18n-done-es")
        # No address the pages led to carries more than the language tag.
        assert "GSA2" not in page.url and letter.code not in page.url
        context.close()
    with sqlite_store.begin() as s:
        saved = s.scalars(select(Reply.text)).all()
    assert saved == [
        "Revisé el caso de la señora Ruiz\nCapacité a dos conductores\nConté el inventario"
    ]
