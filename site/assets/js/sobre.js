// The "Sobre" page (the Teams app's about tab, and its privacy and terms pages): text only; inside
// Teams it follows the Teams theme.
import "./shell.js";
import { startTeams } from "./teams.js";

startTeams();
