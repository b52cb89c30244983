// The player's transcript (a recording's, a clip's): it follows the player, the player
// follows clicks on it, and the recording's caseworker corrects lines in place
// (correction.js: the forms, the checked lines, correction mode).
import { getHTML, refusedAs } from "./api.js";
import { watchCorrections } from "./correction.js";
import { createFollow } from "./follow.js";
import { seekTo } from "./seek.js";

const player = document.getElementById("player");
const list = document.getElementById("transcript");
const followAgain = document.getElementById("follow-again");
let items = [], starts = [], current = null, follow = null;

function readLines() {
  items = Array.from(list.querySelectorAll(".segment"));
  starts = items.map((li) => parseFloat(li.dataset.start));
}

// The last segment that starts at or before t (binary search: long transcripts stay fast).
function indexAt(t) {
  let lo = 0, hi = starts.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= t + 0.05) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

function highlight() {
  const i = indexAt(player.currentTime);
  let next = i >= 0 ? items[i] : null;
  if (next && player.currentTime > parseFloat(next.dataset.end) + 1.5) next = null;
  if (next === current) return;
  if (current) {
    current.classList.remove("current");
    current.removeAttribute("aria-current");
  }
  current = next;
  if (current) {
    current.classList.add("current");
    current.setAttribute("aria-current", "true");
  }
  if (follow) follow.show(current);
}

// The page came with the transcript's first screen; the rest follow a page at a time.
function fetchLines(more, offset) {
  getHTML(`${list.dataset.more}?offset=${offset}`)
    .catch(refusedAs(""))
    .then((html) => {
      const before = items.length;
      list.insertAdjacentHTML("beforeend", html);
      readLines();
      highlight();
      const done = items.length === before || items.length >= parseInt(more.dataset.total, 10);
      if (done) more.remove(); // first: the marks drawn now know the lines are all here
      document.dispatchEvent(new CustomEvent("transcript:lines"));
      if (!done) fetchLines(more, items.length);
    })
    .catch(() => {
      /* the link to the whole transcript stays */
    });
}

if (player && list) {
  const labels = JSON.parse(document.getElementById("i18n").textContent);
  if (followAgain) follow = createFollow(list, followAgain);
  readLines();
  const more = document.getElementById("more-segments");
  if (more && list.dataset.more) fetchLines(more, parseInt(more.dataset.offset, 10));
  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", highlight);
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.seek");
    if (!button) return;
    if (follow) follow.resume();
    seekTo(player, parseFloat(button.dataset.start));
    player.play().catch(() => {
      /* autoplay refused: seek only */
    });
  });
  if (list.dataset.editable && list.dataset.recording) watchCorrections({ player, list, labels });
}
