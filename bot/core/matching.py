"""Judge typed quiz answers the way a fair human quizmaster would.

The matcher forgives what does not change the answer (case, spacing, punctuation, accents, Unicode look-alikes,
zero-width characters, a leading article, numbers written as words, a small typo in a long word, the answer said
inside a short sentence, a famous person's surname) and refuses what does (a different number, a truncated word,
a list of candidates, a negated answer, an essay). It is discord-free and runs on every chat message during a
typed round, so the per-answer work is done once in :class:`AnswerMatcher` and cached by :func:`is_correct`.

Rules, in the order a guess meets them:

1. Over-long guesses (more than :data:`MAX_GUESS_CHARS` characters or :data:`MAX_GUESS_WORDS` words, relaxed
   for answers that are themselves long) are refused.
2. Guess and answers are normalised by :func:`normalize`; number words become digits ("twenty one" -> "21",
   "first"/"1st" -> "1", "Henry the Eighth"/"Henry VIII" -> "henry 8").
3. Each answer yields variants: as written, without a leading "the/a/an", without inner "of/and/the"
   ("Romeo and Juliet" -> "romeo juliet"), without a geographic feature word ("Mount Everest" -> "everest"),
   and, when the answer looks like a person's name, the surname ("Albert Einstein" -> "einstein").
4. A variant matches a run of guess words word by word. Words with digits must be equal; words of up to four
   letters must be equal; longer words may differ by a few edits (see :func:`typo_budget`) if the first letter
   is right, unless the guessed word is another well-known name ("ireland" for "Iceland") or a derived word
   ("austrian" for "Austria"); a plural "s"/"es" is forgiven. Joined spellings ("knife fish" / "knifefish")
   must match exactly.
5. The words around the match must not negate it ("not paris", "I don't think it's paris"; a guess that negates
   the answer anywhere is refused), must not list other candidates ("paris london rome", "paris or london",
   "7 8 9", or one extra word of the answer's own kind: "paris lyon", "black white"), must not turn it into
   another name ("new york" for "York") or another person ("pierre curie" for "Marie Curie"). Chat filler
   ("i think it's", "is it", "?", "lol") is ignored, and one extra word of context is allowed ("paris france").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from types import ModuleType

__all__ = [
    "MAX_GUESS_CHARS",
    "MAX_GUESS_WORDS",
    "AnswerMatcher",
    "is_correct",
    "is_near_miss",
    "normalize",
    "typo_budget",
]


def _edit_distance(guess: str, answer: str, cutoff: int) -> int:
    """Return the optimal-string-alignment distance of two words (typos, swapped letters); past ``cutoff``, more."""
    return _osa().distance(guess, answer, score_cutoff=cutoff)


@cache
def _osa() -> ModuleType:
    """Return rapidfuzz's OSA metric, imported on the first typed answer judged (about 8 ms once).

    rapidfuzz and the C++ runtime it loads cost about 2 MB, which a process that never judges a typed answer keeps.
    """
    from rapidfuzz.distance import OSA

    return OSA


MAX_GUESS_CHARS = 80
"""Guesses longer than this (after normalisation) are refused, unless an answer itself is long."""
MAX_GUESS_WORDS = 12
"""Guesses with more words than this are refused, unless an answer itself has many words."""

# --- Normalisation tables -------------------------------------------------------------------------------------

# Letters that do not decompose under NFKD, and common Cyrillic/Greek look-alikes of Latin letters (applied to
# guesses and answers alike, so a genuine Cyrillic answer still matches a Cyrillic guess).
_LETTER_MAP = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ſ": "s",
        # Cyrillic look-alikes
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "һ": "h",
        "ӏ": "l",
        "ԛ": "q",
        "ԝ": "w",
        # Greek look-alikes
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ζ": "z",
        # Apostrophe and quote look-alikes become a plain apostrophe or a quote.
        "‘": "'",
        "’": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        # Dashes of every width are word separators.
        "‐": " ",
        "‑": " ",
        "‒": " ",
        "–": " ",
        "—": " ",
        "―": " ",
        "−": " ",
        "_": " ",
        "-": " ",
    }
)

_DISCORD_MARKUP = re.compile(r"<a?:\w+:\d+>|<@[!&]?\d+>|<#\d+>|<t:\d+(?::\w)?>|:[a-z][a-z0-9_+-]*:|https?://\S+", re.I)
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W_])'(?=[^\W_])")
_TOKEN = re.compile(
    r"(?:[^\W\d_]\.){2,}"  # acronyms with dots: u.s.a. / j.k.
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![^\W_])"  # 1,000,000 and 1,234.5
    r"|\d+\.\d+(?![^\W_])"  # decimals: 3.14
    r"|[^\W_]+"  # words, numbers, mixed (1st, ww2)
    r"|[,;/|.!?:&+]"  # separators that matter for lists and clauses
)
_ORDINAL_DIGITS = re.compile(r"^(\d{1,15})(?:st|nd|rd|th)$")
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def _word_list(text: str) -> list[str]:
    """Split a whitespace-separated word table (kept as prose so long tables stay readable)."""
    return text.split()


# --- Number words ---------------------------------------------------------------------------------------------

_UNITS = {
    w: n
    for n, w in enumerate(
        _word_list(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen"
        )
    )
}
_TENS = {w: 10 * n for n, w in enumerate(_word_list("twenty thirty forty fifty sixty seventy eighty ninety"), start=2)}
_SCALES = {"hundred": 100, "dozen": 12, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINAL_UNITS = {
    w: n
    for n, w in enumerate(
        _word_list(
            "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
            "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
        )
    )
    if n
}
_ORDINAL_TENS = {
    w: 10 * n
    for n, w in enumerate(
        _word_list("twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth"), start=2
    )
}
_ORDINAL_SCALES = {"hundredth": 100, "thousandth": 1_000, "millionth": 1_000_000}
_COMPOUND_NUMBER = re.compile(
    rf"^({'|'.join(_TENS)})({'|'.join(w for w, n in [*_UNITS.items(), *_ORDINAL_UNITS.items()] if 0 < n < 10)})$"
)
_NUMBER_INFO: dict[str, tuple[str, int, bool]] = {
    **{w: ("unit" if n < 10 else "teen", n, False) for w, n in _UNITS.items()},
    **{w: ("tens", n, False) for w, n in _TENS.items()},
    **{w: ("hundred" if n == 100 else "scale", n, False) for w, n in _SCALES.items()},
    **{w: ("unit" if n < 10 else "teen", n, True) for w, n in _ORDINAL_UNITS.items()},
    **{w: ("tens", n, True) for w, n in _ORDINAL_TENS.items()},
    **{w: ("hundred" if n == 100 else "scale", n, True) for w, n in _ORDINAL_SCALES.items()},
}
"""Number word -> (kind, value, is ordinal); kinds are unit (0-9), teen (10-19), tens, hundred and scale."""

# --- Word classes used when judging the words around a match ---------------------------------------------------

_ARTICLES = frozenset({"the", "a", "an"})
_INNER_STOPWORDS = frozenset({"of", "and", "the"})
_SEPARATORS = frozenset(",;/|.!?:")
_CLAUSE_BREAKS = frozenset({".", "!", "?", ";", ",", ":", "but", "though", "although", "however"})
_LIST_JOINERS = frozenset({",", "/", "|", ";", "and", "or", "nor", "vs", "versus"})
_HEDGES = frozenset({"or", "nor", "vs", "versus", "either", "/", "|", "and"})
_NEGATORS = frozenset(
    _word_list("""
    not isnt wasnt arent werent aint never dont doesnt didnt cant cannot couldnt wouldnt shouldnt wont neither nor
    doubt doubtful
    """)
)
# "not sure, paris" and "isn't it paris?" are guesses, not negations.
_NEGATION_RELEASERS = frozenset({"sure", "certain", "100"})
_TAG_QUESTION_NEGATORS = frozenset({"isnt", "wasnt", "arent", "werent"})
_TAG_QUESTION_SUBJECTS = frozenset({"it", "that", "this", "he", "she", "they"})
# Word pairs that say "I don't know": a match inside one is no answer ("no idea" does not answer "No").
_NOT_KNOWING = frozenset({("no", "idea"), ("no", "clue")})
_FILLER = frozenset(
    _word_list("""
    i im ive id ill me my mine we our us you u ya ur your he she it its they them his her their there here
    is are was were be been being am will would shall should could can might must do does did done have has had
    think thinks thought guess guessing believe reckon suppose say said go going gonna wanna gotta with as to at
    of in on from by for about around approximately approx roughly exactly nearly almost like just really so very
    pretty quite sure certain confident totally absolutely definitely certainly obviously clearly surely
    probably possibly maybe perhaps prob def answer answers final that thats this what whats who whos where
    which when how why because cause cuz coz if then now again too also still yet hmm hm hmmm um umm uh er erm
    oh ooh ah aha ok okay well yes yeah yep yup ya lol lmao haha easy ez course ofc correct right called named
    known idk dunno know knew mate bro dude guys lads please pls plz sir mr mrs ms dr prof lord madame madam
    mme monsieur mister miss lady doctor professor president general captain
    degrees degree percent years year ad bc bce ce km kilometres kilometers miles metres meters feet ft
    times days hours minutes seconds century centuries
    """)
)
# A word right before the match that makes it a different name: "new york" is not "York".
_QUALIFIERS = frozenset(
    _word_list("""
    new old north south east west northern southern eastern western central upper lower saint san santa
    """)
)
_NAME_PARTICLES = frozenset({"da", "de", "del", "della", "di", "van", "von", "der", "den", "du", "le", "la", "bin"})
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Words that mark a capitalised multi-word answer as a place, thing or title rather than a person.
_NOT_NAME_WORDS = frozenset(
    _word_list("""
    the of and new old north south east west northern southern eastern western central upper lower great greater
    little big small grand royal holy united saint st san santa los las el port fort mount mt lake river ocean
    sea gulf bay cape island islands isle peninsula desert mountain mountains valley falls canyon strait channel
    canal tower bridge wall gate palace castle cathedral church abbey temple museum park square street road city
    town kingdom republic states state empire union federation war wars world revolution battle treaty act age
    bowl cup prize award house hall station airport university college school company shark whale bear white
    black red blue green golden silver dark star wild coast forest plain plains basin reef glacier volcano
    province county district harbor harbour airlines club theatre theater opera symphony
    """)
)
# Geographic feature words that may be left out: "Mount Everest" -> "everest", "Pacific Ocean" -> "pacific".
_FEATURE_PREFIXES = frozenset({"mount", "lake", "river", "cape"})
_FEATURE_SUFFIXES = frozenset(
    {"ocean", "river", "sea", "desert", "mountains", "lake", "island", "islands", "falls", "canal"}
)
_WORD_SYNONYMS = {"mt": "mount", "st": "saint"}

# Well-known names by class. A guessed word that is a different known name is never a typo of the answer
# ("ireland" is not a misspelt "Iceland"); a capitalised answer that is a known place is not a person's name
# ("Costa Rica" has no surname "rica"); and an extra word of the answer's own class is a hedge ("paris lyon"),
# while one of another class is context ("paris france").
_LEXICON_TABLE = {
    "country": """
        afghanistan, albania, algeria, andorra, angola, antigua and barbuda, argentina, armenia, australia,
        austria, azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize, benin, bhutan,
        bolivia, bosnia, bosnia and herzegovina, botswana, brazil, brunei, bulgaria, burkina faso, burundi,
        cambodia, cameroon, canada, cape verde, central african republic, chad, chile, china, colombia, comoros,
        congo, costa rica, croatia, cuba, cyprus, czechia, czech republic, denmark, djibouti, dominica,
        dominican republic, ecuador, egypt, el salvador, equatorial guinea, eritrea, estonia, eswatini, ethiopia,
        fiji, finland, france, gabon, gambia, georgia, germany, ghana, greece, grenada, guatemala, guinea,
        guinea bissau, guyana, haiti, honduras, hungary, iceland, india, indonesia, iran, iraq, ireland, israel,
        italy, ivory coast, jamaica, japan, jordan, kazakhstan, kenya, kiribati, kosovo, kuwait, kyrgyzstan,
        laos, latvia, lebanon, lesotho, liberia, libya, liechtenstein, lithuania, luxembourg, madagascar, malawi,
        malaysia, maldives, mali, malta, mauritania, mauritius, mexico, micronesia, moldova, monaco, mongolia,
        montenegro, morocco, mozambique, myanmar, burma, namibia, nauru, nepal, netherlands, holland,
        new zealand, nicaragua, niger, nigeria, north korea, north macedonia, norway, oman, pakistan, palau,
        palestine, panama, papua new guinea, paraguay, peru, philippines, poland, portugal, puerto rico, qatar,
        romania, russia, rwanda, samoa, san marino, saudi arabia, senegal, serbia, seychelles, sierra leone,
        singapore, slovakia, slovenia, somalia, south africa, south korea, south sudan, spain, sri lanka, sudan,
        suriname, sweden, switzerland, syria, taiwan, tajikistan, tanzania, thailand, togo, tonga,
        trinidad and tobago, tunisia, turkey, turkmenistan, tuvalu, uganda, ukraine, united arab emirates,
        united kingdom, united states, usa, uk, uae, america, england, scotland, wales, uruguay, uzbekistan,
        vanuatu, vatican city, venezuela, vietnam, yemen, zambia, zimbabwe, greenland
    """,
    "city": """
        abu dhabi, accra, addis ababa, algiers, amsterdam, ankara, athens, atlanta, auckland, baghdad, bangkok,
        barcelona, beijing, beirut, belgrade, berlin, bern, bogota, boston, brasilia, bratislava, brussels,
        bucharest, budapest, buenos aires, cairo, calcutta, canberra, cape town, caracas, casablanca, chicago,
        cologne, copenhagen, dallas, damascus, delhi, new delhi, denver, detroit, dhaka, doha, dubai, dublin,
        edinburgh, frankfurt, gdansk, geneva, glasgow, hamburg, hanoi, havana, helsinki, hong kong, houston,
        istanbul, jakarta, jerusalem, johannesburg, kabul, karachi, kathmandu, kyiv, kiev, kinshasa, kolkata,
        krakow, kuala lumpur, kyoto, lagos, la paz, las vegas, lima, lisbon, liverpool, ljubljana, london,
        los angeles, lyon, madrid, manchester, manila, marseille, mecca, melbourne, mexico city, miami, milan,
        minsk, montreal, moscow, mumbai, bombay, munich, nairobi, naples, new orleans, new york, osaka, oslo,
        ottawa, paris, perth, philadelphia, phoenix, porto, prague, puebla, pyongyang, quebec, quito, reykjavik,
        riga, rio de janeiro, riyadh, rome, rotterdam, saint petersburg, san francisco, santiago, sao paulo,
        sarajevo, seattle, seoul, seville, shanghai, sofia, stockholm, sydney, taipei, tallinn, tashkent,
        tehran, tel aviv, tokyo, toronto, tunis, valencia, vancouver, venice, vienna, vilnius, warsaw,
        washington, wellington, yerevan, zagreb, zurich
    """,
    "state": """
        alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida, georgia,
        hawaii, idaho, illinois, indiana, iowa, kansas, kentucky, louisiana, maine, maryland, massachusetts,
        michigan, minnesota, mississippi, missouri, montana, nebraska, nevada, new hampshire, new jersey,
        new mexico, new york, north carolina, north dakota, ohio, oklahoma, oregon, pennsylvania, rhode island,
        south carolina, south dakota, tennessee, texas, utah, vermont, virginia, washington, west virginia,
        wisconsin, wyoming
    """,
    "continent": "africa, antarctica, asia, australia, europe, north america, south america, oceania",
    "planet": "mercury, venus, earth, mars, jupiter, saturn, uranus, neptune, pluto",
    "colour": """
        red, orange, yellow, green, blue, indigo, violet, purple, pink, brown, black, white, grey, gray, silver,
        gold, turquoise
    """,
    "element": """
        hydrogen, helium, lithium, carbon, nitrogen, oxygen, fluorine, neon, sodium, magnesium, aluminium,
        aluminum, silicon, phosphorus, sulfur, sulphur, chlorine, argon, potassium, calcium, iron, copper, zinc,
        silver, gold, mercury, lead, tin, nickel, cobalt, uranium, platinum, titanium, tungsten, radon, radium,
        plutonium
    """,
    "month": "january, february, march, april, may, june, july, august, september, october, november, december",
    "weekday": "monday, tuesday, wednesday, thursday, friday, saturday, sunday",
}


def _build_lexicon() -> dict[str, frozenset[str]]:
    """Return each known name (one or more words) with the classes it belongs to."""
    classes: dict[str, set[str]] = {}
    for kind, table in _LEXICON_TABLE.items():
        for name in table.split(","):
            classes.setdefault(" ".join(name.split()), set()).add(kind)
    return {name: frozenset(kinds) for name, kinds in classes.items()}


_LEXICON = _build_lexicon()


def typo_budget(length: int) -> int:
    """Return how many edits a word of ``length`` characters may carry and still be accepted."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    if length <= 13:
        return 2
    return 3


