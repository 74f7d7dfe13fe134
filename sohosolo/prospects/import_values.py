"""What the values of a spreadsheet mean: the team's own words mapped to the platform's choices.

Each column that takes a choice (stage, activity, source, advisor, commune of settling, country, villages of interest)
has a vocabulary. A value found in the file is matched, in this order, against:
1. the code or the label of a choice, in French or in English ("Installé", "settled");
2. a synonym the programmes' spreadsheets use ("En veille" → On hold);
3. the words of each choice, word by word, folded (case, accents and punctuation ignored), two words sharing a stem of
   five letters counting as one ("Consultant" → Consulting, "Indépendant / freelance" → Freelancer);
4. the closest spelling ("Mirannde" → Mirande).
The first two are sure, and so is a words match when one choice has more of the value's words than any other; a
spelling match is only a suggestion, for a person to confirm. A value matched by none is not lost: the import leaves the
field empty (or at its default) and keeps the value, verbatim, in the file's notes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from babel import Locale
from django.utils import translation

from sohosolo.lib.text import fold, name_key
from sohosolo.prospects.models import Activity, Source, Stage

# The columns whose values are mapped to a choice, in the order the mapping page shows them.
CHOICE_FIELDS = (
    "stage",
    "activity",
    "source",
    "advisor",
    "settled_commune",
    "current_country",
    "villages_of_interest",
)

SURE = ("exact", "synonym", "words", "initials")


def key(text: str) -> str:
    """Header or value reduced for comparison: folded, punctuation as spaces ("Installé(e) le" → "installe e le")."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


# Words that carry no meaning of their own in a value ("Création *d'*entreprise", "Visit *or* discovery stay").
STOPWORDS = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "e", "en", "et", "l", "la", "le", "les", "ou", "par", "pour", "s"}
    | {"sur", "un", "une", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
)


def words(text: str) -> list[str]:
    return [word for word in key(text).split() if word not in STOPWORDS]


def _same_word(a: str, b: str) -> bool:
    """One word, or two forms of it: a shared stem of six letters ("consultant", "consulting"), or the shorter a start
    of the longer ("visit", "visite"), but "artisan" is not "artiste"."""
    if a == b:
        return True
    shared = len(next((p for p in _prefixes(a, b)), ""))
    return shared >= 6 or (min(len(a), len(b)) >= 4 and shared == min(len(a), len(b)))


def _prefixes(a: str, b: str):
    for length in range(min(len(a), len(b)), 0, -1):
        if a[:length] == b[:length]:
            yield a[:length]
            return


@dataclass(frozen=True)
class Suggestion:
    """The choice a value seems to mean: `target` is what the import stores ("" for none), `how` how it was found."""

    target: str = ""
    how: str = "none"  # exact, synonym, words, initials, close or none

    @property
    def sure(self) -> bool:
        return bool(self.target) and self.how in SURE


NO_SUGGESTION = Suggestion()


