"""Holder attribution: who states the stance in a news sentence.

A stance belongs to whoever voices it, not to the journalist who reports it. News copy
attributes speech in a handful of fixed shapes ("X said", '"…," said X', "according to
X", "X, an analyst at Y, said"), so rules over an alias table are fast, auditable and
good enough; the classifier never has to learn who is talking.

Measure on labelled data: ``python -m models.holders models/data/train/*.jsonl``.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ACTORS = Path(__file__).with_name("actors.toml")
ACTORS_ENV = "STANCEWATCH_ACTORS"


@dataclass(frozen=True)
class Holder:
    """The holder of a stance: canonical name and the group used for trends."""

    name: str
    group: str | None


# ----------------------------------------------------------------------------- table


def _trie_regex(words: Iterable[str]) -> str:
    """One regex alternative per trie branch, so matching cost does not grow with aliases.

    A plain ``a|b|c`` alternation of a few hundred aliases is tried alias by alias at
    every position; the trie form follows one path. Greedy optional tails make the
    longest alias win at a position, backtracking to shorter ones if a boundary fails.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return build(trie)


@dataclass
class _Entry:
    group: str | None
    aliases: list[str]


class ActorTable:
    """Alias table of known holders, compiled once into a single matcher."""

    def __init__(self, entries: Iterable[tuple[str, str | None, Sequence[str]]]) -> None:
        by_name: dict[str, _Entry] = {}
        owner: dict[str, str] = {}
        for name, group, aliases in entries:
            entry = by_name.get(name)
            if entry is None:
                entry = by_name[name] = _Entry(group, [])
            else:
                entry.group = group
            for alias in (name, *aliases):
                owner[alias] = name  # a later file takes over an alias
                entry.aliases.append(alias)
        self._holders = {name: Holder(name, e.group) for name, e in by_name.items()}
        self._by_alias: dict[str, Holder] = {a: self._holders[n] for a, n in owner.items()}
        # Sentence-initial capitals: "The Kremlin said", "Allies agreed".
        for alias, holder in list(self._by_alias.items()):
            if alias[:1].islower():
                self._by_alias.setdefault(alias[0].upper() + alias[1:], holder)
        # Bare country names ("Ukraine applied…") map to the government entry of the
        # group of the same name, when the table has one.
        self._country_government: dict[str, Holder] = {}
        for holder in self._holders.values():
            if holder.group and holder.name.startswith("Government of "):
                country = holder.name.removeprefix("Government of ").removeprefix("the ")
                self._country_government[country] = holder
                self._country_government.setdefault(holder.group, holder)
        self._lower_alias = {a.lower(): h for a, h in self._by_alias.items()}
        pattern = _trie_regex(sorted(self._by_alias, key=len, reverse=True))
        self._matcher = re.compile(r"(?<![\w\-])(?=(" + pattern + r")(?![\w\-]))")

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None) -> ActorTable:
        """Read the built-in table plus the user's extension file (later files override).

        Users name their own holders without editing the package: ``STANCEWATCH_ACTORS``
        points at a TOML file shaped like actors.toml or a CSV with columns
        name,group,aliases (aliases separated by ``|``).
        """
        if paths is None:
            paths = [DEFAULT_ACTORS]
            extra = os.environ.get(ACTORS_ENV)
            if extra:
                paths.append(Path(extra))
        entries: list[tuple[str, str | None, list[str]]] = []
        for path in paths:
            entries.extend(_read_actor_file(Path(path)))
        return cls(entries)

    def canonical(self, mention: str) -> Holder | None:
        """Holder for an alias or canonical name; case-insensitive as a fallback."""
        mention = mention.strip().replace("’", "'")
        return self._by_alias.get(mention) or self._lower_alias.get(mention.lower())

    def government_of(self, country: str) -> Holder | None:
        """The government entry for a bare country name, if the table has one."""
        return self._country_government.get(country)

    def find_mentions(self, text: str) -> list[tuple[int, int, Holder]]:
        """All alias matches: longest first, non-overlapping, on word boundaries."""
        text = text.replace("’", "'")
        found = [(m.start(), m.start() + len(m.group(1))) for m in self._matcher.finditer(text)]
        if len(found) > 1:
            found.sort(key=lambda se: (se[0] - se[1], se[0]))
            chosen: list[tuple[int, int]] = []
            for start, end in found:
                if all(end <= s or start >= e for s, e in chosen):
                    chosen.append((start, end))
            found = sorted(chosen)
        return [(s, e, self._by_alias[text[s:e]]) for s, e in found]


