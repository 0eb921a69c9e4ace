"""Person names (Voikko morphology + context) and special categories near them."""

import re
from dataclasses import dataclass
from functools import lru_cache

from somevahti.checks import voikko
from somevahti.checks.findings import CheckContext
from somevahti.checks.places import PLACES
from somevahti.checks.text import Document, Token, wordset

INTERNAL_CASES = frozenset({"sisaolento", "sisaeronto", "sisatulento"})
EXTERNAL_CASES = frozenset({"ulkoolento", "ulkoeronto", "ulkotulento"})
NAME_CLASSES = frozenset({"etunimi", "sukunimi", "paikannimi", "nimi"})

GREETINGS = wordset(
    "hei moi moikka heippa terve tervehdys hyvä kiitos kiitokset huomenta päivää iltaa "
    "hello hi hej tack terveisin t rakas onnea onnittelut"
)
PRIVATE_TITLES = wordset(
    "rouva rouvan rouvalle herra herran herralle neiti asiakas asiakkaamme asiakkaan asukas "
    "asukkaan potilas potilaan oppilas oppilaan lapsi lapsen lapselle poika pojan poikamme "
    "tyttö tytön tytär tyttären tyttäremme äiti äidin isä isän mummo mummon vaari pappa "
    "naapuri naapurin opiskelija vauva vauvan mieheni vaimoni puolisoni ystäväni kaverini "
    "veljeni siskoni sisareni poikani tyttäreni lapseni serkku setä täti eno"
)
OFFICIAL_SUFFIXES = (
    "johtaja", "päällikkö", "pormestari", "valtuutettu", "ministeri", "kansanedustaja",
    "rehtori", "asiantuntija", "koordinaattori", "tiedottaja", "sihteeri", "esihenkilö",
    "kirjastonhoitaja", "suunnittelija", "insinööri", "arkkitehti", "vastaava", "virkailija",
    "neuvoja", "ohjaaja", "puheenjohtaja", "lautakunta", "valtuusto", "piispa", "presidentti",
    "toimittaja", "kirjailija", "taiteilija", "säveltäjä", "professori", "tutkija", "opettaja",
)  # fmt: skip
RARE_CASES = frozenset({"vajanto", "keinonto", "seuranto", "olento"})
COMPANY_MARKERS = wordset("oy oyj ab ky ay ry rf ltd inc gmbh")
SIGNOFFS = wordset("terveisin t ystävällisin parhain yst terv")
# Well-known public figures (base forms); private-person rules do not apply to them.
PUBLIC_FIGURES = frozenset(
    line.strip()
    for line in """
    aleksis kivi|tove jansson|jean sibelius|elias lönnrot|johan ludvig runeberg|minna canth
    eino leino|mika waltari|väinö linna|urho kekkonen|alvar aalto|helene schjerfbeck
    akseli gallen-kallela|albert edelfelt|paavo nurmi|lasse virén|tarja halonen
    sauli niinistö|alexander stubb|martti ahtisaari|mauno koivisto|zacharias topelius
    juhani aho|sibelius|runeberg|lönnrot|mannerheim|kekkonen|topelius|snellman|schjerfbeck
    """.replace("\n", "|").split("|")
    if line.strip()
)
INSTITUTIONS = wordset(
    """koulu koulun koulua koululla koulussa päiväkoti päiväkodin kauppa kaupan kaupassa tila
    tilan tilalla tilalle talo talon talossa kioski kioskin puisto puiston kartano kartanon
    halli hallin sali salin kenttä kentän silta sillan aukio aukion tie tien katu kadun
    juhla juhlat juhlaan apteekki apteekin leipomo leipomon paja pajan mylly myllyn"""
)
NOT_SURNAMES = wordset(
    "kiitos hei ja tai sekä mutta kun että kaupunki kunta oy ab ry kirjasto koulu "
    "päiväkoti sairaala terveysasema ma ti ke to pe la su"
)

