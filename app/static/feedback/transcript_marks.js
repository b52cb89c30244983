// The transcript's marks: each line shows the items that go with it, and a mark opens its
// item. The rule is app/transcripts/placing.py's (the sparring document's excerpts follow
// it too): the lines a range overlaps; else the line holding the item's start; else the line
// it follows (supervisors press F just after they hear something); else the first line.
// Lines are in time order, so each marker finds its lines by bisection: a long recording
// with thousands of items stays quick.

/** Indexes of the lines an item from `start` to `end` (null for a moment) goes with. */
export function linesFor(starts, ends, start, end) {
  if (!starts.length) return [];
  let lo = 0, hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid] <= start) lo = mid + 1;
    else hi = mid;
  }
  // lo: the first line that ends after the start; the lines before it ended by then.
  if (end !== null && end > start) {
    const overlapped = [];
    for (let i = lo; i < starts.length && starts[i] < end; i++) overlapped.push(i);
    if (overlapped.length) return overlapped;
  }
  if (lo < starts.length && starts[lo] <= start) return [lo];
  return [lo > 0 ? lo - 1 : 0];
}

/** `markers` (markers.js), `filters()` and `keeps`, `open(m, focusItem)` as timeline.js's. */
export function createTranscriptMarks({ markers, filters, keeps, open }) {
  function draw() {
    const f = filters();
    const lines = Array.from(document.querySelectorAll("#transcript .segment"));
    if (!lines.length) return;
    const starts = lines.map((li) => parseFloat(li.dataset.start));
    const ends = lines.map((li) => parseFloat(li.dataset.end));
    const slots = lines.map((li) => {
      const slot = li.querySelector(".seg-feedback");
      if (slot) slot.textContent = "";
      return slot;
    });
    // While lines are still arriving, an item after the last one waits for its own line.
    const arriving = document.getElementById("more-segments") !== null;
    const last = ends[ends.length - 1];
    markers.items.forEach((m) => {
      if (!keeps(m, f) || (arriving && m.start >= last)) return;
      for (const i of linesFor(starts, ends, m.start, m.end)) {
        if (!slots[i]) continue;
        const b = document.createElement("button");
        b.type = "button";
        b.className = "fb-mark kind-" + (m.kind || "none") + (m.draft ? " draft" : "");
        b.dataset.marker = m.id;
        b.textContent = markers.kindName(m);
        b.setAttribute("aria-label", markers.describe(m));
        slots[i].appendChild(b);
      }
    });
  }

  // The rest of a long transcript arrives after the page (player.js): mark its lines too.
  document.addEventListener("transcript:lines", draw);
  const transcript = document.getElementById("transcript");
  if (transcript) {
    transcript.addEventListener("click", (e) => {
      const b = e.target.closest(".fb-mark");
      if (b) open(markers.byId(b.dataset.marker), true);
    });
  }
  return { draw };
}
