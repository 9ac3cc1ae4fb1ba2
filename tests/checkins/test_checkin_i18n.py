"""Languages: the catalogues are up to date with the source and Spanish is complete; the
email, the letter, the pages and the guard's words follow the roster's language or the
person's choice; a catalogue dropped into HEADCOUNT_LOCALE_DIR is a new language."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from smtp_sink import smtp_server
from sqlalchemy import select

from checkins.conftest import SECRET
from headcount import i18n
from headcount.checkins.campaigns import create_campaign
from headcount.checkins.letters import issue_letters, render_letters
from headcount.checkins.links import Signer
from headcount.checkins.mail_out import SmtpSettings, send_invitations
from headcount.checkins.messages import Envelope, render, wording
from headcount.checkins.models import Recipient, ReplySource
from headcount.checkins.replies import ReplyError, SensitiveDataError, clean_bullets, submit
from headcount.contract.policy import Policy
from headcount.store import Store, utcnow

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "src" / "headcount" / "locale"
# Every language that must be complete; adding a language adds its tag here.
COMPLETE = ("es",)
PYBABEL = str(Path(sys.executable).parent / "pybabel")
BASE = "https://hc.example.gov"


def _ids(path: Path) -> set[object]:
    with path.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def _key(value: object) -> object:
    """A message id or string as one comparable value (plurals come as lists or tuples)."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _texts(value: object) -> list[object]:
    """A message's one text, or its singular and plural."""
    return list(value) if isinstance(value, list | tuple) else [value]


def _placeholders(text: str) -> set[str]:
    """The {names} and %(names)s of a message; the date pattern's {day} (the day without
    its leading zero) stands in for {dd}."""
    return {p.replace("{day}", "{dd}") for p in re.findall(r"\{\w+\}|%\(\w+\)s", text)}