def _fold(text: str) -> str:
    """Fold case, width, accents, look-alikes and invisible characters; keep punctuation."""
    if "<" in text or ":" in text or "http" in text:
        text = _DISCORD_MARKUP.sub(" ", text)
    if text.isascii():
        return text.lower().translate(_LETTER_MAP)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch)[0] != "M")
    return text.translate(_LETTER_MAP)


def _roman_value(word: str) -> int | None:
    """Return the value of a roman numeral from II to XXXIX, or None."""
    if len(word) < 2 or word[0] not in _ROMAN_VALUES or not _ROMAN.match(word):
        return None
    total = 0
    for index, ch in enumerate(word):
        value = _ROMAN_VALUES[ch]
        following = _ROMAN_VALUES[word[index + 1]] if index + 1 < len(word) else 0
        total += -value if value < following else value
    return total


def _read_number(words: list[str], start: int) -> tuple[int, int, bool] | None:
    """Read number words from ``words[start]``; return (value, next index, is ordinal) or None.

    Reads cardinals ("twenty one", "one hundred and five", "a thousand"), years said in pairs ("nineteen
    eighty four", "twenty twenty") and ordinals ("twenty first"); "one two" is two numbers.
    """
    total = current = 0
    state = ""
    index = start
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "a" and not state and following in _SCALES:
            current, state, index = 1, "unit", index + 1
            continue
        if (
            word == "and"
            and state in ("hundred", "scale")
            and _NUMBER_INFO.get(following, ("", 0, False))[0]
            in (
                "unit",
                "teen",
                "tens",
            )
        ):
            index += 1
            continue
        info = _NUMBER_INFO.get(word)
        if info is None:
            break
        kind, value, ordinal = info
        if kind in ("unit", "teen", "tens"):
            combined = _combine_number(state, current, kind, value)
            if combined is None:
                break
            current, state = combined
        elif kind == "hundred":
            if state not in ("", "unit", "teen", "tens", "tens_unit"):
                break
            current, state = (current or 1) * 100, "hundred"
        else:
            if state not in ("unit", "teen", "tens", "tens_unit", "hundred"):
                break
            total, current, state = total + current * value, 0, "scale"
        index += 1
        if ordinal:
            return total + current, index, True
    if not state:
        return None
    return total + current, index, False


