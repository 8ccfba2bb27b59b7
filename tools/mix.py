# ruff: noqa: E501  (sentence templates: long lines are the data, not code)
"""A realistic feed mix for `make bench-mix`: mostly off-topic news with a handful of
Ukraine/NATO pieces, as static sites that tools/demo_sites.py serves.

Off-topic articles are generated from the templates below (world news, sport, economy,
science, other NATO members' defence news, loan and export-credit guarantees; English,
German, French and Spanish), laid out in four page templates (semantic article, a story
body with JSON-LD, a legacy table layout, a magazine layout with inline promos). Some are
hard negatives that mention NATO or Ukraine in passing and so pass the relevance gate.
On-topic articles are the demo outlets' articles whose intended stance is not `none`
(demo/articles), spread over the English outlets' feeds, as in a real world-news feed.
Deterministic for a given seed.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_ARTICLES = ROOT / "demo" / "articles"
FIRST_DAY = datetime(2025, 4, 1, 6, 0, tzinfo=UTC)
# Sentences per off-topic article, drawn uniformly. News articles are long: the CNN/Daily
# Mail corpus averages about 780 tokens (~30 sentences) an article, and the issue's own mix
# of 381 real pages stored about 50 sentences a page (82 s × 1.3 at ~190 sentences/s).
# `--sentences 6-14` gives the short articles of the first version of this mix.
ARTICLE_SENTENCES = (12, 48)

# ------------------------------------------------------------------------------ slots
SLOTS: dict[str, list[str]] = {
    "city": ["Nairobi", "Lima", "Jakarta", "Manila", "Dhaka", "Accra", "Quito", "Hanoi",
             "Montevideo", "Casablanca", "Kathmandu", "Santiago", "Bogotá", "Osaka", "Perth"],
    "country": ["Kenya", "Peru", "Indonesia", "the Philippines", "Bangladesh", "Ghana", "Ecuador",
                "Vietnam", "Uruguay", "Morocco", "Nepal", "Chile", "Colombia", "Japan",
                "Australia", "Brazil", "India", "Mexico", "Nigeria", "Thailand"],
    "person": ["Amina Odhiambo", "Carlos Medina", "Siti Rahman", "Miguel Duarte", "Farhana Ali",
               "Kwame Boateng", "Lucía Paredes", "Tran Van Minh", "Sofía Herrera",
               "Youssef Benali", "Priya Nair", "Kenji Watanabe", "Grace Mwangi", "Tom Fletcher"],
    "team": ["River Athletic", "Northgate United", "Harbour City", "Real Costa", "FC Lindenau",
             "Olympique Sud", "Atlético Brisa", "Vale Rovers", "Crescent Wanderers", "Porto Azul"],
    "company": ["Helix Motors", "Bluewater Foods", "Quantra Systems", "Orion Steel", "Lumen Retail",
                "Nordby Shipping", "Solace Pharma", "Vantor Energy", "Kestrel Airlines"],
    "party": ["the Progressive Alliance Party", "the National Renewal movement",
              "the Democratic Centre", "the Labour and Farmers' Union", "the Civic Platform"],
    "number": [str(n) for n in (3, 7, 12, 18, 24, 31, 45, 60, 72, 88, 120, 250)],
    "percent": ["1.2", "2.5", "3.1", "4.8", "0.7", "6.4", "9.9", "12.5"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "ally": ["Norway", "Portugal", "Canada", "Greece", "Turkey", "Italy", "the Netherlands",
             "Romania", "Spain", "Belgium", "Denmark", "Iceland"],
}

# ------------------------------------------------------------------------------ texts
TEMPLATES: dict[str, dict[str, object]] = {
    "world": {"language": "en", "titles": [
        "Floods displace thousands in {country}", "{country} votes in tight presidential race",
        "Earthquake of magnitude 6.{number} strikes near {city}",
        "Climate talks in {city} end without a deal"], "sentences": [
        "Heavy rain has forced {number},000 people from their homes in {country}, officials said on {day}.",
        "Rescue teams in {city} used boats to reach families stranded on rooftops.",
        "The national weather service warned that more storms were expected later in the week.",
        "{person}, a spokesperson for the disaster agency, said shelters were running short of clean water.",
        "Voters in {country} queued for hours on {day} in an election seen as a referendum on the economy.",
        "{party} led early counts with about {percent} per cent of the vote counted in the capital.",
        "Observers from the regional bloc said the vote had been largely orderly despite delays.",
        "The quake struck at a depth of {number} kilometres, according to the geological survey.",
        "Hospitals in {city} treated dozens of people for minor injuries, the health ministry said.",
        "Delegates from {number} countries failed to agree on a timetable for phasing out coal.",
        "{person}, who chaired the talks, said negotiators would reconvene in {city} next year.",
        "Aid groups appealed for {number} million dollars to rebuild schools and clinics.",
        "The government declared three days of national mourning.",
        "Local media showed roads cracked open and power lines lying across streets.",
    ]},
    "sport": {"language": "en", "titles": [
        "{team} edge {team} in late thriller", "{person} wins marathon in {city}",
        "{team} sack coach after {number} games without a win"], "sentences": [
        "{team} scored twice in the final ten minutes to beat {team} on {day}.",
        "The striker, signed in the summer, now has {number} goals in all competitions.",
        "{person} crossed the line in two hours and {number} minutes, a course record.",
        "The coach said his players had shown character after a difficult first half.",
        "More than {number},000 supporters watched the match despite the heavy rain.",
        "The club said in a statement that a new head coach would be named within days.",
        "Tickets for the final in {city} sold out within an hour, organisers said.",
        "The defender limped off with a hamstring injury and is expected to miss a month.",
        "It was the first time since 1998 that the club had reached the semi-finals.",
        "{person} said she would now focus on the world championships in {city}.",
        "The league's disciplinary panel will review the red card next week.",
    ]},
    "economy": {"language": "en", "titles": [
        "Central bank of {country} holds rates at {percent}%", "{company} profit beats forecasts",
        "Oil prices slip as demand outlook dims", "{company} to cut {number}00 jobs"], "sentences": [
        "The central bank of {country} left its benchmark rate unchanged at {percent} per cent on {day}.",
        "Governor {person} said inflation was easing but remained above target.",
        "{company} reported quarterly profit of {number} million dollars, ahead of analyst estimates.",
        "Shares in {company} rose {percent} per cent in early trading in {city}.",
        "Brent crude fell {percent} per cent to its lowest level in {number} weeks.",
        "Traders said weaker factory data from Asia had weighed on the outlook for demand.",
        "The company said the job cuts would mainly affect its plants in {country}.",
        "Analysts expect the bank to cut rates at least once before the end of the year.",
        "The currency slipped against the dollar after the announcement.",
        "Retail sales grew by {percent} per cent year on year, the statistics office said.",
        "Unions in {city} called a one-day strike in protest at the restructuring plan.",
    ]},
    "science": {"language": "en", "titles": [
        "Telescope spots water vapour on distant planet", "New antibiotic shows promise in trials",
        "Coral reefs off {country} recover faster than expected"], "sentences": [
        "Astronomers said the planet orbits a small star about {number} light years away.",
        "The findings, published on {day}, were based on {number} hours of observations.",
        "{person}, who led the study, said the result would need independent confirmation.",
        "The drug cleared infections in {number} of the patients who took part in the trial.",
        "Researchers in {city} surveyed reefs at {number} sites over five years.",
        "Warmer seas had bleached large parts of the reef in previous summers.",
        "The team plans a larger trial in {country} next year.",
        "Funding for the project came from a national science foundation.",
    ]},
    # hard negatives: NATO members' own defence, spending, exercises — mention the alliance
    "allies": {"language": "en", "titles": [
        "{ally} raises defence budget", "NATO air policing mission rotates in the Baltics",
        "{ally} orders new frigates"], "sentences": [
        "{ally} will raise defence spending to {percent} per cent of economic output by 2030, the government said.",
        "The increase brings {ally} closer to the NATO target agreed by allies at their last summit.",
        "Fighter jets from {ally} took over the alliance's air policing mission over the Baltic states on {day}.",
        "The defence ministry said the new frigates would be built at a shipyard in {ally}.",
        "Opposition lawmakers questioned how the spending would be financed.",
        "The contract, worth {number} billion euros, is the largest in the navy's history.",
        "Officials said the exercise involved {number},000 troops from {number} allied nations.",
        "The parliament is expected to vote on the budget before the summer recess.",
    ]},
    # hard negatives: loans, export credits, guarantees that are not security guarantees
    "guarantees": {"language": "en", "titles": [
        "World Bank approves loan guarantee for {country}", "Export credit agency backs {company} deal",
        "EU adopts loan package with budget guarantees"], "sentences": [
        "The World Bank approved a {number} million dollar guarantee to support power projects in {country}.",
        "The guarantee is meant to lower borrowing costs for private investors, the bank said.",
        "{company} won export credit cover for the sale of turbines to {country}.",
        "The loan guarantees rest on the headroom of the EU budget, officials in Brussels said.",
        "Ukraine and Moldova are among the countries expected to draw on the new facility for reconstruction projects.",
        "Rating agencies said the structure reduced risks for national treasuries.",
        "{person}, the bank's regional director, said disbursements would start in the autumn.",
        "Critics said the scheme exposed taxpayers to losses if projects failed.",
    ]},
    "de": {"language": "de", "titles": [
        "Hochwasser in {country}: Tausende auf der Flucht", "{company} streicht Stellen",
        "{team} gewinnt Derby in letzter Minute"], "sentences": [
        "Nach heftigen Regenfällen mussten in {country} mehr als {number}.000 Menschen ihre Häuser verlassen.",
        "Die Rettungskräfte in {city} waren die ganze Nacht im Einsatz.",
        "{company} will in den kommenden zwei Jahren rund {number}00 Stellen abbauen.",
        "Die Gewerkschaft kündigte Widerstand gegen die Pläne an.",
        "Der Aktienkurs fiel am {day} um {percent} Prozent.",
        "{team} drehte das Spiel mit zwei späten Toren.",
        "Der Trainer lobte die Moral seiner Mannschaft.",
        "Die Inflation lag im vergangenen Monat bei {percent} Prozent.",
    ]},
    "fr": {"language": "fr", "titles": [
        "Séisme au {country} : des dégâts importants", "{company} dépasse les attentes",
        "Le {team} remporte la coupe"], "sentences": [
        "Un séisme de magnitude 6 a frappé la région de {city} dans la nuit de {day}.",
        "Les secours recherchent encore des personnes sous les décombres.",
        "{company} a publié un bénéfice de {number} millions d'euros au premier trimestre.",
        "Le directeur financier a évoqué une demande solide en Europe.",
        "Le {team} s'est imposé deux buts à un devant {number} 000 spectateurs.",
        "L'entraîneur a salué l'engagement de ses joueurs.",
        "La banque centrale a maintenu son taux directeur à {percent} %.",
        "Les syndicats appellent à une grève nationale la semaine prochaine.",
    ]},
    "es": {"language": "es", "titles": [
        "Inundaciones en {country} dejan miles de desplazados", "{company} anuncia despidos",
        "{team} gana el clásico"], "sentences": [
        "Las lluvias obligaron a {number} mil personas a abandonar sus casas en {country}.",
        "Los equipos de rescate trabajaron toda la noche en {city}.",
        "{company} prevé recortar {number}00 empleos en los próximos meses.",
        "Los sindicatos convocaron una huelga para el {day}.",
        "El banco central mantuvo los tipos de interés en el {percent} por ciento.",
        "{team} remontó el partido con dos goles en los últimos minutos.",
        "El entrenador elogió la actitud de sus jugadores.",
    ]},
}
CATEGORY_WEIGHTS = {"world": 4, "sport": 3, "economy": 3, "science": 1, "allies": 1,
                    "guarantees": 1, "de": 2, "fr": 1, "es": 1}
OUTLETS = {  # slug: (name, page template, categories it publishes)
    "globe-wire": ("Globe Wire", "article", ("world", "science", "allies", "guarantees")),
    "daily-ledger": ("Daily Ledger", "jsonld", ("world", "economy", "guarantees", "allies")),
    "sports-desk": ("Sports Desk", "table", ("sport",)),
    "market-times": ("Market Times", "magazine", ("economy", "guarantees")),
    "rundschau": ("Rundschau", "jsonld", ("de",)),
    "le-courrier": ("Le Courrier", "article", ("fr",)),
    "el-diario": ("El Diario", "table", ("es",)),
}
ON_TOPIC_OUTLETS = ("globe-wire", "daily-ledger", "market-times")


@dataclass(frozen=True)
class MixArticle:
    outlet: str
    path: str
    title: str
    paragraphs: list[str]
    published: datetime
    language: str
    on_topic: bool


# Real articles do not repeat a sentence; the templates above are few, so each English
# sentence gets one of these endings (slots filled anew), which keeps repeats rare: without
# them an article of 48 sentences repeated each template three to four times, and the
# pipeline's per-call de-duplication of sentences made the mix look cheaper than news is.
TAILS_EN = (
    "", "", ", local media reported", ", according to officials in {city}", " this week",
    " earlier this month", ", according to a statement released on {day}",
    ", {person} told reporters", ", a report by {company} analysts showed",
    ", figures published on {day} showed", " for the {number}th time this year",
    ", the agency said in {city}", ", as {person} noted on {day}", " last year",
    ", officials in {country} confirmed", ", {person} wrote in a note to clients",
    ", broadcasters in {country} reported", ", sources close to the talks in {city} said",
)


def _with_tail(sentence: str, rng: random.Random) -> str:
    tail = _fill(rng.choice(TAILS_EN), rng)
    return sentence[:-1] + tail + "." if tail and sentence.endswith(".") else sentence


def _fill(template: str, rng: random.Random) -> str:
    text = template
    while "{" in text:
        start = text.index("{")
        end = text.index("}", start)
        text = text[:start] + rng.choice(SLOTS[text[start + 1 : end]]) + text[end + 1 :]
    return text


def off_topic_article(number: int, rng: random.Random,
                      length: tuple[int, int] = ARTICLE_SENTENCES) -> tuple[str, MixArticle]:
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    spec = TEMPLATES[category]
    outlet = rng.choice([slug for slug, (_, _, cats) in OUTLETS.items() if category in cats])
    templates = list(spec["sentences"])  # type: ignore[arg-type]
    count = rng.randint(*length)
    body: list[str] = []
    while len(body) < count:  # each pass over the templates in a new order, new slot values
        rng.shuffle(templates)
        body += [_fill(s, rng) for s in templates[: count - len(body)]]
    if spec["language"] == "en":
        body = [_with_tail(sentence, rng) for sentence in body]
    paragraphs = []
    while body:
        size = rng.randint(1, 3)
        paragraphs.append(" ".join(body[:size]))
        body = body[size:]
    paragraphs.append(f"(Report {number}, desk {rng.randint(100, 999)}.)")
    title = _fill(rng.choice(spec["titles"]), rng)  # type: ignore[arg-type]
    published = FIRST_DAY + timedelta(minutes=37 * number)
    return category, MixArticle(outlet, f"/{category}/{number:05d}.html", title, paragraphs,
                                published, str(spec["language"]), False)


def demo_on_topic_articles() -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of every demo article written as on topic."""
    found = []
    for source in sorted(DEMO_ARTICLES.glob("*/*.md")):
        _, front, body = source.read_text(encoding="utf-8").split("+++", 2)
        meta = tomllib.loads(front)
        if meta["expect_membership"] == "none" and meta["expect_guarantees"] == "none":
            continue
        paragraphs = [" ".join(block.split()) for block in body.split("\n\n") if block.strip()
                      and not block.lstrip().startswith(("#", ">", "-", "|"))]
        if paragraphs:  # a syndicated copy has no body of its own
            found.append((meta["title"], paragraphs))
    return found


