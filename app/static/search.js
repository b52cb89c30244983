// Searching the transcript and the feedback beside the player (templates/player/_search.html).
// Each box is hidden until this runs (without JavaScript there is nothing to search with).
// Typing marks the matching lines or narrows the feedback list at once; Enter and the
// buttons (Shift+Enter backwards) go to the next hit of the transcript and only then move
// the player there. The words come from the box's data-* attributes (rendered by gettext);
// typing here is typing: keyboard.js `isTyping` keeps the player's keys away.
import { seekTo } from "./seek.js";

const plural = new Intl.PluralRules(document.documentElement.lang || "da");

/** Lower case, composed (æ, ø, å typed or pasted either way), spaces made plain. */
export function fold(text) {
  return (text || "").normalize("NFC").toLocaleLowerCase("da").replace(/\s+/g, " ").trim();
}

function countText(box, n, total) {
  if (!total) return box.dataset.none;
  const form = plural.select(total) === "one" ? box.dataset.one : box.dataset.other;
  return form.replace("{n}", String(n)).replace("{total}", String(total));
}

/** A line's words as they read, without the hints only screen readers hear (an unsure
 * word's, app/transcripts/unsure.py). */
export function lineText(el) {
  if (!el) return "";
  if (!el.querySelector(".visually-hidden")) return el.textContent;
  let text = "";
  for (const node of el.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) text += node.data;
    else if (!node.classList.contains("visually-hidden")) text += lineText(node);
  }
  return text;
}

function watchTranscript(box) {
  const list = document.getElementById("transcript");
  const input = box.querySelector("input");
  const status = box.querySelector(".search-count");
  const player = document.getElementById("player");
  let hits = [], at = -1;

  function mark() {
    const q = fold(input.value);
    for (const li of list.querySelectorAll(".segment.search-hit")) {
      li.classList.remove("search-hit", "search-current");
    }
    hits = q ? Array.from(list.querySelectorAll(".segment")).filter((li) =>
      fold(lineText(li.querySelector(".text"))).includes(q)) : [];
    for (const li of hits) li.classList.add("search-hit");
    at = hits.length ? 0 : -1;
    show(false);
  }

  function show(activate) {
    for (const li of list.querySelectorAll(".search-current")) li.classList.remove("search-current");
    status.textContent = input.value.trim() ? countText(box, at + 1, hits.length) : "";
    const hit = hits[at];
    if (!hit) return;
    hit.classList.add("search-current");
    hit.scrollIntoView({ block: "nearest" });
    if (activate && player) {
      const seek = hit.querySelector("button.seek");
      seekTo(player, parseFloat((seek || hit).dataset.start));
    }
  }

  function go(step) {
    if (!hits.length) return;
    if (at < 0) at = 0;
    // The first Enter goes to the hit typing showed; each one after it moves on.
    else if (box.dataset.went) at = (at + step + hits.length) % hits.length;
    box.dataset.went = "1";
    show(true);
  }

  input.addEventListener("input", () => {
    delete box.dataset.went;
    mark();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    go(event.shiftKey ? -1 : 1);
  });
  box.querySelector(".search-next").addEventListener("click", () => go(1));
  box.querySelector(".search-previous").addEventListener("click", () => go(-1));
  // Lines that arrive later (the rest of a long transcript) are searched too.
  document.addEventListener("transcript:lines", () => {
    if (input.value.trim()) mark();
  });
}

function watchFeedback(box) {
  const list = document.getElementById("feedback-list");
  const input = box.querySelector("input");
  const status = box.querySelector(".search-count");

  function narrow() {
    const q = fold(input.value);
    const threads = Array.from(list.querySelectorAll(":scope > .fb"));
    let shown = 0;
    for (const t of threads) {
      // The item's text, its criteria, its author and its replies: what the reader sees.
      const keep = !q || fold(t.textContent).includes(q);
      t.classList.toggle("search-miss", !keep);
      if (keep) shown += 1;
    }
    status.textContent = q ? countText(box, shown, threads.length) : "";
  }

  input.addEventListener("input", narrow);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // nothing to submit: it narrows as you type
  });
  // Threads fetched, changed or added in place are narrowed the same way.
  new MutationObserver(() => {
    if (input.value.trim()) narrow();
  }).observe(list, { childList: true });
}

for (const box of document.querySelectorAll(".search-box[data-search]")) {
  if (box.dataset.search === "transcript" && document.getElementById("transcript")) {
    watchTranscript(box);
  } else if (box.dataset.search === "feedback" && document.getElementById("feedback-list")) {
    watchFeedback(box);
  } else {
    continue;
  }
  box.hidden = false;
}
