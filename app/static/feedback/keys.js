// The page's keys (README "Feedback at a moment"): F feedback at the player's time, N/P
// next/previous item, I/O the form's start/end, digits tick criteria, T the kind,
// Ctrl+Enter saves the form (also while typing), Esc closes it. Typing in a text field is
// typing, never a shortcut. (Play, pause and the list of keys: ../keys.js.)
import { isSaveKey, isTyping, plain, taken } from "../keyboard.js";

/** `form` (form.js) and `timeline` (timeline.js) do what the keys ask. */
export function watchKeys({ player, form, timeline }) {
  document.addEventListener("keydown", (e) => {
    if (taken(e)) return;
    const inForm = form.holds(e.target);
    if (inForm && isSaveKey(e)) {
      e.preventDefault();
      form.save();
      return;
    }
    if (!plain(e)) return;
    if (e.key === "Escape" && form.isOpen()) {
      e.preventDefault();
      form.close(true);
      return;
    }
    if (isTyping(e.target)) return;
    if (inForm && /^[0-9]$/.test(e.key)) {
      e.preventDefault();
      form.typeDigit(e.key);
      return;
    }
    const action = {
      f: () => form.open({ start: player.currentTime }),
      n: () => timeline.step(1),
      p: () => timeline.step(-1),
      i: form.isOpen() && form.markIn,
      o: form.isOpen() && form.markOut,
      t: form.isOpen() && (() => form.nextKind(e.shiftKey ? -1 : 1)),
    }[e.key.toLowerCase()];
    if (action) {
      e.preventDefault();
      action();
    }
  });
}
