"""Business details printed on documents (logo, address, tax ids, bank) and customer tax checks."""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache

from babel import Locale
from PIL import Image, UnidentifiedImageError
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from app.db import write_transaction
from app.i18n import LANGUAGES
from app.live.announce import announce_vendor_changed
from app.parsing import is_one_line
from app.tables.vendors import Vendor

MAX_LOGO_BYTES = 1024 * 1024
LOGO_BOX = (600, 240)  # pixels: enough for a sharp 50 mm wide logo on A4
TEXT_FIELDS = {"address": 1000, "default_notes": 5000, "default_footer": 2000}
LINE_FIELDS = {"company_number": 64, "phone": 50, "website": 200, "bank_name": 120}
FIELDS = ("address", "country", "vat_id", "company_number", "phone", "website", "bank_name", "iban", "bic",
          "accent_color", "default_notes", "default_footer", "attach_einvoices", "language", "attach_credit_einvoices")
ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
REVERSE_CHARGE_NOTE = "Reverse charge: VAT to be accounted for by the recipient, Art. 196 Directive 2006/112/EC"


class BusinessErrors(ValueError):
    """Field errors: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@lru_cache(maxsize=1)
def country_choices() -> tuple[tuple[str, str], ...]:
    """ISO 3166-1 alpha-2 countries by English name."""
    names = Locale("en").territories
    return tuple(sorted(((code, name) for code, name in names.items() if re.fullmatch(r"[A-Z]{2}", code)
                         and code not in ("ZZ", "XK", "XA", "XB", "EU", "EZ", "UN", "QO")), key=lambda c: c[1]))


def country_name(code: str) -> str:
    """'Germany' for 'DE'; '' for none."""
    return dict(country_choices()).get(code, code) if code else ""


def is_eu(country: str) -> bool:
    """Whether the country is an EU member state (the VAT directive's territory)."""
    return country.lower() in eu_vat.MEMBER_STATES


def _compact(vat_id: str) -> str:
    # python-stdnum's own compact() raises on an unknown country prefix; this only drops separators.
    return re.sub(r"[\s.\-/,:]", "", vat_id).upper()


def vat_error(vat_id: str, country: str) -> str | None:
    """Why a VAT id is malformed for its country (EU format check by python-stdnum), or None."""
    if not vat_id:
        return None
    compact = _compact(vat_id)
    prefix = "EL" if country == "GR" else country
    if is_eu(country) or compact[:2].lower() in eu_vat.MEMBER_STATES:
        if is_eu(country) and not compact.startswith(prefix):
            return f"An EU VAT id starts with the country code {prefix}, like {prefix}123456789."
        try:
            eu_vat.validate(compact)
        except ValidationError:
            return "This is not a valid EU VAT id (check the digits)."
        return None
    return None if re.fullmatch(r"[A-Za-z0-9 .\-/]{4,32}", vat_id) else "Use letters, digits, spaces, dots, dashes."


def normal_vat(vat_id: str) -> str:
    """An EU VAT id without spaces or dots (DE136695976); other tax ids as entered."""
    compact = _compact(vat_id)
    return compact if compact[:2].lower() in eu_vat.MEMBER_STATES | {"el"} else vat_id


def _check_bank(values: dict, errors: dict[str, str]) -> None:
    if values["iban"]:
        try:
            values["iban"] = stdnum_iban.validate(values["iban"])
        except ValidationError:
            errors["iban"] = "This is not a valid IBAN (check the country code and the digits)."
    if values["bic"]:
        try:
            values["bic"] = stdnum_bic.validate(values["bic"])
        except ValidationError:
            errors["bic"] = "A BIC has 8 or 11 letters and digits, like DEUTDEFF."


def clean_business(data: dict) -> dict:
    """Checked business details, or BusinessErrors naming every bad field."""
    values = {k: str(data.get(k) or "").strip() for k in FIELDS if not k.startswith("attach_")}
    values["attach_einvoices"] = data.get("attach_einvoices") in ("on", "1", "true")
    values["attach_credit_einvoices"] = data.get("attach_credit_einvoices") in ("on", "1", "true")
    values["language"] = values["language"] or "en"
    values["country"] = values["country"].upper()
    errors: dict[str, str] = {}
    for name, limit in {**TEXT_FIELDS, **LINE_FIELDS}.items():
        if len(values[name]) > limit:
            errors[name] = f"Keep this under {limit:,} characters."
        elif name in LINE_FIELDS and not is_one_line(values[name]):
            errors[name] = "Keep this on one line."
    if values["country"] and values["country"] not in dict(country_choices()):
        errors["country"] = "Choose a country from the list."
    if message := vat_error(values["vat_id"], values["country"]):
        errors["vat_id"] = message
    else:
        values["vat_id"] = normal_vat(values["vat_id"])
    if values["website"] and not re.fullmatch(r"(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?", values["website"], re.I):
        errors["website"] = "Enter a web address like https://example.com."
    if not ACCENT.fullmatch(values["accent_color"] or "#4f46e5"):
        errors["accent_color"] = "Pick a colour (like #4f46e5)."
    values["accent_color"] = (values["accent_color"] or "#4f46e5").lower()
    _check_bank(values, errors)
    if values["language"] not in LANGUAGES:
        errors["language"] = "Choose a language from the list."
    if errors:
        raise BusinessErrors(errors)
    return values


def prepare_logo(data: bytes) -> str:
    """The logo as a base64 PNG that fits LOGO_BOX; BusinessErrors for anything but PNG or JPEG up to 1 MB."""
    if len(data) > MAX_LOGO_BYTES:
        raise BusinessErrors({"logo": "The logo is larger than 1 MB: save it smaller and upload it again."})
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise BusinessErrors({"logo": "Upload the logo as a PNG or JPEG image."})
            image.load()
            image = image.convert("RGBA")
            image.thumbnail(LOGO_BOX)
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BusinessErrors({"logo": "Upload the logo as a PNG or JPEG image."}) from exc
    return base64.b64encode(out.getvalue()).decode()


def logo_bytes(vendor: dict) -> bytes:
    """The stored logo PNG, or b"" when the vendor has none."""
    return base64.b64decode(vendor.get("logo_png") or "")


async def update_business(vendor_id: int, data: dict, logo: bytes | None, remove_logo: bool) -> Vendor:
    """Save the business details (and a new logo, or remove it); nothing changes when any field is wrong."""
    errors: dict[str, str] = {}
    try:
        values = clean_business(data)
    except BusinessErrors as exc:
        errors, values = dict(exc.errors), {}
    if logo:
        try:
            values["logo_png"] = prepare_logo(logo)
        except BusinessErrors as exc:
            errors.update(exc.errors)
    elif remove_logo:
        values["logo_png"] = ""
    if errors:
        raise BusinessErrors(errors)
    async with write_transaction():
        await Vendor.update({getattr(Vendor, k): v for k, v in values.items()}).where(Vendor.id == vendor_id)
    announce_vendor_changed(vendor_id, "profile")  # documents and caches follow the new details
    return await Vendor.objects().where(Vendor.id == vendor_id).first()
