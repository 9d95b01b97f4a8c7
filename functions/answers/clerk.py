"""Answers of the clerk console."""

from __future__ import annotations

from domain.usecases import (
    chat,
    clerk_actions,
    clerk_queue,
    colleagues,
    directory,
    favorites,
    rooms,
    unit_settings,
)
from functions.answers import answer_of

ClerkHome = answer_of(directory.StaffHome, "ClerkHome")
ClerkQueue = answer_of(clerk_queue.ClerkQueue)
CallAnswer = answer_of(clerk_actions.CallResult, "CallAnswer")
Colleagues = answer_of(colleagues.Colleagues)
Invitation = answer_of(colleagues.Invitation)
Chat = answer_of(chat.Chat, "ChatTranscript")
Favorites = answer_of(favorites.Favorites)
RoomAnswer = answer_of(rooms.RoomStatus, "RoomAnswer")
UnitSettings = answer_of(unit_settings.UnitSettings)