class Vocabulary:
    """The choices of one field — target → label — with the words and synonyms that name each."""

    def __init__(self, choices: Iterable[tuple[str, str]], synonyms: dict[str, str] | None = None):
        self.labels: dict[str, Any] = {}
        self.exact: dict[str, str] = {}
        self.synonyms: dict[str, str] = {}
        self.vocabulary: dict[str, set[str]] = {}
        for target, label in choices:
            target = str(target)
            self.labels[target] = label  # lazy: worded in the reader's language when shown
            self.vocabulary.setdefault(target, set()).update(words(target.replace("_", " ")))
            self.exact.setdefault(key(target), target)
            self.exact.setdefault(key(str(label)), target)
            self.vocabulary[target].update(words(str(label)))
        for target, aliases in (synonyms or {}).items():
            target = str(target)
            for alias in aliases.split("|"):
                self.synonyms.setdefault(key(alias), target)
                self.vocabulary.setdefault(target, set()).update(words(alias))

    def add_label(self, target: str, label: str) -> None:
        """Another language's label of a choice: matched exactly and by its words."""
        target = str(target)
        self.exact.setdefault(key(label), target)
        self.vocabulary.setdefault(target, set()).update(words(label))

    def label(self, target: str) -> str:
        return str(self.labels.get(target, target))

    def resolve(self, text: str) -> str:
        """The target a person gave for a value (a code or a label, in any case): "" when it names no choice."""
        folded = key(text)
        return self.exact.get(folded) or self.synonyms.get(folded) or ""

    def suggest(self, value: str) -> Suggestion:
        folded = key(value)
        if not folded:
            return NO_SUGGESTION
        if target := self.exact.get(folded):
            return Suggestion(target, "exact")
        if target := self.synonyms.get(folded):
            return Suggestion(target, "synonym")
        if suggestion := self.by_words(words(value)):
            return suggestion
        return self.by_spelling(folded)

    def by_words(self, found: list[str]) -> Suggestion | None:
        if not found:
            return None
        scores = {
            target: sum(any(_same_word(word, known) for known in vocabulary) for word in found)
            for target, vocabulary in self.vocabulary.items()
        }
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        best, score = ranked[0]
        if score == 0:
            return None
        if (len(ranked) > 1 and ranked[1][1] == score) or 2 * score <= len(found):
            # two choices as near, or most of the value's words unknown ("Salarié agricole"): a person decides
            return Suggestion(best, "close")
        return Suggestion(best, "words")

    def by_spelling(self, folded: str) -> Suggestion:
        candidates = {**self.exact, **self.synonyms}
        close = difflib.get_close_matches(folded, list(candidates), n=1, cutoff=0.75)
        return Suggestion(candidates[close[0]], "close") if close else NO_SUGGESTION


def _both_languages(vocabulary: Vocabulary, choices) -> Vocabulary:
    for language in ("fr", "en"):
        with translation.override(language):
            for target, label in choices:
                vocabulary.add_label(target, str(label))
    return vocabulary


# Words the programmes' spreadsheets use beside the platform's labels (recognised in French and English).
STAGE_SYNONYMS = {
    Stage.NEW: "nouveau|nouvelle|nouveau contact|premier contact|contact|a contacter|a rappeler|prospect|lead|"
    "demande|demande d information|candidature",
    Stage.FIRST_INTERVIEW: "premier entretien|1er entretien|entretien|rdv|rendez vous|qualifie|qualified|"
    "entretien telephonique",
    Stage.FOLLOW_UP: "suivi|suivi actif|en suivi|en cours|accompagnement|accompagne|proposition|proposal|"
    "negociation|projet en cours|actif",
    Stage.VISIT: "visite|sejour decouverte|sejour de decouverte|visite sejour decouverte|week end decouverte|"
    "visite du village|immersion",
    Stage.SETTLED: "installe|installee|installes|installees|installe e|arrive|arrivee|won|gagne|emmenage",
    Stage.ON_HOLD: "en attente|en pause|pause|en veille|veille|report|reporte|plus tard|sommeil|en sommeil|dormant",
    Stage.DROPPED: "abandon|abandonne|abandonnee|abandonnes|lost|perdu|sans suite|clos|annule|renonce|hors cible|"
    "ne donne pas suite|refus",
}
SOURCE_SYNONYMS = {
    Source.WEBSITE: "site|site internet|site web|internet|web|formulaire|formulaire en ligne|website",
    Source.SEARCH: "moteur de recherche|google|recherche internet|bing|qwant",
    Source.PRESS: "presse|radio|television|tele|tv|journal|article|la depeche|sud ouest|magazine|reportage|media",
    Source.SOCIAL: "reseaux sociaux|facebook|instagram|linkedin|twitter|youtube|tiktok|social media",
    Source.FAIR: "salon|foire|salon made in gers|stand|forum|exposition",
    Source.WORD_OF_MOUTH: "bouche a oreille|amis|famille|ami|connaissance|relation|word of mouth|parrainage",
    Source.PARTNER: "partenaire|chambre de commerce|cci|banque|expert comptable|comptable|pole emploi|france travail|"
    "agence|notaire|chambre des metiers|cma",
    Source.VILLAGE: "village partenaire|mairie|maire|comite d accueil|commune",
    Source.MEETING: "reunion d information|reunion|reunion publique|information meeting|soiree d information|"
    "atelier|webinaire|webinar|permanence",
    Source.OTHER: "autre|autres|divers|other",
}
ACTIVITY_SYNONYMS = {
    Activity.REMOTE_EMPLOYEE: "teletravail|teletravailleur|teletravailleuse|salarie en teletravail|"
    "teletravail salarie|salarie a distance|salarie|remote|remote worker|employee|travail a distance",
    Activity.FREELANCER: "independant|independante|freelance|free lance|auto entrepreneur|micro entrepreneur|"
    "micro entreprise|profession liberale|liberal|travailleur independant|self employed",
    Activity.CREATION: "creation|creation d entreprise|creation d activite|creer|projet de creation|"
    "start up|startup|entrepreneur|creating",
    Activity.TAKEOVER: "reprise|reprise d entreprise|reprise de commerce|repreneur|rachat|reprise d activite|"
    "transmission|buying a business",
    Activity.CRAFT: "artisanat|artisan|artisan d art|metiers d art|metier d art|artisane|craftsman|craftsperson",
    Activity.ART: "artiste|artiste peintre|art|arts|musicien|plasticien|ecrivain|artist",
    Activity.CONSULTING: "conseil|consultant|consultante|consulting|formateur|coach|expertise|audit",
    Activity.OTHER: "autre|autres|divers|other|retraite",
}


@cache
def stages() -> Vocabulary:
    return _both_languages(Vocabulary(Stage.choices, STAGE_SYNONYMS), Stage.choices)


@cache
def sources() -> Vocabulary:
    return _both_languages(Vocabulary(Source.choices, SOURCE_SYNONYMS), Source.choices)


@cache
def activities() -> Vocabulary:
    return _both_languages(Vocabulary(Activity.choices, ACTIVITY_SYNONYMS), Activity.choices)


# Countries: the target is the country's name in French, as the team writes it and the results count it ("France").
COUNTRY_SYNONYMS = {
    "GB": "angleterre|ecosse|pays de galles|irlande du nord|uk|u k|england|scotland|wales|great britain|"
    "grande bretagne|royaume uni|united kingdom",
    "US": "usa|etats unis|etats unis d amerique|united states|america|amerique",
    "NL": "hollande|holland|netherlands|pays bas",
    "BE": "belgium|belgique",
    "CH": "switzerland|suisse",
    "DE": "germany|allemagne",
    "ES": "spain|espagne|espana",
    "PT": "portugal",
    "IE": "ireland|irlande|eire",
    "FR": "france|fr|metropole|france metropolitaine",
}


@cache
def countries() -> Vocabulary:
    french, english = Locale("fr").territories, Locale("en").territories
    codes = [code for code in french if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ")]
    vocabulary = Vocabulary(
        [(french[code], french[code]) for code in codes],
        {french[code]: aliases for code, aliases in COUNTRY_SYNONYMS.items()},
    )
    for code in codes:
        vocabulary.add_label(french[code], english.get(code, ""))
        vocabulary.synonyms.setdefault(key(code), french[code])
    return vocabulary


# Advisors: the target is the user's primary key; "C. Laffargue", "Claire L." and "CL" find Claire Laffargue.


def _name_words(full_name: str) -> list[str]:
    return name_key(full_name).split()


def _initials_match(written: list[str], name: list[str]) -> bool:
    """Every word written is a word of the name or the initial of one, in the name's order, and at least one is a whole
    word ("C. Laffargue", "Claire L."), or the letters are the initials of all the name's words ("CL")."""
    if len(written) == 1 and len(written[0]) == len(name) > 1 and written[0] == "".join(w[0] for w in name):
        return True
    if not any(len(w) > 1 for w in written):
        return False
    position = 0
    for word in written:
        while position < len(name) and not (word == name[position] or (len(word) == 1 and name[position][0] == word)):
            position += 1
        if position == len(name):
            return False
        position += 1
    return True


class _Lookup:
    """A vocabulary (People, Communes) whose person-given targets are read as its sure suggestions; each subclass
    has its own `suggest`."""

    suggest: Callable[[str], Suggestion]

    def resolve(self, text: str) -> str:
        suggestion = self.suggest(text)
        return suggestion.target if suggestion.sure else ""


class People(_Lookup):
    """The staff of a territory an advisor column may name: by email, by full name, or by initials."""

    def __init__(self, users: Iterable):
        self.users = {str(user.pk): user for user in users}
        self.labels = {pk: user.full_name or user.email for pk, user in self.users.items()}

    def label(self, target: str) -> str:
        return self.labels.get(target, target)

    def resolve(self, text: str) -> str:
        if text.strip() in self.users:  # a choice made on the mapping page: the user's number
            return text.strip()
        return super().resolve(text)

    def suggest(self, value: str) -> Suggestion:
        text = value.strip()
        if not text:
            return NO_SUGGESTION
        lowered = text.lower()
        by_email = [pk for pk, user in self.users.items() if user.email.lower() == lowered]
        if by_email:
            return Suggestion(by_email[0], "exact")
        written = _name_words(text)
        whole = [pk for pk, user in self.users.items() if _name_words(user.full_name) == written]
        if len(whole) == 1:
            return Suggestion(whole[0], "exact")
        if len(whole) > 1:
            return Suggestion(whole[0], "close")  # two people of that name: a person chooses
        # "Laffargue Claire": the same words in another order
        turned = [pk for pk, user in self.users.items() if sorted(_name_words(user.full_name)) == sorted(written)]
        if len(turned) == 1:
            return Suggestion(turned[0], "exact")
        initials = [pk for pk, user in self.users.items() if _initials_match(written, _name_words(user.full_name))]
        if len(initials) == 1:
            return Suggestion(initials[0], "initials")
        if initials:
            return Suggestion(initials[0], "close")
        return NO_SUGGESTION


# Communes: the target is the INSEE code; names are compared as written on a sign ("St-Clar" = "Saint-Clar").

_PARENTHESES = re.compile(r"\(.*?\)|\[.*?\]")
_POSTCODE = re.compile(r"\b\d{5}\b")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "s": "saint"}


def commune_words(text: str) -> str:
    bare = _POSTCODE.sub(" ", _PARENTHESES.sub(" ", text))
    return " ".join(_ABBREVIATIONS.get(word, word) for word in name_key(bare).split())


class Communes(_Lookup):
    """Communes by INSEE code and by name: first those of the territory's département, then of France."""

    def __init__(self, local: Iterable, everywhere: Iterable = ()):
        self.by_code: dict[str, object] = {}
        self.local: dict[str, list] = {}
        self.national: dict[str, list] = {}
        for commune in local:
            self.by_code[commune.insee_code.upper()] = commune
            self.local.setdefault(commune_words(commune.name), []).append(commune)
        self.add(everywhere)

    def add(self, everywhere: Iterable) -> None:
        """Communes of other départements, looked up after the territory's own."""
        for commune in everywhere:
            self.by_code.setdefault(commune.insee_code.upper(), commune)
            self.national.setdefault(commune_words(commune.name), []).append(commune)

    def label(self, target: str) -> str:
        commune = self.by_code.get(target)
        return f"{commune.name} ({commune.insee_code})" if commune else target

    def suggest(self, value: str) -> Suggestion:
        text = value.strip()
        if not text:
            return NO_SUGGESTION
        code = text.upper()
        if len(code) == 4 and code.isdigit():
            code = "0" + code  # a spreadsheet number cell drops the leading zero of départements 01 to 09
        if code in self.by_code:
            return Suggestion(code, "exact")
        inside = re.search(r"\b(\d[0-9AB]\d{3})\b", code)  # "Auch (32013)"
        if inside and inside.group(1) in self.by_code:
            return Suggestion(inside.group(1), "exact")
        name = commune_words(text)
        for found in (self.local.get(name, []), self.national.get(name, [])):
            if len(found) == 1:
                return Suggestion(found[0].insee_code, "exact")
            if found:
                return Suggestion(found[0].insee_code, "close")  # several communes of that name: a person chooses
        close = difflib.get_close_matches(name, list(self.local), n=1, cutoff=0.8)
        if close and len(self.local[close[0]]) == 1:
            return Suggestion(self.local[close[0]][0].insee_code, "close")
        return NO_SUGGESTION


