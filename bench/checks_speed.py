"""Checker speed, in process, and Microsoft Presidio's pattern recognizers on the same corpus.

Two corpora, each of MEGABYTES (default 20):

* realistic (the headline): generated social-media Finnish — municipal posts, customer
  comments and replies from sentence templates and a vocabulary written for this bench,
  with productive compounds and a few typos so the word caches meet new words as real text
  does. Personal data is rare: about 3 % of posts carry an identifier or a private name;
  about 12 % carry dates, times, prices, case numbers, URLs or hashtags.
* dense (worst case): the annotated posts of bench/data/checks_fi.jsonl repeated, shuffled,
  two to four per post — almost every post is full of numbers and hits.

For each: MB/s of the privacy scan (patterns + checksums) over the whole corpus, of
privacy including names (Voikko) and of the full check over its first SLOW_MB MB (4; the
dense corpus 2) so the default run stays within about three minutes, and p50/p95 of the
full check of one post of about 300 characters (cut at a word boundary).

Presidio: a throw-away venv in the temp dir (reused between runs while its version
matches) with presidio-analyzer pinned below; its predefined pattern recognizers for the
same kinds of data (e-mail, phone with region FI, IBAN, Finnish identity code) plus its
generic credit card, IP and URL recognizers run WITHOUT an NLP engine
(``recognizer.analyze(text, entities, nlp_artifacts=None)``) in a subprocess. Presidio is
slow, so it gets a sample of the same corpus (PRESIDIO_MB); MB/s is size over time either
way. No network to the package index: the line is skipped with a message.

Times are CPU time of the measuring process (``time.process_time``), ours and Presidio's
alike: on a shared machine wall-clock time also counts the other processes' turns.

Run: .venv/bin/python bench/checks_speed.py [MEGABYTES] [--no-presidio]
"""

import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from somevahti.checks import CheckContext, check  # noqa: E402
from somevahti.checks.checksums import (  # noqa: E402
    hetu_check_char,
    iban_check_digits,
    ytunnus_check_digit,
)
from somevahti.checks.privacy import scan, scan_many  # noqa: E402
from somevahti.checks.text import Document, wordset  # noqa: E402

DATA = Path(__file__).parent / "data" / "checks_fi.jsonl"

# --- realistic corpus: vocabulary and templates written for this bench -------------------
# Places as (nominative, genitive, inessive, illative, elative).
PLACES = [
    ("kirjasto", "kirjaston", "kirjastossa", "kirjastoon", "kirjastosta"),
    ("uimahalli", "uimahallin", "uimahallissa", "uimahalliin", "uimahallista"),
    ("terveysasema", "terveysaseman", "terveysasemalla", "terveysasemalle", "terveysasemalta"),
    ("päiväkoti", "päiväkodin", "päiväkodissa", "päiväkotiin", "päiväkodista"),
    ("jäähalli", "jäähallin", "jäähallissa", "jäähalliin", "jäähallista"),
    ("nuorisotila", "nuorisotilan", "nuorisotilassa", "nuorisotilaan", "nuorisotilasta"),
    ("kaupungintalo", "kaupungintalon", "kaupungintalolla", "kaupungintalolle",
     "kaupungintalolta"),
    ("museo", "museon", "museossa", "museoon", "museosta"),
    ("kansalaisopisto", "kansalaisopiston", "kansalaisopistossa", "kansalaisopistoon",
     "kansalaisopistosta"),
    ("asukaspuisto", "asukaspuiston", "asukaspuistossa", "asukaspuistoon", "asukaspuistosta"),
    ("kierrätyskeskus", "kierrätyskeskuksen", "kierrätyskeskuksessa", "kierrätyskeskukseen",
     "kierrätyskeskuksesta"),
    ("neuvola", "neuvolan", "neuvolassa", "neuvolaan", "neuvolasta"),
    ("uimaranta", "uimarannan", "uimarannalla", "uimarannalle", "uimarannalta"),
    ("liikuntahalli", "liikuntahallin", "liikuntahallissa", "liikuntahalliin",
     "liikuntahallista"),
    ("palvelupiste", "palvelupisteen", "palvelupisteessä", "palvelupisteeseen",
     "palvelupisteestä"),
]  # fmt: skip
AREAS = ["Keskustan", "Rantakylän", "Koivuniemen", "Kuusikon", "Pohjoisen", "Itäisen",
         "Vanhan", "Uuden", "Asemanseudun", "Satama-alueen"]  # fmt: skip
