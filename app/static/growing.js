// While a recording is being heard: the lines of its transcript appear as the worker stores
// them (list.js reloads the page once the recording is ready, for the full player).
import { getJSON, refusedAs } from "./api.js";
import { clock } from "./clock.js";

const list = document.getElementById("transcript-so-far");
const pending = document.getElementById("pending");
const state = pending && pending.querySelector("[data-status]");

function shown() {
  const items = list ? list.querySelectorAll("li[data-position]") : [];
  return items.length ? parseInt(items[items.length - 1].dataset.position, 10) : -1;
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
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = s.text;
    li.append(time, " ", text);
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
