// The "Samtalen" panel (templates/insight/_panel_body.html): its marks and times seek the
// player, its forms (a question type, a voice's role, a swap, a line's speaker in the
// transcript) are sent without leaving the page and the panel is drawn again from its
// fragment; "Give feedback here" opens the feedback form at the mark with the fitting
// criterion ticked (feedback.js listens for `feedback:at`). Without this file every form
// posts and the link opens the page with the form filled in.
import { messageOf, request } from "./api.js";
import { seekTo } from "./seek.js";

const player = document.getElementById("player");
const box = document.getElementById("insight");
let polling = null;

function redraw() {
  if (!box || !box.dataset.panel) return Promise.resolve();
  return request(box.dataset.panel, { html: true }).then((html) => {
    const active = document.activeElement;
    const inside = active && box.contains(active);
    box.innerHTML = html;
    // The control that was used is drawn anew: its namesake takes the focus, or else the
    // panel, so a keyboard user never drops to the top of the page.
    const again = inside && active.id && document.getElementById(active.id);
    if (again) again.focus();
    else if (inside && box.closest("[role=tabpanel]")) box.closest("[role=tabpanel]").focus();
    watchWork();
  });
}

// While the analysis runs, its progress is read again every few seconds.
function watchWork() {
  const body = box && box.querySelector(".insight-body");
  clearTimeout(polling);
  if (body && body.dataset.state === "working") polling = setTimeout(redraw, 3000);
}

function send(form) {
  const status = form.querySelector(".save-status") || document.getElementById("feedback-status");
  return request(form.action, { method: "POST", form: new FormData(form) })
    .then(() => {
      const line = form.closest("li.segment");
      if (line && form.classList.contains("line-role")) {
        // The line's speaker is a person's now: say it in place, then the panel.
        const role = form.elements.role.value;
        const badge = line.querySelector(".speaker");
        const labels = JSON.parse(document.getElementById("i18n").textContent);
        badge.textContent = role === "child" ? labels.child : labels.caseworker;
        badge.className = "speaker speaker-" + (role === "child" ? "child" : "caseworker");
        badge.removeAttribute("title"); // no longer the machine's guess
        badge.hidden = false;
        form.elements.role.value = role === "child" ? "adult" : "child";
        // The button now gives the line to the other role: its name says so.
        form.querySelectorAll("[data-role-to]").forEach((words) => {
          words.hidden = words.dataset.roleTo !== form.elements.role.value;
        });
      }
      return redraw();
    })
    .catch((err) => {
      if (status) status.textContent = messageOf(err, err.message);
    });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.classList || !form.classList.contains("insight-form")) return;
  event.preventDefault();
  send(form);
});

// A select sends its choice at once when picked with the mouse. Arrow keys on a closed
// select change it at every press: by keys it is sent once it has rested a moment, or at
// once on Enter or when the focus leaves it, so stepping through is not a correction each.
const resting = new Map();
let byKeys = null;

function sendSoon(select, wait) {
  clearTimeout(resting.get(select));
  resting.set(select, setTimeout(() => {
    resting.delete(select);
    send(select.form);
  }, wait));
}

document.addEventListener("keydown", (event) => {
  const select = event.target;
  if (!select.classList || !select.classList.contains("autosend")) return;
  byKeys = select;
  if (event.key === "Enter" && resting.has(select)) {
    event.preventDefault();
    sendSoon(select, 0);
  }
});
document.addEventListener("keyup", () => {
  byKeys = null;
});
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!select.classList || !select.classList.contains("autosend")) return;
  sendSoon(select, select === byKeys ? 800 : 0);
});
document.addEventListener("focusout", (event) => {
  if (resting.has(event.target)) sendSoon(event.target, 0);
});

if (box) {
  box.addEventListener("click", (event) => {
    const seek = event.target.closest("[data-start]");
    if (!seek || !player) return;
    const at = parseFloat(seek.dataset.start);
    if (seek.classList.contains("feedback-here")) {
      event.preventDefault();
      seekTo(player, at);
      const criterion = parseInt(seek.dataset.criterion, 10);
      document.dispatchEvent(
        new CustomEvent("feedback:at", { detail: { start: at, criterion: isNaN(criterion) ? null : criterion } }),
      );
      return;
    }
    if (seek.tagName === "BUTTON" || seek.classList.contains("band-mark")) seekTo(player, at);
  });
  watchWork();
}

// A link to the conversation ("Mine samtaler" links to #insight) or to one of its marks
// opens the tab; it runs once every page script has set its part up.
document.addEventListener("DOMContentLoaded", () => {
  const hash = location.hash.slice(1);
  const tab = document.getElementById("tab-insight");
  if (!tab || !(hash === "insight" || hash.startsWith("mark-"))) return;
  tab.click();
  const target = document.getElementById(hash);
  if (target) target.scrollIntoView({ block: "nearest" });
});