# Compounds are productive in Finnish: first parts x (nominative, stem) heads give thousands
# of word forms, so Voikko's caches meet new words as they would in real text.
FIRST = sorted(
    wordset(
        "kevät kesä syys talvi lumi katu puisto koulu kirjasto liikunta nuoriso perhe "
        "lasten seniori kulttuuri luonto metsä ranta järvi pyörä kävely asukas kylä "
        "kaupunki lähi ilta aamu viikonloppu joulu pääsiäis hiihto luistelu uinti "
        "taide musiikki teatteri tanssi ruoka kierrätys energia vesi jäte"
    )
)
HEADS = [("tapahtuma", "tapahtuma", "tapahtumaan"), ("kurssi", "kurssi", "kurssille"),
         ("ilta", "illa", "iltaan"), ("retki", "retke", "retkelle"), ("kerho", "kerho", "kerhoon"),
         ("päivä", "päivä", "päivään"), ("tori", "tori", "torille"),
         ("näyttely", "näyttely", "näyttelyyn"), ("konsertti", "konserti", "konserttiin"),
         ("remontti", "remonti", "remonttiin"), ("työmaa", "työmaa", "työmaalle"),
         ("kysely", "kysely", "kyselyyn"), ("leiri", "leiri", "leirille"),
         ("kahvila", "kahvila", "kahvilaan"), ("kilpailu", "kilpailu", "kilpailuun"),
         ("info", "info", "infoon"), ("suunnitelma", "suunnitelma", "suunnitelmaan"),
         ("hanke", "hankkee", "hankkeeseen"), ("palvelu", "palvelu", "palveluun"),
         ("reitti", "reiti", "reitille")]  # fmt: skip
WHEN = ["tänään", "huomenna", "ensi viikolla", "maanantaina", "tiistaina", "keskiviikkona",
        "torstaina", "perjantaina", "lauantaina", "viikonloppuna", "koko kesän",
        "syyslomalla", "joulun aikaan", "tämän viikon ajan", "illalla", "aamupäivällä"]  # fmt: skip
POST_TEMPLATES = [
    "{Place} on {state} {when}.",
    "{When} {place_in} järjestetään {compound}.",
    "Tervetuloa {compound_gen} avajaisiin {place_ill}!",
    "Kiitos kaikille, jotka kävivät {compound_in}!",
    "{Area} {place} on {state} {when}, koska siellä on {compound}.",
    "Muistathan, että {compound} alkaa {when}.",
    "Ilmoittautuminen {compound_ill} on auki {when}.",
    "{Compound} on {adj}, ja mukaan mahtuu vielä.",
    "Lue lisää {compound_el} verkkosivuiltamme.",
    "Kerro mielipiteesi {compound_el} {when}.",
    "{Area} {compound} siirtyy, koska sää on {adj_weather}.",
    "{Place_gen} aukioloajat muuttuvat {when}.",
    "Tule mukaan {compound_ill}, se on {adj}!",
]
COMMENT_TEMPLATES = [
    "Milloin {area_low} {place} avataan taas?",
    "Onpa hienoa, että {place} on taas auki!",
    "Miksi {place_in} ei ollut ketään {when}?",
    "Tosi kiva {compound}, kiitos järjestäjille.",
    "Voisiko {place_in} olla enemmän istumapaikkoja?",
    "Meidän perhe tulee ehdottomasti {compound_ill}.",
    "Harmi, että {compound} on juuri silloin kun olen töissä.",
    "Onko {place_in} esteetön sisäänkäynti?",
    "Lumityöt on tehty meidän kadulla todella hyvin, kiitos!",
    "Bussi oli taas myöhässä ja jäin odottamaan pakkaseen.",
    "Tämä on {adj} uutinen koko kylälle.",
    "Kuka vastaa {compound_gen} aikataulusta?",
]
REPLY_TEMPLATES = [
    "Kiitos palautteesta! Välitämme tiedon {place_gen} henkilökunnalle.",
    "Hei, kiitos kysymyksestä. {Compound} on maksuton ja avoin kaikille.",
    "Pahoittelemme viivettä. Asia korjataan {when}.",
    "Hyvä huomio! Tarkistamme asian ja palaamme siihen pian.",
]
STATES = ["auki", "suljettu", "avoinna tavallista pidempään", "kiinni huoltotöiden vuoksi",
          "avoinna normaalisti", "täynnä"]  # fmt: skip
