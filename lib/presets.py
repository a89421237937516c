"""Preset word lists with categories.

``course`` is the 20-word list of the course notebook (docs/method.md); the others
are lists a teacher would reach for, 10 to 60 words each.
"""

from __future__ import annotations

from .errors import InputError
from .words import WordList

__all__ = ["PRESETS", "TITLES", "preset", "preset_names"]

# name -> (title, {category: words})
_RAW: dict[str, tuple[str, dict[str, str]]] = {
    "course": (
        "Course: space, furniture, fruit (20)",
        {
            "space": "space spaceship planet moon star galaxy",
            "furniture": "chair table couch stool floor",
            "fruit": "apple banana pear kiwi orange peach watermelon starfruit date",
        },
    ),
    "animals": (
        "Animals: mammals, birds, fish, insects (32)",
        {
            "mammal": "dog cat horse cow sheep pig lion tiger elephant bear wolf rabbit",
            "bird": "eagle sparrow owl parrot pigeon penguin duck",
            "fish": "salmon trout shark tuna cod",
            "insect": "ant bee butterfly mosquito beetle spider fly wasp",
        },
    ),
    "colours": (
        "Colours (16)",
        {
            "colour": "red blue green yellow orange purple pink brown black white "
            "grey violet crimson turquoise beige maroon",
        },
    ),
    "numbers": (
        "Numbers: cardinal and ordinal (20)",
        {
            "cardinal": "one two three four five six seven eight nine ten",
            "ordinal": "first second third fourth fifth sixth seventh eighth ninth tenth",
        },
    ),
    "countries": (
        "Countries and capitals (30)",
        {
            "country": "france germany italy spain japan china russia egypt brazil "
            "canada kenya india peru greece sweden",
            "capital": "paris berlin rome madrid tokyo beijing moscow cairo brasilia "
            "ottawa nairobi delhi lima athens stockholm",
        },
    ),
    "physics": (
        "Physics: particles, forces, quantities (24)",
        {
            "particle": "electron proton neutron photon quark neutrino atom",
            "force": "gravity magnetism electromagnetism friction",
            "quantity": "energy mass velocity momentum acceleration temperature "
            "pressure charge voltage wavelength frequency entropy density",
        },
    ),
    "networking": (
        "Computer networking (24)",
        {
            "hardware": "router switch modem cable ethernet wireless server firewall",
            "protocol": "tcp ip http dns udp ssl ftp smtp",
            "concept": "packet bandwidth latency address port protocol network internet",
        },
    ),
    "emotions": (
        "Emotions: positive and negative (20)",
        {
            "positive": "joy happiness love delight pride hope gratitude excitement calm relief",
            "negative": "anger fear sadness disgust shame guilt anxiety jealousy grief boredom",
        },
    ),
    "family": (
        "Family (20)",
        {
            "female": "mother daughter sister grandmother aunt niece wife",
            "male": "father son brother grandfather uncle nephew husband",
            "group": "family parents children relatives twins cousin",
        },
    ),
    "verbs": (
        "Verbs: motion, speech, thought (30)",
        {
            "motion": "run walk jump swim climb crawl fly drive ride sprint",
            "speech": "say tell speak shout whisper ask answer reply explain argue",
            "thought": "think believe know remember forget imagine decide wonder doubt understand",
        },
    ),
}


def _build(raw: dict[str, str]) -> WordList:
    words, cats = [], []
    for cat, text in raw.items():
        for w in text.split():
            words.append(w)
            cats.append(cat)
    return WordList(tuple(words), tuple(cats))


PRESETS: dict[str, WordList] = {name: _build(raw) for name, (_, raw) in _RAW.items()}
TITLES: dict[str, str] = {name: title for name, (title, _) in _RAW.items()}


def preset_names() -> list[str]:
    """Names of the presets, the course list first."""
    return list(PRESETS)


def preset(name: str) -> WordList:
    """Return the preset word list ``name``."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}") from None
