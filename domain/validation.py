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
            fields={"processNumber": "os dígitos verificadores não conferem; confira o número"},
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


def clean_text(raw: str, *, field: str, label: str, max_len: int, required: bool) -> str:
    """Trim, collapse whitespace, drop control characters; refuse empty (if required) or too long."""
    text = "".join(ch for ch in (raw or "") if unicodedata.category(ch)[0] != "C" or ch in "\n")
    text = re.sub(r"[ \t\r\f\v]+", " ", text).strip()
    if required and not text:
        raise InvalidInputError(f"Informe {label}.", fields={field: "campo obrigatório"})
    if len(text) > max_len:
        raise InvalidInputError(
            f"{label[0].upper()}{label[1:]} é longo demais.",
            fields={field: f"no máximo {max_len} caracteres"},
        )
    return text


def person_fingerprint(name: str, role: str, oab: str = "") -> str:
    """A stable text for "the same person" (accents, case and spacing ignored); hashed by the caller."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[^a-z0-9]+", " ", folded).strip()
    return f"{folded}|{role}|{oab}"
