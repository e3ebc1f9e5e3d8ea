"""Public sign-up and profile forms.

One ``ParticipantForm`` serves both roles and both moments (sign-up, later edits through the
private link): fields that do not apply are removed in ``__init__``. Every error is a
translated message attached to its field; the form never checks whether an email is already
registered (the service handles duplicates without telling the visitor).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..models import BuddyProgrammePage, Interest, Participant
from ..models.programme_texts import ConsentTerms
from ..models.vocabulary import interest_names
from ..vocabulary import ChoiceList, language_choices, language_name, native_language_name
from .extra_questions import EXTRA_PREFIX, ExtraQuestionsMixin
from .fields import (
    DateInput,
    SearchableCheckboxes,
    default_language,
    languages_without_catalogue,
    reject_control_characters,
    site_languages,
    suggested_languages,
)

__all__ = ["EXTRA_PREFIX", "LATER_FIELDS", "ROLE_FIELDS", "ParticipantForm",
           "reject_control_characters"]

ROLE_FIELDS = {
    Participant.Role.INTERNATIONAL: ("home_university", "arrival_date"),
    Participant.Role.LOCAL: ("available_from", "available_until", "capacity", "exchange_country"),
}
# Asked on the private page once the address is confirmed, not at sign-up: matching does
# not use them, and a shorter form is finished on a phone.
LATER_FIELDS = ("phone", "motivation")
MIN_AGE, MAX_AGE = 15, 99


class ValidationMixin:
    """Field and cross-field checks, each error a translated message on its field."""

    def clean_birth_year(self) -> int:
        value = self.cleaned_data["birth_year"]
        year = timezone.localdate().year
        low, high = year - MAX_AGE, year - MIN_AGE
        if not low <= value <= high:
            raise ValidationError(
                _("Enter a year between %(low)s and %(high)s."),
                code="range", params={"low": low, "high": high},
            )
        return value

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_website(self) -> str:
        return self.cleaned_data.get("website") or ""

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("gender_preference") == Participant.GenderPreference.SAME
                and not data.get("gender")):
            self.add_error("gender", _("Tell us your gender so we can find you a buddy of "
                                       "the same gender, or choose 'No preference'."))
        start, end = data.get("available_from"), data.get("available_until")
        if start and end and end < start:
            self.add_error("available_until",
                           _("This date must be on or after the 'available from' date."))
        for name in ("arrival_date", "available_from", "available_until"):
            value = data.get(name)
            if value and not date(2000, 1, 1) <= value <= date(2100, 1, 1):
                self.add_error(name, _("Enter a realistic date."))
        return data

    def _post_clean(self) -> None:
        """Django's model validation without the model's uniqueness and constraints.

        The (email, intake, role) constraint is exactly "this address is registered": a
        visitor must never learn that, so duplicates are the service's (it emails the
        owner). The other constraint (capacity 1-5) is the form field's choices again. The
        countries are skipped too: the form field checked them against the same list.
        """
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields,
                                               self._meta.exclude)
            exclude = self._get_validation_exclusions() | {"nationality", "exchange_country"}
            self.instance.full_clean(exclude=exclude, validate_unique=False,
                                     validate_constraints=False)
        except ValidationError as error:
            self._update_errors(error)

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class LayoutMixin:
    """The form's sections, as the templates lay them out."""

    def section(self, *names: str) -> list:
        return [self[name] for name in names if name in self.fields]

    # Short fields laid out two to a row, to keep the form short on a phone.
    half_fields = ("first_name", "last_name", "available_from", "available_until")

    @property
    def about_fields(self) -> list:
        return self.section("first_name", "last_name", "email", "phone", "birth_year",
                            "gender", "nationality")

    @property
    def study_fields(self) -> list:
        return self.section("university", "faculty", "home_university", "arrival_date",
                            "available_from", "available_until", "capacity",
                            "exchange_country")

    @property
    def matching_fields(self) -> list:
        return self.section("languages", "interests", "gender_preference", "motivation")

    @property
    def settings_fields(self) -> list:
        return self.section("preferred_language", "tell_next_intake")


