"""The holder table: who can hold a stance and how news copy names them.

Data, not code (fundus' publishers-as-data): models/actors.toml (people and bodies with their
aliases), models/offices.toml (titles and who held them when), models/places.toml (countries,
demonyms, capitals). `ActorTable` compiles every alias into one matcher; `table.on(day)`
resolves titles such as "NATO's secretary general" to the person in office on that day.
"""

from __future__ import annotations

import copy
import csv
import difflib
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from stancewatch.errors import UserError

MODELS_DIR = Path(__file__).resolve().parent.parent
DEFAULT_ACTORS = MODELS_DIR / "actors.toml"
OFFICES_FILE = MODELS_DIR / "offices.toml"
PLACES_FILE = MODELS_DIR / "places.toml"
ACTORS_ENV = "STANCEWATCH_ACTORS"


class ActorFileError(UserError):
    """An actor, office or place file that cannot be read (names the file and the entry)."""


@dataclass(frozen=True)
class Holder:
    """The holder of a stance: canonical name and the group used for trends; `rule` is the
    attribution rule that named it (kept for audit, not part of the holder's identity)."""

    name: str
    group: str | None
    rule: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Office:
    """A title that names different people over time ("NATO Secretary General")."""

    name: str
    group: str | None
    terms: tuple[tuple[str, date, date | None], ...]  # (holder name, from, to inclusive)
    # outside every term the body the office belongs to speaks ("NATO's secretary general"
    # in 1990 is NATO); false where the words name nobody then ("the coalition" in 2014)
    group_speaks_outside_terms: bool = True

    def holder_on(self, day: date) -> str | None:
        for name, start, end in self.terms:
            if start <= day and (end is None or day <= end):
                return name
        return None

    def next_holder(self, day: date) -> str | None:
        """Who takes the office next after `day` ("the president-elect")."""
        return min(((start, name) for name, start, _end in self.terms if start > day),
                   default=(None, None))[1]


@dataclass(frozen=True)
class Places:
    """Countries and the words that name them (models/places.toml)."""

    countries: frozenset[str]
    with_the: frozenset[str]
    demonyms: dict[str, str]  # "Hungarian" -> "Hungary"
    capitals: dict[str, str]  # "Helsinki" -> "Finland": metonyms for the government
    venues: frozenset[str]  # cities that also name summits and documents
    people: dict[str, str]  # "Ukrainians" -> "Ukraine": a population (polls)
    adjective: dict[str, str]  # "Ukraine" -> "Ukrainian": the first demonym


@cache
def places() -> Places:
    data = _read_toml(PLACES_FILE)
    countries, with_the, demonyms, capitals, people, adjective = set(), set(), {}, {}, {}, {}
    for item in data.get("country", []):
        countries.add(item["name"])
        adjective[item["name"]] = (item.get("demonyms") or [item["name"]])[0]
        for plural in item.get("people", []):
            people[plural] = item["name"]
        if item.get("the"):
            with_the.add(item["name"])
        for demonym in item.get("demonyms", []):
            demonyms[demonym] = item["name"]
        for capital in item.get("capitals", []):
            capitals[capital] = item["name"]
    venues = frozenset(capitals) | frozenset(data.get("venues", {}).get("cities", []))
    return Places(frozenset(countries), frozenset(with_the), demonyms, capitals, venues, people,
                  adjective)


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ActorFileError(f"{path}: cannot read ({exc.strerror})") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ActorFileError(f"{path}: not valid TOML ({exc})") from exc


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


# Title words written capitalised in the table ("Russian President") and lowercased in
# running copy ("the Russian president").
_TITLE_CASE = frozenset(
    "President Prime Minister Foreign Defence Defense Secretary General Secretary-General "
    "Chancellor Spokesman Spokeswoman Spokesperson Press High Representative Commission "
    "Council Chief Envoy Ambassador".split()
)
_ORG_WORDS = frozenset(
    "Union Government Commission Council Administration Ministry Nations Alliance Office "
    "Parliament Forces Agency Committee Bank Fund Court States Kingdom Republic House Rada "
    "Compact Coalition Emirates Islands".split()
)


# "Name, Title," and "Title, Name,": the gap between the two, and what closes the pair.
_APPOSITION_GAP = re.compile(r",\s*(?:the\s+)?")
_APPOSITION_END = re.compile(r"\s*(?:[,.;:)]|$)")


