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
from dataharbor.pipeline.stages._pii_gazetteer import could_be_name
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import ADDRESS, PERSON, Entity

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
    # US ZIP(+4), then other countries' forms: "1170-669", "61-668", "777 63", "1317 YB", "H-2706", 4-8 digits
    r"(\d{5}-\d{4}|\d{4,5}-\d{3}|\d{2}-\d{3}|\d{3} \d{2}|\d{4} ?[a-z]{2}|[a-z]-\d{4}|\d{4,8}|"
    r"[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2})(?!\w)"
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
_TOKEN = re.compile(r"\S+")
_NAME_JOINERS = frozenset({"and", "of", "the"})

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
_BULLETS = "?•*·–-"  # list bullets ("??? " is a bullet glyph lost in encoding)
_LINE_LEAD = " \t\n"
# "lives on Meteorová 922", "is on Palackého 746": a street name and its number right after a street cue
# (matched on the lower-cased text, same offsets)
_STREET_CUES = ("lives on", "lives at", "live on", "live at", "living at", "living on", "is on", "located at")
_STREET_CUE_WORDS = frozenset({"lives", "live", "living", "located"} | {"Lives", "Live", "Living", "Located"})
_STREET_CUE_QUICK = re.compile("|".join(_STREET_CUES))  # on the lower-cased text (see Prescan.finditer)
_NAME_NUMBER_AFTER_CUE = re.compile(
    rf"(?<!\w)(?:{'|'.join(_STREET_CUES)})[ \t]+((?:{_WORD}[ \t]+){{1,3}}\d{{1,5}}[a-zA-Z]?(?:/\d{{1,4}})?)(?![\w/])",
    re.IGNORECASE,
)
# capitalised words that a number follows without being a street ("is on Page 12", "is on Friday 3")
_NOT_STREET_NAME = frozenset(
    """
    page chapter section part line channel level floor platform gate step day week version figure table track
    row seat room episode season volume issue item stage round lap hole slide exhibit grade class
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december
    """.split()
)
# what may follow a street number on its line: words, numbers, "#", "/", "°", "ª", dots, dashes
_ADDRESS_TAIL = re.compile(r"^[\w .,#/°ª'’-]+$")
_STREET_WORD = re.compile(r"[^\W\d_]{3,}")
_BLOCK_LINES = "address.block_lines"  # Prescan.memo key
# a name line: 2-4 words of letters, after a bullet or an "address:" label ("Billing address: Amy Lee")
_NAME_LINE = re.compile(
    r"[ \t]*(?:[?•*·–-]{1,3}[ \t]+)?(?:[\w ]{0,30}:[ \t]*)?"
    r"([^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){1,3})[ \t]*"
)
# a line opening with a small number and a word: a numbered list, not the rest of a postal block
_NUMBERED_LINE = re.compile(r"\n[ \t]*(?:[?•*·–-]{1,3}[ \t]+)?\d{1,3}\.?[ \t]+[^\W\d_]")
# a postcode ending a block line: "55577", "777 63", "61-668", "1317 YB", "H-2706", "E70 6ZA"
_BLOCK_POSTCODE = re.compile(
    r"(?<![\w-])(?:\d{4,7}|\d{3} \d{2}|\d{2}-\d{3}|\d{4} ?[A-Z]{2}|[A-Z]-\d{4}|\d{5}-\d{3}|"
    r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})[ \t]*$",
    re.MULTILINE,
)


