"""QuickSelect renders what Django's Select renders (the same options, values, labels, selection and attributes),
without a template per option."""

from html.parser import HTMLParser

from django import forms

from rapport.core.forms import QuickSelect

CHOICES = [
    ("", "Nobody"),
    ("1", 'Ada "the first" <Lovelace>'),
    ("x&y", "Tom & Jerry"),
    ("Europe", [("Europe/Paris", "Paris"), ("Europe/Oslo", "Oslo")]),
]


class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items, self._open = [], None

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, sorted(attrs)))
        self._open = tag

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data))


def outline(html: str) -> list:
    parser = _Outline()
    parser.feed(html)
    return parser.items


def test_quick_select_renders_what_select_renders():
    attrs = {"id": "id_owner", "required": True, "data-x": 'a"b'}
    for value in ("1", "x&y", "Europe/Oslo", None):
        django = forms.Select(choices=CHOICES).render("owner", value, attrs=attrs)
        quick = QuickSelect(choices=CHOICES).render("owner", value, attrs=attrs)
        assert outline(quick) == outline(django)
    assert "<Lovelace>" not in QuickSelect(choices=CHOICES).render("owner", "1")
