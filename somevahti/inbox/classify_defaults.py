"""Starting rules for a new organisation: Finnish first, with Swedish and English words for
the main classes. Weights say how strongly one match counts: words that only ever mean one
thing ("tietopyyntö", a news outlet's domain) weigh more than words with everyday meanings
("lehti" is also a leaf, "juttu" also a thing)."""

from __future__ import annotations

from typing import Any

# (class, kind, pattern, weight)
Default = tuple[str, str, str, int]


def _words(klass: str, kind: str, weight: int, words: str) -> list[Default]:
    return [(klass, kind, w, weight) for w in words.split()]


DEFAULT_RULES: list[Default] = [
    # Media inquiries: who asks (journalists, newsrooms) and what they ask for.
    *_words(
        "media",
        "keyword",
        2,
        "toimittaja haastattelu haastatella lehdistö journalist reporter intervju intervjua",
    ),
    *_words("media", "keyword", 2, "interview"),
    *_words("media", "keyword", 1, "lehti uutinen juttu toimitus redaktion tidning nyhet"),
    *_words(
        "media",
        "domain",
        3,
        "yle.fi svenska.yle.fi hs.fi mtv.fi mtvuutiset.fi is.fi iltalehti.fi hbl.fi stt.fi "
        "aamulehti.fi kauppalehti.fi",
    ),
    # Official matters that belong to the registry office.
    *_words("official", "keyword", 3, "tietopyyntö asiakirjapyyntö oikaisuvaatimus kantelu"),
    *_words("official", "keyword", 3, "rättelseyrkande"),
    *_words("official", "keyword", 2, "valitus kirjaamo hakemus begäran klagomål besvär"),
    *_words("official", "keyword", 2, "registratur ansökan complaint"),
    # Crisis signals: one such word is enough.
    *_words(
        "crisis",
        "keyword",
        3,
        "tulipalo onnettomuus vaara evakuointi myrkytys vesikatko sähkökatko kadonnut",
    ),
    *_words(
        "crisis",
        "keyword",
        3,
        "brand olycka fara evakuering förgiftning vattenavbrott strömavbrott försvunnen",
    ),
    *_words("crisis", "keyword", 3, "accident evacuation"),
    # Negative feedback: strong words weigh more than mild ones.
    *_words("negative", "sentiment", 2, "surkea pettynyt skandaali häpeä törkeä"),
    *_words("negative", "sentiment", 2, "usel besviken skandal skam terrible disappointed"),
    *_words("negative", "sentiment", 1, "huono valitettava kurja dålig"),
    # Feedback and questions.
    *_words("feedback", "keyword", 1, "palaute kiitos ehdotus toive tack förslag feedback"),
    *_words("question", "keyword", 1, "milloin miksi miten missä kuinka varför hur"),
    # Spam.
    *_words("spam", "keyword", 2, "voitit klikkaa bitcoin"),
    *_words("spam", "keyword", 1, "arvonta"),
]

# Many messages on one topic within an hour: a possible crisis. "classes" also counts a run
# of messages of one class (negative feedback) even when they share no word.
DEFAULT_SPIKE: dict[str, Any] = {"minutes": 60, "items": 10, "classes": ["negative"]}
