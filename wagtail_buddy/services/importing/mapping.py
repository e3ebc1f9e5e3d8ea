"""Which column holds which field: the fields an import fills, and a guess from headers.

Headers are compared after folding case, accents and punctuation, against the words a
section would use in English, French, German, Spanish, Italian and Portuguese (Google
Forms' "Timestamp" and "Email address" included). The guess is only a start: the
coordinator corrects it, and the programme remembers the result (``ImportMapping``).
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

IGNORE = ""

# field -> label shown in the mapping form. Names are the sign-up form's field names.
FIELDS: dict[str, str] = {
    "email": _("Email"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "full_name": _("Full name (split into first and last)"),
    "birth_year": _("Year of birth (or date of birth)"),
    "gender": _("Gender"),
    "nationality": _("Nationality"),
    "languages": _("Languages"),
    "university": _("University"),
    "faculty": _("Faculty or field of study"),
    "home_university": _("Home university"),
    "arrival_date": _("Arrival date"),
    "available_from": _("Available from"),
    "available_until": _("Available until"),
    "capacity": _("Number of students a buddy can take"),
    "exchange_country": _("Country of a past exchange"),
    "phone": _("Phone"),
    "preferred_language": _("Language for emails"),
}
REQUIRED = ("email",)

# Folded header words -> field. Exact matches win over "contains" matches.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "courriel",
              "adresse e-mail", "adresse email", "adresse mail", "adresse electronique",
              "e-mail-adresse", "emailadresse", "correo", "correo electronico",
              "direccion de correo", "posta elettronica", "indirizzo email",
              "indirizzo e-mail", "endereco de email", "endereco de e-mail",
              "endereco eletronico"),
    "first_name": ("first name", "firstname", "given name", "forename", "prenom", "vorname",
                   "nombre", "nome", "nome proprio", "primeiro nome"),
    "last_name": ("last name", "lastname", "surname", "family name", "nom de famille", "nom",
                  "nachname", "familienname", "apellido", "apellidos", "cognome", "sobrenome",
                  "apelido"),
    "full_name": ("name", "full name", "your name", "nom complet", "prenom et nom",
                  "nom et prenom", "vollstandiger name", "name und vorname",
                  "nombre completo", "nome completo", "nome e cognome"),
    "birth_year": ("year of birth", "birth year", "date of birth", "birthday", "birthdate",
                   "dob", "annee de naissance", "date de naissance", "geburtsjahr",
                   "geburtsdatum", "ano de nacimiento", "fecha de nacimiento",
                   "anno di nascita", "data di nascita", "ano de nascimento",
                   "data de nascimento"),
    "gender": ("gender", "sex", "genre", "sexe", "geschlecht", "genero", "sexo", "genere",
               "sesso"),
    "nationality": ("nationality", "citizenship", "country of origin", "home country",
                    "nationalite", "pays d'origine", "staatsangehorigkeit", "nationalitat",
                    "herkunftsland", "nacionalidad", "pais de origen", "nazionalita",
                    "paese di origine", "nacionalidade", "pais de origem"),
    "languages": ("languages", "language", "languages spoken", "spoken languages",
                  "langues", "langues parlees", "sprachen", "sprachkenntnisse", "idiomas",
                  "lenguas", "lingue", "lingue parlate", "linguas"),
    "university": ("university", "host university", "universite", "universite d'accueil",
                   "universitat", "hochschule", "gastuniversitat", "universidad",
                   "universidad de destino", "universita", "universidade"),
    "faculty": ("faculty", "field of study", "study programme", "study program", "studies",
                "faculte", "filiere", "domaine d'etudes", "fakultat", "studiengang",
                "studienfach", "facultad", "carrera", "estudios", "facolta",
                "corso di studi", "faculdade", "curso"),
    "home_university": ("home university", "sending university", "home institution",
                        "universite d'origine", "heimatuniversitat", "heimathochschule",
                        "universidad de origen", "universita di provenienza",
                        "universita di origine", "universidade de origem"),
    "arrival_date": ("arrival", "arrival date", "date of arrival", "arrival in city",
                     "arrivee", "date d'arrivee", "ankunft", "ankunftsdatum", "llegada",
                     "fecha de llegada", "arrivo", "data di arrivo", "chegada",
                     "data de chegada"),
    "available_from": ("available from", "availability from", "disponible a partir de",
                       "disponible des", "verfugbar ab", "disponibile da",
                       "disponivel a partir de"),
    "available_until": ("available until", "available to", "availability until",
                        "disponible jusqu'au", "verfugbar bis", "disponible hasta",
                        "disponibile fino a", "disponivel ate"),
    "capacity": ("capacity", "how many students", "number of students", "number of buddies",
                 "capacite", "nombre d'etudiants", "kapazitat", "anzahl", "capacidad",
                 "numero de estudiantes", "capacita", "numero di studenti", "capacidade",
                 "numero de estudantes"),
    "exchange_country": ("exchange country", "country of exchange", "past exchange",
                         "pays d'echange", "austauschland", "pais de intercambio",
                         "paese di scambio", "pais de intercambio"),
    "phone": ("phone", "phone number", "mobile", "telephone", "whatsapp", "telefon",
              "handynummer", "telefono", "movil", "cellulare", "telefone", "celular",
              "telemovel", "portable"),
    "preferred_language": ("preferred language", "language for emails", "email language",
                           "langue de communication", "langue preferee", "bevorzugte sprache",
                           "idioma preferido", "lingua preferita", "idioma de preferencia",
                           "lingua preferida"),
}
# Google Forms and friends: columns an import never uses.
IGNORED_HEADERS_RAW = ("timestamp", "horodateur", "zeitstempel", "marca temporal",
                   "informazioni cronologiche", "carimbo de data/hora", "score", "points")

_FOLD = re.compile(r"[^a-z0-9@'/ -]+")


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation but word separators, single spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = _FOLD.sub(" ", text.replace("’", "'")).replace("-", " ").replace("_", " ")
    return " ".join(text.split())


IGNORED_HEADERS = frozenset(fold(h) for h in IGNORED_HEADERS_RAW)
_EXACT = {fold(word): field for field, words in SYNONYMS.items() for word in words}
_LONGEST_FIRST = sorted(_EXACT.items(), key=lambda item: -len(item[0]))


def guess_field(header: str) -> str:
    """The field a header most likely holds, or ``IGNORE``."""
    key = fold(header)
    if not key or key in IGNORED_HEADERS:
        return IGNORE
    if key in _EXACT:
        return _EXACT[key]
    padded = f" {key} "
    for word, field in _LONGEST_FIRST:  # "Your e-mail address (we write to it)"
        if len(word) > 3 and f" {word} " in padded:
            return field
    return IGNORE


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None) -> list[str]:
    """One field per column: what the programme remembered for that header, else a guess.

    A field is given to its first column only, so two "Name" columns never both fill it.
    """
    remembered = remembered or {}
    used: set[str] = set()
    fields: list[str] = []
    for header in headers:
        field = remembered.get(fold(header))
        if field is None or (field and field not in FIELDS):
            field = guess_field(header)
        if field in used:
            field = IGNORE
        used.add(field)
        fields.append(field)
    return fields


def parse_map_options(options: list[str], headers: list[str]) -> dict[str, str]:
    """``--map "Header=field"`` options -> {folded header: field}; ValueError if wrong."""
    known = {fold(h) for h in headers}
    out: dict[str, str] = {}
    for option in options:
        header, sep, field = option.rpartition("=")
        field = field.strip()
        if not sep or not header.strip():
            raise ValueError(gettext('--map %(option)s: write it as "Column header=field".')
                             % {"option": repr(option)})
        if field not in FIELDS and field not in ("", "ignore"):
            raise ValueError(gettext("--map %(option)s: unknown field %(field)s; the fields "
                                     "are %(fields)s.")
                             % {"option": repr(option), "field": repr(field),
                                "fields": ", ".join(FIELDS)})
        if fold(header) not in known:
            raise ValueError(gettext("--map %(option)s: the file has no column %(column)s.")
                             % {"option": repr(option), "column": repr(header.strip())})
        out[fold(header)] = "" if field == "ignore" else field
    return out