SENSITIVE_RE = re.compile(
    r"(?<!\w)(?:lastensuojel|huostaan|huostaanot|sijaisperhe|sijoitettu|sijoitus(?:paik|kod)"
    r"|toimeentulotu|toimeentulotuk|perustoimeentulo|sosiaalitu|sossu|velkajärjest|ulosot"
    r"|masennu|masentun|mielenterv|psykiatr|psykoosi|skitsofren|kaksisuuntai|itsetuho"
    r"|syöpä|syöv|diabete|dementi|muistisairau|alzheimer|epilepsi|hiv|aids|raskaan"
    r"|raskaus|keskenmen|abort|päihde|päihte|alkoholis|huume|katkaisuhoi|kehitysvam"
    r"|vammai|diagnoo|sairau|sairast|sairaslom|sairaalahoi|tehohoi|leikkaukse|lääkity"
    r"|autismi|adhd|romani|saamelai|maahanmuutt|pakolai|turvapaik|etni|rotu|muslim"
    r"|juutala|jehovan|lestadiola|helluntai|uskonno|uskonto|ateisti|homoseksu|lesbo"
    r"|transsukupuol|seksuaalinen suuntautu|ammattiliit|rikoks|rikolli|rikosilmoi|tuomittu"
    r"|tuomio|vankil|pidätet|pidätyk|epäil\w*\s+(?:rikok|varkau|pahoinpi)|pahoinpitel"
    r"|varkau|varasti|näpistä|rattijuopp|syyte|syytet|sakko|sakot|sakkoi|poliisi"
    r"|lähestymiskiel|perheväkival|väkivalt|kiusa|erityisen tuen|erityisluok|työtön|työttöm"
    r"|kehitysvamm|kuntoutu|vammaispalvel|omaishoi|kotihoi|sosiaalityönt|sairaal|dialyy"
    r"|hoitokoti|mielisairau|sijaishuol|päihdehuol|a-klinik)\w*(?:-\w+)*",
    re.IGNORECASE,
)


@dataclass(slots=True)
class NameSpan:
    start: int
    end: int
    bases: tuple[str, ...]
    official: bool = False
    signoff: bool = False


@lru_cache(maxsize=100_000)
def _info(word: str) -> tuple[frozenset[str], frozenset[str], str]:
    """Classes, lower-case base forms and the case of a word (hyphen parts analysed whole).

    Common-word readings in rare cases (abessive "marjatta") are ignored. Cached: the same
    capitalised words come back in post after post."""
    analyses = voikko.analyze(word)
    classes = frozenset(a[0] for a in analyses if a[0] in NAME_CLASSES or a[2] not in RARE_CASES)
    bases = frozenset(a[1].lower() for a in analyses if a[0] in NAME_CLASSES)
    case = next((a[2] for a in analyses if a[0] in NAME_CLASSES), "")
    if not case and analyses:
        case = analyses[0][2]
    return classes, bases or frozenset({word.lower()}), case


def _is_common(classes: frozenset[str]) -> bool:
    return bool(classes - NAME_CLASSES)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper() and len(word) > 1


def _prev_word(doc: Document, idx: int) -> str:
    if idx == 0:
        return ""
    prev = doc.words[idx - 1]
    gap = doc.text[prev.end : doc.words[idx].start]
    if any(c in gap for c in ".!?\n") or len(gap) > 3:
        return ""
    return prev.text.lower()


def _adjacent(doc: Document, a: Token, b: Token) -> bool:
    gap = doc.text[a.end : b.start]
    return gap in (" ", "\u00a0")


def _first_name(doc: Document, i: int, classes: frozenset[str], case: str, nxt: bool) -> bool:
    """Could word i start a name? ``nxt``: a capitalised word follows directly."""
    if "etunimi" not in classes:
        return False
    initial = doc.sentence_initial(doc.words[i].start)
    place = "paikannimi" in classes
    if place and not nxt:
        return False
    if not initial and not place:
        return True
    if not _is_common(classes) and not place:
        return True
    return nxt or doc.text[doc.words[i].end : doc.words[i].end + 1] == ","


def _surname_alone(
    doc: Document, i: int, classes: frozenset[str], bases: frozenset[str], case: str
) -> bool:
    if bases & PLACES:
        return False
    initial = doc.sentence_initial(doc.words[i].start)
    common = _is_common(classes)
    if "sukunimi" in classes:
        if case in INTERNAL_CASES and (common or "paikannimi" in classes):
            return False
        # -nen surnames (Koskinen, Lehtinen) are names even where an adjective reading exists.
        nen = case in ("nimento", "omanto") and any(b.endswith("nen") for b in bases)
        return not common or not initial or nen
    if classes == {"paikannimi"} and case not in INTERNAL_CASES:
        base = next(iter(bases))
        if base.endswith("nen"):
            return True
        if base.endswith(("la", "lä")) and case in EXTERNAL_CASES:
            return True
    return False


def _company_after(doc: Document, j: int) -> bool:
    """A company form after the name ("Rantanen Oy", "Tuominen & Rantanen Oy:lle")."""
    words = doc.words
    for k in range(j, min(j + 3, len(words))):
        word = words[k].text.lower()
        if word in COMPANY_MARKERS:
            return True
        if not words[k].text[:1].isupper():
            return False
    return False


