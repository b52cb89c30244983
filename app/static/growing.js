// While a recording is being heard: the lines of its transcript appear as the worker stores
// them (list.js reloads the page once the recording is ready, for the full player), their
// unsure words underlined as the player's transcript has them (app/transcripts/unsure.py).
import { getJSON, refusedAs } from "./api.js";
import { clock } from "./clock.js";

const list = document.getElementById("transcript-so-far");
const pending = document.getElementById("pending");
const state = pending && pending.querySelector("[data-status]");

function shown() {
  const items = list ? list.querySelectorAll("li[data-position]") : [];
  return items.length ? parseInt(items[items.length - 1].dataset.position, 10) : -1;
}

// Punctuation Whisper glues to a word: outside its mark (unsure.py's GLUED).
const GLUED = /^[.,!?;:…"'»«”“)(]+|[.,!?;:…"'»«”“)(]+$/g;

/** Where the `position`-th word of `text` starts (words as Whisper cuts them: at spaces). */
function wordAt(text, position) {
  const re = /\S+/g;
  let m, n = 0;
  while ((m = re.exec(text))) if (n++ === position) return m.index;
  return 0;
}

/** The line's text with its unsure words underlined and named for screen readers. */
function textOf(segment) {
  const text = document.createElement("span");
  text.className = "text";
  let done = 0;
  for (const w of segment.unsure_words || []) {
    const token = w.text.replace(GLUED, "");
    let i = token ? segment.text.indexOf(token, Math.max(done, wordAt(segment.text, w.position))) : -1;
    if (i < 0 && token) i = segment.text.indexOf(token, done);
    if (i < 0) continue;
    const mark = document.createElement("span");
    mark.className = "unsure";
    mark.dataset.t = String(w.start);
    mark.textContent = token;
    const hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.lang = list.dataset.lang || "";
    hint.textContent = " " + list.dataset.unsureHint;
    text.append(segment.text.slice(done, i), mark, hint);
    done = i + token.length;
  }
  text.append(segment.text.slice(done));
  return text;
}

function add(segments) {
  document.getElementById("so-far").hidden = false; // the first lines: never a reload
  const last = shown();
  segments.forEach((s) => {
    if (s.position <= last) return;
    const li = document.createElement("li");
    li.className = "segment";
    li.dataset.position = s.position;
    const time = document.createElement("span");
    time.className = "seek";
    time.textContent = clock(s.start);
    li.append(time, " ", textOf(s));
    list.appendChild(li);
  });
}

function poll(id) {
  getJSON(`/api/v1/recordings/${id}/transcript`)
    .catch(refusedAs(null)) // refused for now: ask again as usual
    .then((body) => {
      const segments = body ? body.segments : [];
      if (segments.length && segments[segments.length - 1].position > shown()) add(segments);
      if (!body || !body.complete) setTimeout(() => poll(id), 2000);
    })
    .catch(() => setTimeout(() => poll(id), 5000));
}

if (state && (state.dataset.status === "queued" || state.dataset.status === "processing")) {
  setTimeout(() => poll(pending.dataset.id), 1500);
}