class ParticipantForm(ExtraQuestionsMixin, ValidationMixin, LayoutMixin, forms.ModelForm):
    """A participant's profile: sign-up (``signup=True``) or edit through the private link."""

    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"), widget=SearchableCheckboxes,
        choices=ChoiceList(language_choices),
        help_text=_("Tick every language you can hold a conversation in."),
        error_messages={"required": _("Choose at least one language you speak."),
                        "invalid_choice": _("Choose languages from the list.")},
    )
    interests = forms.TypedMultipleChoiceField(
        label=_("Interests"), coerce=int, required=False, widget=SearchableCheckboxes,
        help_text=_("We use them to find you a buddy you will get along with."),
        error_messages={"invalid_choice": _("Choose interests from the list.")},
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "bday-year"}),
        help_text=_("Only the year: we use it to pair students of similar age."),
    )
    capacity = forms.TypedChoiceField(
        label=_("How many international students can you take care of?"),
        choices=[(n, str(n)) for n in range(1, 6)], coerce=int, initial=1,
        error_messages={"invalid_choice": _("Choose a number between 1 and 5.")},
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for our emails"), choices=site_languages,
        error_messages={"invalid_choice": _("Choose one of the languages offered.")},
    )
    gender_preference = forms.ChoiceField(
        label=_("Would you prefer a buddy of your own gender?"),
        choices=[(Participant.GenderPreference.ANY, _("No preference")),
                 (Participant.GenderPreference.SAME, _("Yes, if possible"))],
        widget=forms.RadioSelect, initial=Participant.GenderPreference.ANY,
        error_messages={"required": _("Choose one of the options."),
                        "invalid_choice": _("Choose one of the options.")},
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that the section stores my data "
                "to find me a buddy."),
        error_messages={"required": _("We need your consent to process your sign-up.")},
    )
    charter = forms.BooleanField(
        label=_("I accept the programme's charter."),
        error_messages={"required": _("Please accept the charter to take part.")},
    )
    tell_next_intake = forms.BooleanField(
        label=_("Email me when the next intake opens, so I can join again in two clicks."),
        required=False,
        help_text=_("We then email you once per new intake, with your details filled in; "
                    "you can change your mind on your private page."),
    )
    # Honeypot: hidden from people (CSS + aria-hidden), filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Participant
        fields = [
            "first_name", "last_name", "email", "phone", "birth_year", "gender",
            "gender_preference", "nationality", "languages", "interests", "university",
            "faculty", "home_university", "arrival_date", "available_from", "available_until",
            "capacity", "exchange_country", "motivation", "preferred_language",
        ]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "arrival_date": DateInput,
            "available_from": DateInput,
            "available_until": DateInput,
            "motivation": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "phone": _("Phone or messenger (optional)"),
            "faculty": _("Faculty or field of study (optional)"),
            "gender": _("Gender (optional)"),
            "exchange_country": _("Where did you go on exchange? (optional)"),
            "motivation": _("Why do you want to take part? (optional)"),
            "arrival_date": _("When do you arrive?"),
            "available_from": _("Available from (optional)"),
            "available_until": _("Available until (optional)"),
            "home_university": _("Home university"),
            "university": _("University in our city"),
        }
        help_texts = {
            "phone": _("Shared only with your buddy, once you are matched."),
            "arrival_date": _("An approximate date is fine."),
            "email": _("We send a confirmation link to this address."),
            "motivation": _("Helps the coordinators introduce you; your buddy does not see it."),
        }

    def __init__(self, *args, programme: BuddyProgrammePage, role: str, signup: bool = True,
                 **kwargs) -> None:
        instance = kwargs.get("instance")
        offered = Interest.offered_choices(programme.canonical.pk)
        if instance is not None and instance.pk:  # keep what they chose, even if retired
            chosen = list(instance.interests.all())
            offered_ids = {pk for pk, _name in offered}
            retired = [i for i in chosen if i.pk not in offered_ids]
            offered = offered + list(zip([i.pk for i in retired], interest_names(retired),
                                         strict=True))
            if "initial" not in kwargs:
                kwargs["initial"] = {
                    "languages": [lang.code for lang in instance.languages.all()],
                    "interests": [i.pk for i in chosen],
                    **{f"{EXTRA_PREFIX}{k}": v
                       for k, v in (instance.extra_answers or {}).items()},
                }
        super().__init__(*args, **kwargs)
        self.programme, self.role, self.signup = programme, role, signup
        self._keep_fields_that_apply()
        self.fields["interests"].choices = ChoiceList(offered)
        self.fields["languages"].suggested = suggested_languages()
        self._set_email_language(instance)
        year = timezone.localdate().year
        self.fields["birth_year"].widget.attrs.update(
            {"min": year - MAX_AGE, "max": year - MIN_AGE})
        if role == Participant.Role.INTERNATIONAL:
            self.fields["arrival_date"].required = True
            self.fields["home_university"].required = True
            self.fields["university"].label = _("University you are coming to")
        else:
            self.fields["university"].label = _("Your university")
        self._add_extra_questions()
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and name != "website":
                # One clear message for NUL and friends, not Django's generic one as well.
                field.validators = [v for v in field.validators
                                    if not isinstance(v, ProhibitNullCharactersValidator)]
                field.validators.append(reject_control_characters)

    def _keep_fields_that_apply(self) -> None:
        """Drop the other role's fields, and those of the other moment (sign-up or edit)."""
        other = Participant.Role.LOCAL if self.role == Participant.Role.INTERNATIONAL \
            else Participant.Role.INTERNATIONAL
        dropped = list(ROLE_FIELDS.get(other, ()))
        if not self.signup:
            dropped += ["email", "consent", "charter", "website", "tell_next_intake"]
        else:
            dropped += [*LATER_FIELDS, *(() if self.programme.has_charter else ("charter",))]
        if self.role != Participant.Role.LOCAL:
            dropped.append("tell_next_intake")
        for name in dropped:
            self.fields.pop(name, None)

    def _set_email_language(self, instance) -> None:
        """Suggest the reader's language, and say which language we write in for a site
        language the app has no translation of."""
        field = self.fields["preferred_language"]
        if "preferred_language" not in self.initial and not (instance and instance.pk):
            field.initial = default_language()
        missing = languages_without_catalogue()
        if missing:
            field.help_text = _(
                "Our emails are not translated into %(missing)s yet: if you choose it, we "
                "write to you in %(language)s."
            ) % {"missing": ", ".join(native_language_name(code) for code in missing),
                 # named in the sentence's own language: "en anglais", not "en English"
                 "language": language_name(self.programme.default_language)}

    def consent_terms(self) -> ConsentTerms:
        """The privacy notice and charter this form showed: what its sender agreed to."""
        return self.programme.consent_terms()

    @property
    def untranslated_questions_language(self) -> str | None:
        """The language of extra questions shown untranslated, if any (for a note)."""
        return next((field.untranslated_lang for field in self.fields.values()
                     if getattr(field, "untranslated_lang", None)), None)


