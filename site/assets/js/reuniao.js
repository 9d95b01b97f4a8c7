// Simulated meeting room for the `local` provider: shows the ticket and the role from the URL (as text).
// When the citizen who holds the ticket (this browser keeps its token: stored.js) is in the room, the
// page tells the Balcão Virtual every few seconds, so the clerk's console can say "a pessoa está na sala"
// — what a real video platform tells where it can (domain/usecases/rooms.py).
import "./shell.js";
import { api, apiPath, ticketAuth } from "./api.js";
import { storedTicket } from "./stored.js";

const HEARTBEAT_MS = 10000;

const params = new URLSearchParams(window.location.search);
const ticketId = params.get("senha") || "";
const clerk = params.get("papel") === "servidor";
document.getElementById("senha").textContent = ticketId || "—";
document.getElementById("papel").textContent = clerk ? "servidor(a)" : "cidadão(ã)";

const held = storedTicket();
if (!clerk && held && held.ticketId === ticketId && held.token) {
  const beat = () => api(`/tickets/${apiPath(ticketId)}/room`, {
    method: "POST", headers: ticketAuth(held.token),
  }).catch(() => {}); // the attendance may have ended: nothing to tell
  beat();
  window.setInterval(beat, HEARTBEAT_MS);
}