def _institution_after(doc: Document, i: int) -> bool:
    """A genitive name followed by a place or business word ("Lahtisen koulu")."""
    words = doc.words
    if i + 1 >= len(words) or not _adjacent(doc, words[i], words[i + 1]):
        return False
    return _info(words[i].text)[2] == "omanto" and words[i + 1].text.lower() in INSTITUTIONS


def _coordinated(doc: Document, end: int, k: int) -> bool:
    """Word k follows a name as "Name ja Word" / "Name, Word" and could be a name too."""
    words = doc.words
    if k >= len(words) or not _capitalised(words[k].text):
        return False
    gap = doc.text[end : words[k].start]
    if gap.strip() not in (",", "ja", "sekä", "&"):
        return False
    nxt = words[k + 1] if k + 1 < len(words) else None
    if nxt is not None and _adjacent(doc, words[k], nxt) and _capitalised(nxt.text):
        return False  # a full name of its own: the main loop takes it
    classes, bases, _case = _info(words[k].text)
    if bases & PLACES or words[k].text.lower() in NOT_SURNAMES:
        return False
    return not classes or "etunimi" in classes or "sukunimi" in classes


def find_names(doc: Document) -> list[NameSpan]:
    words = doc.words
    spans: list[NameSpan] = []
    n = len(words)
    # Only capitalised words can start a name: jump from one to the next instead of walking
    # every word in Python. ``resume`` is where the previous name (or skip) left off.
    resume = 0
    for i in [k for k, w in enumerate(words) if w.text[:1].isupper()]:
        if i < resume:
            continue
        w = words[i]
        if not _capitalised(w.text) or w.text.lower() in NOT_SURNAMES:
            continue
        classes, bases, case = _info(w.text)
        prev = _prev_word(doc, i)
        titled = prev in PRIVATE_TITLES or prev in GREETINGS
        official = prev.endswith(OFFICIAL_SUFFIXES) if prev else False
        signoff = prev in SIGNOFFS or doc.text[max(0, w.start - 2) : w.start] in ("– ", "- ")
        # The run of directly following capitalised words (surname candidates).
        j = i + 1
        while (
            j < n
            and j - i < 4
            and _adjacent(doc, words[j - 1], words[j])
            and _capitalised(words[j].text)
            and words[j].text.lower() not in NOT_SURNAMES
        ):
            c2, b2, _case2 = _info(words[j].text)
            if c2 and c2 <= {"paikannimi"} and b2 & PLACES:
                break
            j += 1
        has_next = j > i + 1
        starts = _first_name(doc, i, classes, case, has_next)
        forced = (titled or official) and (bool(classes & NAME_CLASSES) or not classes)
        end_idx = -1
        if starts or (forced and has_next):
            end_idx = j - 1
        elif forced or _surname_alone(doc, i, classes, bases, case):
            end_idx = i
            # Surname first, as in speech: "Aaltosen Tiinan".
            if has_next and "etunimi" in _info(words[i + 1].text)[0]:
                end_idx = i + 1
        if end_idx < 0 or _company_after(doc, end_idx + 1):
            resume = j if starts else i + 1
            continue
        parts = tuple(min(_info(x.text)[1]) for x in words[i : end_idx + 1])
        if " ".join(parts) in PUBLIC_FIGURES or (len(parts) == 1 and parts[0] in PUBLIC_FIGURES):
            official = True  # a well-known public figure (authors, presidents...)
        if end_idx == i and not titled and _institution_after(doc, i):
            continue  # "Koskisen koulu", "Ilkan kioski": a name of a place or a business
        spans.append(NameSpan(w.start, words[end_idx].end, parts, official, signoff))
        resume = end_idx + 1
        # "Ahmed ja Fatima": a capitalised word joined to a name is a name as well.
        while True:
            k = resume + 1 if resume < n and words[resume].text in ("ja", "sekä") else resume
            if not _coordinated(doc, words[resume - 1].end, k):
                break
            base = min(_info(words[k].text)[1])
            spans.append(NameSpan(words[k].start, words[k].end, (base,)))
            resume = k + 1
    return spans


def is_staff(span: NameSpan, ctx: CheckContext) -> bool:
    if not ctx.staff_names:
        return False
    joined = " ".join(span.bases)
    if joined in ctx.staff_names:
        return True
    if len(span.bases) == 1:
        # A lone surname of a staff member, or their first name signing a reply.
        for staff in ctx.staff_names:
            parts = staff.split()
            if span.bases[0] == parts[-1] or (span.signoff and span.bases[0] == parts[0]):
                return True
    return False


def sensitive_terms(doc: Document) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in SENSITIVE_RE.finditer(doc.text)]
