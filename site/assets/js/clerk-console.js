// The clerk console (servidor.html) loads this one module: the queue and its actions first, then the
// agenda (invitations, follow-ups, appointments, messages) and the attendance by chat, which follow the
// queue's `balcao:fila` events (imports run in the order written).
import "./clerk.js";
import "./clerk-agenda.js";
import "./clerk-chat.js";