def _combine_number(state: str, current: int, kind: str, value: int) -> tuple[int, str] | None:
    """Add a unit, teen or tens word to the number read so far; None when it starts a new number."""
    if state in ("", "hundred", "scale"):
        return current + value, kind
    if state == "tens" and kind == "unit" and value:
        return current + value, "tens_unit"
    if state in ("teen", "tens") and kind in ("teen", "tens") and 10 <= current <= 99:
        return current * 100 + value, "year_tens" if kind == "tens" else "done"
    if state == "year_tens" and kind == "unit" and value:
        return current + value, "done"
    return None


def _canonical_words(words: list[str]) -> list[str]:
    """Turn number words, ordinals and roman numerals into digits; drop "the" before an ordinal."""
    out: list[str] = []
    ordinal_positions: set[int] = set()
    index = 0
    while index < len(words):
        word = words[index]
        if word in _NUMBER_INFO or (word == "a" and index + 1 < len(words) and words[index + 1] in _SCALES):
            read = _read_number(words, index)
            if read is not None:
                value, index, is_ordinal = read
                if is_ordinal:
                    ordinal_positions.add(len(out))
                out.append(str(value))
                continue
        ordinal = _ORDINAL_DIGITS.match(word) if word[:1].isdigit() else None
        if ordinal:
            ordinal_positions.add(len(out))
            out.append(str(int(ordinal.group(1))))
        elif word.isdecimal() and len(word) <= 15:  # isdigit() also admits "𐩀", which int() refuses
            following = words[index + 1] if index + 1 < len(words) else ""
            if following in _SCALES:
                out.append(str(int(word) * _SCALES[following]))  # "3 million"
                index += 1
            else:
                out.append(str(int(word)))
        elif out and out[-1] not in _SEPARATORS and (roman := _roman_value(word)) is not None:
            ordinal_positions.add(len(out))
            out.append(str(roman))
        elif word == "n" and out and index + 1 < len(words) and words[index + 1].isalnum():
            out.append("and")  # "rock 'n' roll", "guns n roses"
        else:
            out.append(_WORD_SYNONYMS.get(word, word))
        index += 1
    if ordinal_positions:
        out = [w for i, w in enumerate(out) if not (w == "the" and i + 1 in ordinal_positions and i > 0)]
    return out


