"""Parts of a section that are not plain prose: tables of contents and definition lists.

* :func:`is_toc`: a list or paragraph of links to the file's own headings, or a
  ``[TOC]`` marker; it makes no card;
* :func:`definitions`: a list whose items are each led by a term (``**term**:``,
  ``<strong>term</strong>``, `` `term`: `` or ``term:`` text); one card per term;
* :func:`colon_definitions`: ``Term`` / ``: definition`` paragraphs (PHP
  Markdown Extra, pandoc).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.tree import SyntaxTreeNode

from pyflash.importer.images import FORMULA_MARK, IMAGE_MARK, code_span
from pyflash.importer.markdown import (
    _Emitter,
    _finish_inline,
    _inline_md,
    _inline_piece,
    _inline_pieces,
    _is_loose,
    _render,
    _strip_sentinels,
    node_line,
)

__all__ = ["Definition", "colon_definitions", "definitions", "is_toc"]

_IMAGE, _FORMULA = IMAGE_MARK, FORMULA_MARK

def _inline_nodes(node: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    return [n for n in node.walk() if n.type == "inline"]


def _toc_text(node: SyntaxTreeNode, in_link: bool, counts: list[int]) -> bool:
    """Count word characters inside and outside links; False at a link out of the file."""
    for child in node.children:
        if child.type == "link":
            if not str(child.attrs.get("href", "")).startswith("#"):
                return False
            counts[2] += 1
            if not _toc_text(child, True, counts):
                return False
        elif child.type in ("text", "code_inline"):
            words = len(re.findall(r"\w", child.content))
            counts[0 if in_link else 1] += words
        elif child.children and not _toc_text(child, in_link, counts):
            return False
    return True


def is_toc(node: SyntaxTreeNode) -> bool:
    """A table of contents: a list or paragraph of links to headings of the file
    (``#anchor``), with less other text than link text; or a ``[TOC]`` marker."""
    if node.type == "paragraph" and node.children:
        if node.children[0].content.strip().lower() in ("[toc]", "[[toc]]", "[[_toc_]]", "${toc}"):
            return True
    elif node.type not in ("bullet_list", "ordered_list"):
        return False
    counts = [0, 0, 0]  # word characters in links, outside links; links
    for inline in _inline_nodes(node):
        if not _toc_text(inline, False, counts):
            return False
    inside, outside, links = counts
    return links >= (1 if node.type != "paragraph" else 3) and outside <= inside


@dataclass(frozen=True, slots=True)
class Definition:
    """One item of a definition list: ``- **term**: explanation``."""

    term: str  # as it reads (plain)
    text: str  # the explanation, Markdown
    line: int
    end: int
    images: int = 0
    formulas: int = 0
    node: int = 0  # the line of the top-level block it is part of


_TERM_SEP = re.compile(r"^\s*(?::|\uff1a|\s[\u2014\u2013-]{1,2}\s|[\u2014\u2013]|--)\s*")
# `term: text` (a colon then a space: `https://` is no term), `term：text`, `term — text`
_TEXT_TERM = re.compile(r"^([^:\uff1a\u2014\u2013`*_\[\]<>/]{1,60}?)(?::(?=\s)|\uff1a|\s+(?:\u2014|\u2013|--)\s)\s*(.*)$", re.S)


_OPEN_BOLD = re.compile(r"<(?:strong|b)>", re.I)
_CLOSE_BOLD = re.compile(r"</(?:strong|b)>", re.I)


def _is_html(node: SyntaxTreeNode, pattern: re.Pattern[str]) -> bool:
    return node.type == "html_inline" and bool(pattern.fullmatch(node.content.strip()))


def _html_bold_term(kids: list[SyntaxTreeNode]) -> tuple[str, list[SyntaxTreeNode]] | None:
    """``<strong>term</strong>`` (or several in a row) at the start: the term and what follows."""
    term = ""
    while kids and _is_html(kids[0], _OPEN_BOLD):
        close = next((i for i, k in enumerate(kids) if _is_html(k, _CLOSE_BOLD)), None)
        if close is None:
            return None
        term += "".join(_inline_piece(k, True) for k in kids[1:close])
        kids = kids[close + 1 :]
    return term, kids


def _split_term(item: SyntaxTreeNode) -> tuple[str, SyntaxTreeNode, str] | None:
    """(term, paragraph, first-line rest as Markdown) when the item is led by a term:
    ``**term**``, ``<strong>term</strong>``, `` `term` `` or plain ``term:`` text."""
    para = item.children[0] if item.children else None
    if para is None or para.type != "paragraph" or not para.children:
        return None
    inline = para.children[0]
    kids = list(inline.children)
    while kids and kids[0].type == "text" and not kids[0].content.strip():
        kids.pop(0)
    if not kids:
        return None
    first = kids[0]
    if first.type in ("strong", "code_inline") or _is_html(first, _OPEN_BOLD):
        if first.type == "strong":
            term, tail_nodes = _strip_sentinels(_finish_inline(_inline_pieces(first, True), plain=True)), kids[1:]
        elif first.type == "code_inline":
            term, tail_nodes = code_span(first.content), kids[1:]
        else:
            found = _html_bold_term(kids)
            if found is None:
                return None
            term, tail_nodes = found
        tail = _finish_inline("".join(_inline_piece(k, False) for k in tail_nodes))
        term = term.strip()
        stripped = term.rstrip(":\uff1a").strip()
        m = _TERM_SEP.match(tail)
        if m:
            tail = tail[m.end() :]
        elif first.type == "code_inline" or (tail.strip() and stripped == term):
            return None  # bold text or code inside a sentence, not a term
        term = stripped
    else:
        m = _TEXT_TERM.match(_inline_md(inline))
        if not m or "\n" in m.group(1):
            return None
        term, tail = m.group(1).strip(), m.group(2)
    if not term or len(term) > 80:
        return None
    return term, para, re.sub(r"^(?:\\\n)+|(?:\\\n)+$", "", tail)


def definitions(node: SyntaxTreeNode) -> list[Definition] | None:
    """The items of a definition list (every item led by a bold term or ``term:``), else None."""
    if node.type not in ("bullet_list", "ordered_list") or len(node.children) < 2:
        return None
    out: list[Definition] = []
    loose = _is_loose(node)
    for item in node.children:
        split = _split_term(item)
        if split is None:
            return None
        term, para, tail = split
        em = _Emitter(item.map[1] + 1 if item.map else 0)
        em.keep_code = True
        if tail.strip():
            em.text(tail, "", "", node_line(para))
        for child in item.children[1:]:
            if em.lines and loose:
                em.blank("")
            _render(child, em, "", "")
        text = "\n".join(em.lines).strip("\n")
        if not _strip_sentinels(text).strip():
            return None
        out.append(
            Definition(
                term, _strip_sentinels(text), node_line(item), em.end, text.count(_IMAGE), text.count(_FORMULA),
                node_line(node),
            )
        )
    return out


def colon_definitions(node: SyntaxTreeNode) -> list[Definition] | None:
    """``Term`` then ``: definition`` lines (PHP Markdown Extra and pandoc definition lists),
    which CommonMark reads as one paragraph; None unless the whole paragraph is made of them."""
    if node.type != "paragraph" or not node.children:
        return None
    text = _inline_md(node.children[0])
    lines = text.split("\n")
    start = node_line(node)
    out: list[Definition] = []
    i = 0
    while i < len(lines):
        term = lines[i]
        j = i + 1
        defs: list[str] = []
        while j < len(lines) and re.match(r"^:[ \t]", lines[j]):
            defs.append(lines[j][2:].strip())
            j += 1
        if not term.strip() or term.startswith(":") or not defs:
            return None
        body = "\n\n".join(defs)
        plain = _strip_sentinels(_finish_inline(term, plain=True)).replace("**", "").strip()
        out.append(
            Definition(plain, _strip_sentinels(body), start + i, start + j, body.count(_IMAGE), body.count(_FORMULA), start)
        )
        i = j
    return out or None