def _read_actor_file(path: Path) -> list[tuple[str, str | None, list[str]]]:
    """Entries of one TOML or CSV actor file; ValueError names the file and the entry."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read actor file ({exc.strerror})") from exc
    if path.suffix.lower() == ".csv":
        return _read_actor_csv(path, raw.decode("utf-8-sig"))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from exc
    actors = data.get("actor")
    if not isinstance(actors, list):
        raise ValueError(f"{path}: expected [[actor]] tables with name, group, aliases")
    entries = []
    for i, item in enumerate(actors, 1):
        where = f"{path}: actor #{i}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a table")
        name, group, aliases = item.get("name"), item.get("group"), item.get("aliases", [])
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: 'name' must be a non-empty string")
        where = f"{path}: actor {name!r}"
        if group is not None and not isinstance(group, str):
            raise ValueError(f"{where}: 'group' must be a string")
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            raise ValueError(f"{where}: 'aliases' must be a list of non-empty strings")
        unknown = set(item) - {"name", "group", "aliases"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        entries.append((name.strip(), group or None, [a.strip() for a in aliases]))
    return entries


def _read_actor_csv(path: Path, text: str) -> list[tuple[str, str | None, list[str]]]:
    rows = csv.DictReader(text.splitlines())
    if rows.fieldnames is None or "name" not in rows.fieldnames:
        raise ValueError(f"{path}: CSV needs a header with columns name,group,aliases")
    entries = []
    for line, row in enumerate(rows, 2):
        name = (row.get("name") or "").strip()
        if not name:
            raise ValueError(f"{path}: line {line}: empty 'name'")
        if None in row:
            raise ValueError(f"{path}: line {line} ({name!r}): too many columns")
        aliases = [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()]
        entries.append((name, (row.get("group") or "").strip() or None, aliases))
    return entries


# ------------------------------------------------------------------------ attribution

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Finite verbs that introduce speech: their subject is the holder; inverted after a
# quote ('"…," said Lavrov') the holder follows.
_SPEECH = _words("""
    said says told tells stated states argued argues insisted insists warned warns stressed
    stresses noted notes added adds wrote writes tweeted tweets posted declared declares
    announced announces suggested suggests signalled signaled signals claimed claims called
    calls described describes dismissed dismisses rejected rejects urged urges reiterated
    reiterates confirmed confirms emphasised emphasized emphasises emphasizes explained
    explains acknowledged acknowledges admitted admits asserted asserts maintained maintains
    cautioned cautions predicted predicts hinted hints replied replies responded responds
    countered counters conceded concedes concluded summarised summarized remarked observed
    recalled complained accused assured assures asked quipped sneered joked mentioned
    indicated underlined underscored reaffirmed reaffirms repeated repeats echoed objected
    welcomed welcomes criticised criticized criticises criticizes condemned condemns praised
    praises hailed hails branded labelled labeled slammed blasted denied denies proposed
    proposes floated""")
# Finite verbs that carry a position without being speech ("Hungary blocked…").
_STANCE = _words("""
    opposes opposed backs backed supports supported vowed vows pledged pledges promised
    promises offered offers believes believed thinks thought wants wanted demands demanded
    refused refuses blocked blocks vetoed vetoes favours favors favoured favored accepted
    accepts sees saw considers considered regards regarded views viewed sought seeks expects
    expected hopes hoped doubts doubted fears feared threatened threatens declined agreed
    agrees endorsed endorses ruled rules pushed pushes promoted promotes resisted resists
    approved approves continues continued remains remained stood stands insisted""")
# Base forms count only after an auxiliary or right after a plural alias ("allies back").
_BASE = _words("""
    say tell argue insist warn oppose back support block veto reject accept want demand
    refuse favour favor rule believe think agree welcome see consider expect hope doubt push
    pledge promise offer seek call deny object fear stand remain continue urge stress
    dismiss reiterate signal suggest""")
_AUX = _words("""
    will would can could should must may might shall has have had is are was were be been
    being do does did not never no longer also again still already now then once today
    yesterday won't wouldn't can't cannot couldn't didn't doesn't don't hasn't haven't isn't
    wasn't weren't shouldn't instead even too""")