def _tokens(text: str) -> list[str]:
    """Split text into canonical words and the separators that matter (commas, slashes, stops)."""
    folded = _INNER_APOSTROPHE.sub("", _fold(text)).replace("'", " ").replace('"', " ")
    raw: list[str] = []
    for token in _TOKEN.findall(folded):
        if token in ("&", "+"):
            raw.append("and")
        elif compound := _COMPOUND_NUMBER.match(token):
            raw.extend(compound.groups())  # "twentyone"
        elif len(token) > 2 and token.endswith(".") and token[0].isalpha():
            raw.append(token.replace(".", ""))  # acronym
        elif "," in token and token[0].isdigit():
            raw.append(token.replace(",", ""))
        else:
            raw.append(token)
    return _canonical_words(raw)


def normalize(text: str) -> str:
    """Return the comparison form of ``text``: folded, unaccented, punctuation-free, numbers as digits."""
    return " ".join(t for t in _tokens(text) if t not in _SEPARATORS)


def _is_number(word: str) -> bool:
    """Return True for digit words such as ``1984`` or ``3.14``."""
    return word.replace(".", "", 1).isdecimal()


def _words(text: str) -> tuple[str, ...]:
    """Return the canonical words of ``text`` without separators."""
    return tuple(t for t in _tokens(text) if t not in _SEPARATORS)


