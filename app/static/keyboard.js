// What every key handler of the player's pages asks first (app/static/keys.js,
// feedback/keys.js, correction.js): typing in a field is typing, never a shortcut, and a
// dialog (the list of keys) keeps its keys to itself.

/** The element takes typed text: a text field, a text area, a select, an editable. */
export function isTyping(el) {
  if (!el || !el.closest) return false;
  if (el.closest("textarea, select, [contenteditable=true]")) return true;
  return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit)$/.test(el.type);
}

/** The key is someone else's: already handled, or pressed inside an open dialog. */
export function taken(e) {
  return e.defaultPrevented || !!(e.target && e.target.closest && e.target.closest("dialog[open]"));
}

/** No Ctrl, Alt or Cmd held (Shift may be: "?" and "T" need it). */
export function plain(e) {
  return !e.ctrlKey && !e.metaKey && !e.altKey;
}

/** Ctrl+Enter, or Cmd+Enter on a Mac: save, also while typing. */
export function isSaveKey(e) {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey;
}

/** Space belongs to what has focus when that is a control (a button, a link, a box). */
export function spaceIsTheirs(el) {
  return !!(el && el.closest && el.closest(
    "button, a[href], summary, input, select, textarea, video, audio, [role=tab], [contenteditable=true]",
  ));
}
