"""Where a unit is, in the words a citizen searches with: the states (UF) by name, and the search text of a
unit (its name, section, category, city, state's code and name, court's id and name), folded so that
"acre", "Acre" and "ACRE" — or "amapa" and "Amapá" — find the same units."""

from __future__ import annotations

import unicodedata

STATES = {
    "AC": "Acre", "AL": "Alagoas", "AP": "Amapá", "AM": "Amazonas", "BA": "Bahia", "CE": "Ceará",
    "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás", "MA": "Maranhão", "MT": "Mato Grosso",
    "MS": "Mato Grosso do Sul", "MG": "Minas Gerais", "PA": "Pará", "PB": "Paraíba", "PR": "Paraná",
    "PE": "Pernambuco", "PI": "Piauí", "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte",
    "RS": "Rio Grande do Sul", "RO": "Rondônia", "RR": "Roraima", "SC": "Santa Catarina", "SP": "São Paulo",
    "SE": "Sergipe", "TO": "Tocantins",
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text(*parts: str, state: str = "") -> str:
    """The folded text a search looks in: the parts given, and the state's code and name."""
    return fold(" ".join([*parts, state, STATES.get(state, "")]))


def matches(query: str, text: str) -> bool:
    """Every word of the query is somewhere in the (folded) text."""
    return all(word in text for word in fold(query).split())