ADJS = ["maksuton", "suosittu", "hauska", "uusi", "tärkeä", "rento", "perinteinen"]
WEATHER = ["sateinen", "myrskyinen", "liian kylmä", "liukas"]
# Rare items: non-personal numbers and links (about 12 % of posts) ...
PLAIN_EXTRAS = [
    lambda r: f"Tapahtuma alkaa klo {r.randint(8, 20)}.{r.choice(['00', '30'])}.",
    lambda r: f"Päivämäärä on {r.randint(1, 28)}.{r.randint(1, 12)}.2025.",
    lambda r: f"Lipun hinta on {r.randint(2, 40)},{r.choice(['00', '50'])} €.",
    lambda r: f"Lisätietoja: https://www.kunta.fi/{r.choice(FIRST)}/{r.randint(1, 999)}",
    lambda r: f"Lue lisää: kunta.fi/{r.choice(FIRST)}",
    lambda r: f"#{_compound(r)[0]} #kunta",
    lambda r: f"Asia on käsittelyssä, dnro {r.randint(100, 999)}/{r.randint(2020, 2025)}.",
    lambda r: f"Matkaa on {r.randint(2, 25)} km ja aikaa kuluu {r.randint(10, 90)} min.",
    lambda r: f"Kiitos @{r.choice(FIRST)}{r.randint(1, 99)} vinkistä!",
]
FIRST_NAMES = ["Matti", "Liisa", "Jukka", "Pirjo", "Timo", "Aino", "Mikael", "Sanna",
               "Heikki", "Riikka", "Oskari", "Emilia", "Ahmed", "Fatima"]  # fmt: skip
SURNAMES = ["Virtanen", "Korhonen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
            "Koskinen", "Heikkinen", "Järvinen", "Lehtonen", "Saarinen", "Salminen"]  # fmt: skip
ABLATIVES = ["Virtaselta", "Korhoselta", "Mäkelältä", "Laineelta", "Lehtoselta"]


def _hetu(r: random.Random) -> str:
    d, m, y, n = r.randint(1, 28), r.randint(1, 12), r.randint(0, 99), r.randint(2, 899)
    nine = f"{d:02d}{m:02d}{y:02d}{n:03d}"
    return f"{nine[:6]}{r.choice('-A')}{nine[6:]}{hetu_check_char(nine)}"


def _iban(r: random.Random) -> str:
    bban = "".join(str(r.randint(0, 9)) for _ in range(14))
    raw = "FI" + iban_check_digits("FI", bban) + bban
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _ytunnus(r: random.Random) -> str:
    while True:
        seven = "".join(str(r.randint(0, 9)) for _ in range(7))
        check_digit = ytunnus_check_digit(seven)
        if check_digit is not None:
            return f"{seven}-{check_digit}"


