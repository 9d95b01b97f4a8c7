"""Errors of the domain, each with a pt-BR message a citizen or clerk can read.

    DomainError                      base; `message` is user-facing pt-BR, `code` is a stable slug
    ├── InvalidInputError            bad request data (`fields` maps a field to its problem)
    ├── NotFoundError
    │   ├── UnitNotFoundError
    │   └── TicketNotFoundError
    ├── UnitClosedError              joining outside opening hours (carries the next opening)
    ├── QueueFullError               the unit's cap on people waiting is reached
    ├── AlreadyInQueueError          one active ticket per person per unit
    ├── InvalidTransitionError       the ticket's state does not allow the action
    │   └── SlotUnavailableError     the appointment slot is full, past or not on the unit's agenda
    ├── NothingToCallError           call next on an empty line
    ├── ConflictError                the thing was already done (survey answered twice, ...)
    ├── ConcurrentUpdateError        optimistic concurrency lost (stale ETag); callers retry
    ├── UnauthenticatedError         no or bad credentials (token, principal)
    ├── ForbiddenError               authenticated but not allowed
    ├── RateLimitedError             too many requests (carries retry_after seconds)
    ├── ProofRequiredError           a proof of work is required, or the one sent is not valid
    └── ProviderError                a meeting or notification provider failed
        ├── TransientProviderError   ... and may succeed if retried
        └── ContactGoneError         a citizen's contact no longer answers (Web Push 404/410)

Adapters translate their SDK errors into these (`raise ... from exc`); `functions/http_errors.py` holds
the one table that maps them to HTTP statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class DomainError(Exception):
    code = "erro"
    default_message = "Não foi possível concluir a operação."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = dict(details)
        super().__init__(self.message)


class InvalidInputError(DomainError):
    code = "dados-invalidos"
    default_message = "Os dados enviados são inválidos."

    def __init__(self, message: str | None = None, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


class NotFoundError(DomainError):
    code = "nao-encontrado"
    default_message = "Recurso não encontrado."


class UnitNotFoundError(NotFoundError):
    code = "unidade-nao-encontrada"
    default_message = "Unidade não encontrada."


class TicketNotFoundError(NotFoundError):
    code = "senha-nao-encontrada"
    default_message = "Senha não encontrada."


class UnitClosedError(DomainError):
    code = "unidade-fechada"
    default_message = "A unidade está fechada agora."

    def __init__(
        self,
        message: str | None = None,
        next_opening: datetime | None = None,
        alternatives: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.next_opening = next_opening
        self.alternatives = list(alternatives or [])


class QueueFullError(DomainError):
    code = "fila-cheia"
    default_message = "A fila desta unidade está cheia no momento. Tente novamente mais tarde."


class AlreadyInQueueError(DomainError):
    code = "ja-na-fila"
    default_message = "Você já tem uma senha ativa nesta unidade."


class InvalidTransitionError(DomainError):
    code = "transicao-invalida"
    default_message = "A senha não está em um estado que permita esta ação."


class SlotUnavailableError(InvalidTransitionError):
    code = "horario-indisponivel"
    default_message = "Este horário não está mais disponível. Escolha outro."


class NothingToCallError(DomainError):
    code = "fila-vazia"
    default_message = "Não há ninguém aguardando na fila."


class ConflictError(DomainError):
    code = "conflito"
    default_message = "Esta operação já foi realizada."


class ConcurrentUpdateError(DomainError):
    code = "atualizacao-concorrente"
    default_message = "Outra pessoa alterou estes dados ao mesmo tempo. Tente novamente."


class UnauthenticatedError(DomainError):
    code = "nao-autenticado"
    default_message = "Credenciais ausentes ou inválidas."


class ForbiddenError(DomainError):
    code = "acesso-negado"
    default_message = "Você não tem permissão para esta ação."


class RateLimitedError(DomainError):
    code = "muitas-requisicoes"
    default_message = "Muitas requisições. Aguarde um pouco e tente novamente."

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProofRequiredError(DomainError):
    """A join or booking must carry a solved challenge (functions/proof.py); `challenge` is where to get
    one."""

    code = "verificacao-necessaria"
    default_message = "Confirme que você não é um robô e envie de novo."

    def __init__(self, message: str | None = None, challenge: str = "") -> None:
        super().__init__(message)
        self.challenge = challenge


class ProviderError(DomainError):
    code = "falha-no-provedor"
    default_message = "O serviço externo falhou."


IN_FLIGHT = "in_flight"  # a TransientProviderError's reason: another worker is doing it now


class TransientProviderError(ProviderError):
    code = "falha-temporaria-no-provedor"
    default_message = "O serviço externo está indisponível no momento."


class ContactGoneError(ProviderError):
    code = "contato-indisponivel"
    default_message = "Não conseguimos mais avisar você por este canal."
