"""The customer's language for the documents they see: gettext catalogs (babel) and babel's formats per locale.

The vendor's own pages stay in English. Customer-facing documents (pay page, invoice and credit-note PDFs, the
invoice, receipt, reminder and credit-note emails) take `texts_for_customer(customer, vendor)`: the customer's
language, else the vendor's, else English. Other customer pages (quotes, the portal) use the same function.

Catalogs are `src/app/locale/<lang>/LC_MESSAGES/messages.po`; the compiled `.mo` next to each is used when it is
newer than its `.po`; otherwise the `.po` is compiled in memory at first use and written out through a temporary
file of this process's own, renamed into place (so two workers compiling at once never share a temp file).
README, "Languages", has the extract, update and compile commands.
"""

from __future__ import annotations

import gettext
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from app.money import format_money
from app.times import format_date as english_date
from app.times import local_date

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "ja": "日本語"}
LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "ja": "ja_JP"}
log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel -k N_) where it is translated later, by a variable."""
    return message


def language_choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".{os.getpid()}.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def compile_catalog(language: str, write: bool = True) -> bytes:
    """The language's .po compiled to .mo bytes; written next to it (temp file, then rename) when asked."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    data = out.getvalue()
    if write:
        try:
            _write_atomically(po.with_suffix(".mo"), data)
        except OSError as exc:  # a read-only install: the catalog still works from memory
            log.info("could not write %s.mo: %s", language, exc)
    return data


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalog (English: the messages as written)."""
    if language == "en" or language not in LANGUAGES:
        return gettext.NullTranslations()
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        data = mo.read_bytes()
    else:
        data = compile_catalog(language)
    return gettext.GNUTranslations(io.BytesIO(data))


@dataclass(frozen=True)
class Texts:
    """Translated messages and babel's formats for one language. `t("Amount due")`, `t.money(1050, "EUR")`."""

    language: str = "en"

    @property
    def locale(self) -> str:
        return LOCALES.get(self.language, "en_US")

    def __call__(self, message: str, **values: Any) -> str:
        text = translations(self.language).gettext(message)
        return text % values if values else text

    def money(self, minor: int, currency: str) -> str:
        return format_money(minor, currency, self.locale)

    def date(self, value: date | datetime | None, tz: str | None = "UTC") -> str:
        if value is None:
            return ""
        if self.language == "en":
            return english_date(value, tz)
        return babel_date(local_date(value, tz), format="medium", locale=self.locale)

    def number(self, value: Decimal | int) -> str:
        if self.language == "en":
            text = f"{Decimal(value):f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        return format_decimal(Decimal(value).normalize(), format="#,##0.####", locale=self.locale)

    def country(self, code: str) -> str:
        """The country's name in the language ('' for English or an unknown code: the caller's own name stays)."""
        if self.language == "en" or not code:
            return ""
        return Locale.parse(self.locale).territories.get(code.upper(), "")

    def percent(self, rate: Decimal | int) -> str:
        """'19%' in English and Japanese, '19 %' in German, French and Spanish."""
        return self.number(rate) + (" %" if self.language in ("de", "fr", "es") else "%")


ENGLISH = Texts("en")


def language_of(customer: Any, vendor: Any) -> str:
    """The customer's language, else the vendor's, else English (dicts or rows)."""
    get = lambda row, key: (row.get(key) if isinstance(row, dict) else getattr(row, key, "")) or ""  # noqa: E731
    for code in (get(customer, "language") if customer else "", get(vendor, "language") if vendor else ""):
        if code in LANGUAGES:
            return code
    return "en"


def language_from_header(header: str | None) -> str:
    """The first language of an Accept-Language header that PayPort speaks, by weight (English when none is)."""
    ranked = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            ranked.append((-float(weight), position, tag.strip().split("-")[0].lower()))
        except ValueError:
            continue
    return next((code for q, _, code in sorted(ranked) if q < 0 and code in LANGUAGES), "en")


def texts_for(language: str) -> Texts:
    return Texts(language if language in LANGUAGES else "en")


def texts_for_customer(customer: Any, vendor: Any) -> Texts:
    """What a customer-facing document speaks: the customer's language, else the vendor's."""
    return texts_for(language_of(customer, vendor))