def _page(article: MixArticle, name: str, layout: str, slug: str) -> str:
    title = html.escape(article.title)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    head = (f'<meta charset="utf-8"><title>{title} | {name}</title>'
            f'<link rel="canonical" href="{{{{BASE:{slug}}}}}{article.path}">'
            f'<meta property="og:site_name" content="{name}">'
            f'<meta property="article:published_time" content="{article.published.isoformat()}">')
    nav = ('<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business'
           '</a> <a href="/sport">Sport</a> <a href="/science">Science</a></nav>')
    promo = ('<div class="promo">Subscribe to our newsletter for the day\'s top stories. '
             '<a href="/subscribe">Sign up</a></div>')
    if layout == "jsonld":
        data = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                           "headline": article.title, "datePublished": article.published.isoformat(),
                           "author": {"@type": "Person", "name": "Staff"}})
        body = (f'<header>{nav}</header><div class="story"><h1>{title}</h1>'
                f'<div class="story-body">{paragraphs}</div></div>{promo}'
                f'<aside><h3>Most read</h3><ol><li>Markets close higher</li><li>Weather warning'
                f'</li></ol></aside><script type="application/ld+json">{data}</script>')
    elif layout == "table":
        body = (f'<table width="100%"><tr><td>{nav}</td></tr><tr><td class="content">'
                f'<font size="5"><b>{title}</b></font><br>{paragraphs}</td>'
                f'<td class="side">{promo}</td></tr></table>')
    elif layout == "magazine":
        blocks = "".join(f"<section><p>{html.escape(p)}</p></section>"
                         + (promo if i == 2 else "") for i, p in enumerate(article.paragraphs))
        body = (f'<header>{nav}</header><main><div class="hero"><h1>{title}</h1>'
                f'<p class="standfirst">{title}.</p></div>{blocks}</main>'
                f'<footer>© {name}. All rights reserved.</footer>')
    else:
        body = (f'<header>{nav}</header><main><article><h1>{title}</h1>{paragraphs}</article>'
                f'</main><aside>{promo}</aside><footer>© {name}</footer>')
    return (f'<!doctype html><html lang="{article.language}"><head>{head}</head>'
            f"<body>{body}</body></html>")


