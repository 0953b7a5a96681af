"""The pyflash note type for Anki: ids, fields, templates and CSS.

Anki matches an imported note type to the one in the collection by its id.
If the *fields* (names, count, order) or the number of templates change under
the same id, Anki reports every note as "conflicting" and stops updating them.
So:

* ``MODEL_ID`` and ``FIELDS`` are frozen. A change to the fields needs a new
  note type: a new id and a new name ("pyflash v2"), never an edit of v1.
* The template text and the CSS may be improved. Then bump ``STYLE_MTIME``
  (Anki updates a note type only when the incoming one is newer) and record the
  new ``STYLE_FINGERPRINT``; tests/test_export_anki.py fails until both are
  done, so the styling can never change silently.
"""

from __future__ import annotations

import hashlib
import json

MODEL_ID = 1844889213  # random once, in genanki's recommended range; never change it
MODEL_NAME = "pyflash v1"

# Key comes first because Anki treats the first field as the note's identity for
# its duplicate check: many cards share a question ("What does this print?"),
# every card has its own key. The browser sorts by Question (SORT_FIELD).
FIELDS = ("Key", "Question", "Code", "Answer", "Output", "Note", "Source")
SORT_FIELD = FIELDS.index("Question")

_FIELD_HELP = {
    "Key": "The pyflash card key (its id, or a hash of deck, question and code). Do not edit.",
    "Question": "Rendered from the card's `q` (Markdown).",
    "Code": "Rendered from the card's `code`, highlighted.",
    "Answer": "Rendered from the card's `a` (Markdown).",
    "Output": "The card's `output`: what the code prints.",
    "Note": "Rendered from the card's `note` (Markdown).",
    "Source": "The card's `source`.",
}

# When the templates or the CSS last changed (seconds since the epoch).
STYLE_MTIME = 1795737600  # 2026-11-27
STYLE_FINGERPRINT = "1280f62bb477d9b2"

# The whole card is `tex2jax_ignore`: a deck is Markdown, so `\(` in code is
# text, never MathJax (Anki would typeset it otherwise).
FRONT = """\
<div class="pf pf-front tex2jax_ignore">
<div class="pf-deck">{{Deck}}</div>
<div class="pf-q">{{Question}}</div>
{{#Code}}<div class="pf-code">{{Code}}</div>{{/Code}}
</div>"""

BACK = """\
{{FrontSide}}

<hr id="answer">

<div class="pf pf-back tex2jax_ignore">
{{#Answer}}<div class="pf-a">{{Answer}}</div>{{/Answer}}
{{#Output}}<div class="pf-label">Output</div><div class="pf-output">{{Output}}</div>{{/Output}}
{{#Note}}<div class="pf-note">{{Note}}</div>{{/Note}}
{{#Source}}<div class="pf-source">{{Source}}</div>{{/Source}}
</div>"""

# How the card shows in the browser's Question/Answer columns (no deck label).
BROWSER_FRONT = "{{Question}}"
BROWSER_BACK = "{{Answer}}{{^Answer}}{{Output}}{{/Answer}}"

_SANS = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, '
    '"PingFang SC", "Hiragino Sans", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "Noto Sans CJK JP", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif'
)
_MONO = (
    'ui-monospace, "SF Mono", SFMono-Regular, "Cascadia Mono", "JetBrains Mono", Menlo, Consolas, '
    '"DejaVu Sans Mono", "Liberation Mono", "Noto Sans Mono CJK SC", "Sarasa Mono SC", monospace'
)

