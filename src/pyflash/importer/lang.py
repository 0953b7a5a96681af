"""Language detection: the ``lang`` of a code block from the notes, and its cleanup.

A fence label is kept when it fits the content. Notes exported from rich-text
editors often label Python as ``apache``, ``css`` or ``lua``, so the content
is checked first; see docs/import.md ("Code languages").
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from typing import NamedTuple

from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

__all__ = ["CleanCode", "LangChoice", "clean_code", "detect_lang", "normalise_lang"]


class LangChoice(NamedTuple):
    """The ``lang`` for a code block and, if the notes' label was not kept, why."""

    lang: str
    why: str | None


class CleanCode(NamedTuple):
    """Code as it goes on a card, and the editor tags removed from it (with their lines)."""

    code: str
    removed: tuple[str, ...]


# Fence labels that say "this is not code": always respected.
_TEXT_LABELS = {"text", "txt", "plain", "plaintext", "output", "none", "nohighlight", "console", "pycon", "shell-session"}
_SHELL_COMMANDS = frozenset(
    """apt apt-get brew cat cd chmod chown conda cp curl docker echo export git grep gunzip gzip head htop jupyter kill
    ln ls make mamba mkdir mv nohup nvcc nvidia-smi pip pip3 pipenv pipx poetry ps pwd python python3 rm rsync scp
    screen sed source ssh sudo tail tar tensorboard tmux top touch unzip uv vim virtualenv wget which yum zip""".split()
)
_PY_LINE = re.compile(
    r"^\s*(?:def \w+\(|class \w+|import \w|from [\w.]+ import |for .+ in .+:|while .+:|if .+:|elif .+:|else\s*:"
    r"|try\s*:|except\b|with .+:|return\b|print\b|lambda\b|@\w|>>> )"
)
_PY_TOKEN = re.compile(
    r"\b(?:np|pd|torch|tf|df|self|os|sys|plt|cv2|nn|F)\.\w|\bprint\(|\blen\(|\brange\(|\bNone\b|\bTrue\b|\bFalse\b"
    r"|\w\[[^\]]*\]\s*=[^=]|\.\w+\(|\w+\s*=\s*\w+\("
)
# What the pygments fallback may answer (it is unreliable on short snippets).
_GUESS_SET = ("python", "bash", "json", "yaml", "toml", "ini", "sql", "javascript", "c", "cpp", "html", "xml", "docker", "make")


def normalise_lang(label: str | None) -> str | None:
    """The canonical pygments name of a fence label, or None if it names no language."""
    if not label:
        return None
    word = label.strip().split()[0].strip("{}.").lower() if label.strip() else ""
    if not word:
        return None
    if word in _TEXT_LABELS:
        return "text" if word not in ("console", "pycon", "shell-session") else word
    try:
        lexer = get_lexer_by_name(word)
    except ClassNotFound:
        return None
    alias = lexer.aliases[0] if lexer.aliases else word
    return {"sh": "bash", "shell": "bash", "py": "python", "python3": "python"}.get(alias, alias)


def _python_source(code: str) -> str:
    lines = code.split("\n")
    if any(ln.startswith(">>>") for ln in lines):
        kept = [ln[4:] if ln[3:4] == " " else ln[3:] for ln in lines if ln.startswith((">>>", "..."))]
        return "\n".join(kept)
    return code