def find_addresses(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if not scan.digits:  # every pattern here holds a number
        return
    runs = scan.run_starts  # the number-first patterns can only start at a run of digits
    cores: list[tuple[int, int, float]] = []
    for pattern, matches in (
        (_NUMBER_FIRST, scan.matches_at(_NUMBER_FIRST, runs)),
        (_NUMBER_FIRST_USPS, scan.matches_at(_NUMBER_FIRST_USPS, runs)),
        (_PREFIX_STREET, scan.matches_at(_PREFIX_STREET, runs)),
        (_TYPE_FIRST_STREET, _TYPE_FIRST_STREET.finditer(text) if scan.has(*_TYPE_FIRST_TEXT) else ()),
        (_GLUED_STREET, _GLUED_STREET.finditer(text) if scan.number_after(_GLUED_WORDS) else ()),
        (
            _SEPARATE_SUFFIX_STREET,
            _SEPARATE_SUFFIX_STREET.finditer(text) if scan.number_after(_SEPARATE_WORDS) else (),
        ),
    ):
        for m in matches:
            core = m if _plausible(m.group()) else _repaired(pattern, m)
            if core is not None:
                cores.append((core.start(), core.end(), 0.85))
    block_lines: list[int] = []  # street lines that open a postal block or follow a cue, at a line start
    for m in scan.matches_at(_GENERIC, runs):
        if not _plausible(m.group()):
            continue
        line_start = _at_line_start(text, m.start())
        if has_context(text, m.start(), _ADDRESS_CUES, window=60):
            # a full stop after a word longer than an initial ("Paris. Merci") ends the address
            stop = re.search(r"(?<=\w{3})\.\s", m.group())
            cores.append((m.start(), m.start() + stop.start() if stop else m.end(), 0.7))
            if line_start:
                block_lines.append(m.start())
        elif line_start:
            end = _line_rest(text, m.end())
            if _is_postal_block(text, m.start(), end):
                cores.append((m.start(), end, 0.7))
                block_lines.append(m.start())
    scan.memo[_BLOCK_LINES] = block_lines
    street_cue = scan.lower_is_exact and (bool(scan.distinct_tokens & _STREET_CUE_WORDS) or " is on " in scan.lower)
    for m in scan.finditer(_NAME_NUMBER_AFTER_CUE, _STREET_CUE_QUICK, on_lower=True) if street_cue else ():
        first = text[m.start(1) : m.end(1)].split()[0]
        if first[:1].isupper() and first.lower().rstrip(".") not in _NOT_STREET_NAME and _plausible(m.group(1)):
            cores.append((m.start(1), m.end(1), 0.7))
    for start, end, score in cores:
        yield Entity(start, _extend(text, end), ADDRESS, score, "street")
    for m in _UNIT.finditer(text) if _unit_possible(scan) else ():
        # "room 12" alone is not an address; after an address cue it is part of one
        score = 0.7 if has_context(text, m.start(), _ADDRESS_CUES, window=60) else 0.45
        yield Entity(m.start(), _extend(text, m.end()), ADDRESS, score, "unit")
    zips = _ZIP_AFTER_CUE_LOWER.finditer(scan.lower) if scan.lower_is_exact else _ZIP_AFTER_CUE.finditer(text)
    for m in zips:
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue  # a cue inside a word ("unzip")
        if text[m.start() : m.start() + 2].lower() == "cp" and not (
            m.end(1) - m.start(1) == 5 and m.group(1).isdigit()
        ):
            continue  # French "CP 75001" only with five digits ("cp1252" is a code page)
        yield Entity(m.start(1), m.end(1), ADDRESS, 0.8, "postcode_cue")
    for m in scan.matches_at(_UK_POSTCODE, scan.near_runs(1, 2)):  # the first digit is 2nd or 3rd
        yield Entity(m.start(), m.end(), ADDRESS, 0.65, "uk_postcode")
    for m in _CITY_STATE_ZIP.finditer(text) if _CITY_STATE_ZIP_CORE.search(text) else ():
        yield Entity(m.start(), m.end(), ADDRESS, 0.75, "city_state_zip")


def find_block_names(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    """The addressee heading a postal block: the top line of the (at most 2) short lines right above a block's
    street line ("Carita Kujala / 85 686 Banks Causeway / …", "??? Ronald Pesälä / ??? Tableau Software / ??? 48
    …", "Billing address: tracy sukhorukova / 23 8 wressle road …"); lower-case names too."""
    scan = prescan(text, scan)
    if not scan.digits or "\n" not in text:
        return
    if _BLOCK_LINES not in scan.memo:  # find_addresses leaves them; run alone, it is called here
        for _ in find_addresses(text, scan):
            pass
    block_lines = scan.memo[_BLOCK_LINES]
    assert isinstance(block_lines, list)
    for start in block_lines:
        name = _addressee(text, text.rfind("\n", 0, start))
        if name is not None:
            yield Entity(name[0], name[1], PERSON, 0.6, "block_name")


def _addressee(text: str, block_start: int) -> tuple[int, int] | None:
    """The name line above `block_start` (the newline before the street line), if it looks like a name."""
    above: list[tuple[int, int]] = []
    end = block_start
    for _ in range(2):
        while end > 0 and text[end - 1] in "\n \t":  # blank lines between name and street are allowed
            end -= 1
        if end == 0:
            break
        start = text.rfind("\n", 0, end) + 1
        above.append((start, end))
        end = start
    for start, end in reversed(above):  # the top line first: an organisation may sit between name and street
        m = _NAME_LINE.fullmatch(text, start, end)
        # a label above a block ("Head Office", "Shipping Information") has the shape of a name: one of its words
        # must be a known name or no everyday word
        if m and not _has_stopword(m.group(1)) and not _UNIT.search(m.group(1)) and could_be_name(m.group(1)):
            return m.start(1), m.end(1)
    return None


def _at_line_start(text: str, pos: int) -> bool:
    """Whether only spaces and a list bullet ("- ", "??? ") stand between the previous line break and `pos`."""
    if pos and text[pos - 1] not in _LINE_LEAD:
        return False  # the common case: a number inside a line ("see 3 Results")
    p = pos
    while p > 0 and text[p - 1] in " \t":
        p -= 1
    bullet = p
    while p > 0 and pos - p <= 8 and text[p - 1] in _BULLETS:
        p -= 1
    if p < bullet and bullet == pos:
        return False  # a bullet glued to the number
    return p == 0 or text[p - 1] == "\n"


def _line_rest(text: str, end: int) -> int:
    """`end` moved over the rest of its line when that is a short address tail ("Bl. 88  Sc. 81 Ap. 374",
    "dpto. 235", "/7"): unit and building parts follow the street number on the same line."""
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[end:line_end].rstrip()
    if not rest or len(rest) > 40 or _has_stopword(rest) or not _ADDRESS_TAIL.match(rest):
        return end
    return end + len(rest)


def _is_postal_block(text: str, start: int, end: int) -> bool:
    """A "number words [number]" line that opens a block of >= 2 more address lines, one of them a unit or
    ending in a postcode ("85 686 Banks Causeway / Apt. 983 / Mar del Plata / Nepal 55577"): the shape of a
    postal block is its cue."""
    if not _at_line_start(text, start):
        return False
    if "\n" in text[start:end] or not _STREET_WORD.search(text, start, end):
        return False  # table cells ("1\n\nTimeline"): the street line is one line with a word of 3+ letters
    tail = text[end : _extend(text, end)]
    lines = [line for line in tail.split("\n") if line.strip(" \t,?•*·–-")]
    if len(lines) < 2 or _NUMBERED_LINE.search(tail):  # "1 Introduction / 2 Methods / 3 Results 2020"
        return False
    first = re.match(r"\d+", text[start:end])
    if first and any(line.lstrip(" \t?•*·–-").startswith(f"{int(first.group()) + 1} ") for line in lines):
        return False  # a numbered list ("1001 object has no method / 1002 argument missing")
    if not any(_STREET_WORD.search(line) for line in lines):
        return False  # a town or country line has letters ("1002 Required argument lacking / 1003")
    return bool(_UNIT.search(tail) or _BLOCK_POSTCODE.search(tail))


def _unit_possible(scan: Prescan) -> bool:
    """Whether some run of digits has a unit word before it (read backwards, so only runs are tried)."""
    if not scan.lower_is_exact:
        return True
    backwards, n = scan.backwards, len(scan.text)
    return any(_UNIT_BACKWARDS.match(backwards, n - start) for start in scan.run_starts)


def _repaired(pattern: re.Pattern[str], m: re.Match[str]) -> re.Match[str] | None:
    """A street match that took in words before the street ("lives on Tolminska ulica 112"): the same pattern
    again from the word after the last function word, if it still matches up to the same end."""
    cut = None
    for word in _TOKEN.finditer(m.group()):
        if word.group().lower().strip(".,'’") in _NOT_STREET:
            cut = word.end()
    if cut is None:
        return None
    start = m.start() + cut
    while start < m.end() and m.string[start] in " \t":
        start += 1
    again = pattern.match(m.string, start, m.end())
    return again if again is not None and again.end() == m.end() and _plausible(again.group()) else None


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
    limit = 6 if len(tokens) > 4 and _joined_proper_name(tokens) else 4
    if not tokens or len(tokens) > limit or len(body) > 40 or not _SEGMENT_CHARS.match(body):
        return False
    return not _has_stopword(body)


def _has_stopword(body: str) -> bool:
    tokens = body.split()
    if not _NAME_JOINERS.isdisjoint(tokens) and _joined_proper_name(tokens):  # "Saint Kitts and Nevis", "Isle of Man"
        return False
    return any(t.lower().strip(".'’()") in _STOPWORDS for t in tokens)


def _joined_proper_name(tokens: list[str]) -> bool:
    """Capitalised words joined by "and" / "of" / "the" (country names), optionally ending in a postcode."""
    words = tokens[:-1] if tokens and tokens[-1].isdigit() else tokens
    joiners = [w for w in words if w in _NAME_JOINERS]
    return (
        bool(joiners)
        and len(words) - len(joiners) >= 2
        and words[0][:1].isupper()
        and words[-1][:1].isupper()
        and all(w in _NAME_JOINERS or w[:1].isupper() for w in words)
    )


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos
