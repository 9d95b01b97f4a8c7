"""What every channel tells a citizen about their personal data (issue 16, observation 7): the legal
basis and who answers for the data, from the court's configuration.

A court treats the data of people it serves to carry out a public service, not because they agreed: the
legal basis is LGPD (Lei nº 13.709/2018) art. 7 III and art. 23, so joining, booking and writing never
depend on ticking a consent box. Art. 23 I and art. 41 §1 ask the controller to say so and to publish the
identity and contact of its data protection officer (encarregado), which each court declares in the
configuration (`privacy` of each court, domain/config.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import Court

LEGAL_BASIS = (
    "Seus dados pessoais são usados para prestar o serviço público de atendimento da Justiça, como "
    "permite a Lei Geral de Proteção de Dados (Lei nº 13.709/2018, art. 7º, inciso III, e art. 23). "
    "Por isso você não precisa marcar que concorda. Usamos só o necessário para o atendimento, e os "
    "dados são apagados depois do prazo de guarda."
)


@dataclass(frozen=True)
class Encarregado:
    """The court's data protection officer (LGPD art. 41): who to ask about one's data."""

    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class PrivacyNotice:
    legal_basis: str
    controller: str  # the court, as the controller of the data (LGPD art. 5 VI)
    encarregado: Encarregado


def notice_of(court: Court) -> PrivacyNotice:
    officer = court.privacy.encarregado
    return PrivacyNotice(
        LEGAL_BASIS,
        court.privacy.controller or court.name,
        Encarregado(officer.name, officer.email, officer.phone),
    )