# The country lists, set once on the class: lazy (they follow the active language) and
# never copied or re-normalised per form. Set here because the fields come from the model.
ParticipantForm.base_fields["nationality"].choices = ChoiceList(
    [("", _("Choose a country"))], countries)
ParticipantForm.base_fields["exchange_country"].choices = ChoiceList(
    [("", _("I have not been on exchange"))], countries)


class InvitationForm(ParticipantForm):
    """An imported person's details, prefilled, to check, consent to and confirm. The
    address is the one the invitation reached, so it is not asked again."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, signup=True, **kwargs)
        for name in ("email", "website"):
            self.fields.pop(name, None)


class RejoinForm(ParticipantForm):
    """A past buddy's sign-up for a new intake: their profile is kept, the form asks only
    what changes each semester (the programme's ``rejoin_fields``, shown with last time's
    answers) and their consent to today's texts."""

    ALWAYS = ("tell_next_intake", "consent", "charter")
    #: The form fields behind each of the programme's ``rejoin_fields`` choices.
    FIELDS = {"availability": ("available_from", "available_until"),
              "studies": ("university", "faculty")}

    def __init__(self, *args, past: Participant, **kwargs) -> None:
        kwargs.setdefault("initial", {}).update(self._past_answers(past))
        super().__init__(*args, signup=True, role=Participant.Role.LOCAL, **kwargs)
        self.past = past
        chosen = self.programme.canonical.rejoin_fields or []
        self.asked = {name for choice in chosen for name in self.FIELDS.get(choice, (choice,))}
        asks_extra = "extra_questions" in chosen
        for name in list(self.fields):
            if not (name in self.asked or name in self.ALWAYS
                    or (asks_extra and name.startswith(EXTRA_PREFIX))):
                self.fields.pop(name)
        if not asks_extra:
            self.extra_keys = []
        # The texts they accepted last time are unchanged: the confirm press, under a
        # sentence saying so, renews their consent (no box to tick again).
        self.renews_consent = past.consent_version == self.consent_terms().version
        if self.renews_consent:
            for name in ("consent", "charter"):
                if name in self.fields:
                    self.fields[name].widget = forms.HiddenInput()
                    self.initial[name] = "on"

    @staticmethod
    def _past_answers(past: Participant) -> dict:
        """Last time's answers, to check (not the dates: those were last semester's)."""
        return {"capacity": past.capacity, "university": past.university,
                "faculty": past.faculty, "gender_preference": past.gender_preference,
                "exchange_country": past.exchange_country,
                "preferred_language": past.preferred_language,
                "languages": [lang.pk for lang in past.languages.all()],
                "interests": [i.pk for i in past.interests.all()],
                **{f"{EXTRA_PREFIX}{k}": v for k, v in (past.extra_answers or {}).items()}}

    def extra_answers(self) -> dict:
        """The past answers, with those asked again replaced."""
        return {**(self.past.extra_answers or {}), **super().extra_answers()}