_BOUNDARY_WORDS = _words("""
    that which who whom whose whether if because while when whereas after before as but since
    although though once unless until where than so how what why""")
_PREPOSITIONS = _words("""
    in at from to with for on by near over against about into between among across toward
    towards inside outside within than like including under without via through of""")
_PRONOUNS = _words("he she they He She They")
# Unnamed people: "diplomats said" names no holder, so the sentence gets none.
_GENERIC = _words("""
    analyst analysts diplomat diplomats official officials source sources expert experts
    observer observers critic critics commentator commentators people person lawmakers
    lawmaker legislators politicians journalists reporters media newspaper report reports
    insiders insider aide aides adviser advisers advisor advisors spokesman spokeswoman
    spokesperson someone some many others residents voters polls poll survey delegations
    delegation participants negotiators""")
# A document as subject ("The Vilnius communiqué said the alliance would…") speaks for
# the body it names next.
_DOCUMENTS = _words("""
    communique communiqué declaration statement resolution treaty draft document text plan
    proposal agreement memorandum charter letter""")
# Words that make a capitalised run a role or an institution rather than a person's name.
_TITLES = _words("""
    President Vice Prime Minister Ministers Minister's Foreign Defence Defense Deputy
    Secretary Secretary-General General Chancellor Speaker Senator Sen. Rep. Representative
    Ambassador Envoy Special Governor Mayor Chairman Chairwoman Chair Chief Director
    Commander Admiral Spokesman Spokeswoman Spokesperson Adviser Advisor Lieutenant Colonel
    Major Captain Marshal Former Acting Interior Finance Economy Justice Parliament Party
    Commissioner High Representative King Queen Pope Prince Premier Mr Mr. Mrs Mrs. Ms Ms.
    Dr Dr. Sir Lord Lady Gen. Col. Lt. Adm. Head Leader Opposition State Security Council
    National Presidential Office Ministry Government Cabinet Parliamentary Committee
    Institute Studies Center Centre University Foundation Commission Agency Forces Armed
    Staff Times Post News Journal Group Forum Summit Union Alliance Assembly Congress Senate
    House Court Bank Fund Program Programme Association Service Services Guard Army Navy
    Air Force Command European Atlantic Western Eastern Northern Southern Then Then-foreign
    The A An This That These Those But And Or So Yet However Meanwhile Still Now Later
    Earlier Asked Speaking In On At For With By From Of After Before During While When
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December Ukraine Russia NATO EU""")
_PARTICLES = _words("von van der den de da di du la le al bin ibn dos das del")
# Demonyms that date a role to a country, for the group of an unknown named holder.
_DEMONYMS = {
    "Russian": "Russia", "Ukrainian": "Ukraine", "American": "United States",
    "U.S.": "United States", "US": "United States", "British": "United Kingdom",
    "UK": "United Kingdom", "French": "France", "German": "Germany", "Hungarian": "Hungary",
    "Slovak": "Slovakia", "Turkish": "Turkey", "Polish": "Poland", "Lithuanian": "Lithuania",
    "Latvian": "Latvia", "Estonian": "Estonia", "Italian": "Italy", "Finnish": "Finland",
    "Swedish": "Sweden", "Danish": "Denmark", "Dutch": "Netherlands", "Czech": "Czech Republic",
    "Canadian": "Canada", "Spanish": "Spain", "Belarusian": "Belarus", "Chinese": "China",
    "Norwegian": "Norway", "Belgian": "Belgium", "Georgian": "Georgia", "Moldovan": "Moldova",
    "Romanian": "Romania", "Bulgarian": "Bulgaria", "Austrian": "Austria", "Greek": "Greece",
    "Portuguese": "Portugal", "Irish": "Ireland", "Japanese": "Japan", "Indian": "India",
    "Croatian": "Croatia", "Slovenian": "Slovenia", "Serbian": "Serbia", "Swiss": "Switzerland",
}
_COMMENTATOR = re.compile(
    r"\b(?:analysts?|experts?|political scientists?|researchers?|fellows?|professors?|"
    r"scholars?|think[- ]tank|commentators?|historians?|economists?|observers?|"
    r"political (?:analyst|commentator|strategist)s?|lecturer|academic)\b",
    re.IGNORECASE,
)
_INTRO_OPENERS = _words("""
    Asked Speaking While Although Though Whereas After Before When As Despite In At On During
    Hours Days Weeks Months Visiting Following Ahead Since Unlike Like With Without For Under
    Amid Last Earlier Later Meanwhile However But Still Yet Separately Also Instead Back
    Addressing Writing Responding Answering Commenting Once Until If Even Just Only Shortly
    Then By Over Throughout Within""")