# ... and personal data (about 3 % of posts).
PERSONAL_EXTRAS = [
    lambda r: (
        f"Soittakaa minulle 04{r.randint(0, 6)} {r.randint(100, 999)} {r.randint(1000, 9999)}."
    ),
    lambda r: (
        f"Sähköpostini on {r.choice(FIRST_NAMES).lower()}.{r.choice(SURNAMES).lower()}@gmail.com."
    ),
    lambda r: f"Terveisin {r.choice(FIRST_NAMES)} {r.choice(SURNAMES)}",
    lambda r: f"Tyttäreni {r.choice(FIRST_NAMES)} unohti pipon sinne.",
    lambda r: f"Asun osoitteessa Koivukuja {r.randint(1, 40)} B {r.randint(1, 30)}.",
    lambda r: f"Henkilötunnukseni on {_hetu(r)}.",
    lambda r: f"Palautus tilille {_iban(r)}.",
    lambda r: f"Toiminimeni y-tunnus on {_ytunnus(r)}.",
    lambda r: f"Auto {r.choice(['ABC', 'KLM', 'XYZ'])}-{r.randint(1, 999)} oli taas invapaikalla.",
    lambda r: f"Kysykää {r.choice(ABLATIVES)}, hän tietää.",
]


def _compound(r: random.Random) -> tuple[str, str, str]:
    """(nominative, stem, illative); a hyphen where the same vowel meets (musiikki-ilta)."""
    first = r.choice(FIRST)
    head, stem, illative = r.choice(HEADS)
    if first[-1] == head[0]:
        first += "-"
    return first + head, first + stem, first + illative


KEYS = "qwertyuiopåasdfghjklöäzxcvbnm"


def _typo(r: random.Random, word: str) -> str:
    """One slip of the fingers: swapped, dropped, doubled or neighbouring-key letter."""
    if len(word) < 5 or not word.isalpha():
        return word
    i = r.randrange(1, len(word) - 2)
    kind = r.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[: i + 1] + word[i:]
    k = KEYS.find(word[i].lower())
    near = KEYS[k + 1] if 0 <= k < len(KEYS) - 1 else "e"
    return word[:i] + near + word[i + 1 :]


def _sentence(r: random.Random, templates: list[str]) -> str:
    place = r.choice(PLACES)
    comp, stem, illative = _compound(r)
    back = any(c in stem.split("-")[-1] for c in "aou")
    values = {
        "place": place[0], "place_gen": place[1], "place_in": place[2], "place_ill": place[3],
        "compound": comp, "compound_gen": stem + "n", "compound_in": stem + "ss" + "aä"[not back],
        "compound_ill": illative,
        "compound_el": stem + "st" + "aä"[not back], "when": r.choice(WHEN),
        "state": r.choice(STATES), "adj": r.choice(ADJS), "adj_weather": r.choice(WEATHER),
        "area_low": r.choice(AREAS).lower(),
    }  # fmt: skip
    for key in ("place", "place_gen", "compound", "when"):
        values[key.capitalize()] = values[key][:1].upper() + values[key][1:]
    values["Area"] = r.choice(AREAS)
    sentence = r.choice(templates).format(**values)
    if r.random() < 0.04:  # a typo in one word of about every 25th sentence
        words = sentence.split(" ")
        k = r.randrange(len(words))
        words[k] = _typo(r, words[k])
        sentence = " ".join(words)
    return sentence


def realistic_corpus(megabytes: float, seed: int) -> list[str]:
    """Posts (1–6 sentences), comments and replies (1–3); personal data in about 3 %."""
    r = random.Random(seed)
    posts: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        kind = r.random()
        if kind < 0.35:
            text = " ".join(_sentence(r, POST_TEMPLATES) for _ in range(r.randint(1, 6)))
        elif kind < 0.85:
            text = " ".join(_sentence(r, COMMENT_TEMPLATES) for _ in range(r.randint(1, 3)))
        else:
            text = " ".join(_sentence(r, REPLY_TEMPLATES) for _ in range(r.randint(1, 3)))
        roll = r.random()
        if roll < 0.03:
            text += " " + r.choice(PERSONAL_EXTRAS)(r)
        elif roll < 0.15:
            text += " " + r.choice(PLAIN_EXTRAS)(r)
        posts.append(text)
        size += len(text.encode())
    return posts