def test_the_template_holds_exactly_the_messages_in_the_source(tmp_path: Path) -> None:
    """Extract again, as `make i18n` does, and compare with the catalogue template."""
    fresh = tmp_path / "fresh.pot"
    done = subprocess.run(
        [PYBABEL, "extract", "-F", "babel.cfg", "-k", "N_", "-c", "Translators:",
         "--no-location", "--sort-output", "-o", str(fresh), "."],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    kept = _ids(LOCALE / "headcount.pot")
    assert _ids(fresh) == kept, "catalogues out of date with the source: run `make i18n`"
    assert "Open your check-in" in kept and "Reminder: {title}" in kept


@pytest.mark.parametrize("lang", COMPLETE)
def test_each_language_is_complete_compiled_and_keeps_its_placeholders(lang: str) -> None:
    po = LOCALE / lang / "LC_MESSAGES" / "headcount.po"
    mo = po.with_suffix(".mo")
    assert _ids(po) == _ids(LOCALE / "headcount.pot"), f"run `make i18n` ({lang})"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    with mo.open("rb") as fh:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy in {lang}: {message.id!r}"
        strings = [str(x or "") for x in _texts(message.string)]
        source = str(_texts(message.id)[-1])
        assert all(strings), f"no {lang} translation of {message.id!r}"
        for string in strings:
            assert _placeholders(string) == _placeholders(source), (lang, message.id)
        assert compiled.get(_key(message.id)) == _key(message.string), (
            f"{mo.name} is stale: `make i18n`"
        )
    assert i18n.language_name(lang) != "English"


def test_languages_are_negotiated_from_tags_as_written() -> None:
    assert i18n.languages()[:2] == ("en", "es")
    assert i18n.negotiate("es-MX") == "es" and i18n.negotiate(" ES_us ") == "es"
    assert i18n.negotiate("fr", None, "es") == "es"
    assert i18n.negotiate("xx", "<script>") == "en" and i18n.negotiate(None) == "en"
    assert i18n.accept_language("fr;q=0.9, es-MX, en;q=0.1, de;q=0") == ["es-MX", "fr", "en"]
    friday = datetime(2026, 12, 4, 17, 5, tzinfo=UTC)
    assert i18n.when(friday) == "Friday 04 December 2026 at 17:05 UTC"
    assert i18n.when(friday, "es") == "viernes 4 de diciembre de 2026 a las 17:05 (UTC)"


def _envelope(language: str) -> Envelope:
    from headcount.checkins.campaigns import DEFAULT_QUESTION, DEFAULT_TITLE

    return Envelope(
        campaign_id="wk8", title=DEFAULT_TITLE, question=DEFAULT_QUESTION,
        deadline=datetime(2026, 12, 11, 23, 59, tzinfo=UTC), contact_email="rh@va.example.gov",
        agency="VA", policy="voluntary", first_name="Ana", to="ana@va.example.gov",
        link="https://hc.example.gov/c/TOKEN", reference="hc.ref", language=language,
    )  # fmt: skip


def test_the_email_in_spanish_word_for_word() -> None:
    subject, text, page = wording(_envelope("es"), "reminder")
    assert subject == "Recordatorio: ¿Qué logró la semana pasada?"
    assert text.split("\n\n") == [
        "Hola, Ana:",
        "Le recordamos una solicitud que todavía no ha respondido. ¿Qué logró la semana "
        "pasada? Escriba de tres a cinco puntos breves sobre su trabajo. No incluya nada "
        "clasificado ni delicado: ni números de Seguro Social, ni números de cuentas "
        "bancarias o de tarjetas, ni marcas de clasificación.",
        "Responder es voluntario: su agencia (VA) deja en sus manos la decisión de responder. "
        "No responder no tiene ninguna consecuencia en este sistema: nunca se toma como "
        "prueba de que usted no existe, de que dejó su trabajo o de que hizo algo mal, y no "
        "se informa sobre usted por su nombre.",
        "Puede responder hasta el viernes 11 de diciembre de 2026 a las 23:59 (UTC).",
        "Responda en internet con su enlace personal. Funciona una sola vez: al abrirlo, se "
        "abre una sesión en ese dispositivo, donde podrá cambiar su respuesta hasta la fecha "
        "límite.\nhttps://hc.example.gov/c/TOKEN",
        "O responda a este correo electrónico con tres a cinco puntos. Nunca incluya números "
        "de Seguro Social, números de cuentas bancarias o de tarjetas, ni nada clasificado: "
        "esas respuestas se rechazan y no se guardan.",
        "Si tiene preguntas sobre esta solicitud, escriba a rh@va.example.gov.",
    ]
    assert page.startswith('<!doctype html><html lang="es">') and "Abrir mi informe" in page
    english = wording(_envelope("en"), "invitation")
    assert english[0] == "What did you accomplish last week?" and english[1].startswith(
        "Hello Ana,"
    )


def test_a_campaigns_own_title_and_question_are_shown_as_written() -> None:
    own = Envelope(**{**_envelope("es").__dict__, "title": "Semana 8", "question": "¿Qué hizo?"})
    subject, text, _ = wording(own, "invitation")
    assert subject == "Semana 8" and "¿Qué hizo?" in text


def test_the_guard_and_the_form_errors_in_spanish() -> None:
    with pytest.raises(ReplyError) as few:
        clean_bullets(["uno", "dos"])
    assert few.value.text("es") == "Escriba entre 3 y 5 puntos (usted escribió 2)."
    assert str(few.value) == "Please write between 3 and 5 bullets (you wrote 2)."
    from headcount.matching.sensitive import check

    hits = check(["Revisé el caso 123-45-6789", "ok", "ok"])
    error = SensitiveDataError(hits)
    assert error.text("es").startswith(
        "Parece que el punto 1 contiene un número de Seguro Social. Bórrelo y envíe su "
        "respuesta otra vez."
    )
    assert "123-45-6789" not in error.text("es")


def _roster_with_languages(folder: Path, languages: dict[str, str], column: str) -> Path:
    """A roster.csv with a language column (named `column`) beside the contract's."""
    from builders import Agency

    agency = Agency(folder)
    for eid in ("VA1", "VA2", "VA3"):
        agency.employee(eid, agency="VA")
    agency.employee("VA4", agency="VA", work_email="")
    agency.write()
    path = folder / "roster.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*rows[0], column])
        writer.writeheader()
        writer.writerows({**r, column: languages.get(r["employee_id"], "")} for r in rows)
    return folder


def test_each_person_is_written_to_in_the_roster_language(
    store: Store, tmp_path: Path, signer: Signer
) -> None:
    folder = _roster_with_languages(
        tmp_path / "agency", {"VA1": "es-MX", "VA2": "fr", "VA4": "ES"}, "LANG_PREF"
    )
    # The agency calls the column LANG_PREF: mapped like any other column.
    (folder / "headcount.toml").write_text('[roster.columns]\npreferred_language = "LANG_PREF"\n')
    create_campaign(
        store, "wk8", folder, deadline=utcnow() + timedelta(days=3),
        policies={"VA": Policy.VOLUNTARY},
    )  # fmt: skip
    with store.begin() as s:
        kept = {e: lang for e, lang in s.execute(select(Recipient.employee_id, Recipient.language))}
    assert kept == {"VA1": "es-mx", "VA2": "fr", "VA3": None, "VA4": "es"}
    with smtp_server() as (sink, port, _):
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="hr@agency.example.gov")
        assert send_invitations(store, "wk8", settings, signer, BASE).sent == 3
    (es,) = sink.to("va1@agency.example.gov")
    assert es["Content-Language"] == "es" and es["Subject"] == "¿Qué logró la semana pasada?"
    # French has no catalogue: English, and the header says so.
    for address in ("va2@agency.example.gov", "va3@agency.example.gov"):
        (en,) = sink.to(address)
        assert en["Content-Language"] == "en"
        assert en["Subject"] == "What did you accomplish last week?"
    (letter,) = issue_letters(store, "wk8", SECRET, BASE)  # VA4 has no email
    assert letter.language == "es" and letter.title == "¿Qué logró la semana pasada?"
    out = tmp_path / "letters.html"
    render_letters([letter], out)
    html = out.read_text(encoding="utf-8")
    assert '<html lang="es">' in html and '<section class="letter" lang="es"' in html
    assert 'Escriba su código personal: <span class="code">' + letter.code in html
    assert letter.url == "https://hc.example.gov/code?lang=es"
    assert "Código QR de https://hc.example.gov/code?lang=es" in html


