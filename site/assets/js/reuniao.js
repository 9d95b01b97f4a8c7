// Simulated meeting room for the `local` provider: shows the ticket and the role from the URL (as text).
import "./shell.js";

const params = new URLSearchParams(window.location.search);
document.getElementById("senha").textContent = params.get("senha") || "—";
document.getElementById("papel").textContent = params.get("papel") === "servidor" ? "servidor(a)" : "cidadão(ã)";
