// Unsure words beside the player (app/transcripts/unsure.py): the words the speech model
// heard with a low probability are underlined with dots, with a hint for screen readers,
// on lines no person has corrected or checked. Here: the header's share follows the lines
// as they are saved, a saved line loses its marks (or gets them back when unchecked), and
// correction mode's U / Shift+U go to the next / previous unsure word.
import { getHTML } from "./api.js";
import { clock } from "./clock.js";

const lang = document.documentElement.lang || "da";
const percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });

/** The header's share, its line marks and the way between them, for the transcript `list`. */
export function createUnsure({ list, say, labels }) {
  const share = document.getElementById("unsure-share");
  let current = null;

  /** `delta` more (or fewer) unsure words: the share says it as the server would. */
  function counted(delta) {
    if (!share || !delta) return;
    const unsure = Math.max(0, Number(share.dataset.unsure) + delta);
    const words = Number(share.dataset.words) || 0;
    share.dataset.unsure = String(unsure);
    share.classList.toggle("none", !unsure);
    if (!unsure || !words) {
      share.textContent = share.dataset.none;
      return;
    }
    const whole = Math.max(Math.round((unsure * 100) / words), 1); // never 0 % while one is
    share.textContent = share.dataset.template.replace("{p}", percent.format(whole / 100));
  }

  /** The line's marks back as the page draws them (after it was unchecked, say). */
  function redraw(li, position) {
    const url = `/recordings/${list.dataset.recording}/transcript/lines?offset=${position}&limit=1`;
    getHTML(url)
      .then((html) => {
        const parsed = document.createElement("template");
        parsed.innerHTML = html;
        const fresh = parsed.content.querySelector(".text");
        if (fresh && li.dataset.unsure) li.querySelector(".text").replaceWith(fresh);
      })
      .catch(() => {
        /* the words stay unmarked until the page is loaded again */
      });
  }

  /** The line as the server saved it: its text, and its marks while it has unsure words. */
  function saved(li, segment) {
    const had = Number(li.dataset.unsure || 0);
    const now = (segment.unsure_words || []).length;
    if (now) li.dataset.unsure = String(now);
    else delete li.dataset.unsure;
    if (!now || !li.querySelector(".text .unsure")) li.querySelector(".text").textContent = segment.text;
    if (now && !had) redraw(li, segment.position);
    counted(now - had);
  }

  /** The unsure word after (`way` 1) or before (-1) the one shown, or else the chosen
   * line's first (last) one; null: none that way. */
  function neighbour(way, chosen) {
    const words = Array.from(list.querySelectorAll(".text .unsure"));
    if (!words.length) return null;
    const here = current && current.isConnected && (!chosen || chosen.contains(current));
    if (here) return words[words.indexOf(current) + way] || null;
    if (!chosen) return way > 0 ? words[0] : words[words.length - 1];
    const after = (w) => chosen.contains(w) || !!(chosen.compareDocumentPosition(w) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (way > 0) return words.find(after) || null;
    return words.filter((w) => !after(w)).pop() || null;
  }

  /** Go to the next (previous) unsure word: `go(li, seconds)` moves to its line and plays
   * from just before it; the word is outlined and the status line names it. */
  function step(direction, chosen, go) {
    const word = neighbour(direction, chosen);
    if (!word) {
      say(list.querySelector(".text .unsure") ? labels.no_more_unsure : labels.no_unsure);
      return;
    }
    if (current) current.classList.remove("unsure-current");
    current = word;
    word.classList.add("unsure-current");
    const at = parseFloat(word.dataset.t);
    go(word.closest("li.segment"), at);
    word.scrollIntoView({ block: "nearest" });
    say(labels.unsure_at.replace("{word}", word.textContent).replace("{time}", clock(at)));
  }

  return { saved, step };
}
