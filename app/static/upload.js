// Uploads that survive the network: the file goes with the tus protocol (tus-js-client, served
// from /static/vendor) to /api/v1/uploads in chunks; a dropped connection is retried, and
// resumed from what the server has once the network is back; a reloaded page picks the upload
// up again by itself (the file waits in this browser's IndexedDB until it is sent, then goes).
// The form's fields travel as the upload's metadata and are checked before a byte is sent.
// Without JavaScript the form posts normally (one request).
import { ApiError, requestHeaders } from "./api.js";
import { openStore } from "./pending.js";

// Eight of the server's parts (nothing waits between requests). Each request boundary costs
// some 15 ms on a fast link (the server checks, syncs and answers while the link idles), so
// larger chunks keep it near the single-request pace (bench/tus_upload.py, data folder: 16 MiB
// 0.70x, 32 MiB 0.78x, 64 MiB 0.86x); on a slow link it makes no difference. A cut loses only
// what was in flight: the server keeps what arrived. A proxy in front must take 64 MiB bodies.
const CHUNK = 64 * 1024 * 1024;
// After a failure: retry at once, then wait longer; offline, the `online` event restarts it.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 30000, 60000];
const SPEED_WINDOW_MS = 8000;

const form = document.getElementById("upload-form");
const bar = document.getElementById("upload-progress");
const status = document.getElementById("upload-status");
const errorBox = document.getElementById("upload-error");
const fileInput = document.getElementById("file");
const camera = document.getElementById("camera");
const controls = document.getElementById("upload-controls");
const pauseButton = document.getElementById("upload-pause");
const resumeButton = document.getElementById("upload-resume");
const cancelButton = document.getElementById("upload-cancel");
const notice = document.getElementById("upload-notice");
const submit = form && form.querySelector("button[type=submit]");
const text = (form && form.dataset) || {};
const lang = document.documentElement.lang || "da";
// The field each refusal is about, when the answer does not name one (pages.py's table).
let fieldOfError = {};
let current = null; // { upload, paused, name }
let samples = []; // [time, bytes] of the last seconds, for the speed

// The refused field is marked invalid and described by the message, then by its hint.
function mark(name) {
  const input = name && document.getElementById(name);
  if (!input || !form.contains(input)) return;
  const hint = input.getAttribute("aria-describedby") || "";
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", (errorBox.id + " " + hint).trim());
}

function unmark() {
  form.querySelectorAll("[aria-invalid]").forEach((input) => {
    const ids = (input.getAttribute("aria-describedby") || "")
      .split(/\s+/)
      .filter((id) => id && id !== errorBox.id);
    input.removeAttribute("aria-invalid");
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  });
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => values[name]);
}

function fail(message, field) {
  unmark();
  mark(field);
  errorBox.textContent = message;
  errorBox.hidden = false;
  bar.hidden = true;
  controls.hidden = true;
  submit.disabled = false;
  status.textContent = "";
  errorBox.focus();
}

// Megabytes per second and the time left, in the page's language (Intl's own plurals).
function speedText(bytesPerSecond) {
  const unit = bytesPerSecond >= 1e6 ? "megabyte" : "kilobyte";
  const value = bytesPerSecond / (unit === "megabyte" ? 1e6 : 1e3);
  return new Intl.NumberFormat(lang, {
    style: "unit",
    unit: unit + "-per-second",
    maximumFractionDigits: 1,
  }).format(value);
}

function timeText(seconds) {
  const [value, unit] = seconds >= 5400 ? [seconds / 3600, "hour"]
    : seconds >= 90 ? [seconds / 60, "minute"] : [Math.max(1, seconds), "second"];
  return new Intl.NumberFormat(lang, { style: "unit", unit, unitDisplay: "long",
    maximumFractionDigits: 0 }).format(Math.round(value));
}

function showProgress(sent, total) {
  const now = performance.now();
  samples.push([now, sent]);
  while (samples.length > 2 && now - samples[0][0] > SPEED_WINDOW_MS) samples.shift();
  const share = total ? sent / total : 0;
  bar.value = Math.floor(share * 1000) / 10;
  const percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 })
    .format(Math.floor(share * 100) / 100);
  const [t0, b0] = samples[0];
  const speed = now > t0 ? ((sent - b0) * 1000) / (now - t0) : 0;
  if (sent >= total) {
    status.textContent = text.checking;
  } else if (speed > 0 && now - t0 > 1000) {
    status.textContent = fill(text.progress, {
      percent,
      speed: speedText(speed),
      left: timeText((total - sent) / speed),
    });
  } else {
    status.textContent = percent;
  }
}

function fieldsOf() {
  const fields = {};
  new FormData(form).forEach((value, name) => {
    if (typeof value === "string" && name !== "csrf_token") fields[name] = value;
  });
  return fields;
}

function refusal(err) {
  // tus-js-client's DetailedError carries the server's answer, our {"detail", "code"} JSON.
  const res = err && err.originalResponse;
  if (!res || res.getStatus() < 400 || res.getStatus() === 409 || res.getStatus() === 423) {
    return null;
  }
  let body = null;
  try {
    body = JSON.parse(res.getBody());
  } catch {
    /* a proxy's page */
  }
  return new ApiError(res.getStatus(), body);
}

async function forget(store, key) {
  if (store) await store.remove(key).catch(() => {});
}

