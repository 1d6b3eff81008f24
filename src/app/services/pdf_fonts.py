"""Fonts for the invoice PDF: DejaVu Sans for Latin, Greek and Cyrillic, Noto Sans CJK for Chinese, Japanese
and Korean (Debian's fonts-dejavu-core and fonts-noto-cjk). fpdf2 embeds only the glyphs a document uses."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

log = logging.getLogger(__name__)

FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
DEJAVU = {"": ("truetype/dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans.ttf"),
          "B": ("truetype/dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSans-Bold.ttf")}
NOTO_CJK = {"": ("opentype/noto/NotoSansCJK-Regular.ttc",), "B": ("opentype/noto/NotoSansCJK-Bold.ttc",)}
# Face order inside Noto's collections; the same characters, drawn the way each language writes them.
CJK_FACES = {"ja": 0, "ko": 1, "zh-Hans": 2}
# The core PDF font prints Latin-1 only (used when no font file is installed at all).
CORE_COVERAGE = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100))
PRINTED_AS_IS = frozenset("\n")
UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "VORG", "vhea", "vmtx")


@dataclass(frozen=True)
class FontFile:
    """One font file to add to a document: family and style as fpdf2 knows them, the face in a collection."""

    family: str
    style: str
    path: Path
    face: int = 0
    keep: str = ""  # only these characters: a collection of 65,000 glyphs is cut down before fpdf2 reads it

    def prepared(self, folder: Path) -> FontFile:
        """This font ready for fpdf2: a small file with just the kept glyphs, written into `folder`."""
        if not self.keep:
            return self
        font = TTFont(self.path, fontNumber=self.face, lazy=True)
        try:
            # fpdf2 lays text out without shaping, horizontally: layout and vertical tables would be dead weight.
            options = subset.Options(notdef_outline=True, recommended_glyphs=True, layout_features=[],
                                     drop_tables=[*subset.Options().drop_tables, *UNUSED_TABLES])
            subsetter = subset.Subsetter(options)
            subsetter.populate(text=self.keep)
            subsetter.subset(font)
            target = folder / f"{self.family}{self.style or 'R'}.otf"
            font.save(target)
        finally:
            font.close()
        return FontFile(self.family, self.style, target)


@dataclass
class FontSet:
    """The fonts one document uses and the characters they can print between them."""

    family: str
    files: list[FontFile]
    fallbacks: list[str]
    coverage: frozenset[int]
    replacement: str
    unprinted: set[str] = field(default_factory=set)

    def printable(self, text: str) -> str:
        """The text with every character no font has replaced by a visible mark (and remembered)."""
        if all(ord(ch) in self.coverage or ch in PRINTED_AS_IS for ch in text):
            return text
        out = []
        for ch in text:
            if ch in PRINTED_AS_IS or ord(ch) in self.coverage:
                out.append(ch)
            elif ch == "\t":
                out.append(" ")
            else:
                self.unprinted.add(ch)
                out.append(self.replacement)
        return "".join(out)


def _find(candidates: tuple[str, ...]) -> Path | None:
    for root in FONT_ROOTS:
        for relative in candidates:
            if (root / relative).is_file():
                return root / relative
    return None


@lru_cache(maxsize=1)
def fonts_version() -> str:
    """Which font files this process prints with: part of a cached PDF's key, so installing a font renders again."""
    found = [_find(paths) for paths in (*DEJAVU.values(), *NOTO_CJK.values())]
    return "fonts-2:" + ",".join(f"{p}:{p.stat().st_size}" if p else "-" for p in found)


@lru_cache(maxsize=16)
def coverage(path: Path, face: int = 0) -> frozenset[int]:
    """Every code point the font (face of a collection) has a glyph for; read once per process."""
    font = TTFont(path, fontNumber=face, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def cjk_face(text: str) -> int:
    """Kana means Japanese, Hangul without Han means Korean, other Han text is drawn the Chinese way."""
    scripts = {unicodedata.name(ch, "").split(" ")[0] for ch in text if ord(ch) >= 0x1100}
    if scripts & {"HIRAGANA", "KATAKANA"}:
        return CJK_FACES["ja"]
    if "HANGUL" in scripts and "CJK" not in scripts:
        return CJK_FACES["ko"]
    return CJK_FACES["zh-Hans"]


def fonts_for(text: str, bold_text: str = "") -> FontSet:
    """The fonts to embed for a document whose strings are `text` (`bold_text`: those set in bold)."""
    regular, bold = _find(DEJAVU[""]), _find(DEJAVU["B"])
    if not (regular and bold):
        log.warning("DejaVu Sans is not installed (Debian: fonts-dejavu-core); PDFs print Latin-1 only")
        return FontSet("Helvetica", [], [], CORE_COVERAGE, "?")
    files = [FontFile("DejaVu", "", regular), FontFile("DejaVu", "B", bold)]
    covered = coverage(regular)
    fallbacks: list[str] = []
    missing = {ch for ch in text if ord(ch) not in covered and ch not in PRINTED_AS_IS}
    if missing:
        covered, fallbacks = _add_cjk(files, missing, bold_text, covered)
    # A sign DejaVu Bold lacks prints in DejaVu's regular weight rather than not at all.
    return FontSet("DejaVu", files, [*fallbacks, "DejaVu"], covered, "\N{REPLACEMENT CHARACTER}")


def _add_cjk(files: list[FontFile], missing: set[str], bold_text: str,
             covered: frozenset[int]) -> tuple[frozenset[int], list[str]]:
    regular, bold = _find(NOTO_CJK[""]), _find(NOTO_CJK["B"])
    if regular is None:
        log.warning("Noto Sans CJK is not installed (Debian: fonts-noto-cjk); CJK text prints as marks")
        return covered, []
    face = cjk_face("".join(missing))
    cjk = coverage(regular, face)
    keep = "".join(sorted(ch for ch in missing if ord(ch) in cjk))
    if not keep:
        return covered, []
    files.append(FontFile("NotoCJK", "", regular, face, keep))
    if bold and any(ch in keep for ch in bold_text):
        files.append(FontFile("NotoCJK", "B", bold, face, keep))
    return covered | cjk, ["NotoCJK"]