def dense_corpus(megabytes: float, seed: int) -> list[str]:
    """The annotated posts, two to four per post, with a serial number (worst case)."""
    texts = [json.loads(line)["text"] for line in DATA.open(encoding="utf-8")]
    rng = random.Random(seed)
    posts: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        post = " ".join(rng.choice(texts) for _ in range(rng.randint(2, 4))) + f" #{len(posts)}"
        posts.append(post)
        size += len(post.encode())
    return posts


# --- measuring ------------------------------------------------------------------------------
PRESIDIO_VERSION = "2.2.366"
PRESIDIO_MB = 2.0
SLOW_MB = 4.0  # names and the full check run on this much of each corpus (dense: half)
PRESIDIO_CHILD = r"""
import json, sys, time
import tldextract
# The e-mail recognizer validates with tldextract, which would fetch the public suffix list
# from the internet; the bundled snapshot is the same work without the network.
tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer, EmailRecognizer, FiPersonalIdentityCodeRecognizer, IbanRecognizer,
    IpRecognizer, PhoneRecognizer, UrlRecognizer)
recognizers = [EmailRecognizer(), PhoneRecognizer(supported_regions=("FI",)), IbanRecognizer(),
               FiPersonalIdentityCodeRecognizer(), CreditCardRecognizer(), IpRecognizer(),
               UrlRecognizer()]
posts = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
for r in recognizers:  # warm up (compiles patterns)
    r.analyze(posts[0], r.supported_entities, None)
hits = 0
started = time.process_time()
for post in posts:
    for r in recognizers:
        hits += len(r.analyze(post, r.supported_entities, None))
elapsed = time.process_time() - started
size = sum(len(p.encode()) for p in posts)
print(json.dumps({"seconds": elapsed, "bytes": size, "hits": hits,
                  "recognizers": [type(r).__name__ for r in recognizers]}))
"""


def mb(posts: list[str]) -> float:
    return sum(len(p.encode()) for p in posts) / 1_000_000


def timed(posts: list[str], fn: Callable[[str], int]) -> tuple[float, int]:
    started = time.process_time()
    count = sum(fn(p) for p in posts)
    return mb(posts) / (time.process_time() - started), count


def posts_of_300(posts: list[str], n: int, seed: int) -> list[str]:
    """n texts of about 300 characters from consecutive posts, cut at the last space before
    300 (a post ends with a whole word; a word cut in half would be a spelling error)."""
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        i = rng.randrange(len(posts))
        text = ""
        while len(text) < 300:
            text += posts[i % len(posts)] + "\n\n"
            i += 1
        cut = text.rfind(" ", 0, 301)
        out.append(text[: cut if cut > 200 else 300].rstrip())
    return out


