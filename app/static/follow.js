// The transcript follows the playback: the current line is kept in view inside the element
// that scrolls (the tabbed side pane's panel; the list itself where the pane has no tabs),
// never by scrolling the page. Once the person scrolls that element themselves it stops,
// and a button offers to follow again.

// Keys that scroll an element when it (or something in it that is no form field) has focus.
const SCROLL_KEYS = new Set(["ArrowUp", "ArrowDown", "PageUp", "PageDown", "Home", "End", " "]);

/** The nearest element at or above `el` that scrolls its content, or null. */
function scrollerOf(el) {
  for (let node = el; node && node !== document.body; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowY;
    if (overflow === "auto" || overflow === "scroll") return node;
  }
  return null;
}

/** Follow `list`'s current line; `button` resumes following. Returns show(line). */
export function createFollow(list, button) {
  let following = true, shown = null;
  const smooth = () => !window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Bring the line into view, a third down what shows of the pane (a sticky pane can reach
  // below the window while the page is at its top), if it is (nearly) out of view.
  function bring(line, behavior) {
    const pane = scrollerOf(list);
    if (!line || !pane || !pane.clientHeight) return; // a hidden tab: done when it shows
    const box = pane.getBoundingClientRect(), row = line.getBoundingClientRect();
    const inner = box.top + pane.clientTop;
    const top = Math.max(inner, 0), bottom = Math.min(inner + pane.clientHeight, innerHeight);
    if (bottom <= top) return; // the pane is off the screen: the page is the person's to scroll
    if (row.top >= top && row.bottom <= bottom - row.height) return;
    pane.scrollTo({ top: pane.scrollTop + row.top - top - (bottom - top) / 3, behavior });
  }

  function setFollowing(on) {
    following = on;
    button.hidden = on;
  }

  // Only what the person does stops following: our own scrolling fires none of these.
  function away(event) {
    const pane = scrollerOf(list);
    if (following && pane && pane.contains(event.target)) setFollowing(false);
  }
  document.addEventListener("wheel", (e) => e.deltaY && away(e), { passive: true });
  document.addEventListener("touchmove", away, { passive: true });
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented) return; // a shortcut (Space plays, arrows choose a line), no scroll
    const field = e.target.closest("input, textarea, select, [contenteditable]");
    const activates = e.key === " " && e.target.closest("button, summary, a");
    if (SCROLL_KEYS.has(e.key) && !field && !activates && !e.altKey && !e.ctrlKey) away(e);
  });
  // Dragging the pane's scrollbar: a press on the pane beside its content.
  document.addEventListener("pointerdown", (e) => {
    const pane = scrollerOf(list);
    if (pane && e.target === pane && e.offsetX >= pane.clientWidth) away(e);
  });

  button.addEventListener("click", () => {
    // The button goes; the focus stays in the transcript's panel rather than the page's top.
    const panel = list.closest("[tabindex='-1']");
    if (panel && button === document.activeElement) panel.focus({ preventScroll: true });
    setFollowing(true);
    bring(shown, smooth() ? "smooth" : "instant");
  });

  // The transcript's tab shown again, or more lines arrived: the current line into view.
  new ResizeObserver(() => following && bring(shown, "instant")).observe(list);

  return {
    /** The line now heard (or null): kept in view while following. */
    show(line) {
      shown = line;
      if (following) bring(line, smooth() ? "smooth" : "instant");
    },
    /** The person chose a place to play from: follow from there. */
    resume() {
      setFollowing(true);
    },
  };
}
