"""Forms of the spreadsheet import screens: the upload, and one field choice per column."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import Participant
from ..services import importing


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (comma, semicolon or tab; UTF-8 or Windows-1252) or XLSX, with the "
                    "column headers in the first row. A Google Forms export works as it is."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )
    role = forms.ChoiceField(label=_("Who is in the file?"), choices=Participant.Role.choices,
                             widget=forms.RadioSelect, initial=Participant.Role.INTERNATIONAL)

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            try:
                importing.check_size(upload.size)  # before a byte of it is read
                raw = upload.read()
                self.table = importing.read(raw, upload.name)
            except importing.UnreadableFile as exc:
                self.add_error("file", str(exc))
            else:
                data["data"] = raw
        return data


class MappingForm(forms.Form):
    """One ``column_<n>`` choice per column; each field once; the email column required."""

    def __init__(self, *args, headers: list[str], fields: list[str], samples: list[list[str]],
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(importing.IGNORE, _("— do not import —"))] + [
            (name, label) for name, label in importing.FIELDS.items()]
        self.columns = []
        for index, header in enumerate(headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=choices, required=False,
                initial=fields[index] if index < len(fields) else importing.IGNORE)
            self.columns.append((self[name], [row[index] for row in samples]))

    def clean(self) -> dict:
        data = super().clean()
        chosen = [data.get(f"column_{i}") or "" for i in range(len(self.columns))]
        seen: dict[str, str] = {}
        for (bound, _samples), field in zip(self.columns, chosen, strict=True):
            if field and field in seen:
                self.add_error(bound.name, _("%(field)s is already the column %(other)s.")
                               % {"field": importing.FIELDS[field], "other": seen[field]})
            seen.setdefault(field, bound.label)
        if "email" not in chosen:
            raise ValidationError(_("Choose the column that holds the email addresses: "
                                    "invitations go to them."))
        data["chosen"] = chosen
        return data