_SPEECH_QUOTE = re.compile(r"“[^“”]*”|\"[^\"\n]*\"")
_TOKEN = re.compile(r"[^\s,;:()\[\]“”\"—–~]+")
_VERB = re.compile(r"(?<![\w\-'])[a-z]+(?:n't)?(?![\w\-'])")
_CLAUSE_PUNCT = re.compile(r"[,;:()\[\]“”\"—–~]")
_TRAILING_SKIP = re.compile(
    r"(?:\s+(?:on|in|last|this|earlier|late|early)\s+(?:[A-Z][a-z]+day|\d{4}|week|month|year|"
    r"[A-Z][a-z]+)|\s+[a-z]+ly|\s+(?:" + "|".join(sorted(re.escape(w) for w in _AUX)) + r"))\s*$"
)
_ACCORDING = re.compile(
    r"(?:\b[Aa]ccording to|\b[Ii]n the (?:view|words|opinion|assessment) of)\s+([^,;:.“”\"()]+)"
)
_IN_WORDS = re.compile(r"\b[Ii]n ([^,;:.“”\"()]+?)'s (?:words|view|opinion|assessment)\b")
_INVERTED_NP = re.compile(
    r"\s+([^,;:.“”\"()—–]+?)(?=\s*(?:[,;:.“”\"()—–]|$|\s(?:in|at|on|during|after|before|when|"
    r"while|who|which|that|to|from|with|as|adding|saying|calling|noting)\s))"
)


def _mask_quotes(text: str) -> str:
    """Hide quoted speech so its words are neither verbs nor holders.

    Speech quotes keep their marks as clause boundaries ('"…," Peskov said'); short
    scare quotes inside a noun phrase (Russia's draft "security guarantees" treaty)
    become a plain word so the phrase stays whole.
    """
    def repl(m: re.Match[str]) -> str:
        span = m.group(0)
        inner = span[1:-1].rstrip()
        after = text[m.end() : m.end() + 1]
        if inner[-1:] in ",.!?…—-" or after == "," or len(inner.split()) > 4:
            return span[0] + "~" * (len(span) - 2) + span[-1]
        return "q" * len(span)

    return _SPEECH_QUOTE.sub(repl, text)


@dataclass
class _Sentence:
    """One sentence prepared once: masked text, mentions, verb positions."""

    text: str
    masked: str
    mentions: list[tuple[int, int, Holder]]
    verbs: list[tuple[int, int, str]]  # start, end, kind: speech | stance | base


