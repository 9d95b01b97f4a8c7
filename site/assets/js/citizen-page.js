// The unit's page (index.html) loads this one module: the join form and the waiting screen first, then
// the links to book and to write, the kiosk mode and the attendance by chat, in that order (imports run
// in the order written, as the page's separate module scripts did).
import "./citizen.js";
import "./citizen-extras.js";
import "./kiosk.js";
import "./citizen-chat.js";