def _is_python(code: str) -> bool:
    """Parses as Python and is more than a bare word or expression of names."""
    try:
        tree = ast.parse(_python_source(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    trivial = (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Attribute, ast.Load, ast.operator, ast.unaryop)
    for stmt in tree.body:
        if not isinstance(stmt, ast.Expr):
            return True
        if not all(isinstance(n, trivial) for n in ast.walk(stmt.value)):
            return True
    return False


def _code_lines(code: str) -> list[str]:
    return [ln for ln in code.split("\n") if ln.strip() and not ln.lstrip().startswith(("#", "//"))]


def _is_shell(code: str) -> bool:
    lines = _code_lines(code)
    if not lines:
        return False
    hits = 0
    for ln in lines:
        s = ln.strip()
        if s.startswith("$ "):
            hits += 1
            continue
        words = s.split()
        cmd = words[0]
        second = words[1] if len(words) > 1 else ""
        if cmd in _SHELL_COMMANDS and not second.startswith(("=", "(", ".", "[", ":")) and "(" not in cmd:
            hits += 1
    return hits * 2 > len(lines)


def _is_json(code: str) -> bool:
    s = code.strip()
    if not s or s[0] not in "{[" or s[-1] not in "}]":
        return False
    try:
        json.loads(s)
        return True
    except ValueError:
        pass
    # JSON with comments and trailing commas (VS Code's settings, launch.json)
    relaxed = re.sub(r",(\s*[}\]])", r"\1", _strip_json_comments(s))
    try:
        json.loads(relaxed)
        return True
    except ValueError:
        return False


def _strip_json_comments(s: str) -> str:
    """``s`` without ``//`` and ``/* */`` comments outside strings."""
    out: list[str] = []
    i, n, in_str = 0, len(s), False
    while i < n:
        ch = s[i]
        if in_str:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(s[i + 1])
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
            out.append(ch)
        elif s.startswith("//", i):
            while i < n and s[i] != "\n":
                i += 1
            continue
        elif s.startswith("/*", i):
            end = s.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


_YAML_LINE = re.compile(r"^\s*(?:- |-$|[\w.\-\"']+:(?:\s|$))")


def _is_yaml(code: str) -> bool:
    lines = _code_lines(code)
    if len(lines) < 2:
        return False
    hits = sum(1 for ln in lines if _YAML_LINE.match(ln))
    return hits * 4 >= len(lines) * 3 and any(":" in ln for ln in lines)


def _looks_python(code: str) -> bool:
    """Python with errors (Python 2 ``print x``, pasted output...)."""
    lines = _code_lines(code)
    if not lines:
        return False
    if sum(1 for ln in lines if ln.rstrip().endswith(";")) * 3 > len(lines):
        return False
    py_lines = sum(1 for ln in lines if _PY_LINE.match(ln))
    tokens = sum(len(_PY_TOKEN.findall(ln)) for ln in lines)
    return py_lines >= 1 or tokens >= 2


def _pygments_guess(code: str) -> str | None:
    best, score = None, 0.0
    for name in _GUESS_SET:
        try:
            value = float(get_lexer_by_name(name).analyse_text(code) or 0.0)
        except Exception:
            continue
        if value > score:
            best, score = name, value
    return normalise_lang(best) if best and score >= 0.3 else None


# The content tests, in the order their answer is preferred.
_CONTENT_TESTS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("json", _is_json),
    ("bash", _is_shell),
    ("python", _is_python),
    ("yaml", _is_yaml),
)


def detect_lang(code: str, label: str | None) -> LangChoice:
    """The ``lang`` for a code block and, if the label was not kept, why.

    A label that names a real language is kept when the content is plausible
    for it. Content that is clearly JSON, shell commands, Python or YAML gets
    that language instead of a wrong label (notes often label Python as
    ``apache`` or ``lua``). A label we cannot check is kept; with no label,
    pygments guesses among a few common languages, else ``text``.
    """
    raw = (label or "").strip().split()[0] if (label or "").strip() else ""
    lang = normalise_lang(raw)
    if lang in ("text", "console", "pycon", "shell-session"):
        return LangChoice(lang, None)
    found = [name for name, test in _CONTENT_TESTS if test(code)]
    if lang and lang in found:
        return LangChoice(lang, None)
    choice = found[0] if found else ("python" if _looks_python(code) else None)
    if choice is None:
        return LangChoice(lang or _pygments_guess(code) or "text", None)
    if raw and choice != lang:
        why = f"the notes label this code `{raw}`" + ("" if lang else " (not a known language)")
        return LangChoice(choice, f"{why}; it looks like {choice}, so `lang: {choice}`.")
    return LangChoice(choice, None)


# Editor markup that rich-text editors wrap around code (``<span style=...>``,
# ``<em># comment</em>``). It is removed only when it breaks the code: see clean_code.
_STRAY_TAG = re.compile(r"</?(?:em|strong|b|i|u|span|font)\b[^<>\n]*>", re.I)
_STRING_START = re.compile(r"(?i)(?:[rbuf]|br|rb|fr|rf)?('''|\"\"\"|'|\")")
# Labels under which tags are code, never editor markup.
_HTML_LIKE = frozenset(("html", "xml", "markdown", "md", "vue", "jsx", "tsx", "php", "svg", "xslt", "html+jinja", "django"))


def _markup_outside_strings(code: str) -> list[re.Match[str]]:
    """Editor tags that stand outside Python string literals and comments.

    A small scanner: a tag is recognised before anything else at a position,
    so the ``"`` and ``#`` in ``<span style="color:#f00">`` start neither a
    string nor a comment.
    """
    found: list[re.Match[str]] = []
    i, n = 0, len(code)
    while i < n:
        tag = _STRAY_TAG.match(code, i)
        if tag:
            found.append(tag)
            i = tag.end()
            continue
        ch = code[i]
        if ch == "#":
            end = code.find("\n", i)
            i = n if end < 0 else end
            continue
        string = _STRING_START.match(code, i)
        if string and (i == 0 or not (code[i - 1].isalnum() or code[i - 1] == "_")):
            quote = string.group(1)
            j = string.end()
            while j < n:
                if code[j] == "\\":
                    j += 2
                    continue
                if code.startswith(quote, j):
                    j += len(quote)
                    break
                if len(quote) == 1 and code[j] == "\n":
                    break
                j += 1
            i = j
            continue
        i += 1
    return found


def _parses(code: str) -> bool:
    try:
        ast.parse(_python_source(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def clean_code(code: str, lang: str | None) -> CleanCode:
    """The code of a block exactly as written, except editor markup that breaks it.

    Tags such as ``<span style=...>`` or ``<em>`` pasted around Python are
    removed only when the code does not parse with them and does parse
    without them; tags inside string literals and comments are never touched
    (``print("<b>bold</b>")`` is code). ``removed`` names what was taken out.
    """
    if lang in _HTML_LIKE or not _STRAY_TAG.search(code) or _parses(code):
        return CleanCode(code, ())
    tags = _markup_outside_strings(code)
    if not tags:
        return CleanCode(code, ())
    pieces: list[str] = []
    last = 0
    for tag in tags:
        pieces.append(code[last : tag.start()])
        last = tag.end()
    pieces.append(code[last:])
    cleaned = "".join(pieces)
    if not _is_python(cleaned):
        return CleanCode(code, ())
    removed = tuple(f"`{t.group(0)}` (line {code.count(chr(10), 0, t.start()) + 1})" for t in tags)
    return CleanCode(cleaned, removed)