def _prepare(sentence: str, table: ActorTable) -> _Sentence:
    text = sentence.replace("’", "'").replace("‘", "'")
    masked = _mask_quotes(text)
    mentions = table.find_mentions(masked)
    verbs = []
    for m in _VERB.finditer(masked):
        word = m.group(0)
        if word in _SPEECH:
            verbs.append((m.start(), m.end(), "speech"))
        elif word in _STANCE:
            verbs.append((m.start(), m.end(), "stance"))
        elif word in _BASE:
            verbs.append((m.start(), m.end(), "base"))
    return _Sentence(text, masked, mentions, verbs)


# Resolution of a noun phrase: a holder, or one of these markers.
_PRONOUN, _GENERIC_NP, _DOCUMENT_NP = "pronoun", "generic", "document"


def _unknown_name(s: _Sentence, start: int, end: int) -> tuple[str, int] | None:
    """A 2-4 token capitalised person name ending at ``end`` (not in the table)."""
    tokens = list(_TOKEN.finditer(s.masked, start, end))
    picked: list[str] = []
    first = end
    for tok in reversed(tokens):
        word = tok.group(0)
        if word in _PARTICLES and picked:
            picked.append(word)
            first = tok.start()
            continue
        is_initial = len(word) == 2 and word[0].isupper() and word[1] == "."
        if not (is_initial or (word[0].isupper() and any(c.islower() for c in word))):
            break
        if word in _TITLES or word in _DEMONYMS or word.endswith("'s") or "'" in word:
            break
        picked.append(word)
        first = tok.start()
        if len(picked) > 4:
            return None
    while picked and picked[-1] in _PARTICLES:
        picked.pop()
    capitalised = [w for w in picked if w[0].isupper()]
    if len(capitalised) < 2:
        return None
    return " ".join(reversed(picked)), first


def _group_for_unknown(s: _Sentence, start: int, end: int, apposition: str) -> str | None:
    """Commentators for analysts and experts, else the country their role names."""
    if _COMMENTATOR.search(apposition) or _COMMENTATOR.search(s.masked[start:end]):
        return "Commentators"
    for ms, me, holder in s.mentions:
        if start <= ms and me <= end:
            return holder.group
    for word in s.masked[start:end].replace("'s", " ").split() + apposition.split():
        if word in _DEMONYMS:
            return _DEMONYMS[word]
    return None


def _preceded_by_preposition(s: _Sentence, pos: int) -> bool:
    before = s.masked[max(0, pos - 15) : pos].split()
    return bool(before) and before[-1] in _PREPOSITIONS


def _resolve_np(
    s: _Sentence, table: ActorTable, start: int, end: int, apposition: str = ""
) -> Holder | str | None:
    """Holder named by the noun phrase masked[start:end]: head mention or unknown name."""
    phrase = s.masked[start:end]
    cut = phrase.find(" and ")
    if cut > 0:  # "Merkel and Sarkozy blocked": the first named holds it
        first = _resolve_np(s, table, start, start + cut, apposition)
        if isinstance(first, Holder):
            return first
    inside = [
        (ms, me, h)
        for ms, me, h in s.mentions
        if start <= ms and me <= end and not _preceded_by_preposition(s, ms)
    ]
    after = inside[-1][1] if inside else start
    name = _unknown_name(s, after, end)
    if name is not None:
        return Holder(name[0], _group_for_unknown(s, start, end, apposition))
    if inside:
        return inside[-1][2]
    words = phrase.split()
    if len(words) == 1 and words[0] in _PRONOUNS:
        return _PRONOUN
    if any(w.strip(".'") in _GENERIC for w in words):
        return _GENERIC_NP
    if any(w in _DOCUMENTS for w in words):
        return _DOCUMENT_NP
    if len(words) == 1 and words[0][:1].isupper():
        government = table.government_of(words[0])
        if government is not None:
            return government
    return None


def _subject_start(s: _Sentence, end: int, floor: int) -> int:
    """Left edge of the clause whose subject ends at ``end``."""
    start = floor
    for m in _CLAUSE_PUNCT.finditer(s.masked, floor, end):
        start = m.end()
    for vs, ve, _ in s.verbs:
        if floor <= vs and ve <= end:
            start = max(start, ve)
    for tok in _TOKEN.finditer(s.masked, start, end):
        if tok.group(0) in _BOUNDARY_WORDS:
            start = tok.end()
    return start


