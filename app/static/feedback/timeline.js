// The timeline under the player: a marker per item (a range a bar), the playhead, a tip
// with the focused or hovered marker's words, arrow keys between markers (one tab stop),
// next/previous item, and the track: a click seeks, a drag marks a range.

/**
 * `markers` (markers.js); `filters()` the filters now; `seek(t)`; `open(m, focusItem)`
 * shows an item in the list; `openRange(a, b)` gives feedback on a dragged range;
 * `say(text)` tells the status line.
 */
export function createTimeline({ player, markers, filters, keeps, seek, open, openRange, say }) {
  const timeline = document.getElementById("timeline");
  const duration = parseFloat(timeline.dataset.duration) || 0;
  const track = document.getElementById("track");
  const markerList = document.getElementById("marker-list");
  const tip = document.getElementById("marker-tip");
  const playhead = document.getElementById("playhead");
  const selection = document.getElementById("selection");
  const percent = (t) => (duration ? (t / duration) * 100 : 0) + "%";
  let drawn = [];

  function rove(button) {
    const old = markerList.querySelector('[tabindex="0"]');
    if (old) old.tabIndex = -1;
    button.tabIndex = 0;
  }
  const buttonOf = (id) => markerList.querySelector(`[data-marker="${id}"]`);

  function draw() {
    const f = filters(), frag = document.createDocumentFragment();
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.marker : null;
    drawn = markers.inOrder().filter((m) => keeps(m, f));
    drawn.forEach((m, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "marker kind-" + (m.kind || "none") + (m.draft ? " draft" : "") +
        (m.end !== null ? " range" : "");
      b.dataset.marker = m.id;
      b.style.left = percent(m.start);
      if (m.end !== null && duration) b.style.width = ((m.end - m.start) / duration) * 100 + "%";
      b.setAttribute("aria-label", markers.describe(m));
      b.tabIndex = i === 0 ? 0 : -1;
      frag.appendChild(b);
    });
    markerList.textContent = "";
    markerList.appendChild(frag);
    const again = focused && buttonOf(focused);
    if (again) {
      rove(again);
      again.focus();
    }
  }

  function showTip(button) {
    const m = markers.byId(button.dataset.marker);
    if (!m) return;
    tip.textContent = markers.describe(m);
    tip.hidden = false;
    const left = button.offsetLeft, width = timeline.clientWidth;
    tip.style.left = Math.min(Math.max(0, left - 80), Math.max(0, width - 260)) + "px";
  }

  // The next (1) or previous (-1) item from the player's time, among those drawn.
  function step(direction) {
    const t = player.currentTime;
    const target = direction > 0
      ? drawn.find((m) => m.start > t + 0.25)
      : drawn.findLast((m) => m.start < t - 0.25);
    if (!target) return;
    open(target, false);
    const b = buttonOf(target.id);
    if (b) rove(b);
    say(markers.describe(target));
  }

  const markerOf = (e) => e.target.closest(".marker");
  markerList.addEventListener("mouseover", (e) => {
    const b = markerOf(e);
    if (b) showTip(b);
  });
  markerList.addEventListener("mouseout", () => {
    tip.hidden = true;
  });
  markerList.addEventListener("focusin", (e) => {
    const b = markerOf(e);
    if (b) {
      rove(b);
      showTip(b);
    }
  });
  markerList.addEventListener("focusout", () => {
    tip.hidden = true;
  });
  markerList.addEventListener("click", (e) => {
    const b = markerOf(e);
    if (b) open(markers.byId(b.dataset.marker), false);
  });
  markerList.addEventListener("keydown", (e) => {
    const b = markerOf(e);
    if (!b) return;
    const items = Array.from(markerList.children), i = items.indexOf(b);
    const next = {
      ArrowRight: items[i + 1], ArrowDown: items[i + 1], ArrowLeft: items[i - 1],
      ArrowUp: items[i - 1], Home: items[0], End: items[items.length - 1],
    }[e.key];
    if (next) {
      e.preventDefault();
      rove(next);
      next.focus();
    }
  });
  document.getElementById("next-marker").addEventListener("click", () => step(1));
  document.getElementById("prev-marker").addEventListener("click", () => step(-1));
  player.addEventListener("timeupdate", () => {
    playhead.style.left = percent(player.currentTime);
  });

  // Click the track to seek; drag along it to mark a range and give feedback on it.
  let dragFrom = null;
  const timeAt = (e) => {
    const r = track.getBoundingClientRect();
    return Math.min(Math.max(0, (e.clientX - r.left) / r.width), 1) * duration;
  };
  track.addEventListener("pointerdown", (e) => {
    dragFrom = { x: e.clientX, t: timeAt(e) };
    track.setPointerCapture(e.pointerId);
  });
  track.addEventListener("pointermove", (e) => {
    if (!dragFrom || Math.abs(e.clientX - dragFrom.x) < 5) return;
    const a = Math.min(dragFrom.t, timeAt(e)), b = Math.max(dragFrom.t, timeAt(e));
    selection.hidden = false;
    selection.style.left = (a / duration) * 100 + "%";
    selection.style.width = ((b - a) / duration) * 100 + "%";
  });
  track.addEventListener("pointerup", (e) => {
    if (!dragFrom) return;
    const from = dragFrom;
    dragFrom = null;
    selection.hidden = true;
    if (Math.abs(e.clientX - from.x) < 5) {
      seek(timeAt(e));
      return;
    }
    const a = Math.min(from.t, timeAt(e)), b = Math.max(from.t, timeAt(e));
    seek(a);
    openRange(a, b);
  });

  document.getElementById("timeline-box").hidden = false;
  return { draw, step };
}