class Villages:
    """The territory's partner villages, by their commune's name; a cell may name several ("Lectoure, Marciac").
    The target is the villages' primary keys joined by commas."""

    SEPARATORS = re.compile(r"\s*(?:[,;/+\n]|\bet\b|\band\b)\s*")

    def __init__(self, villages: Iterable):
        self.by_name = {commune_words(village.commune.name): village for village in villages}
        self.labels = {str(village.pk): village.commune.name for village in self.by_name.values()}

    def label(self, target: str) -> str:
        return ", ".join(self.labels.get(pk, pk) for pk in target.split(",") if pk)

    def parts(self, value: str) -> list[str]:
        return [part for part in self.SEPARATORS.split(value) if part.strip()]

    def resolve(self, text: str) -> str:
        targets = []
        for part in self.parts(text):
            if village := self.by_name.get(commune_words(part)):
                targets.append(str(village.pk))
            elif part.strip().isdigit() and part.strip() in self.labels:
                targets.append(part.strip())
            else:
                return ""
        return ",".join(targets)

    def suggest(self, value: str) -> Suggestion:
        found, how = [], "exact"
        for part in self.parts(value):
            name = commune_words(part)
            if village := self.by_name.get(name):
                found.append(str(village.pk))
                continue
            close = difflib.get_close_matches(name, list(self.by_name), n=1, cutoff=0.8)
            if not close:
                return NO_SUGGESTION
            found.append(str(self.by_name[close[0]].pk))
            how = "close"
        return Suggestion(",".join(dict.fromkeys(found)), how) if found else NO_SUGGESTION


# People written in one cell ------------------------------------------------------------------------------------------


def split_full_name(text: str) -> tuple[str, str]:
    """First and last name from one cell: "Marie Dupont", "DUPONT Marie" (the word in capitals is the family name),
    "Dupont, Marie"; a single word is taken as the first name."""
    text = " ".join(text.split())
    if "," in text:
        last, _comma, first = text.partition(",")
        return first.strip(), last.strip()
    parts = text.split(" ")
    if len(parts) == 1:
        return parts[0], ""
    capitals = [i for i, part in enumerate(parts) if len(part) > 1 and part.isupper()]
    if capitals and len(capitals) < len(parts):
        last = " ".join(parts[i] for i in capitals)
        first = " ".join(part for i, part in enumerate(parts) if i not in capitals)
        return first, last
    return parts[0], " ".join(parts[1:])


_CHILD_PART = re.compile(r"\s*(?:[,;/+\n]|\bet\b|\band\b)\s*")
_AGE = re.compile(r"(\d{1,2})(?:[.,]\d)?\s*(?:ans?|years?|yo|y)?\b", re.IGNORECASE)
_BABY = re.compile(r"\b(?:bebe|nourrisson|naissance|baby|newborn|nouveau ne)\b")
_MONTHS = re.compile(r"\b\d{1,2}\s*mois\b|\b\d{1,2}\s*months?\b")


@dataclass(frozen=True)
class Child:
    first_name: str
    age: int | None


def parse_children(text: str) -> list[Child] | None:
    """Children from one cell: ages ("7, 11", "7 et 11 ans"), names with ages ("Léa 7, Tom (11 ans)"), a baby
    ("bébé", "8 mois"), or a count ("2 enfants"). None when the cell cannot be read as children; [] for "none"."""
    folded = fold(text)
    if key(folded) in ("0", "aucun", "non", "none", "no", "pas d enfant", "sans enfant", "sans"):
        return []
    count = re.fullmatch(r"(\d{1,2})\s*(?:enfants?|children|kids?|child)", folded.strip())
    if count:
        return [Child("", None) for _n in range(int(count.group(1)))]
    children = []
    for part in _CHILD_PART.split(text):
        if not part.strip():
            continue
        folded_part = fold(part)
        name = re.sub(r"[\d().,:-]+|\bans?\b|\bmois\b|\byears?\b|\bmonths?\b", " ", part, flags=re.IGNORECASE)
        name = " ".join(name.split())
        if _MONTHS.search(folded_part) or _BABY.search(folded_part):
            children.append(Child("" if _BABY.search(fold(name)) else name, 0))
            continue
        ages = _AGE.findall(part)
        if len(ages) > 1:
            return None
        age = int(ages[0]) if ages else None
        if age is not None and age > 30:
            return None
        if age is None and not name:
            return None
        if age is None and not re.fullmatch(r"[^\W\d_][\w' -]*", name):
            return None
        children.append(Child(name, age))
    return children or None