def _strip_auxiliaries(s: _Sentence, end: int) -> int:
    """Move ``end`` left over auxiliaries, adverbs and control verbs ("declined to")."""
    while True:
        m = _TRAILING_SKIP.search(s.masked, 0, end)
        if m is not None and m.start() < end:
            end = m.start()
            continue
        prefix = s.masked[:end]
        m2 = re.search(r"\s+[a-z]+\s+to\s*$", prefix)
        if m2 is not None and not any(vs < end and ve > m2.start() for vs, ve, _ in s.verbs):
            end = m2.start()
            continue
        return end


def _subject_of(
    s: _Sentence, table: ActorTable, vstart: int, kind: str, floor: int
) -> Holder | str | None:
    """Resolve the subject of the verb at ``vstart``: before it, or inverted after it."""
    end = _strip_auxiliaries(s, vstart)
    if kind == "base":
        before = s.masked[:end].rstrip()
        had_aux = end < vstart and s.masked[end:vstart].split()[-1:] != ["to"]
        plural_alias = any(me == len(before) for _, me, _ in s.mentions)
        if not (had_aux or plural_alias) or before.endswith(" to"):
            return None
    start = _subject_start(s, end, floor)
    if s.masked[start:end].strip():
        return _resolve_np(s, table, start, end)
    # Nothing between the clause edge and the verb: apposition or inverted order.
    edge = s.masked[:end].rstrip()
    if edge.endswith(","):
        comma = len(edge) - 1
        prev = s.masked.rfind(",", floor, comma)
        if prev > floor or (prev == -1 and False):
            apposition = s.masked[prev + 1 : comma].strip()
            if apposition and not _CLAUSE_PUNCT.search(apposition.replace("~", "")):
                head_end = prev
                head_start = _subject_start(s, head_end, floor)
                if s.masked[head_start:head_end].strip():
                    resolved = _resolve_np(s, table, head_start, head_end, apposition)
                    if resolved is not None:
                        return resolved
    if kind == "speech" and edge[-1:] in ",”\"" and s.masked[vstart:].split()[0] != "told":
        return _inverted_subject(s, table, vstart)
    return None


def _inverted_subject(s: _Sentence, table: ActorTable, vstart: int) -> Holder | str | None:
    """'"…," said Jane Doe, an analyst at X' -> the noun phrase after the verb."""
    verb_end = s.masked.find(" ", vstart)
    if verb_end == -1:
        return None
    m = _INVERTED_NP.match(s.masked, verb_end)
    if m is None:
        return None
    rest = s.masked[m.end() :]
    apposition = rest[1:].split(",")[0] if rest.startswith(",") else ""
    return _resolve_np(s, table, m.start(1), m.end(1), apposition)


def _main_floor(s: _Sentence) -> int:
    """Start of the main clause: past an introductory phrase ending in a comma."""
    words = s.masked.split(None, 1)
    if words and words[0] in _INTRO_OPENERS:
        comma = s.masked.find(",")
        if comma != -1:
            return comma + 1
    return 0


def _sentence_subject(s: _Sentence, table: ActorTable, floor: int) -> Holder | None:
    """No attribution verb: the actor opening the sentence holds the position."""
    rest = s.masked[floor:]
    offset = floor + len(rest) - len(rest.lstrip())
    rest = rest.lstrip()
    if not rest:
        return None
    for ms, me, holder in s.mentions:
        if ms < offset:
            continue
        lead = s.masked[offset:ms]
        if lead.strip() not in ("", "The", "the", "A", "a"):
            break
        # extend over a chained noun phrase: "Hungarian Prime Minister Viktor Orbán"
        head = holder
        pos = me
        for ms2, me2, h2 in s.mentions:
            if ms2 >= pos and not s.masked[pos:ms2].strip():
                head, pos = h2, me2
        tail = s.masked[pos:].lstrip()
        if tail.startswith("'s"):
            return None
        return head
    token = _TOKEN.match(s.masked, offset)
    if token is not None:
        government = table.government_of(token.group(0))
        nxt = s.masked[token.end() : token.end() + 3]
        if government is not None and not nxt.startswith("'"):
            return government
    return None


