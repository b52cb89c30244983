// The feedback tab's count and the drafts bar ("You have 2 unpublished drafts" and the
// button that publishes them), kept to the markers the page knows.

/** The reader's (`me`) own drafts: the bar shows while there are any. */
export function showDrafts(markers, me) {
  const n = markers.draftsBy(me);
  const bar = document.getElementById("drafts-bar"), text = document.getElementById("drafts-text");
  bar.hidden = n === 0;
  text.textContent = (n === 1 ? text.dataset.one : text.dataset.other).replace("{n}", n);
}

/** The count on the feedback tab, the "no feedback yet" line, and the drafts bar. */
export function showTotals(markers, me) {
  const empty = document.getElementById("feedback-empty");
  if (empty && markers.length) empty.remove();
  document.getElementById("feedback-count").textContent = markers.length;
  showDrafts(markers, me);
}
