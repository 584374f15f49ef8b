"""Forms of the import pages. They parse input; the services validate and write."""

from django import forms

from rapport.users import selectors as user_selectors
from rapport.users.models import Team

from ..enums import ImportMatch, ImportMode
from .mapping import MATCH_CHOICES
from .readers import DELIMITERS

MODE_HELP = {
    ImportMode.CREATE: "Every row becomes a new record.",
    ImportMode.UPDATE: "Rows change the records they match; rows that match nothing fail.",
    ImportMode.UPSERT: "Rows change the records they match; the others become new records.",
}
DELIMITER_LABELS = {",": "Comma (,)", ";": "Semicolon (;)", "\t": "Tab", "|": "Vertical bar (|)"}
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "iso8859-1", "iso8859-15", "mac-roman", "utf-16", "cp1250", "cp1251"]


class UploadForm(forms.Form):
    object_type = forms.ChoiceField(
        label="Import",
        choices=[("contact", "Contacts (people)"), ("company", "Companies")],
        widget=forms.RadioSelect,
        initial="contact",
    )
    file = forms.FileField(
        label="File",
        help_text="CSV (any delimiter and encoding), Excel .xlsx (first sheet) or vCard .vcf (contacts).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx,.vcf,.vcard"}),
    )


class FileSettingsForm(forms.Form):
    """A CSV's encoding and delimiter, when the detection got them wrong."""

    encoding = forms.ChoiceField(label="Encoding", required=False)
    delimiter = forms.ChoiceField(
        label="Delimiter", required=False, choices=[(d, DELIMITER_LABELS[d]) for d in DELIMITERS]
    )

    def __init__(self, data=None, *, job):
        initial = {"encoding": job.encoding, "delimiter": job.delimiter}
        super().__init__(data, initial=initial, prefix="file")
        encodings = list(dict.fromkeys([job.encoding, *ENCODINGS]))
        self.fields["encoding"].choices = [(e, e) for e in encodings if e]
        if job.file_format != "csv":
            del self.fields["delimiter"]

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v}


class OptionsForm(forms.Form):
    mode = forms.ChoiceField(label="What to do", choices=ImportMode.choices, widget=forms.RadioSelect)
    match_on = forms.ChoiceField(
        label="Find existing records by",
        required=False,
        help_text="For updates: the field that identifies the record a row is about.",
    )
    tags = forms.CharField(
        label="Tags for every record",
        required=False,
        max_length=500,
        help_text="Comma-separated; added to every created or updated record.",
    )
    owner = forms.ModelChoiceField(label="Owner of new records", queryset=None, required=False,
                                   empty_label="Me")  # fmt: skip
    team = forms.ModelChoiceField(label="Team of new records", queryset=Team.objects.order_by("name"), required=False,
                                  empty_label="The owner's team")  # fmt: skip

    def __init__(self, data=None, *, job, actor):
        options = job.options if isinstance(job.options, dict) else {}
        initial = {
            "mode": job.mode,
            "match_on": job.match_on,
            "tags": ", ".join(options.get("tags") or []),
            "owner": options.get("owner"),
            "team": options.get("team"),
        }
        super().__init__(data, initial=initial, prefix="options")
        self.fields["match_on"].choices = [("", "—")] + [
            (m, ImportMatch(m).label) for m in MATCH_CHOICES[job.object_type]
        ]
        if job.file_format == "vcf":
            self.fields["match_on"].choices = [("", "—"), (ImportMatch.EMAIL, "Email"), (ImportMatch.PHONE, "Phone")]
        users = user_selectors.user_list(actor=actor, filters={"is_active": True}).order_by("username")
        self.fields["owner"].queryset = users
        self.fields["owner"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.username})" if u.get_full_name() else u.username
        )
        self.mode_help = MODE_HELP

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "mode": data["mode"],
            "match_on": data.get("match_on") or "",
            "options": {
                "tags": [t for t in (data.get("tags") or "").split(",") if t.strip()],
                "owner": data["owner"].pk if data.get("owner") else None,
                "team": data["team"].pk if data.get("team") else None,
            },
        }
