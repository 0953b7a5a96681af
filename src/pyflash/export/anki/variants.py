"""Cloze and reverse notes for Anki: the note types, and a cloze's text as Anki cloze HTML.

* A `cloze:` entry is one note of ``pyflash cloze v1``, a real Anki Cloze note
  type (genanki ``model_type=CLOZE``): its Text field holds the code,
  highlighted, with Anki's own ``{{c1::...}}`` markers, so Anki makes one card
  per cloze number and shows ``[...]`` (or ``[hint]``) for the hidden span.
* A `reverse: true` entry is one note of ``pyflash reverse v1``: the fields of
  ``pyflash v1`` and two templates, so Anki makes two cards (question ->
  answer, answer -> question).

The ids are frozen, as ``pyflash v1``'s is (see :mod:`.notetype`): a change of
fields needs a new note type. The CSS is ``pyflash v1``'s plus the cloze span.
"""

from __future__ import annotations

from pyflash.export.anki import notetype

CLOZE_MODEL_ID = 1739265847  # random once, in genanki's range; never change it
CLOZE_MODEL_NAME = "pyflash cloze v1"
CLOZE_FIELDS = ("Key", "Text", "Question", "Note", "Source")
CLOZE_SORT_FIELD = CLOZE_FIELDS.index("Text")

REVERSE_MODEL_ID = 1583920741  # random once, in genanki's range; never change it
REVERSE_MODEL_NAME = "pyflash reverse v1"

_CLOZE_HELP = {
    "Key": "The pyflash key of the cloze entry (its id, or a hash). Do not edit.",
    "Text": "Rendered from the entry's `cloze` (code highlighted), with Anki's cloze markers.",
    "Question": "Rendered from the entry's `q` (Markdown), shown above the code.",
    "Note": "Rendered from the entry's `note` (Markdown).",
    "Source": "The entry's `source`.",
}

CLOZE_FRONT = """\
<div class="pf pf-front tex2jax_ignore">
<div class="pf-deck">{{Deck}}</div>
{{#Question}}<div class="pf-q">{{Question}}</div>{{/Question}}
<div class="pf-code">{{cloze:Text}}</div>
</div>"""

CLOZE_BACK = """\
<div class="pf pf-back tex2jax_ignore">
<div class="pf-deck">{{Deck}}</div>
{{#Question}}<div class="pf-q">{{Question}}</div>{{/Question}}
<div class="pf-code">{{cloze:Text}}</div>
{{#Note}}<div class="pf-note">{{Note}}</div>{{/Note}}
{{#Source}}<div class="pf-source">{{Source}}</div>{{/Source}}
</div>"""

REVERSE_FRONT = """\
<div class="pf pf-front tex2jax_ignore">
<div class="pf-deck">{{Deck}}</div>
<div class="pf-label">Which question has this answer?</div>
<div class="pf-a">{{Answer}}</div>
</div>"""

REVERSE_BACK = """\
{{FrontSide}}

<hr id="answer">

<div class="pf pf-back tex2jax_ignore">
<div class="pf-q">{{Question}}</div>
{{#Code}}<div class="pf-code">{{Code}}</div>{{/Code}}
{{#Note}}<div class="pf-note">{{Note}}</div>{{/Note}}
{{#Source}}<div class="pf-source">{{Source}}</div>{{/Source}}
</div>"""

# The hidden span: Anki wraps it (and its [...]) in <span class="cloze">.
CLOZE_CSS = notetype.CSS + """\
.pf .cloze { font-weight: bold; text-decoration: underline; background: var(--pf-inline-bg); border-radius: 3px; }
"""

CLOZE_TEMPLATES = ({"name": "Cloze", "qfmt": CLOZE_FRONT, "afmt": CLOZE_BACK},)
REVERSE_TEMPLATES = (
    {**notetype.TEMPLATES[0], "name": "Forward"},
    {"name": "Reverse", "qfmt": REVERSE_FRONT, "afmt": REVERSE_BACK, "bqfmt": "{{Answer}}", "bafmt": "{{Question}}"},
)


def cloze_field_specs() -> list[dict[str, object]]:
    specs = []
    for name in CLOZE_FIELDS:
        spec: dict[str, object] = {"name": name, "description": _CLOZE_HELP[name], "font": "Arial", "size": 18}
        if name == "Key":
            spec["collapsed"] = True
            spec["plainText"] = True
        specs.append(spec)
    return specs