@dataclass(frozen=True, slots=True)
class _Person:
    """A person's name split for the surname rule: the surname forms and the given names' initials."""

    surnames: tuple[tuple[str, ...], ...]
    initials: frozenset[str]


def _as_person(answer: str) -> _Person | None:
    """Return the surname forms of ``answer`` when it looks like a person's name, else None.

    A person's name here is two to four capitalised words (name particles such as "da" or "van" may be lower
    case) with no digits, no place or thing words, that is not a known place, and whose surname has at least
    four letters. "Leonardo da Vinci" gives "da vinci"; "Ludwig van Beethoven" gives "van beethoven" and,
    since the surname is long, "beethoven".
    """
    words = [w.strip(".,") for w in unicodedata.normalize("NFKC", answer).split()]
    words = [w for w in words if w]
    while words and (words[-1].lower() in _NAME_SUFFIXES or _roman_value(words[-1].lower()) is not None):
        words.pop()
    if not 2 <= len(words) <= 4 or any(ch.isdigit() for w in words for ch in w):
        return None
    if not words[0][:1].isupper() or words[0].lower() in _NAME_PARTICLES:
        return None
    for word in words:
        lowered = word.lower()
        if lowered in _NOT_NAME_WORDS or (lowered not in _NAME_PARTICLES and not word[:1].isupper()):
            return None
    if " ".join(_words(answer)) in _LEXICON or len(words[-1]) < 4:
        return None
    particles: list[str] = []
    for word in reversed(words[1:-1]):
        if word.lower() not in _NAME_PARTICLES:
            break
        particles.insert(0, word)
    forms = [_words(" ".join([*particles, words[-1]]))]
    if particles and len(words[-1]) >= 7:
        forms.append(_words(words[-1]))
    given = words[: len(words) - 1 - len(particles)]
    initials = frozenset(_fold(w)[:1] for w in given)
    return _Person(tuple(f for f in forms if f), initials)