class ActorTable:
    """Alias table of known holders and dated offices, compiled once into a single matcher.

    `table.on(day)` is the same table resolving titles for that day (today by default)."""

    def __init__(self, entries: Iterable[tuple[str, str | None, Sequence[str]]],
                 offices: Iterable[tuple[Office, Sequence[str]]] = ()) -> None:
        by_name: dict[str, _Entry] = {}
        owner: dict[str, str | Office] = {}
        for name, group, aliases in entries:
            entry = by_name.get(name)
            if entry is None:
                entry = by_name[name] = _Entry(group, [])
            else:
                entry.group = group
            for alias in (name, *aliases):
                owner[alias] = name  # a later file takes over an alias
                entry.aliases.append(alias)
        for office, aliases in offices:
            for alias in aliases:
                owner[alias] = office
        self.day: date | None = None
        self._holders = {name: Holder(name, e.group) for name, e in by_name.items()}
        self._by_alias: dict[str, Holder | Office] = {
            a: (self._holders[n] if isinstance(n, str) else n) for a, n in owner.items()}
        self._lower_alias = {a.lower(): h for a, h in self._by_alias.items()}
        # Spellings seen in running copy: "The Kremlin said", "the Russian president", and
        # names without their diacritics ("Kasciunas", "Sefcovic", "Lukasz").
        for alias, holder in list(self._by_alias.items()):
            folded = _without_diacritics(alias)
            if folded != alias:
                self._by_alias.setdefault(folded, holder)
            if alias[:1].islower():
                self._by_alias.setdefault(alias[0].upper() + alias[1:], holder)
            words = alias.split()
            if len(words) > 1 and any(w in _TITLE_CASE for w in words[1:]):
                lowered = [words[0]] + [w.lower() if w in _TITLE_CASE else w for w in words[1:]]
                self._by_alias.setdefault(" ".join(lowered), holder)
        self._persons = frozenset(name for name in self._holders if _looks_like_person(name))
        owners: dict[str, set[str]] = {}
        for name in self._persons:
            last = name.split()[-1]
            if last != name:
                for spelling in {last, _without_diacritics(last)}:
                    owners.setdefault(spelling, set()).add(name)
        self._surnames = {last: next(iter(names)) for last, names in owners.items()
                          if len(names) == 1}
        self._name_tokens = {
            name: frozenset(t for a in e.aliases for t in a.split()) for name, e in by_name.items()
        }
        pattern = _trie_regex(sorted(self._by_alias, key=len, reverse=True))
        self._matcher = re.compile(r"(?<![\w\-])(?=(" + pattern + r")(?![\w\-]))")

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None) -> ActorTable:
        """Read the built-in tables plus the user's extension file (later files override).

        Users name their own holders without editing the package: ``STANCEWATCH_ACTORS``
        points at a TOML file shaped like actors.toml (it may add [[office]] tables as in
        offices.toml) or a CSV with columns name,group,aliases (aliases separated by ``|``).
        """
        if paths is None:
            paths = [DEFAULT_ACTORS]
            extra = os.environ.get(ACTORS_ENV)
            if extra:
                paths.append(Path(extra))
        entries: list[tuple[str, str | None, list[str]]] = []
        offices: list[tuple[Office, list[str]]] = list(_read_offices(OFFICES_FILE))
        for path in paths:
            found, more_offices = _read_actor_file(Path(path))
            entries.extend(found)
            offices.extend(more_offices)
        return cls(entries, offices)

    def on(self, day: date | None) -> ActorTable:
        """This table, resolving titles as of `day` (None: today)."""
        if day == self.day:
            return self
        dated = copy.copy(self)
        dated.day = day
        return dated

    def _resolve(self, item: Holder | Office | None) -> Holder | None:
        if not isinstance(item, Office):
            return item
        name = item.holder_on(self.day or date.today())
        if name is None:  # nobody we know held it then: the body it belongs to speaks
            if not item.group_speaks_outside_terms:
                return None
            group = item.group or item.name
            return self._holders.get(group) or Holder(group, item.group)
        known = self._holders.get(name)
        return known if known is not None else Holder(name, item.group)

    def incoming(self, mention: str) -> Holder | None:
        """The next holder of the office an alias names, as of this table's day: "German
        chancellor" in March 2025 is Friedrich Merz; None for anything but a dated office."""
        item = self._by_alias.get(mention.strip()) or self._lower_alias.get(mention.lower())
        if not isinstance(item, Office):
            return None
        return self._next_of(item)

    def _next_of(self, office: Office) -> Holder | None:
        name = office.next_holder(self.day or date.today())
        return (self._holders.get(name) or Holder(name, office.group)) if name else None

    def canonical(self, mention: str) -> Holder | None:
        """Holder for an alias or canonical name; case-insensitive as a fallback."""
        mention = mention.strip().replace("’", "'")
        return self._resolve(self._by_alias.get(mention) or self._lower_alias.get(mention.lower()))

    def groups(self) -> list[str]:
        """Every group a holder can be attributed to: the table's groups and every country
        (a country speaks for itself: "Moscow insists" is Russia)."""
        return sorted({h.group for h in self._holders.values() if h.group}
                      | set(places().countries))

    def closest(self, mention: str) -> Holder | None:
        """The holder whose name or alias is spelled most like `mention` (error messages)."""
        match = difflib.get_close_matches(mention, list(self._by_alias), n=1, cutoff=0.6)
        return self._resolve(self._by_alias[match[0]]) if match else None

    def is_person(self, holder: Holder) -> bool:
        """People and institutions attach differently: "Orbán's aide" is not Orbán."""
        if holder.name in self._holders:
            return holder.name in self._persons
        return _looks_like_person(holder.name)  # a named speaker the table lacks

    def by_surname(self, word: str) -> Holder | None:
        """The one person in the table whose name ends with ``word`` ("Dan" -> Nicușor
        Dan), or None when no one or several do."""
        name = self._surnames.get(word)
        return self._holders[name] if name is not None else None

    def shares_name(self, holder: Holder, token: str) -> bool:
        """Whether ``token`` is part of one of the holder's names ("Tayyip" Erdoğan)."""
        return token in self._name_tokens.get(holder.name, ())

    def government_of(self, country: str) -> Holder:
        """The holder that speaks for a country: the country itself (annotation guide:
        "Moscow insists" is Russia), or its table entry when it has one."""
        the = "the " if country in places().with_the else ""
        for key in (country, the + country):
            holder = self._resolve(self._by_alias.get(key))
            if holder is not None and not self.is_person(holder):
                return holder
        return Holder(country, country)

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
        mentions: list[tuple[int, int, Holder]] = []
        titles: list[bool] = []  # which mentions are a person's office, not a name
        former: list[bool] = []  # "former NATO chief": an earlier holder, not the day's
        for s, e in found:
            item = self._by_alias[text[s:e]]
            if isinstance(item, Holder) and item.name in self._persons and mentions \
                    and not text[mentions[-1][1] : s].strip() \
                    and isinstance(self._by_alias[text[mentions[-1][0] : mentions[-1][1]]], Office):
                # a title and the name after it are one mention, and the name decides:
                # "U.S. Defence Secretary Pete Hegseth" is not Britain's defence secretary
                mentions[-1] = (mentions[-1][0], e, item)
                titles[-1] = former[-1] = False
                continue
            holder = self._resolve(item)
            if isinstance(item, Office) and _INCOMING.search(text, 0, s):
                # "the incoming German chancellor": the office's next holder, if known
                holder = self._next_of(item)
            if holder is not None:
                mentions.append((s, e, holder))
                titles.append(isinstance(item, Office) and self.is_person(holder))
                former.append(titles[-1] and _FORMER.search(text, 0, s) is not None)
        return self._named_appositions(
            text, [m for m, was in zip(mentions, former, strict=True) if not was],
            [t for t, was in zip(titles, former, strict=True) if not was])

    def _named_appositions(self, text: str, mentions: list[tuple[int, int, Holder]],
                           titles: list[bool]) -> list[tuple[int, int, Holder]]:
        """A title set off by commas beside a person's name names that person, whoever held
        the office on the day: "Jens Stoltenberg, NATO's secretary general, said" (read in
        2026), "Germany's chancellor, Olaf Scholz, said"."""
        named = list(mentions)
        for i, (start, end, _holder) in enumerate(mentions):
            if not titles[i]:
                continue
            for j, before in ((i - 1, True), (i + 1, False)):
                if not 0 <= j < len(mentions) or titles[j] or not self.is_person(mentions[j][2]):
                    continue
                first, second = (mentions[j], mentions[i]) if before else (mentions[i], mentions[j])
                if _APPOSITION_GAP.fullmatch(text[first[1] : second[0]]) \
                        and _APPOSITION_END.match(text, second[1]):
                    named[i] = (start, end, mentions[j][2])
                    break
        return named


