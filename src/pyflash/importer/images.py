"""Images and formulas in notes: ``<img>`` and ``![alt](src)`` as Markdown, formula images as TeX.

A formula image (a LaTeX renderer's URL such as codecogs', or an ``alt`` that
is TeX) becomes ``$TeX$``; any other image ``![alt](src)``. Each result starts
with a sentinel character (:data:`IMAGE_MARK`, :data:`FORMULA_MARK`) that
:mod:`pyflash.importer.markdown` counts and removes when a block is finished.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

__all__ = ["FORMULA_MARK", "IMAGE_MARK", "code_span", "formula_tex", "html_attrs", "image_markdown", "markdown_url"]

IMAGE_MARK, FORMULA_MARK = "\x0e", "\x0f"

_ATTR = re.compile(r"""([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
# Image URLs of LaTeX renderers: the formula is in the query (or the last path part).
_FORMULA_URL = re.compile(
    r"codecogs\.com|latex|mathtex|/math\?|render/math|[?&](?:tex|math)=|chart\.googleapis\.com/chart\?.*cht=tx"
    r"|upmath\.me|quicklatex|mathurl|/equation\?|math\.now\.sh|[?&]from=",
    re.I,
)
_TEX_ALT = re.compile(r"\\[A-Za-z]+|[_^]\{|^\$.+\$$", re.S)
_MD_UNSAFE_TEX = re.compile(r"[*_`<\[]|\\[!-/:-@\[-`{-~]")


def html_attrs(tag: str) -> dict[str, str]:
    """The attributes of an HTML tag, entities decoded."""
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "") for m in _ATTR.finditer(tag)}


def formula_tex(src: str, alt: str) -> str | None:
    """The TeX of a formula image: from a LaTeX renderer's URL, else a TeX ``alt``."""
    if src and _FORMULA_URL.search(src):
        query = src.split("?", 1)[1] if "?" in src else src.rstrip("/").rsplit("/", 1)[-1]
        named = [p.split("=", 1)[1] for p in query.split("&") if p.split("=", 1)[0] in ("tex", "math", "chl", "from") and "=" in p]
        # a named parameter is form-encoded (`+` is a space); codecogs writes spaces as `&space;`
        tex = unquote(named[0].replace("+", " ")) if named else unquote(query.replace("&space;", " "))
        tex = re.sub(r"^\\(?:inline|dpi\{\d+\}|bg_\w+|fn_\w+)\s*", "", tex.strip()).strip()
        if tex:
            return tex
    if alt and _TEX_ALT.search(alt.strip()):
        return alt.strip().strip("$").strip()
    return None


def markdown_url(src: str) -> str:
    """A link target as Markdown writes it: in `<...>` when it holds spaces or brackets."""
    return f"<{src}>" if re.search(r"[\s()<>]", src) else src


def image_markdown(src: str, alt: str) -> str:
    """An image as Markdown: ``![alt](src)``, or ``$TeX$`` for a formula image.

    The result carries a sentinel so that blocks can count what they carry.
    """
    tex = formula_tex(src, alt)
    if tex is not None:
        text = f"${tex}$"
        return FORMULA_MARK + (code_span(text) if _MD_UNSAFE_TEX.search(tex) else text)
    alt = re.sub(r"([\[\]\\])", r"\\\1", " ".join(alt.split()))
    return IMAGE_MARK + f"![{alt}]({markdown_url(src)})"



def code_span(content: str) -> str:
    """``content`` as a Markdown code span, fenced with more backticks than it holds."""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{pad}{content}{pad}{fence}"
