"""Street addresses, the weak spot of NER-only detectors.

A *core* is found first — a street line with a street-type word in one of many languages
("12 Baker Street", "107 rue de la Paix", "Ziegelgasse 26"), or a "number words number" line
right after an address cue ("lives at", "address:") — then the span is *extended* over the
following short lines or comma-separated parts that look like address lines (unit, city,
state, postcode, country), so a whole postal block becomes one span.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dataharbor.pipeline.stages._pii_context import has_context, keywords
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import ADDRESS, Entity

_L = r"[^\W\d_]"  # one letter, any script
_WORD = rf"{_L}[\w'’.-]*"
_NUM = r"\d{1,5}[a-zA-Z]?"

_EN_SUFFIX = (
    r"street|st|road|rd|avenue|ave|av|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|"
    r"terrace|parkway|pkwy|circle|cir|highway|hwy|trail|trl|close|crescent|cres|grove|gardens|"
    r"mews|alley|plaza|pike|wharf|quay"
)
# French-style: number, street word, name ("12 rue de la Paix")
_PREFIX_TYPES = (
    r"rue|avenue|av|boulevard|bd|bld|place|chemin|allée|allee|impasse|imp|quai|route|rte|cours|"
    r"square|passage|voie|faubourg|fg"
)
# street word, name, number ("Via Roma 12", "Calle Mayor, 5"): the street word must be capitalised
_TYPE_FIRST = (
    r"Calle|Avenida|Avda|Paseo|Camino|Carretera|Plaza|Via|Viale|Piazza|Corso|Vicolo|Largo|Rua|Travessa|"
    r"Praça|Estrada|Ulica|Ul\.|Aleja|Náměstí|Třída|Πλατεία|Οδός|Λεωφόρος|Rue|Avenue|Boulevard|Chemin"
)
# street words glued to (or right after) the name, number after it (Germanic, Nordic, Dutch, Hungarian)
_GLUED_SUFFIX = (
    r"straße|strasse|str\.|gasse|weg|platz|allee|ring|damm|ufer|chaussee|steig|pfad|markt|"
    r"straat|laan|gracht|plein|kade|dijk|steeg|singel|"
    r"vej|gade|gatan|gata|vägen|väg|veien|vegen|gate|katu|tie|"
    r"utca|útja|út|tér|körút|ulice"
)

# the rest of the USPS street suffixes (Publication 28, C1): common nouns too, so only capitalised
_USPS_SUFFIX = (
    r"Alley|Branch|Bridge|Brook|Burg|Bypass|Camp|Canyon|Cape|Causeway|Center|Centre|Cliff|Club|Common|Corner|"
    r"Course|Cove|Creek|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Estate|Expressway|Extension|Falls|Ferry|"
    r"Field|Flat|Ford|Forest|Forge|Fork|Fort|Freeway|Garden|Gateway|Glen|Green|Harbor|Haven|Heights|Hill|Hollow|"
    r"Inlet|Island|Isle|Junction|Key|Knoll|Lake|Land|Landing|Light|Loaf|Lock|Lodge|Loop|Mall|Manor|Meadow|Mill|"
    r"Mission|Motorway|Mount|Mountain|Neck|Orchard|Oval|Overpass|Park|Pass|Passage|Path|Pine|Plain|Point|Port|"
    r"Prairie|Radial|Ramp|Ranch|Rapid|Rest|Ridge|River|Route|Row|Run|Shoal|Shore|Skyway|Spring|Spur|Station|"
    r"Stravenue|Stream|Summit|Trace|Track|Trafficway|Tunnel|Turnpike|Underpass|Union|Valley|Viaduct|View|"
    r"Village|Ville|Vista|Walk|Wall|Well|Walks|Ways|Wells|Ridges|Views|Villages|Springs|Shores|Harbors|Hills|"
    r"Lakes|Parks|Points|Ports|Rapids|Islands|Isles|Knolls|Meadows|Mills|Mountains|Orchards|Pines|Plains|"
    r"Squares|Streets|Crossings|Extensions|Estates|Fields|Forks|Glens|Greens|Groves|Heights|Landings|Lights|"
    r"Locks|Manors|Radials|Routes|Runs|Stations|Summits|Tracks|Valleys|Vistas|Walls|Circles|Courts|Drives|"
    r"Lanes|Loops|Roads|Terraces|Trails|Junctions|Keys|Crests|Creeks|Coves|Corners|Cliffs|Brooks|Bridges"
)

_NUMBER_FIRST = re.compile(
    rf"(?<![\w.,-])(?:{_NUM}\s+)?{_NUM}(?:\s?(?:bis|ter))?,?\s+"
    rf"(?:(?:[NSEW]\.?|north|south|east|west)\s+)?(?:{_WORD}\s+){{1,4}}?(?:{_EN_SUFFIX})\b\.?",
    re.IGNORECASE,
)
_NUMBER_FIRST_USPS = re.compile(
    rf"(?<![\w.,-])\d{{1,6}}[a-zA-Z]?\s+(?:[NSEW]\.?\s+)?"
    rf"(?:[^\W\d_a-z][\w'’.-]*\s+){{1,3}}?(?:{_USPS_SUFFIX})\b\.?"
)
_PREFIX_STREET = re.compile(
    rf"(?<![\w.,-])(?:{_NUM}\s+)?{_NUM}(?:\s?(?:bis|ter))?,?\s+(?:{_PREFIX_TYPES})\.?\s+"
    rf"(?:(?:de|du|des|de la|d'|del|de los|de las|da|do|dos|della|di)\s*)?{_WORD}(?:[ -]{_WORD}){{0,4}}",
    re.IGNORECASE,
)
_TYPE_FIRST_STREET = re.compile(
    rf"(?<![\w.,-])(?:{_TYPE_FIRST})\s+(?:{_WORD}\s+){{0,3}}{_WORD},?\s+\d{{1,4}}[a-zA-Z]?(?!\w)"
)
# German/Dutch names are capitalised ("Ziegelgasse 26"), which keeps "spring 2" and "string 5" out
_GLUED_STREET = re.compile(
    rf"(?<![\w.,-])(?:{_NUM}\s+)?(?:[^\W\d_a-z]{_L}*[ -]){{0,2}}[^\W\d_a-z]{_L}+(?i:{_GLUED_SUFFIX})"
    rf"(?:\s?\d{{1,3}}|\s+\d{{1,3}}\s?[a-zA-Z]?)(?![\w])\.?"
)
# street word as its own word, after the name ("árpád fejedelem útja 45", "Storgatan 3" written apart)
_SEPARATE_SUFFIX_STREET = re.compile(
    rf"(?<![\w.,-])(?:{_NUM}\s+)?(?:{_WORD}\s+){{1,3}}(?i:utca|útja|út|tér|körút|ulice|ulica|gatan|vej|gade|"
    rf"katu|straat|strasse|straße|gasse|weg|platz|allee)\s+\d{{1,4}}[a-zA-Z]?(?!\w)\.?"
)
# "87 Jakobi 69", "06 Reyes Católicos 17": only counted after an address cue
_GENERIC = re.compile(
    rf"(?<![\w.,-]){_NUM}(?:\s+{_NUM})?\s+{_WORD}(?:[ \t]+{_WORD}){{0,3}}(?:[ \t]+\d{{1,5}}[a-zA-Z]?(?!\w)\.?)?"
)
# tokens that show a "number words" match is a quantity, not a street ("10 minute drive")
# English function words: never a street name, never inside an address line
_FUNCTION_WORDS = frozenset(
    """
    a an and are as be but by for from he her his how i if in is it its me my of on or our she so
    that the their then there they this to was we were what when where which who why will with you
    your
    """.split()
)
_NOT_STREET = _FUNCTION_WORDS | frozenset(
    """
    at minute minutes min mins hour hours mile miles km year years day days week weeks times people
    percent month months kids children dollars euros
    """.split()
)
_ADDRESS_CUES = keywords(
    r"address(?:es)?",
    "adresse[sn]?",
    "anschrift",
    "domicile",
    "domicilié",
    "domiciliée",
    r"lives? (?:at|on|in)",
    "living at",
    "resides? at",
    "return(?:ed)? to",
    "ship(?:ped)? to",
    r"deliver(?:ed)? to",
    "send (?:it )?to",
    "mail (?:it )?to",
    r"located (?:at|on)",
    "habite(?: au| à)?",
    "demeurant",
    "wohnt(?: in)?",
    "wohnhaft",
    "is on",
    "moved to",
)
_UNIT = re.compile(
    r"(?<!\w)(?:apt|apartment|suite|ste|unit|flat|bldg|building|floor|fl|room|rm|appartement|appt|apt|"
    r"bât|bâtiment|bat|étage|escalier|esc|wohnung|whg|stock|piso|puerta|interno|int)\.?\s*(?:no\.?|n°)?\s*#?\s*"
    r"\d{1,5}[a-zA-Z]?(?!\w)",
    re.IGNORECASE,
)
_ZIP_SOURCE = (
    r"(?:zip(?: ?code)?|post ?code|postal code|code postal|cp|plz|postleitzahl)\s*[:#]?\s*"
    r"(\d{5}(?:-\d{4})?|[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2})(?!\w)"
)
_ZIP_AFTER_CUE = re.compile(_ZIP_SOURCE, re.IGNORECASE)
# the same on the lower-cased text, where `re` can jump to the cues' first letters (same offsets)
_ZIP_AFTER_CUE_LOWER = re.compile(_ZIP_SOURCE)
_UK_POSTCODE = re.compile(r"(?<![\w-])(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) \d[ABD-HJLNP-UW-Z]{2}(?![\w-])")
_CITY_STATE_ZIP = re.compile(r"(?<!\w)[A-Z][a-zA-Z.'-]+(?: [A-Z][a-zA-Z.'-]+){0,2}, [A-Z]{2} \d{5}(?:-\d{4})?(?!\w)")

# words that never occur inside an address line; a following segment holding one ends the address
_STOPWORDS = _FUNCTION_WORDS | frozenset(
    """
    et le la les un une des du est et je tu il elle nous vous ils pour avec mais ou dans sur und
    der die das ist ich er sie wir mit für aber oder auf please thanks thank merci svp danke bitte
    """.split()
)
# a comma or one/two line breaks; list bullets ("• ", "- ", "??? " from a lost bullet glyph) may lead a line
_SEPARATOR = re.compile(r"[ \t]*(?:,[ \t]*(?:\n[ \t]*){0,2}|(?:\n[ \t]*){1,2}(?:,[ \t]*)?)(?:[?•*·–-]{1,3}[ \t]+)?")
_SEGMENT = re.compile(r"[^\n,]*")
_SEGMENT_CHARS = re.compile(r"^[\w .'’()/-]+$")
_ZIP_PREFIX = re.compile(
    rf"^(?:{_WORD}\s+){{0,3}}(?:\d{{4,6}}(?:-\d{{4}})?|[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}})(?!\w)"
)
_MAX_SEGMENTS = 6

# necessary conditions tested before the patterns (see _pii_prescan)
_TYPE_FIRST_TEXT = tuple(_TYPE_FIRST.replace("\\", "").split("|"))
_GLUED_WORDS = tuple(_GLUED_SUFFIX.replace("\\", "").split("|"))
_SEPARATE_WORDS = (
    "utca", "útja", "út", "tér", "körút", "ulice", "ulica", "gatan", "vej", "gade", "katu", "straat", "strasse",
    "straße", "gasse", "weg", "platz", "allee",
)  # fmt: skip
_UNIT_WORDS = (
    "apt", "apartment", "suite", "ste", "unit", "flat", "bldg", "building", "floor", "fl", "room", "rm",
    "appartement", "appt", "bât", "bâtiment", "bat", "étage", "escalier", "esc", "wohnung", "whg", "stock", "piso",
    "puerta", "interno", "int",
)  # fmt: skip
# _UNIT read backwards from its number over the reversed lower-cased text: spaces, "#", "no."/"n°", a unit word
_UNIT_BACKWARDS = re.compile(r"\s*#?\s*(?:\.?on|°n)?\s*\.?(?:" + "|".join(w[::-1] for w in _UNIT_WORDS) + r")(?!\w)")
_CITY_STATE_ZIP_CORE = re.compile(r", [A-Z]{2} \d{5}")


def find_addresses(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if not scan.digits:  # every pattern here holds a number
        return
    runs = scan.run_starts  # the number-first patterns can only start at a run of digits
    cores: list[tuple[int, int, float]] = []
    for matches in (
        scan.matches_at(_NUMBER_FIRST, runs),
        scan.matches_at(_NUMBER_FIRST_USPS, runs),
        scan.matches_at(_PREFIX_STREET, runs),
        _TYPE_FIRST_STREET.finditer(text) if scan.has(*_TYPE_FIRST_TEXT) else (),
        _GLUED_STREET.finditer(text) if scan.number_after(_GLUED_WORDS) else (),
        _SEPARATE_SUFFIX_STREET.finditer(text) if scan.number_after(_SEPARATE_WORDS) else (),
    ):
        cores.extend((m.start(), m.end(), 0.85) for m in matches if _plausible(m.group()))
    for m in scan.matches_at(_GENERIC, runs):
        if _plausible(m.group()) and has_context(text, m.start(), _ADDRESS_CUES, window=60):
            # a full stop after a word longer than an initial ("Paris. Merci") ends the address
            stop = re.search(r"(?<=\w{3})\.\s", m.group())
            cores.append((m.start(), m.start() + stop.start() if stop else m.end(), 0.7))
    for start, end, score in cores:
        yield Entity(start, _extend(text, end), ADDRESS, score, "street")
    for m in _UNIT.finditer(text) if _unit_possible(scan) else ():
        # "room 12" alone is not an address; after an address cue it is part of one
        score = 0.7 if has_context(text, m.start(), _ADDRESS_CUES, window=60) else 0.45
        yield Entity(m.start(), _extend(text, m.end()), ADDRESS, score, "unit")
    zips = _ZIP_AFTER_CUE_LOWER.finditer(scan.lower) if scan.lower_is_exact else _ZIP_AFTER_CUE.finditer(text)
    for m in zips:
        yield Entity(m.start(1), m.end(1), ADDRESS, 0.8, "postcode_cue")
    for m in scan.matches_at(_UK_POSTCODE, scan.near_runs(1, 2)):  # the first digit is 2nd or 3rd
        yield Entity(m.start(), m.end(), ADDRESS, 0.65, "uk_postcode")
    for m in _CITY_STATE_ZIP.finditer(text) if _CITY_STATE_ZIP_CORE.search(text) else ():
        yield Entity(m.start(), m.end(), ADDRESS, 0.75, "city_state_zip")


def _unit_possible(scan: Prescan) -> bool:
    """Whether some run of digits has a unit word before it (read backwards, so only runs are tried)."""
    if not scan.lower_is_exact:
        return True
    backwards, n = scan.backwards, len(scan.text)
    return any(_UNIT_BACKWARDS.match(backwards, n - start) for start in scan.run_starts)


def _plausible(core: str) -> bool:
    return not any(t.lower().strip(".,'’") in _NOT_STREET for t in core.split())


def _extend(text: str, end: int) -> int:
    """Grow an address span over the following address-like lines or comma parts."""
    unit = _UNIT.match(text, _skip_blanks(text, end))
    if unit and unit.start() - end <= 2:
        end = unit.end()
    for _ in range(_MAX_SEGMENTS):
        sep = _SEPARATOR.match(text, end)
        if not sep or sep.end() == end:
            break
        seg_match = _SEGMENT.match(text, sep.end())
        assert seg_match is not None  # `[^\n,]*` always matches
        segment = seg_match.group()
        accepted = _accept(segment)
        if accepted == 0:
            break
        end = sep.end() + accepted
        if accepted < len(segment.rstrip()):
            break
    return end


def _accept(segment: str) -> int:
    """How many characters of `segment` belong to the address (0 = none)."""
    body = segment.rstrip()
    if _looks_like_address_line(body):
        return len(body)
    sentence_end = re.search(r"[.!?](?:\s|$)", body)
    if sentence_end and sentence_end.start() > 0:
        body = body[: sentence_end.start()]
    if _looks_like_address_line(body):
        return len(body)
    prefix = _ZIP_PREFIX.match(body)
    if prefix and not _has_stopword(prefix.group()):
        return prefix.end()
    return 0


def _looks_like_address_line(body: str) -> bool:
    tokens = body.split()
    if not tokens or len(tokens) > 4 or len(body) > 40 or not _SEGMENT_CHARS.match(body):
        return False
    return not _has_stopword(body)


def _has_stopword(body: str) -> bool:
    return any(t.lower().strip(".'’()") in _STOPWORDS for t in body.split())


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos
