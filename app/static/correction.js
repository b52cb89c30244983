// A recording's transcript as its caseworker corrects it. Each line's form saves through the
// API (one way to correct: the same PATCH, the same service; the form posts without
// JavaScript too), a line can be marked checked (heard and read), and the page counts the
// checked lines. Correction mode does it all from the keyboard (README "Correcting the
// transcript"): E on and off, ↑/↓ choose a line, Enter edits it (it plays), Enter in its
// text saves it, marks it checked and edits the next, R (Alt+R while typing) hears it
// again, A marks it checked (or not), U / Shift+U go to the next / previous unsure word
// (unsure.js), Esc stops editing and then leaves the mode.
import { ApiError, messageOf, sendJSON } from "./api.js";
import { isSaveKey, isTyping, plain, taken } from "./keyboard.js";
import { createUnsure } from "./unsure.js";

// How long before an unsure word it plays from when U goes to it: the word is heard in
// what leads up to it.
const UNSURE_LEAD_S = 0.7;

/** Wire the transcript `list` of `player` for its caseworker; `labels` the page's words. */
export function watchCorrections({ player, list, labels }) {
  const count = document.getElementById("checked-count");
  const bar = document.getElementById("checked-bar");
  const toggle = document.getElementById("correction-toggle");
  const hints = document.getElementById("correction-keys");
  const status = document.getElementById("correction-status");
  const base = `/api/v1/recordings/${list.dataset.recording}/transcript/segments/`;
  let checked = bar ? Number(bar.getAttribute("value")) || 0 : 0;
  let on = false, chosen = null, editing = null, stop = null;

  const say = (text, isError) => {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  };
  const lines = () => Array.from(list.querySelectorAll("li.segment[data-id]"));
  const formOf = (li) => li.querySelector("form.segment-form");
  const boxOf = (form) => form.elements.namedItem("checked");
  const unsure = createUnsure({ list, labels, say: (text) => say(text) });

  // ------------------------------------------------------------- the count of checked lines
  function counted(delta) {
    checked += delta;
    if (bar) bar.value = checked;
    if (count) count.textContent = count.dataset.template.replace("{n}", String(checked));
  }

  // ------------------------------------------------------------------------------ saving
  /** The line as the server now has it; the form's defaults too (what Esc goes back to). */
  function showSaved(li, segment, words) {
    unsure.saved(li, segment); // the text, and its unsure words while it has any
    let marker = li.querySelector(".corrected");
    if (segment.corrected && !marker) {
      marker = document.createElement("span");
      marker.className = "corrected";
      marker.textContent = "(" + labels.corrected + ")";
      li.querySelector(".text").after(marker);
    }
    if (marker && segment.corrected) marker.title = labels.machine + ": " + segment.machine_text;
    if (marker && !segment.corrected) marker.remove();
    const badge = li.querySelector(".speaker");
    badge.hidden = !segment.speaker;
    badge.textContent = segment.speaker ? labels[segment.speaker] : "";
    badge.className = "speaker speaker-" + (segment.speaker || "none");
    const was = li.dataset.checked === "1";
    li.dataset.checked = segment.checked ? "1" : "0";
    li.classList.toggle("checked", segment.checked);
    li.querySelector(".checked-mark").hidden = !segment.checked;
    if (was !== segment.checked) counted(segment.checked ? 1 : -1);
    const form = formOf(li);
    if (form) {
      form.elements.text.defaultValue = segment.text;
      form.elements.text.value = segment.text;
      Array.from(form.elements.speaker.options).forEach((o) => {
        o.defaultSelected = o.value === (segment.speaker || "");
      });
      form.elements.speaker.value = segment.speaker || "";
      const box = boxOf(form);
      if (box) box.defaultChecked = box.checked = segment.checked;
    }
    // Captions come from the corrected transcript: reload the track.
    const track = player.querySelector("track");
    if (words && track) track.src = track.src.split("?")[0] + "?v=" + Date.now();
  }

  /** PATCH the line; the form's status (and the mode's) says how it went. */
  function send(li, body, words) {
    const formStatus = li.querySelector(".save-status");
    return sendJSON("PATCH", base + li.dataset.id, body).then(
      (segment) => {
        if (formStatus) {
          formStatus.classList.remove("error");
          formStatus.textContent = labels.saved;
        }
        showSaved(li, segment, words);
        return segment;
      },
      (err) => {
        // A refusal reads as an error, never in the success colour.
        const text =
          err instanceof ApiError ? messageOf(err, "Fejl / error") : "Netværksfejl / network error";
        if (formStatus) {
          formStatus.classList.add("error");
          formStatus.textContent = text;
        }
        say(text, true);
        throw err;
      },
    );
  }

  function bodyOf(form) {
    const speaker = form.elements.speaker.value;
    const body = { text: form.elements.text.value };
    if (speaker) body.speaker = speaker;
    else body.clear_speaker = true;
    const box = boxOf(form);
    if (box) body.checked = box.checked;
    return body;
  }

  // ------------------------------------------------------------------- playing one line
  /** Play `li` from its start (or `from`, seconds); the player stops at its end (unless
   * someone seeks away). */
  function playLine(li, from) {
    const start = parseFloat(li.dataset.start), end = parseFloat(li.dataset.end);
    player.currentTime = from === undefined ? start : Math.max(start, from);
    stop = { start, end };
    player.play().catch(() => {
      stop = null; // refused: the player waits at the line's start
    });
  }
  player.addEventListener("timeupdate", () => {
    if (!stop) return;
    const t = player.currentTime;
    if (t < stop.start - 0.5) stop = null;
    else if (t >= stop.end) {
      const near = t < stop.end + 1.5;
      stop = null;
      if (near) player.pause();
    }
  });
  player.addEventListener("pause", () => {
    stop = null;
  });

  // --------------------------------------------------------------- the mode and its line
  function mark(li) {
    if (chosen === li) return;
    if (chosen) {
      chosen.classList.remove("chosen-line");
      chosen.removeAttribute("tabindex");
    }
    chosen = li;
    if (li) {
      li.classList.add("chosen-line");
      li.tabIndex = -1;
    }
  }

  function choose(li) {
    if (!li) return;
    mark(li);
    li.focus();
  }

  const neighbour = (li, step) => {
    const all = lines();
    return all[all.indexOf(li) + step] || null;
  };

  /** Where the mode starts: the line the player is at, or else the first one not checked. */
  function startLine() {
    const all = lines(), t = player.currentTime;
    const heard = t > 0 ? all.filter((li) => parseFloat(li.dataset.start) <= t + 0.05).pop() : null;
    return heard || all.find((li) => li.dataset.checked !== "1") || all[0] || null;
  }

  function edit(li) {
    if (editing && editing !== li) stopEditing(false);
    choose(li);
    editing = li;
    li.querySelector("details.edit").open = true;
    const text = formOf(li).elements.text;
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
    playLine(li);
  }

  /** Close the line's form; what was typed and not saved goes. */
  function stopEditing(focusLine = true) {
    const li = editing;
    if (!li) return;
    editing = null;
    formOf(li).reset();
    li.querySelector("details.edit").open = false;
    if (focusLine) li.focus();
  }

  function saveAndNext(li) {
    const form = formOf(li);
    const button = form.querySelector("button[type=submit]");
    if (button.disabled) return;
    const box = boxOf(form);
    if (box) box.checked = true;
    button.disabled = true;
    send(li, bodyOf(form), true)
      .then(() => {
        button.disabled = false;
        if (editing === li) editing = null;
        li.querySelector("details.edit").open = false;
        const next = neighbour(li, 1);
        if (next && on) edit(next);
        else {
          choose(li);
          if (!next && !document.getElementById("more-segments")) say(labels.all_checked);
        }
      })
      .catch(() => {
        button.disabled = false;
        form.elements.text.focus();
      });
  }

  function toggleChecked(li) {
    const now = li.dataset.checked !== "1";
    send(li, { checked: now }, false)
      .then(() => {
        const next = now ? neighbour(li, 1) : null;
        if (next) choose(next);
        else if (now) say(labels.all_checked);
      })
      .catch(() => {
        /* said in the status line */
      });
  }

  /** To an unsure word's line; it plays from just before the word (at `seconds`). */
  function toUnsure(li, seconds) {
    if (editing && editing !== li) stopEditing(false);
    choose(li);
    playLine(li, seconds - UNSURE_LEAD_S);
  }

  function setMode(value) {
    on = value;
    if (toggle) toggle.setAttribute("aria-pressed", on ? "true" : "false");
    if (hints) hints.hidden = !on;
    list.classList.toggle("correcting", on);
    say(on ? labels.correcting : labels.not_correcting);
    if (on) {
      const tab = document.getElementById("tab-transcript");
      if (tab && tab.getAttribute("aria-selected") !== "true") tab.click();
      choose(chosen && chosen.isConnected ? chosen : startLine());
    } else {
      stopEditing(false);
      mark(null);
      if (toggle) toggle.focus();
    }
  }

  // ------------------------------------------------------------------------ wiring
  list.addEventListener("submit", (e) => {
    const form = e.target.closest("form.segment-form");
    if (!form) return;
    e.preventDefault();
    const li = form.closest(".segment");
    if (on) saveAndNext(li);
    else send(li, bodyOf(form), true).catch(() => {
      /* the form's status says why */
    });
  });
  list.addEventListener("click", (e) => {
    const li = on && e.target.closest("li.segment[data-id]");
    if (li) mark(li);
  });
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => setMode(!on));
  }

  // Capture: before the page's other keys, which then see the key as taken.
  document.addEventListener("keydown", (e) => {
    if (taken(e)) return;
    const form = e.target.closest ? e.target.closest("form.segment-form") : null;
    if (form && list.contains(form) && isSaveKey(e)) {
      e.preventDefault();
      form.requestSubmit();
      return;
    }
    if (!on) {
      if (plain(e) && !isTyping(e.target) && e.key.toLowerCase() === "e") {
        e.preventDefault();
        setMode(true);
      }
      return;
    }
    const replay = e.altKey && !e.ctrlKey && !e.metaKey && e.code === "KeyR";
    if (form && list.contains(form)) {
      const li = form.closest("li.segment");
      if (e.key === "Enter" && plain(e) && !e.shiftKey && e.target.type !== "submit") {
        e.preventDefault();
        form.requestSubmit();
      } else if (replay) {
        e.preventDefault();
        playLine(li);
      } else if (e.key === "Escape" && plain(e)) {
        e.preventDefault();
        editing = li;
        stopEditing();
      }
      return;
    }
    // R and A wherever no form (the feedback form, say) has the focus; arrows, Enter and Esc
    // where no other control has it either.
    const inForm = !!e.target.closest("form");
    if (replay && chosen && !inForm) {
      e.preventDefault();
      playLine(chosen);
      return;
    }
    if (!plain(e) || isTyping(e.target)) return;
    const inTranscript = (list.closest(".panel") || list).contains(e.target);
    const control = e.target.closest("button, a, summary, input, select, textarea");
    const free = e.target === document.body || (inTranscript && !control);
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const action = {
      e: () => setMode(false),
      r: chosen && !inForm && (() => playLine(chosen)),
      a: chosen && !inForm && (() => toggleChecked(chosen)),
      u: !inForm && (() => unsure.step(e.shiftKey ? -1 : 1, chosen, toUnsure)),
      ArrowDown: free && (() => choose(neighbour(chosen, 1) || chosen || startLine())),
      ArrowUp: free && (() => choose(neighbour(chosen, -1) || chosen || startLine())),
      Enter: free && chosen && (() => edit(chosen)),
      Escape: free && (() => setMode(false)),
    }[key];
    if (action) {
      e.preventDefault();
      action();
    }
  }, true);
}
