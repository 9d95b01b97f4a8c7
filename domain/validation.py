"""Validation of what a citizen types when joining: CNJ process number, OAB registration, names.

CNJ unified process number (Res. CNJ 65/2008): NNNNNNN-DD.AAAA.J.TR.OOOO, where DD are check digits
by ISO 7064 MOD 97-10 over NNNNNNN AAAA J TR OOOO 00.
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import InvalidInputError

_CNJ = re.compile(r"^(\d{7})-?(\d{2})\.?(\d{4})\.?(\d)\.?(\d{2})\.?(\d{4})$")
UFS = frozenset({
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
})  # fmt: skip
_OAB = re.compile(r"^\d{1,6}[A-Z]?$")


def cnj_check_digits(sequence: str, year: str, segment: str, court: str, origin: str) -> str:
    """The two check digits of a CNJ number (ISO 7064 MOD 97-10)."""
    remainder = int(f"{sequence}{year}{segment}{court}{origin}00") % 97
    return f"{98 - remainder:02d}"


def normalize_process_number(raw: str) -> str:
    """Return the CNJ number in its canonical form or raise InvalidInputError."""
    text = re.sub(r"\s", "", raw or "")
    match = _CNJ.match(text)
    if not match:
        raise InvalidInputError(
            "Número de processo inválido.",
            fields={"processNumber": "use o formato NNNNNNN-DD.AAAA.J.TR.OOOO (20 dígitos)"},
        )
    seq, dd, year, seg, tr, origin = match.groups()
    if cnj_check_digits(seq, year, seg, tr, origin) != dd:
        raise InvalidInputError(
            "Número de processo inválido.",
            fields={
                "processNumber": "os dígitos verificadores (os 2 números depois do traço) não conferem; "
                "confira o número"
            },
        )
    return f"{seq}-{dd}.{year}.{seg}.{tr}.{origin}"


def normalize_oab(number: str, uf: str) -> tuple[str, str]:
    num = re.sub(r"[\s.]", "", number or "").upper()
    state = (uf or "").strip().upper()
    problems: dict[str, str] = {}
    if not _OAB.match(num):
        problems["oabNumber"] = "informe o número de inscrição na OAB (até 6 dígitos)"
    if state not in UFS:
        problems["oabState"] = "informe a UF da seccional da OAB"
    if problems:
        raise InvalidInputError("Inscrição na OAB inválida.", fields=problems)
    return num.lstrip("0") or "0", state


def normalize_text(raw: str) -> str:
    """NFKC (full-width `＜` is `<`), then control, format (zero-width, bidi) and other `C` characters
    removed: what the text rules (HTML, `data:` URIs) are checked against (issue 16)."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n")


def clean_text(raw: str, *, field: str, label: str, max_len: int, required: bool) -> str:
    """Normalise (`normalize_text`), trim, collapse whitespace; refuse empty (if required) or too long."""
    text = normalize_text(raw)
    text = re.sub(r"[ \t\r\f\v]+", " ", text).strip()
    if required and not text:
        raise InvalidInputError(f"Informe {label}.", fields={field: "campo obrigatório"})
    if len(text) > max_len:
        raise InvalidInputError(
            f"{label[0].upper()}{label[1:]} é longo demais.",
            fields={field: f"no máximo {max_len} caracteres"},
        )
    return text


# A few look-alikes of Latin letters, from Unicode TR39 (https://www.unicode.org/Public/security/latest/
# confusables.txt, the prototype of each: Cyrillic and Greek small letters that render like a, c, d, e,
# h, i, j, l, o, p, q, s, v, w, x, y). Applied after case folding, so capitals need no entries.
CONFUSABLES = str.maketrans(
    {
        "\u0430": "a",  # CYRILLIC SMALL LETTER A
        "\u0441": "c",  # CYRILLIC SMALL LETTER ES
        "\u0501": "d",  # CYRILLIC SMALL LETTER KOMI DE
        "\u0435": "e",  # CYRILLIC SMALL LETTER IE
        "\u04bb": "h",  # CYRILLIC SMALL LETTER SHHA
        "\u0456": "i",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
        "\u0458": "j",  # CYRILLIC SMALL LETTER JE
        "\u04cf": "l",  # CYRILLIC SMALL LETTER PALOCHKA
        "\u043e": "o",  # CYRILLIC SMALL LETTER O
        "\u0440": "p",  # CYRILLIC SMALL LETTER ER
        "\u051b": "q",  # CYRILLIC SMALL LETTER QA
        "\u0455": "s",  # CYRILLIC SMALL LETTER DZE
        "\u051d": "w",  # CYRILLIC SMALL LETTER WE
        "\u0445": "x",  # CYRILLIC SMALL LETTER HA
        "\u0443": "y",  # CYRILLIC SMALL LETTER U
        "\u03b1": "a",  # GREEK SMALL LETTER ALPHA
        "\u03f2": "c",  # GREEK LUNATE SIGMA SYMBOL
        "\u03b9": "i",  # GREEK SMALL LETTER IOTA
        "\u03bf": "o",  # GREEK SMALL LETTER OMICRON
        "\u03c1": "p",  # GREEK SMALL LETTER RHO
        "\u03bd": "v",  # GREEK SMALL LETTER NU
    }
)


def person_fingerprint(name: str, role: str, oab: str = "") -> str:
    """A stable text for "the same person" (issue 16): NFKC, accents dropped, case folded, then the
    look-alikes of `CONFUSABLES` mapped to their Latin letter (a skeleton, as TR39 does), and anything
    that is not a letter or digit a single space. Names in any script keep their letters, so two
    Cyrillic names stay two people, while `Marta Silvа` with a Cyrillic `а` is `Marta Silva`."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = unicodedata.normalize("NFKC", bare).casefold().translate(CONFUSABLES)
    folded = " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())
    return f"{folded}|{role}|{oab}"