def measure(label: str, posts: list[str], slow_mb: float) -> tuple[float, float]:
    """Print the figures for one corpus; the slower lines run on its first ``slow_mb`` MB."""
    head = []
    size = 0.0
    for post in posts:
        if size >= slow_mb:
            break
        head.append(post)
        size += len(post.encode()) / 1_000_000
    print(f"\n{label}: {len(posts)} posts, {mb(posts):.1f} MB")
    privacy = CheckContext.build(categories={"privacy"})
    full = CheckContext.build(channel="x", media=[{"type": "image", "alt": "Kuva"}])
    scan_rate, hits = timed(posts, lambda p: sum(1 for _ in scan(Document(p), privacy)))
    print(f"  privacy scan (patterns + checksums): {scan_rate:8.1f} MB/s  ({hits} hits)")
    started = time.process_time()
    batch_hits = sum(len(h) for h in scan_many(posts, privacy))
    batch_rate = mb(posts) / (time.process_time() - started)
    print(f"  privacy scan, batch (scan_many):     {batch_rate:8.1f} MB/s  ({batch_hits} hits)")
    part = "" if len(head) == len(posts) else f", first {mb(head):.1f} MB"
    rate, found = timed(head, lambda p: len(check(p, privacy)))
    print(f"  privacy incl. names (Voikko):        {rate:8.1f} MB/s  ({found} findings{part})")
    rate, found = timed(head, lambda p: len(check(p, full)))
    print(f"  full check (all rules):              {rate:8.1f} MB/s  ({found} findings{part})")
    times = []
    for post in posts_of_300(posts, 3000, 7):
        t0 = time.process_time()
        check(post, full)
        times.append((time.process_time() - t0) * 1000)
    cuts = statistics.quantiles(times, n=100)
    print(f"  full check of a ~300-char post:      p50 {cuts[49]:.3f} ms, p95 {cuts[94]:.3f} ms")
    return scan_rate, batch_rate


def presidio_python() -> Path | None:
    """The venv's python with presidio-analyzer installed, or None (reason printed)."""
    venv = Path(tempfile.gettempdir()) / f"somevahti-bench-presidio-{PRESIDIO_VERSION}"
    python = venv / "bin" / "python"
    if (venv / ".installed").exists():
        return python
    print(f"  installing presidio-analyzer=={PRESIDIO_VERSION} into {venv} (about a minute)")
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             f"presidio-analyzer=={PRESIDIO_VERSION}"],
            check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        print("  SKIPPED: could not install presidio-analyzer (no network to the package index?)")
        print("  " + (detail.strip().splitlines() or [""])[-1][:200])
        return None
    (venv / ".installed").touch()
    return python


def presidio(label: str, posts: list[str], ours: tuple[float, float]) -> None:
    python = presidio_python()
    if python is None:
        return
    sample = []
    size = 0.0
    for post in posts:  # the corpus is shuffled already: its head is a fair sample
        if size >= PRESIDIO_MB:
            break
        sample.append(post)
        size += len(post.encode()) / 1_000_000
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
        f.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in sample)
    try:
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        done = subprocess.run(  # noqa: S603
            [str(python), "-c", PRESIDIO_CHILD, f.name],
            capture_output=True, text=True, timeout=900, env=env, check=False,
        )  # fmt: skip
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        print("  SKIPPED: Presidio failed: " + (done.stderr.strip().splitlines() or ["?"])[-1])
        return
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rate = result["bytes"] / 1_000_000 / result["seconds"]
    print(
        f"  Presidio {PRESIDIO_VERSION} pattern-only on {label} ({size:.1f} MB sample): "
        f"{rate:.2f} MB/s ({result['hits']} hits); our privacy scan is {ours[0] / rate:.0f}x "
        f"faster one call per post, {ours[1] / rate:.0f}x in batch (scan_many)"
    )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    megabytes = float(args[0]) if args else 20.0
    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}")
    realistic = realistic_corpus(megabytes, seed=11)
    dense = dense_corpus(megabytes, seed=4)
    # The whole corpus for the privacy scan; Voikko-bound lines on a slice (time budget).
    slow_mb = min(megabytes, SLOW_MB)
    ours_realistic = measure("realistic corpus (personal data rare)", realistic, slow_mb)
    ours_dense = measure("dense corpus (annotated sets repeated, worst case)", dense, slow_mb / 2)
    if "--no-presidio" in sys.argv:
        return
    print("\nPresidio (recognizers: e-mail, phone FI, IBAN, FI identity code, card, IP, URL)")
    presidio("realistic corpus", realistic, ours_realistic)
    presidio("dense corpus", dense, ours_dense)


if __name__ == "__main__":
    main()
