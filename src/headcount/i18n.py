"""Languages: the gettext catalogues that every message a person reads is looked up in.

English is the source language, written in the code and the templates; each other language
is a catalogue, `locale/<tag>/LC_MESSAGES/headcount.po`, compiled beside it as `headcount.mo`
(both kept in the repository, so a clean checkout and a wheel work without a build step;
`make i18n` extracts, updates and compiles them with Babel, and a test fails when they are
out of date). A language is offered as soon as its compiled catalogue is found — in the
package's `locale/` folder, or in the folder HEADCOUNT_LOCALE_DIR names, searched first — so
adding one is a catalogue, not code (docs/checkins.md, "Languages").

Only the standard library's gettext runs here; Babel is a development tool.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jinja2 import Environment
    from jinja2.runtime import Context

DOMAIN = "headcount"
SOURCE = "en"  # the language the messages are written in
LOCALE_DIR = Path(__file__).parent / "locale"
ENV_LOCALE_DIR = "HEADCOUNT_LOCALE_DIR"
COOKIE = "hc_lang"  # the language a person chose on a page (no personal data)
_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")


def N_(message: str) -> str:
    """Marks a message for extraction where it is written; it is translated where shown."""
    return message


def locale_dirs() -> tuple[Path, ...]:
    extra = os.environ.get(ENV_LOCALE_DIR, "").strip()
    return (Path(extra), LOCALE_DIR) if extra else (LOCALE_DIR,)


def _catalogue_tag(name: str) -> str:
    return name.replace("_", "-").lower()


@functools.lru_cache(maxsize=8)
def _found(dirs: tuple[Path, ...]) -> dict[str, tuple[Path, str]]:
    """tag -> (folder, folder name as gettext wants it) of each compiled catalogue."""
    found: dict[str, tuple[Path, str]] = {}
    for folder in reversed(dirs):  # the first folder wins
        if folder.is_dir():
            for mo in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"):
                name = mo.parent.parent.name
                found[_catalogue_tag(name)] = (folder, name)
    return found


def languages() -> tuple[str, ...]:
    """Every language offered: English first, then the catalogues found, by tag."""
    return (SOURCE, *sorted(t for t in _found(locale_dirs()) if t != SOURCE))


def normalise(tag: str | None) -> str | None:
    """A language tag as written anywhere (`es`, `es_MX`, ` ES-us `) to `es-mx` form."""
    if not tag:
        return None
    value = tag.strip().replace("_", "-").lower()
    return value if _TAG.match(value) else None


def pick(*wanted: str | None) -> str | None:
    """The first wanted language offered (an exact tag, else its primary language), or None."""
    offered = languages()
    for tag in wanted:
        value = normalise(tag)
        if value is None:
            continue
        if value in offered:
            return value
        primary = value.split("-")[0]
        if primary in offered:
            return primary
    return None


def negotiate(*wanted: str | None) -> str:
    """`pick`, falling back to English."""
    return pick(*wanted) or SOURCE


def accept_language(header: str | None) -> list[str]:
    """An Accept-Language header's tags, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate((header or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, i, tag))
    return [tag for _, _, tag in sorted(ranked)]


_BY_TAG: dict[tuple[str | None, str], _gettext.NullTranslations] = {}


def translations(lang: str | None) -> _gettext.NullTranslations:
    """The catalogue of a language (English: the messages as written). Looked up once per
    tag and folder: a run composing millions of messages asks for it several times each."""
    key = (lang, os.environ.get(ENV_LOCALE_DIR, ""))
    found = _BY_TAG.get(key)
    if found is None:
        if len(_BY_TAG) > 256:
            _BY_TAG.clear()
        found = _BY_TAG[key] = _translations(negotiate(lang), locale_dirs())
    return found


@functools.lru_cache(maxsize=32)
def _translations(lang: str, dirs: tuple[Path, ...]) -> _gettext.NullTranslations:
    where = _found(dirs).get(lang)
    if lang == SOURCE or where is None:
        return _gettext.NullTranslations()
    folder, name = where
    with (folder / name / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def gettext(lang: str | None, message: str) -> str:
    return translations(lang).gettext(message)


def language_name(lang: str) -> str:
    """A language's name in that language, as its catalogue writes it."""
    # Translators: the name of your language, in your language (Español, Français, ...).
    return translations(lang).gettext("English")


# Translators: the days and months of a date such as "Friday 5 December 2026 at 17:00 UTC".
WEEKDAYS = (
    N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
    N_("Saturday"), N_("Sunday"),
)  # fmt: skip
MONTHS = (
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)  # fmt: skip


def when(moment: datetime, lang: str | None = None) -> str:
    """A moment as the messages write it: `Friday 05 December 2026 at 17:00 UTC`."""
    _ = translations(lang).gettext
    # Translators: a date and time; keep the {names} ({dd}: the day with a leading zero,
    # {day}: without). Example: Friday 05 December 2026 at 17:00 UTC
    pattern = _("{weekday} {dd} {month} {year} at {time} UTC")
    return pattern.format(
        weekday=_(WEEKDAYS[moment.weekday()]),
        day=moment.day,
        dd=f"{moment.day:02d}",
        month=_(MONTHS[moment.month - 1]),
        year=moment.year,
        time=f"{moment.hour:02d}:{moment.minute:02d}",
    )


def install_jinja(env: Environment) -> None:
    """Jinja2's i18n extension (`{% trans %}`, `_()`) reading each render's language from
    its context variable `lang`, so one environment serves every language."""
    from jinja2 import pass_context

    @pass_context
    def _gettext(context: Context, message: str) -> str:
        return translations(context.get("lang")).gettext(message)

    @pass_context
    def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return translations(context.get("lang")).ngettext(singular, plural, n)

    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's line breaks are spaces
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
