// The feedback form: opened at the player's time (the player pauses, and resumes on save
// or Esc only if the form paused it), or on an item to edit it; its start and end take the
// player's time; digits tick criteria, T picks the kind; saving (its button, Ctrl+Enter)
// goes to the API and the thread updates.
import { messageOf } from "../api.js";
import { clockTenths, parseClock } from "../clock.js";

/**
 * `send(method, path, body)` the feedback API; `saved(item)` after a save, with the API's
 * item; `showTab(name)`; `say(text)` the status line; `labels` the page's words.
 */
export function createForm({ player, labels, send, saved, showTab, say }) {
  const [form, details, errorBox, title, addButton, saveButton] = [
    "feedback-form", "new-feedback", "feedback-error", "feedback-form-title", "add-feedback",
    "save-feedback",
  ].map((id) => document.getElementById(id));
  const boxes = Array.from(form.querySelectorAll("input[name=criterion_ids]"));
  const titleText = title.textContent;
  let pausedByForm = false, editing = null;

  function open({ start, end, item }) {
    if (!details.open || !pausedByForm) {
      pausedByForm = !player.paused;
      if (pausedByForm) player.pause();
    }
    editing = item || null;
    details.open = true;
    showTab("feedback");
    errorBox.hidden = true;
    if (!editing) {
      form.reset();
      form.start.value = clockTenths(start);
      form.end.value = end !== undefined ? clockTenths(end) : "";
    }
    form.querySelector("#fb-visibility").hidden = !!editing;
    title.textContent = editing ? labels.edit : titleText + " · " + form.start.value;
    say(labels.paused.replace("{t}", form.start.value));
    details.scrollIntoView({ block: "nearest" });
    (boxes[0] || form.kind[0] || form.text).focus();
  }

  function close(resume) {
    details.open = false;
    editing = null;
    title.textContent = titleText;
    if (resume && pausedByForm) {
      player.play().catch(() => {
        /* refused: stay paused */
      });
    }
    pausedByForm = false;
    addButton.focus();
  }

  /** Edit marker `m` (a thread's first item) in the full form: its text is `text`. */
  function edit(m, text) {
    form.reset();
    form.start.value = clockTenths(m.start);
    form.end.value = m.end !== null ? clockTenths(m.end) : "";
    boxes.forEach((b) => {
      b.checked = m.criteria.includes(parseInt(b.value, 10));
    });
    form.querySelectorAll("input[name=kind]").forEach((r) => {
      r.checked = r.value === m.kind;
    });
    form.text.value = text;
    open({ item: m.id });
  }

  // T: the next kind (Shift+T the one before), the radio focused so arrows go on from it.
  function nextKind(step) {
    const kinds = Array.from(form.querySelectorAll("input[name=kind]"));
    if (!kinds.length) return;
    const at = kinds.findIndex((r) => r.checked);
    const next = at < 0 ? (step > 0 ? 0 : kinds.length - 1) : (at + step + kinds.length) % kinds.length;
    kinds[next].checked = true;
    kinds[next].focus();
  }

  const markIn = () => {
    form.start.value = clockTenths(player.currentTime);
  };
  const markOut = () => {
    form.end.value = clockTenths(player.currentTime);
  };

  // Digits tick criteria; "1" waits a moment for a "2" when there is a criterion 12.
  let digits = "", digitTimer = null;
  function tick(number) {
    const box = form.querySelector(`input[data-number="${number}"]`);
    if (!box) return;
    box.checked = !box.checked;
    box.focus();
  }
  function typeDigit(d) {
    clearTimeout(digitTimer);
    digits += d;
    const n = parseInt(digits, 10);
    if (digits.length === 1 && n > 0 && n * 10 <= boxes.length) {
      digitTimer = setTimeout(() => {
        tick(n);
        digits = "";
      }, 700);
      return;
    }
    tick(n);
    digits = "";
  }

  // A time that does not read is sent as -1: the server refuses it with its own words.
  function body() {
    const start = parseClock(form.start.value);
    const end = form.end.value.trim() ? parseClock(form.end.value) : null;
    const kind = form.querySelector("input[name=kind]:checked");
    const out = {
      start_seconds: isNaN(start) ? -1 : start,
      end_seconds: end === null || !isNaN(end) ? end : -1,
      criterion_ids: boxes.filter((b) => b.checked).map((b) => parseInt(b.value, 10)),
      text: form.text.value,
    };
    if (kind) out.kind = kind.value;
    if (!editing) out.publish = form.querySelector("input[name=publish]:checked")?.value === "1";
    return out;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveButton.disabled = true;
    const done = editing ? send("PATCH", "/" + editing, body()) : send("POST", "", body());
    done.then((item) => {
      saveButton.disabled = false;
      saved(item);
      say(labels.saved);
      close(true);
    }).catch((err) => {
      saveButton.disabled = false;
      errorBox.textContent = messageOf(err, labels.network);
      errorBox.hidden = false;
    });
  });
  addButton.addEventListener("click", () => open({ start: player.currentTime }));
  details.querySelector("summary").addEventListener("click", (e) => {
    e.preventDefault();
    if (details.open) close(true);
    else open({ start: player.currentTime });
  });
  document.getElementById("cancel-feedback").addEventListener("click", () => close(true));
  document.getElementById("mark-in").addEventListener("click", markIn);
  document.getElementById("mark-out").addEventListener("click", markOut);

  return {
    open, close, edit, markIn, markOut, typeDigit, nextKind,
    save: () => {
      if (!saveButton.disabled) form.requestSubmit();
    },
    /** Tick criterion `id` (a suggestion: the person may untick it). */
    tick: (id) => boxes.forEach((b) => {
      if (parseInt(b.value, 10) === id) b.checked = true;
    }),
    isOpen: () => details.open,
    holds: (el) => details.open && form.contains(el),
  };
}