def test_the_page_language_follows_the_choice_then_the_browser(
    store: Store, roster: Path, client: object
) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    english = client.get("/code")
    assert '<html lang="en">' in english.text and 'href="/code?lang=es"' in english.text
    assert 'lang="es" hreflang="es">Español</a>' in english.text
    browser = client.get("/code", headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.5"})
    assert ">Responda con el código de su carta</h1>" in browser.text
    chosen = client.get("/code?lang=es")
    assert '<html lang="es">' in chosen.text and client.cookies.get("hc_lang") == "es"
    assert 'href="/code?lang=en"' in chosen.text and ">English</a>" in chosen.text
    kept = client.get("/code")  # the cookie keeps the choice
    assert ">Responda con el código de su carta</h1>" in kept.text
    csrf = client.cookies.get("hc_csrf") or ""
    wrong = client.post("/code", data={"code": "QRSTV-WXYZ2", "csrf_token": csrf})
    assert wrong.status_code == 400 and "Ese código no funciona." in wrong.text
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "No se encontró la página" in missing.text
    back = client.get("/code?lang=en")
    assert ">Reply with the code from your letter</h1>" in back.text
    assert client.cookies.get("hc_lang") == "en"
    unknown = client.get("/code?lang=<b>")  # not a language: ignored, never echoed
    assert "<b>" not in unknown.text and '<html lang="en">' in unknown.text


def test_the_form_in_the_roster_language_and_its_errors(
    store: Store, links: dict[str, str], client: object
) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    with store.begin() as s:
        person = s.scalars(select(Recipient).where(Recipient.employee_id == "VA1")).one()
        person.language = "es"
    page = client.get(f"/c/{links['VA1']}")
    assert '<h1 class="margin-top-4">Abra su informe</h1>' in page.text
    # The switch keeps the page's own address (its token was already there), adding a tag.
    assert f'href="/c/{links["VA1"]}?lang=en"' in page.text
    csrf = client.cookies.get("hc_csrf") or ""
    client.post("/c", data={"token": links["VA1"], "csrf_token": csrf})
    form = client.get("/checkin")
    assert '<html lang="es">' in form.text and "Enviar mi respuesta" in form.text
    assert "Responder es voluntario" not in form.text  # VA is mandatory in this campaign
    assert "Su agencia (VA) les pidió a todos sus empleados" in form.text
    refused = client.post(
        "/checkin",
        data={"bullet1": "SSN 123-45-6789", "bullet2": "b", "bullet3": "c", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert "Parece que el punto 1 contiene un número de Seguro Social." in refused.text
    assert "123-45-6789" in refused.text  # shown back to its author only, to remove it
    saved = client.post(
        "/checkin", data={"bullet1": "a", "bullet2": "b", "bullet3": "c", "csrf_token": csrf}
    )
    assert "Gracias: su respuesta quedó guardada" in saved.text
    english = client.get("/checkin/done?lang=en")
    assert "Thank you: your reply is saved" in english.text


def test_a_catalogue_dropped_in_a_folder_is_a_new_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store, roster: Path, client: object
) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    catalog = Catalog(locale="fr", domain="headcount")
    catalog.add("English", "Français")
    catalog.add("Hello,", "Bonjour,")
    catalog.add("Reply with the code from your letter", "Répondez avec le code de votre lettre")
    folder = tmp_path / "locales" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "headcount.mo").open("wb") as fh:
        write_mo(fh, catalog)
    monkeypatch.setenv(i18n.ENV_LOCALE_DIR, str(tmp_path / "locales"))
    assert i18n.languages() == ("en", "es", "fr")
    envelope = Envelope(**{**_envelope("fr").__dict__, "first_name": ""})
    _, text, page = wording(envelope, "invitation")
    assert text.startswith("Bonjour,\n\n") and '<html lang="fr">' in page
    assert b"Content-Language: fr\r\n" in render(envelope, "hr@x.example.gov", "invitation")
    switch = client.get("/code")
    assert 'lang="fr" hreflang="fr">Français</a>' in switch.text
    french = client.get("/code?lang=fr")
    assert ">Répondez avec le code de votre lettre</h1>" in french.text
    monkeypatch.delenv(i18n.ENV_LOCALE_DIR)
    assert i18n.languages() == ("en", "es")
    shutil.rmtree(tmp_path / "locales")


def test_an_exempt_reply_is_refused_in_spanish(store: Store, links: dict[str, str]) -> None:
    with store.begin() as s:
        dod = s.scalars(select(Recipient.id).where(Recipient.employee_id == "DOD1")).one()
    with pytest.raises(ReplyError) as refused, store.begin() as s:
        submit(s, dod, ["a", "b", "c"], source=ReplySource.WEB)
    assert refused.value.text("es") == (
        "Su agencia les indicó a sus empleados que no respondan a esta solicitud; no se "
        "guardó nada."
    )


def test_the_refusal_notice_after_an_emailed_reply_is_in_spanish(
    store: Store, links: dict[str, str]
) -> None:
    from headcount.checkins.mail_out import send_refusal_notices
    from headcount.matching.sensitive import check

    with store.begin() as s:
        person = s.scalars(select(Recipient).where(Recipient.employee_id == "VA2")).one()
        person.language, who = "es", person.id
    refusal = SensitiveDataError(check(["Pagué con 4111 1111 1111 1111", "b", "c"]))
    with smtp_server() as (sink, port, _):
        sent = send_refusal_notices(
            store, "wk8", [(who, refusal)], SmtpSettings(host="127.0.0.1", port=port)
        )
    assert sent.sent == 1
    (notice,) = sink.messages
    assert notice["Content-Language"] == "es"
    assert notice["Subject"] == "No se guardó: ¿Qué logró la semana pasada?"
    body = str(notice.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert body.startswith("Hola, ") and "4111" not in body
    assert (
        "No se guardó la respuesta que envió por correo electrónico a «¿Qué logró la semana "
        "pasada?». Parece que el punto 1 contiene un número de tarjeta de pago." in body
    )


def test_a_spanish_reply_quoting_the_request_without_marks_keeps_only_its_own_lines(
    store: Store, roster: Path, tmp_path: Path, signer: Signer
) -> None:
    import mailbox
    from email.message import EmailMessage

    from headcount.checkins.mail_in import ingest_mailbox
    from headcount.checkins.models import Reply

    create_campaign(
        store, "wk8", roster, deadline=utcnow() + timedelta(days=2),
        policies={"DOD": Policy.EXEMPT},
    )  # fmt: skip
    with store.begin() as s:
        person = s.scalars(select(Recipient).where(Recipient.employee_id == "VA1")).one()
        person.language = "es"
    with smtp_server() as (sink, port, _):
        send_invitations(store, "wk8", SmtpSettings(host="127.0.0.1", port=port), signer, BASE)
    (invite,) = sink.to("va1@agency.example.gov")
    body = invite.get_body(("plain",))
    assert body is not None
    reply = EmailMessage()
    reply["From"] = "Ana <va1@agency.example.gov>"
    reply["To"] = "checkins@agency.example.gov"
    reply["Subject"] = "RE: " + str(invite["Subject"])
    reply["Message-ID"] = "<es-reply-1@mail.example>"
    reply["In-Reply-To"] = reply["References"] = invite["Message-ID"]
    # Bullets without marks, then the whole invitation pasted back without quote marks.
    reply.set_content(
        "Cerré 12 casos\nCapacité a dos colegas\nRevisé el presupuesto\n\n"
        + str(body.get_content())
    )
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(reply)
    box.close()
    report = ingest_mailbox(store, "wk8", tmp_path / "Maildir", SECRET)
    assert report.outcomes["accepted"] == 1
    with store.begin() as s:
        (text,) = s.scalars(select(Reply.text)).all()
    assert text == "Cerré 12 casos\nCapacité a dos colegas\nRevisé el presupuesto"


def test_the_json_api_words_its_answers_in_the_asked_or_roster_language(
    store: Store, links: dict[str, str], client: object
) -> None:
    """Codes stay the same in every language; the words follow Accept-Language, else the
    roster's language, and Content-Language says which."""
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    spanish = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
    ssn = {"token": links["VA1"], "bullets": ["SSN 123-45-6789", "b", "c"]}
    refused = client.post("/api/v1/replies", json=ssn, headers=spanish)
    assert refused.status_code == 422 and refused.headers["content-language"] == "es"
    assert refused.json()["code"] == "sensitive_data"
    assert refused.json()["message"].startswith(
        "Parece que el punto 1 contiene un número de Seguro Social."
    )
    assert "123-45-6789" not in refused.text  # the API never quotes what was sent
    english = client.post("/api/v1/replies", json=ssn)
    assert english.json()["message"].startswith("Bullet 1 appears to contain a Social Security")
    assert english.headers["content-language"] == "en"
    forged = {"token": "x" * 40, "bullets": ["a", "b", "c"]}
    bad = client.post("/api/v1/replies", json=forged, headers=spanish)
    assert bad.status_code == 400 and bad.json()["code"] == "link_invalid"
    assert bad.json()["message"].startswith("Este enlace no es válido")

    saved = client.post("/api/v1/replies", json={**ssn, "bullets": ["a", "b", "c"]})
    token = {"Authorization": f"Bearer {saved.json()['session_token']}"}
    with store.begin() as s:  # no header: the roster's language decides
        person = s.scalars(select(Recipient).where(Recipient.employee_id == "VA1")).one()
        person.language = "es"
    read = client.get("/api/v1/checkin", headers=token)
    assert read.headers["content-language"] == "es"
    assert read.json()["policy_statement"].startswith("Su agencia (VA) les pidió")
    edit = client.put("/api/v1/checkin", json={"bullets": ["a", "b"]}, headers=token)
    assert edit.status_code == 422 and edit.json()["code"] == "bullet_count"
    assert edit.headers["content-language"] == "es"
    asked = client.get("/api/v1/checkin", headers={**token, "Accept-Language": "en"})
    assert asked.json()["policy_statement"].startswith("Your agency (VA) has asked")
