// The keys of every player page (recording, clip, session): K or Space play and pause,
// J / L go 5 seconds back / forward, ? lists the keys in a dialog (Esc closes it and focus
// goes back where it was). feedback/keys.js adds the feedback form's keys, correction.js
// the transcript's. None of them fires while typing in a field.
import { isTyping, plain, spaceIsTheirs, taken } from "./keyboard.js";

const player = document.getElementById("player");
const dialog = document.getElementById("keys-help");
const button = document.getElementById("keys-button");
let returnTo = null;

function openHelp() {
  if (dialog.open) return;
  returnTo = document.activeElement;
  dialog.showModal();
}

function playOrPause() {
  if (player.paused) {
    player.play().catch(() => {
      /* refused (no user gesture, no source): stay paused */
    });
  } else {
    player.pause();
  }
}

function skip(seconds) {
  const end = player.duration || Infinity;
  player.currentTime = Math.min(Math.max(0, player.currentTime + seconds), end);
}

if (player && dialog && button) {
  button.hidden = false;
  button.addEventListener("click", openHelp);
  dialog.addEventListener("close", () => {
    const back = returnTo && returnTo.isConnected ? returnTo : button;
    returnTo = null;
    // Focus came from the page itself (nothing focused): give it back to the page, or the
    // closed dialog's button would keep it and the next K would go nowhere.
    if (back === document.body) document.activeElement.blur();
    else back.focus();
  });
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener("click", (e) => {
    if (e.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    if (!inside) dialog.close();
  });
  // Capture: these run before the transcript's own scrolling keys (follow.js) see Space.
  document.addEventListener("keydown", (e) => {
    if (taken(e) || !plain(e) || isTyping(e.target)) return;
    if (e.key === "?") {
      e.preventDefault();
      openHelp();
      return;
    }
    const key = e.key.toLowerCase();
    const action = {
      k: playOrPause,
      " ": !spaceIsTheirs(e.target) && playOrPause,
      j: () => skip(-5),
      l: () => skip(5),
    }[key];
    if (!action) return;
    e.preventDefault();
    // Held down, J and L keep going; play and pause once per press.
    if (!e.repeat || key === "j" || key === "l") action();
  }, true);
}
