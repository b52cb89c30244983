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
    const focused = document.activeElement && document.activeElement.id;
    box.innerHTML = html;
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
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
        badge.hidden = false;
        form.elements.role.value = role === "child" ? "adult" : "child";
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

document.addEventListener("change", (event) => {
  const select = event.target;
  if (select.classList && select.classList.contains("autosend")) send(select.form);
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
    if (seek.tagName === "BUTTON") seekTo(player, at);
  });
  watchWork();
}