def _variants(answer: str) -> list[tuple[str, ...]]:
    """Return the word sequences (other than the surname) that count as saying ``answer``."""
    words = list(_words(answer))
    if not words:
        return []
    found: list[tuple[str, ...]] = [tuple(words)]
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
        found.append(tuple(words))
    content = [w for i, w in enumerate(words) if i == 0 or w not in _INNER_STOPWORDS]
    if len(content) >= 2 and content != words:
        found.append(tuple(content))
    if len(words) == 2:
        if words[0] in _FEATURE_PREFIXES and len(words[1]) >= 5 and not _is_number(words[1]):
            found.append((words[1],))
        if words[1] in _FEATURE_SUFFIXES and len(words[0]) >= 5 and not _is_number(words[0]):
            found.append((words[0],))
    return list(dict.fromkeys(found))


def _word_close(guess_word: str, answer_word: str) -> bool:
    """Return True when a guessed word is the answer word or a forgivable typo or plural of it."""
    if guess_word == answer_word:
        return True
    if not guess_word or guess_word[0] != answer_word[0]:
        return False
    if not answer_word.isalpha() or not guess_word.isalpha():
        return False
    if len(answer_word) >= 3 and guess_word in (answer_word + "s", answer_word + "es"):
        return True
    if guess_word.startswith(answer_word) and guess_word[len(answer_word)] != answer_word[-1]:
        return False  # a derived word ("austrian", "parisian"), not a typo; "pariss" is a typo
    budget = typo_budget(len(answer_word))
    if budget == 0 or abs(len(guess_word) - len(answer_word)) > budget or guess_word in _LEXICON:
        return False
    return _edit_distance(guess_word, answer_word, budget) <= budget


@dataclass(frozen=True, slots=True)
class _Match:
    """Where an answer form was found in the guess tokens (``tokens[start:end]``), and whose surname it is."""

    start: int
    end: int
    person: _Person | None = None


_FormIndex = dict[str, tuple[tuple[tuple[str, ...], _Person | None], ...]]
"""Answer forms (with the person whose surname they are, if any) grouped by their first letter."""


def _by_initial(forms: list[tuple[tuple[str, ...], _Person | None]]) -> _FormIndex:
    """Group answer forms by first letter: a word only matches a word with the same first letter."""
    grouped: dict[str, list[tuple[tuple[str, ...], _Person | None]]] = {}
    for form, person in forms:
        grouped.setdefault(form[0][:1], []).append((form, person))
    return {initial: tuple(group) for initial, group in grouped.items()}