def _rss(name: str, slug: str, items: list[MixArticle]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{{{{BASE:{slug}}}}}{a.path}</link>"
        f"<guid>{{{{BASE:{slug}}}}}{a.path}</guid><pubDate>{format_datetime(a.published)}"
        f"</pubDate></item>" for a in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}'
            f"</title><link>{{{{BASE:{slug}}}}}/</link>{entries}</channel></rss>")


REAL_PAGES_SLUG = "real-pages"
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"


def _real_pages_outlet(folder: Path, pages: list[Path]) -> list[str]:
    """Real published pages (e.g. the article-extraction-benchmark's html/*.html.gz), served
    as they are from one outlet with an RSS feed; returns the feeds.toml lines for it."""
    outlet = folder / REAL_PAGES_SLUG
    items = []
    (outlet / "page").mkdir(parents=True, exist_ok=True)
    for number, source in enumerate(sorted(pages)):
        content = source.read_bytes()
        if source.suffix == ".gz":
            content = gzip.decompress(content)
        path = f"/page/{number:04d}.html"
        (outlet / path.lstrip("/")).write_bytes(content)
        items.append(f"<item><title>Page {number}</title><link>{{{{BASE:{REAL_PAGES_SLUG}}}}}"
                     f"{path}</link><guid>{{{{BASE:{REAL_PAGES_SLUG}}}}}{path}</guid></item>")
    (outlet / "robots.txt").write_text(ROBOTS_TXT)
    (outlet / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Real pages'
        f"</title><link>{{{{BASE:{REAL_PAGES_SLUG}}}}}/</link>{''.join(items)}</channel></rss>",
        encoding="utf-8")
    return ["[[feeds]]", f'url = "{{{{BASE:{REAL_PAGES_SLUG}}}}}/feed.xml"', 'name = "Real pages"', ""]