// One upload from start (or from where the server has it) to the recording.
async function send(file, fields, { resumed = false } = {}) {
  const store = await openStore("uploads").catch(() => null);
  const key = [file.name, file.size, file.lastModified].join(":");
  errorBox.hidden = true;
  unmark();
  bar.hidden = false;
  controls.hidden = false;
  pauseButton.hidden = false;
  resumeButton.hidden = true;
  submit.disabled = true;
  samples = [];
  const upload = new window.tus.Upload(file, {
    endpoint: form.dataset.tus,
    chunkSize: CHUNK,
    retryDelays: RETRY_DELAYS,
    metadata: { ...fields, filename: file.name },
    headers: requestHeaders("application/json"),
    removeFingerprintOnSuccess: true,
    onProgress: showProgress,
    onError(err) {
      const refused = refusal(err);
      if (refused) {
        forget(store, key);
        current = null;
        fail(refused.message, refused.field || fieldOfError[refused.code] || null);
        return;
      }
      // No answer (offline, the server restarting): go on once the network is back.
      status.textContent = text.offline;
      const again = () => {
        if (!current || current.upload !== upload || current.paused) return;
        samples = []; // the pace from here: the server may have more than the bar showed
        upload.start();
      };
      window.addEventListener("online", again, { once: true });
      setTimeout(again, 30000);
    },
    async onSuccess({ lastResponse }) {
      current = null;
      const at = lastResponse && lastResponse.getHeader("Recording-Location");
      const id = at ? at.split("/").pop() : "";
      await forget(store, key); // gone from this browser before the page leaves
      window.location.assign("/recordings?uploaded=" + encodeURIComponent(id));
    },
  });
  current = { upload, paused: false, name: file.name, store, key };
  if (store && !resumed) {
    // Kept until it is sent: a reload (or a crash) goes on from here.
    await store.put(key, { file, fields, name: file.name }).catch(() => {});
  }
  const earlier = await upload.findPreviousUploads();
  if (earlier.length) upload.resumeFromPreviousUpload(earlier[0]);
  if (resumed) {
    // Said where it stays: the status line soon shows the progress again.
    notice.textContent = fill(text.resuming, { name: file.name });
    notice.hidden = false;
  }
  upload.start();
}

function submitted(event) {
  if (!form.checkValidity()) return;
  event.preventDefault();
  const file = fileInput.files[0] || (camera && camera.files[0]);
  send(file, fieldsOf());
}

function pause() {
  if (!current) return;
  current.paused = true;
  current.upload.abort();
  pauseButton.hidden = true;
  resumeButton.hidden = false;
  status.textContent = text.paused;
  resumeButton.focus();
}

function resume() {
  if (!current) return;
  current.paused = false;
  samples = [];
  current.upload.start();
  resumeButton.hidden = true;
  pauseButton.hidden = false;
  pauseButton.focus();
}

async function cancel() {
  if (!current) return;
  const { upload, store, key } = current;
  current = null;
  await upload.abort(true).catch(() => {}); // tus termination: the server deletes it
  await forget(store, key);
  bar.hidden = true;
  controls.hidden = true;
  submit.disabled = false;
  status.textContent = text.cancelled;
}

function restoreFields(fields) {
  Object.entries(fields).forEach(([name, value]) => {
    const input = form.elements.namedItem(name);
    if (input instanceof RadioNodeList) input.value = value;
    if (!input || !input.type) return;
    if (input.type === "checkbox") input.checked = Boolean(value);
    else if (input.type !== "file" && input.type !== "hidden") input.value = value;
  });
  // The consent's rules follow what was filled in again (consent.js).
  const consent = form.querySelector("fieldset.consent");
  if (consent) consent.dispatchEvent(new Event("input"));
}

// After a reload: an upload this browser began and did not finish goes on by itself.
async function resumePending() {
  const store = await openStore("uploads").catch(() => null);
  const pending = store ? await store.all().catch(() => []) : [];
  if (pending.length) {
    const { file, fields } = pending[0];
    restoreFields(fields);
    send(file, fields, { resumed: true });
    return;
  }
  // The file could not be kept here (no room, a private window): ask for it again.
  const stored = window.tus.defaultOptions.urlStorage;
  const earlier = ((await stored.findAllUploads().catch(() => [])) || []).filter((entry) =>
    String(entry.uploadUrl || "").includes(form.dataset.tus),
  );
  if (earlier.length) {
    const { metadata = {} } = earlier[0];
    restoreFields(metadata);
    notice.textContent = fill(text.choose_again, { name: metadata.filename || "" });
    notice.hidden = false;
  }
}

// A video from the camera becomes the upload's file: the file field holds it (and names
// it), so the form's own check that a file is chosen holds for both ways.
function useCamera() {
  document.getElementById("camera-field").hidden = false;
  camera.addEventListener("change", () => {
    if (!camera.files.length) return;
    try {
      fileInput.files = camera.files;
    } catch {
      fileInput.required = false; // an old browser: submitted() takes the camera's file itself
    }
  });
  fileInput.addEventListener("change", () => {
    if (fileInput.files.length && camera.files.length && fileInput.files[0] !== camera.files[0]) {
      camera.value = "";
    }
  });
}

if (form && window.tus && window.tus.isSupported) {
  try {
    fieldOfError = JSON.parse(form.dataset.errorFields || "{}");
  } catch {
    /* none */
  }
  form.addEventListener("submit", submitted);
  pauseButton.addEventListener("click", pause);
  resumeButton.addEventListener("click", resume);
  cancelButton.addEventListener("click", cancel);
  window.addEventListener("offline", () => {
    if (current && !current.paused) status.textContent = text.offline;
  });
  if (camera) useCamera();
  resumePending();
}
