"""The column guess reads the headers a section's form would have in each of the six UI
languages, as Google Forms exports them (its own "Timestamp" and "Email address" columns
in that language included)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wagtail_buddy.services.importing.mapping import FIELDS, fold, guess_mapping

EXPECTED = ["", "email", "first_name", "last_name", "languages", "nationality",
            "home_university", "arrival_date", "birth_year", "phone"]
HEADERS = {
    "en": ["Timestamp", "Email address", "First name", "Last name", "Languages you speak",
           "Nationality", "Home university", "Arrival date", "Year of birth",
           "Phone number"],
    "fr": ["Horodateur", "Adresse e-mail", "Prénom", "Nom de famille", "Langues parlées",
           "Nationalité", "Université d'origine", "Date d'arrivée", "Année de naissance",
           "Téléphone"],
    "de": ["Zeitstempel", "E-Mail-Adresse", "Vorname", "Nachname", "Sprachen",
           "Staatsangehörigkeit", "Heimatuniversität", "Ankunftsdatum", "Geburtsjahr",
           "Telefon"],
    "es": ["Marca temporal", "Dirección de correo electrónico", "Nombre", "Apellidos",
           "Idiomas", "Nacionalidad", "Universidad de origen", "Fecha de llegada",
           "Año de nacimiento", "Teléfono"],
    "it": ["Informazioni cronologiche", "Indirizzo email", "Nome", "Cognome",
           "Lingue parlate", "Nazionalità", "Università di provenienza", "Data di arrivo",
           "Anno di nascita", "Cellulare"],
    "pt": ["Carimbo de data/hora", "Endereço de e-mail", "Primeiro nome", "Sobrenome",
           "Línguas", "Nacionalidade", "Universidade de origem", "Data de chegada",
           "Ano de nascimento", "Telemóvel"],
}


@pytest.mark.parametrize("language", sorted(HEADERS))
def test_the_guess_reads_each_languages_headers(language):
    assert guess_mapping(HEADERS[language]) == EXPECTED


@pytest.mark.parametrize("language", sorted(HEADERS))
def test_case_accents_and_punctuation_do_not_matter(language):
    shouted = [f" {h.upper()}: " for h in HEADERS[language]]
    assert guess_mapping(shouted) == EXPECTED


def test_a_remembered_choice_wins_over_the_guess():
    headers = HEADERS["fr"]
    remembered = {fold("Nom de famille"): "", fold("Horodateur"): "arrival_date"}
    fields = guess_mapping(headers, remembered)
    assert fields[0] == "arrival_date" and fields[3] == ""
    assert fields[7] == ""  # arrival date is taken by the remembered column: given once


@given(st.lists(st.text(max_size=40), max_size=30))
def test_any_headers_give_known_fields_each_at_most_once(headers):
    fields = guess_mapping(headers)
    assert len(fields) == len(headers)
    assert all(f == "" or f in FIELDS for f in fields)
    named = [f for f in fields if f]
    assert len(named) == len(set(named))