def build_mix_sites(folder: Path, off_topic: int, seed: int = 11,
                    length: tuple[int, int] = ARTICLE_SENTENCES,
                    real_pages: list[Path] | None = None) -> tuple[Path, list[MixArticle]]:
    """Write the outlets under `folder` and a feeds.toml template (with {{BASE:slug}}
    placeholders); returns the template and every generated article (with its ground
    truth). `real_pages`: real HTML pages served as one more outlet (their topic unknown:
    not in the returned list)."""
    rng = random.Random(seed)
    articles = [off_topic_article(number, rng, length)[1] for number in range(off_topic)]
    for number, (title, paragraphs) in enumerate(demo_on_topic_articles()):
        outlet = ON_TOPIC_OUTLETS[number % len(ON_TOPIC_OUTLETS)]
        articles.append(MixArticle(outlet, f"/world/ukraine-{number:03d}.html", title, paragraphs,
                                   FIRST_DAY + timedelta(minutes=37 * rng.randrange(max(1, off_topic))
                                                         + 11), "en", True))
    feeds = ["[settings]", "politeness_delay = 0.0", "allow_private_networks = true",
             "per_domain_concurrency = 4", ""]
    for slug, (name, layout, _) in OUTLETS.items():
        own = sorted((a for a in articles if a.outlet == slug), key=lambda a: a.published)
        for article in own:
            target = folder / slug / article.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_page(article, name, layout, slug), encoding="utf-8")
        (folder / slug).mkdir(parents=True, exist_ok=True)
        (folder / slug / "robots.txt").write_text(ROBOTS_TXT)
        for start in range(0, max(1, len(own)), 200):
            feed = f"feed-{start // 200}.xml"
            (folder / slug / feed).write_text(_rss(name, slug, own[start : start + 200]),
                                              encoding="utf-8")
            feeds += ["[[feeds]]", f'url = "{{{{BASE:{slug}}}}}/{feed}"', f'name = "{name}"', ""]
    if real_pages:
        feeds += _real_pages_outlet(folder, real_pages)
    template = folder / "feeds.toml"
    template.write_text("\n".join(feeds), encoding="utf-8")
    return template, articles
