// Keeps recording states current while work goes on, without reloading the page. The words
// come from the status endpoint in the reader's language. One small live region speaks: on
// a recording's page when the stage changes or the work ends, on the list when the number of
// busy recordings changes or one is done; never on each percent.
import { getJSON } from "./api.js";

const pending = document.getElementById("pending");
const live = document.getElementById("status-live");
const rows = document.querySelectorAll("tr[data-id]");
const seen = {};

const busy = (status) => status === "queued" || status === "processing";

function fill(template, params) {
  return (template || "").replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? params[k] : m));
}

function part(cls, text) {
  const el = document.createElement("span");
  el.className = cls;
  el.textContent = text;
  return el;
}

// The same structure as templates/recordings/_status.html.
function statusNode(v) {
  const span = document.createElement("span");
  span.className = "status status-" + v.status;
  span.dataset.status = v.status;
  span.dataset.stage = v.stage || "";
  span.appendChild(part("label", v.label));
  if (v.status === "processing") {
    span.appendChild(document.createTextNode(" "));
    span.appendChild(part("pct", v.percent_text));
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = v.percent;
    bar.setAttribute("aria-hidden", "true");
    span.appendChild(bar);
    if (v.eta) span.appendChild(part("eta", v.eta));
  }
  if (v.reason && v.status !== "failed") {
    span.appendChild(document.createTextNode(" "));
    span.appendChild(part("reason", v.reason));
  }
  return span;
}

function say(text) {
  if (!live || !text) return;
  live.hidden = false;
  if (live.textContent !== text) live.textContent = text;
}

function update(list) {
  const said = [];
  let busyCount = 0;
  list.forEach((v) => {
    const holder = pending || document.querySelector(`tr[data-id="${v.id}"]`);
    if (!holder) return;
    const key = v.status + "/" + (v.stage || "");
    const before = seen[v.id];
    seen[v.id] = key;
    if (v.busy) busyCount += 1;
    const cell = holder.querySelector(".status-cell");
    if (cell) cell.replaceChildren(statusNode(v));
    if (before === key) return;
    if (!v.busy && before && busy(before.split("/")[0])) {
      said.push(fill(live && live.dataset[v.status === "ready" ? "ready" : "failed"], { title: v.title }));
    } else if (pending) {
      said.push(v.label);
    }
  });
  if (pending) {
    const hint = document.getElementById("waiting-hint");
    if (hint && list[0]) hint.hidden = !list[0].waiting;
  } else if (live) {
    if (busyCount) said.push(fill(busyCount === 1 ? live.dataset.one : live.dataset.other, { n: busyCount }));
    const liveHint = document.getElementById("live-hint");
    if (liveHint) liveHint.hidden = !busyCount;
  }
  if (said.length) say(said.join(". "));
  return busyCount;
}

function poll() {
  const url = pending ? `/api/v1/recordings/${pending.dataset.id}/status` : "/api/v1/recordings/status";
  getJSON(url)
    .then((body) => {
      const busyCount = update(pending ? [body] : body);
      // The finished page shows the player, or what went wrong and what to do.
      if (pending && !busyCount) {
        window.location.reload();
        return;
      }
      if (busyCount) setTimeout(poll, 2000);
    })
    .catch(() => setTimeout(poll, 5000));
}

// Only while something is busy: each one's state as the page showed it.
const scope = pending ? [pending] : Array.from(rows);
let anyBusy = false;
scope.forEach((el) => {
  const s = el.querySelector("[data-status]");
  if (!s) return;
  seen[el.dataset.id] = s.dataset.status + "/" + s.dataset.stage;
  if (busy(s.dataset.status)) anyBusy = true;
});
if (anyBusy) setTimeout(poll, 1000);