# A title right after these words names an earlier holder, whom the date cannot tell.
_FORMER = re.compile(r"\b(?:[Ff]ormer|[Ee]x-?|[Oo]ne-?time)\s*$")
# A title right after this word names the office's next holder ("the incoming chancellor").
_INCOMING = re.compile(r"\b[Ii]ncoming\s+$")

# Letters that do not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                               "ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe",
                               "ı": "i", "þ": "th", "Þ": "Th"})


def _without_diacritics(text: str) -> str:
    """"Kasčiūnas" -> "Kasciunas", "Łukasz" -> "Lukasz": a name as copy without the
    accents writes it."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _looks_like_person(name: str) -> bool:
    """Two or more capitalised words, none an institution word: "Mark Rutte", not "NATO"."""
    words = name.split()
    return (
        len(words) >= 2
        and all(w[:1].isupper() or w in _PARTICLES for w in words)
        and not any(w in _ORG_WORDS for w in words)
    )


_PARTICLES = frozenset("von van der den de da di du la le al bin ibn dos das del".split())


def _read_offices(path: Path) -> list[tuple[Office, list[str]]]:
    return _offices_of(path, _read_toml(path))


def _offices_of(path: Path, data: dict) -> list[tuple[Office, list[str]]]:
    offices = []
    for i, item in enumerate(data.get("office", []), 1):
        where = f"{path}: office #{i}"
        try:
            terms = tuple((term["name"], date.fromisoformat(term["from"]),
                           date.fromisoformat(term["to"]) if term.get("to") else None)
                          for term in item["holders"])
            aliases = [str(alias) for alias in item["aliases"]]
            offices.append((Office(str(item["name"]), item.get("group"), terms,
                                   bool(item.get("group_speaks_outside_terms", True))), aliases))
        except (KeyError, TypeError, ValueError) as exc:
            raise ActorFileError(f"{where}: needs name, aliases and holders with name and "
                                 f"from (YYYY-MM-DD) ({exc})") from None
    return offices


def _read_actor_file(path: Path) -> tuple[list[tuple[str, str | None, list[str]]],
                                          list[tuple[Office, list[str]]]]:
    """Entries (and offices) of one TOML or CSV actor file; errors name file and entry."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ActorFileError(f"{path}: cannot read actor file ({exc.strerror})") from exc
    if path.suffix.lower() == ".csv":
        try:
            return _read_actor_csv(path, raw.decode("utf-8-sig")), []
        except UnicodeDecodeError as exc:
            raise ActorFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ActorFileError(f"{path}: not valid TOML ({exc})") from exc
    actors = data.get("actor", [])
    if not isinstance(actors, list) or (not actors and "office" not in data):
        raise ActorFileError(f"{path}: expected [[actor]] tables with name, group, aliases")
    entries = []
    for i, item in enumerate(actors, 1):
        where = f"{path}: actor #{i}"
        if not isinstance(item, dict):
            raise ActorFileError(f"{where}: expected a table")
        name, group, aliases = item.get("name"), item.get("group"), item.get("aliases", [])
        if not isinstance(name, str) or not name.strip():
            raise ActorFileError(f"{where}: 'name' must be a non-empty string")
        where = f"{path}: actor {name!r}"
        if group is not None and not isinstance(group, str):
            raise ActorFileError(f"{where}: 'group' must be a string")
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            raise ActorFileError(f"{where}: 'aliases' must be a list of non-empty strings")
        unknown = set(item) - {"name", "group", "aliases"}
        if unknown:
            raise ActorFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        entries.append((name.strip(), group or None, [a.strip() for a in aliases]))
    return entries, _offices_of(path, data)


def _read_actor_csv(path: Path, text: str) -> list[tuple[str, str | None, list[str]]]:
    rows = csv.DictReader(text.splitlines())
    if rows.fieldnames is None or "name" not in rows.fieldnames:
        raise ActorFileError(f"{path}: CSV needs a header with columns name,group,aliases")
    entries = []
    for line, row in enumerate(rows, 2):
        name = (row.get("name") or "").strip()
        if not name:
            raise ActorFileError(f"{path}: line {line}: empty 'name'")
        if None in row:
            raise ActorFileError(f"{path}: line {line} ({name!r}): too many columns")
        aliases = [a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()]
        entries.append((name, (row.get("group") or "").strip() or None, aliases))
    return entries