# CSS is full of braces, so the fonts go in by name rather than by str.format.
CSS = (
    """\
/* pyflash v1 note type. Colours are variables: light first, then night mode
   (.nightMode: Anki desktop and AnkiMobile; .night_mode: AnkiDroid). */
.card {
  font-family: %(sans)s;
  font-size: 20px;
  line-height: 1.6;
  text-align: left;
}
.pf {
  --pf-fg: #1f2328; --pf-muted: #59636e; --pf-border: #d1d9e0;
  --pf-code-bg: #f6f8fa; --pf-inline-bg: rgba(129, 139, 152, 0.15); --pf-link: #0969da;
  --pf-out-bg: #f0f6ff; --pf-note-bg: #fff8c5; --pf-note-border: #d4a72c;
  --pf-kw: #cf222e; --pf-str: #0a3069; --pf-com: #6e7781; --pf-num: #0550ae;
  --pf-fn: #8250df; --pf-type: #953800; --pf-tag: #116329; --pf-del: #82071e; --pf-ins: #116329;
  color: var(--pf-fg);
  max-width: 46em;
  margin: 0 auto;
  overflow-wrap: break-word;
  line-break: strict;
}
.nightMode .pf, .night_mode .pf {
  --pf-fg: #e6edf3; --pf-muted: #9198a1; --pf-border: #3d444d;
  --pf-code-bg: #151b23; --pf-inline-bg: rgba(101, 108, 118, 0.35); --pf-link: #4493f8;
  --pf-out-bg: #0d2238; --pf-note-bg: #2e2a12; --pf-note-border: #9e6a03;
  --pf-kw: #ff7b72; --pf-str: #a5d6ff; --pf-com: #9198a1; --pf-num: #79c0ff;
  --pf-fn: #d2a8ff; --pf-type: #ffa657; --pf-tag: #7ee787; --pf-del: #ffa198; --pf-ins: #7ee787;
}
.pf-deck { font-size: 0.65em; color: var(--pf-muted); margin-bottom: 0.5em; letter-spacing: 0.02em; }
.pf-q { font-weight: 600; }
.pf p { margin: 0.4em 0; }
.pf ul, .pf ol { margin: 0.4em 0; padding-left: 1.6em; }
.pf a { color: var(--pf-link); }
.pf code, .pf pre {
  font-family: %(mono)s;
  font-variant-ligatures: none;
}
.pf :not(pre) > code {
  font-size: 0.88em;
  background: var(--pf-inline-bg);
  padding: 0.1em 0.35em;
  border-radius: 4px;
}
.pf pre {
  font-size: 0.8em;
  line-height: 1.45;
  background: var(--pf-code-bg);
  border: 1px solid var(--pf-border);
  border-radius: 6px;
  padding: 0.7em 0.9em;
  margin: 0.6em 0;
  overflow-x: auto;
  white-space: pre;
  tab-size: 4;
  text-align: left;
}
.pf pre code { background: none; padding: 0; font-size: 1em; }
.pf pre.pf-out { background: var(--pf-out-bg); }
.pf-label { font-size: 0.7em; color: var(--pf-muted); text-transform: uppercase; letter-spacing: 0.06em; margin-top: 0.6em; }
.pf-note {
  font-size: 0.85em;
  background: var(--pf-note-bg);
  border-left: 3px solid var(--pf-note-border);
  border-radius: 4px;
  padding: 0.3em 0.8em;
  margin-top: 0.8em;
}
.pf-source { font-size: 0.7em; color: var(--pf-muted); margin-top: 0.8em; }
.pf table { border-collapse: collapse; }
.pf td, .pf th { border: 1px solid var(--pf-border); padding: 0.2em 0.5em; }
.pf blockquote { margin: 0.4em 0; padding-left: 0.8em; border-left: 3px solid var(--pf-border); color: var(--pf-muted); }
.pf img { max-width: 100%%; }
/* pygments token classes (short names) */
.pf-hl .k, .pf-hl .kd, .pf-hl .kn, .pf-hl .kp, .pf-hl .kr, .pf-hl .ow, .pf-hl .cp, .pf-hl .nt { color: var(--pf-kw); }
.pf-hl .kc, .pf-hl .m, .pf-hl .mb, .pf-hl .mf, .pf-hl .mh, .pf-hl .mi, .pf-hl .mo, .pf-hl .il,
.pf-hl .se, .pf-hl .na, .pf-hl .no, .pf-hl .nv, .pf-hl .vc, .pf-hl .vg, .pf-hl .vi { color: var(--pf-num); }
.pf-hl .s, .pf-hl .s1, .pf-hl .s2, .pf-hl .sa, .pf-hl .sb, .pf-hl .sc, .pf-hl .sd, .pf-hl .sh,
.pf-hl .sx, .pf-hl .sr, .pf-hl .ss, .pf-hl .dl { color: var(--pf-str); }
.pf-hl .c, .pf-hl .c1, .pf-hl .ch, .pf-hl .cm, .pf-hl .cs, .pf-hl .cpf { color: var(--pf-com); font-style: italic; }
.pf-hl .nf, .pf-hl .fm, .pf-hl .nc, .pf-hl .nd, .pf-hl .ne { color: var(--pf-fn); }
.pf-hl .kt, .pf-hl .nb, .pf-hl .bp, .pf-hl .vm { color: var(--pf-type); }
.pf-hl .gd, .pf-hl .gr, .pf-hl .gt, .pf-hl .err { color: var(--pf-del); }
.pf-hl .gi { color: var(--pf-ins); }
.pf-hl .gp, .pf-hl .go { color: var(--pf-muted); }
.pf-hl .gh, .pf-hl .gu, .pf-hl .gs { font-weight: bold; }
.pf-hl .ge { font-style: italic; }
"""
    .replace("%(sans)s", _SANS)
    .replace("%(mono)s", _MONO)
    .replace("%%", "%")
)

TEMPLATES = (
    {
        "name": "pyflash",
        "qfmt": FRONT,
        "afmt": BACK,
        "bqfmt": BROWSER_FRONT,
        "bafmt": BROWSER_BACK,
    },
)


def field_specs() -> list[dict[str, object]]:
    """genanki field dicts: Key is collapsed in Anki's editor; each has a tooltip."""
    specs = []
    for name in FIELDS:
        spec: dict[str, object] = {"name": name, "description": _FIELD_HELP[name], "font": "Arial", "size": 18}
        if name == "Key":
            spec["collapsed"] = True
            spec["plainText"] = True
        specs.append(spec)
    return specs


def style_fingerprint() -> str:
    """A digest of the templates and the CSS (compare with ``STYLE_FINGERPRINT``)."""
    blob = json.dumps([TEMPLATES, CSS], sort_keys=True).encode("utf-8")
    return hashlib.blake2b(blob, digest_size=8).hexdigest()