def find_holder(sentence: str, table: ActorTable, previous: Holder | None = None) -> Holder | None:
    """Who states the position in this sentence.

    Order follows reliability in news copy: an attribution clause closing the sentence
    ("…, Pistorius said"), then the subject of the first reporting or stance verb of the
    main clause, then an actor opening the sentence. A bare pronoun resolves to
    ``previous`` (the caller's article context); unnamed sources ("diplomats said")
    give no holder rather than the nearest named actor.
    """
    s = _prepare(sentence, table)
    floor = _main_floor(s)
    generic_source = False

    # 1. "…, X said [tail]." closing the sentence, and "according to X".
    for vs, _ve, kind in reversed(s.verbs):
        if kind != "speech" or vs < floor:
            continue
        tail = s.masked[vs:]
        clause_start = _subject_start(s, _strip_auxiliaries(s, vs), floor)
        edge = s.masked[:clause_start].rstrip()
        if edge[-1:] in (",", "”", '"') and " that " not in tail:
            resolved = _subject_of(s, table, vs, kind, floor)
            if isinstance(resolved, Holder):
                return resolved
            if resolved == _PRONOUN:
                return previous
            generic_source = generic_source or resolved == _GENERIC_NP
        break
    for m in _ACCORDING.finditer(s.masked):
        resolved = _resolve_np(s, table, m.start(1), m.end(1))
        if isinstance(resolved, Holder) and m.start() > floor:
            return resolved
        generic_source = generic_source or resolved == _GENERIC_NP
    m = _IN_WORDS.search(s.masked)
    if m is not None:
        resolved = _resolve_np(s, table, m.start(1), m.end(1))
        if isinstance(resolved, Holder):
            return resolved

    # 2. The subject of the first reporting or stance verb of the main clause.
    for vs, ve, kind in s.verbs:
        if vs < floor:
            continue
        resolved = _subject_of(s, table, vs, kind, floor)
        if resolved is None:
            continue
        if isinstance(resolved, Holder):
            return resolved
        if resolved == _PRONOUN:
            return previous
        if resolved == _GENERIC_NP:
            return None
        if resolved == _DOCUMENT_NP:
            for ms, _me, holder in s.mentions:
                if ms >= ve:
                    return holder
            return None

    # 3. An actor opening the sentence ("Hungary will block…", headlines).
    holder = _sentence_subject(s, table, floor)
    if holder is not None or generic_source:
        return holder
    if floor:
        return _sentence_subject(s, table, 0)
    return None


def _evaluate(paths: Sequence[Path], table: ActorTable) -> tuple[int, int, list[tuple]]:
    """Exact-name accuracy over labelled JSONL rows (no holder == no holder counts)."""
    import json

    total = correct = 0
    errors: list[tuple] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            got = find_holder(row["text"], table)
            total += 1
            if (got.name if got else None) == row.get("actor"):
                correct += 1
            else:
                errors.append((row.get("actor"), got.name if got else None, row["text"]))
    return total, correct, errors


def main(argv: Sequence[str] | None = None) -> int:
    """Print accuracy and the most common errors, to tune the rules against data."""
    import sys
    from collections import Counter

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m models.holders FILE.jsonl [...]", file=sys.stderr)
        return 2
    table = ActorTable.load()
    total, correct, errors = _evaluate([Path(a) for a in args], table)
    if not total:
        print("no rows", file=sys.stderr)
        return 1
    print(f"holder accuracy: {correct / total:.1%} ({correct}/{total} rows)")
    pairs = Counter((gold, got) for gold, got, _ in errors)
    print("most common errors (gold -> predicted):")
    for (gold, got), n in pairs.most_common(30):
        example = next(t for g, p, t in errors if (g, p) == (gold, got))
        print(f"{n:4d}  {gold!s} -> {got!s}   e.g. {example[:110]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
