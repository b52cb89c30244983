// Clips: on the recording page the owner's "Start clip here" / "End clip here" buttons read
// the player's time into the clip form (which posts without this script too), and dragging
// along the timeline while the form is open marks the clip; each clip's state follows its
// cutting job. On a clip's page a clip being cut shows once ready (the player is player.js).
import { getJSON } from "./api.js";
import { clockTenths, parseClock } from "./clock.js";

const player = document.getElementById("player");
const form = document.getElementById("clip-form");
// The clip form's times always show their tenth, with the page's decimal sign: 0:07,3, 0:30,0.
const clock = (t) => clockTenths(t, { always: true });
// A refused or failed look-up is no clip (yet): ask again later.
const clipOf = (id) => getJSON(`/api/v1/clips/${id}`).catch(() => null);

// ------------------------------------------------------------ the recording page's form
function clipForm() {
  const start = document.getElementById("clip-start"), end = document.getElementById("clip-end");
  const length = document.getElementById("clip-length");
  const showLength = () => {
    const a = parseClock(start.value), b = parseClock(end.value);
    length.textContent = !isNaN(a) && !isNaN(b) && b > a ? "(" + clock(b - a) + ")" : "";
  };
  [["clip-in", start], ["clip-out", end]].forEach(([id, field]) => {
    const button = document.getElementById(id);
    button.hidden = false;
    button.addEventListener("click", () => {
      field.value = clock(player.currentTime);
      showLength();
    });
  });
  start.addEventListener("input", showLength);
  end.addEventListener("input", showLength);
  // Dragging along the timeline (feedback.js draws it) marks the clip while its form is open.
  const track = document.getElementById("track"), details = document.getElementById("clip-new");
  const duration = parseFloat(form.dataset.duration) || 0;
  let from = null;
  const timeAt = (e) => {
    const r = track.getBoundingClientRect();
    return Math.min(Math.max(0, (e.clientX - r.left) / r.width), 1) * duration;
  };
  if (!track) return;
  track.addEventListener("pointerdown", (e) => {
    from = { x: e.clientX, t: timeAt(e) };
  });
  track.addEventListener("pointerup", (e) => {
    if (!from || !details.open || Math.abs(e.clientX - from.x) < 5) {
      from = null;
      return;
    }
    const a = Math.min(from.t, timeAt(e)), b = Math.max(from.t, timeAt(e));
    from = null;
    start.value = clock(a);
    end.value = clock(b);
    showLength();
  });
}

// ------------------------------------------------- a clip's state while it is being cut
const cutting = (status) => status === "queued" || status === "processing";

function follow(list, item) {
  clipOf(item.dataset.id).then((clip) => {
    if (!clip) return;
    if (clip.status !== item.dataset.status) {
      const status = item.querySelector(".status");
      item.dataset.status = clip.status;
      status.className = "status status-" + clip.status;
      status.textContent = list.dataset[clip.status] || clip.status;
    }
    if (cutting(clip.status)) setTimeout(() => follow(list, item), 2000);
  });
}

// ---------------------------------------------------------------------- the clip page
function waitUntilCut(pending) {
  getJSON(pending.dataset.watch)
    .catch(() => null)
    .then((clip) => {
      if (clip && (clip.status === "ready" || clip.status === "failed")) location.reload();
      else setTimeout(() => waitUntilCut(pending), 2000);
    });
}

if (form && player) clipForm();
const list = document.getElementById("clip-list");
if (list) {
  list.querySelectorAll(".clip-item").forEach((item) => {
    if (cutting(item.dataset.status)) follow(list, item);
  });
}
const pending = document.getElementById("clip-pending");
if (pending) setTimeout(() => waitUntilCut(pending), 1000);