class AnswerMatcher:
    """Precomputed answer forms for one question; :meth:`matches` judges a guess against them."""

    __slots__ = (
        "_char_limit",
        "_classes",
        "_compact",
        "_content",
        "_exact",
        "_forms_by_initial",
        "_initials",
        "_numeric",
        "_surnames",
        "_variants",
        "_vocabulary",
        "_word_limit",
        "answers",
    )

    def __init__(self, answers: Sequence[str]) -> None:
        """Prepare the forms of ``answers`` once, so each guess is cheap to judge."""
        self.answers = tuple(answers)
        variants: list[tuple[str, ...]] = []
        surnames: dict[tuple[str, ...], _Person] = {}
        for answer in self.answers:
            variants.extend(_variants(answer))
            person = _as_person(answer)
            for form in person.surnames if person else ():
                surnames.setdefault(form, person)
        self._variants = tuple(dict.fromkeys(variants))
        # A surname the pack lists on its own (["Antonio Salieri", "Salieri"]) is a plain answer.
        self._surnames = {form: person for form, person in surnames.items() if form not in self._variants}
        every_form = self._variants + tuple(self._surnames)
        self._forms_by_initial = _by_initial([(v, None) for v in self._variants] + list(self._surnames.items()))
        self._exact = frozenset(" ".join(v) for v in self._variants)
        content = [v for v in every_form if len(v) >= 2 and not _INNER_STOPWORDS.intersection(v)]
        self._content = _by_initial([(v, self._surnames.get(v)) for v in content])
        self._compact = {"".join(v): len(v) for v in every_form if sum(map(len, v)) >= 4}
        self._initials = frozenset(v[0][:1] for v in every_form)
        """Every form (and so every joined spelling) starts with one of these: a guess without a word starting
        with one cannot match (see :meth:`matches`)."""
        self._vocabulary = frozenset(w for v in every_form for w in v)
        self._numeric = any(all(_is_number(w) for w in v) for v in self._variants)
        self._classes = frozenset(kind for v in self._variants for kind in _LEXICON.get(" ".join(v), ()))
        longest_chars = max((len(a) for a in self.answers), default=0)
        longest_words = max((len(v) for v in self._variants), default=0)
        self._char_limit = max(MAX_GUESS_CHARS, longest_chars + 30)
        self._word_limit = max(MAX_GUESS_WORDS, longest_words + 6)

    def __repr__(self) -> str:
        """Show the answers the matcher was built for."""
        return f"AnswerMatcher({list(self.answers)!r})"

    def matches(self, guess: str) -> bool:
        """Return True when ``guess`` should be accepted as a correct answer."""
        tokens = self._guess_tokens(guess)
        if tokens is None:
            return False
        words = [t for t in tokens if t not in _SEPARATORS]
        if not any(word[:1] in self._initials for word in words):
            return False  # most wrong guesses end here: words only match words with the same first letter
        if " ".join(words) in self._exact or (words[0] in _ARTICLES and " ".join(words[1:]) in self._exact):
            return True
        found = self._find(tokens)
        if any(self._negated(tokens, match.start) for match in found):
            return False  # "tokyo? no, definitely not tokyo"
        return any(self._fair(tokens, match) for match in found)

    def is_near_miss(self, guess: str, *, judged_wrong: bool = False) -> bool:
        """Return True when ``guess`` is wrong but close: one edit past the typo budget, or a nearby number.

        ``judged_wrong`` skips judging the guess again when the caller already found it wrong.
        """
        tokens = self._guess_tokens(guess)
        if tokens is None or (not judged_wrong and self.matches(guess)):
            return False
        words = [t for t in tokens if t not in _SEPARATORS]
        if words[0] in _ARTICLES and len(words) > 1:
            words = words[1:]
        key = " ".join(words)
        for variant in (*self._variants, *self._surnames):
            target = " ".join(variant)
            if all(_is_number(w) for w in variant):
                if len(words) == 1 and _is_number(words[0]) and len(variant) == 1:
                    wanted, got = float(variant[0]), float(words[0])
                    slack = 2 if 1000 <= wanted <= 2100 else max(1.0, abs(wanted) * 0.05)
                    if abs(wanted - got) <= slack:
                        return True
                continue
            if len(target) < 3:
                continue
            allowed = typo_budget(len(target)) + 1
            if _edit_distance(key, target, allowed) <= allowed:
                return True
        return False

    def _guess_tokens(self, guess: str) -> list[str] | None:
        """Tokenise ``guess``; None when it is empty or over-long."""
        if not guess or len(guess) > self._char_limit * 4:
            return None
        tokens = _tokens(guess)
        words = [t for t in tokens if t not in _SEPARATORS]
        if not words or len(words) > self._word_limit or len(" ".join(words)) > self._char_limit:
            return None
        return tokens

    def _find(self, tokens: list[str]) -> list[_Match]:
        """Return every place in ``tokens`` where an answer form is said."""
        positions = [i for i, t in enumerate(tokens) if t not in _SEPARATORS]
        found = self._scan(tokens, positions, self._forms_by_initial)
        # "lord of rings" for "The Lord of the Rings": compare without inner "of/and/the" on both sides.
        content_positions = [i for i in positions if tokens[i] not in _INNER_STOPWORDS]
        if self._content and len(content_positions) < len(positions):
            found.extend(self._scan(tokens, content_positions, self._content))
        # Joined or split spellings: "knife fish" for "knifefish", "spiderman" for "spider man".
        words = [tokens[i] for i in positions]
        for compact, size in self._compact.items():
            for start, word in enumerate(words):
                if not compact.startswith(word):
                    continue
                joined = word
                for end in range(start + 1, min(start + size + 3, len(words) + 1)):
                    if end > start + 1:
                        joined += words[end - 1]
                    if joined == compact and end - start != size:
                        found.append(_Match(positions[start], positions[end - 1] + 1))
                    if len(joined) >= len(compact):
                        break
        return found

    @staticmethod
    def _scan(tokens: list[str], positions: list[int], forms: _FormIndex) -> list[_Match]:
        """Return matches of ``forms`` against the words of ``tokens`` at ``positions``, word by word."""
        words = [tokens[i] for i in positions]
        found = []
        for start, word in enumerate(words):
            for form, person in forms.get(word[:1], ()):
                size = len(form)
                if start + size <= len(words) and all(_word_close(words[start + k], form[k]) for k in range(size)):
                    found.append(_Match(positions[start], positions[start + size - 1] + 1, person))
        return found

    def _fair(self, tokens: list[str], match: _Match) -> bool:
        """Return True when the words around ``match`` (not negated) neither change it nor list other candidates."""
        before = tokens[match.start - 1] if match.start else ""
        if before in _QUALIFIERS and before not in self._vocabulary:
            return False  # "new york" is not "York"
        pairs = range(max(match.start - 1, 0), min(match.end, len(tokens) - 1))
        if any((tokens[i], tokens[i + 1]) in _NOT_KNOWING for i in pairs):
            return False  # "no idea" is not "No"
        candidates = self._candidates(tokens, match)
        if match.person and match.start - 1 in candidates and before[:1] not in match.person.initials:
            return False  # "pierre curie" is not "Marie Curie"
        if not candidates:
            return True
        if len(candidates) >= 3:
            return False
        if self._numeric and any(_is_number(tokens[i]) for i in candidates):
            return False
        if any(self._classes.intersection(_LEXICON.get(tokens[i], ())) for i in candidates):
            return False  # "paris lyon" names two cities
        if any(t in _HEDGES for t in tokens[: match.start] + tokens[match.end :]):
            return False  # "paris or london"
        return self._run_length(tokens, match, set(candidates)) < 2

    def _candidates(self, tokens: list[str], match: _Match) -> list[int]:
        """Return positions of words outside ``match`` that look like other candidate answers."""
        found = []
        for index, token in enumerate(tokens):
            if match.start <= index < match.end or token in _SEPARATORS or token in self._vocabulary:
                continue
            if token in _FILLER or token in _ARTICLES or token in _NEGATORS or token in _HEDGES:
                continue
            if (len(token) == 1 and token.isalpha()) or (_is_number(token) and not self._numeric):
                continue
            if self._negated(tokens, index):
                continue
            found.append(index)
        return found

    @staticmethod
    def _negated(tokens: list[str], start: int) -> bool:
        """Return True when a negator governs the word at ``start`` within its clause."""
        for index in range(start - 1, -1, -1):
            token = tokens[index]
            if token in _CLAUSE_BREAKS:
                return False
            if token in _NEGATORS:
                following = tokens[index + 1] if index + 1 < len(tokens) else ""
                if following in _NEGATION_RELEASERS:
                    continue  # "not sure, paris"
                if token in _TAG_QUESTION_NEGATORS and following in _TAG_QUESTION_SUBJECTS and index + 1 < start:
                    continue  # "isn't it paris?"
                return True
        return False

    @staticmethod
    def _run_length(tokens: list[str], match: _Match, candidates: set[int]) -> int:
        """Count candidates listed next to the match with only separators or joiners between them."""
        count = 0
        for step, edge in ((-1, match.start - 1), (1, match.end)):
            index = edge
            while 0 <= index < len(tokens):
                if index in candidates:
                    count += 1
                elif tokens[index] not in _LIST_JOINERS:
                    break
                index += step
        return count


@lru_cache(maxsize=512)
def _matcher_for(answers: tuple[str, ...]) -> AnswerMatcher:
    """Return the cached matcher for one answer list."""
    return AnswerMatcher(answers)


def is_correct(guess: str, answers: Sequence[str]) -> bool:
    """Return True when ``guess`` is a correct answer to a question whose accepted answers are ``answers``."""
    return _matcher_for(tuple(answers)).matches(guess)


def is_near_miss(guess: str, answers: Sequence[str], *, judged_wrong: bool = False) -> bool:
    """Return True when ``guess`` is wrong but close (for statistics, never for scoring).

    ``judged_wrong``: the caller already found it wrong with :func:`is_correct`.
    """
    return _matcher_for(tuple(answers)).is_near_miss(guess, judged_wrong=judged_wrong)
