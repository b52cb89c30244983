// The record page: a conversation recorded with MediaRecorder and sent while it is made.
// The upload is created (the form and the consent checked by the server) before recording
// starts; every chunk (one each TIMESLICE_MS) goes into IndexedDB first and is sent from
// there (tussend.js), so a lost connection only makes chunks wait, and a page closed mid-way
// leaves them for the next visit, which sends them and finishes the upload with them.
import { ApiError, messageOf } from "./api.js";
import { openStore } from "./chunkstore.js";
import { Sender, createUpload, terminate } from "./tussend.js";

const TIMESLICE_MS = 2000;
const VIDEO_TYPES = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm"];
const AUDIO_TYPES = ["audio/webm;codecs=opus", "audio/webm"];
const BITS = { videoBitsPerSecond: 1_000_000, audioBitsPerSecond: 64_000 };

const form = document.getElementById("record-form");
const errorBox = document.getElementById("upload-error");
const startButton = document.getElementById("record-start");
const stopButton = document.getElementById("record-stop");
const testButton = document.getElementById("record-test");
const preview = document.getElementById("preview");
const previewEmpty = document.getElementById("preview-empty");
const progress = document.getElementById("record-progress");
const state = document.getElementById("record-state");
const lang = document.documentElement.lang || "da";
let fieldOfError = {};
let store = null;
let stream = null; // the open camera and microphone
let streamKind = null;
let busy = false; // recording or sending: the form is locked

const fill = (text, values) => Object.entries(values).reduce((t, [k, v]) => t.replace(`{${k}}`, v), text);
const say = (key, values = {}) => (state.textContent = fill(state.dataset[key] || key, values));
const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

function size(bytes) {
  const units = [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]];
  const [unit, scale] = units.find(([, s]) => bytes >= s) || ["B", 1];
  const digits = unit === "B" ? 0 : 1;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(bytes / scale)} ${unit}`;
}

// --- The form: Start only once it is valid; a refused field marked as upload.js does -------

const kind = () => form.querySelector("input[name=record_kind]:checked").value;
const refresh = () => (startButton.disabled = busy || !form.checkValidity());

function unmark() {
  form.querySelectorAll("[aria-invalid]").forEach((input) => {
    const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((id) => id && id !== errorBox.id);
    input.removeAttribute("aria-invalid");
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  });
}

function fail(message, field = null) {
  unmark();
  const input = field && document.getElementById(field);
  if (input && form.contains(input)) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${errorBox.id} ${input.getAttribute("aria-describedby") || ""}`.trim());
  }
  errorBox.textContent = message;
  errorBox.hidden = false;
  errorBox.focus();
}

function lock(locked) {
  busy = locked;
  form.querySelectorAll("input, select").forEach((input) => (input.disabled = locked));
  testButton.disabled = locked;
  refresh();
}

function fields() {
  const out = {};
  new FormData(form).forEach((value, name) => {
    if (typeof value === "string" && name !== "record_kind") out[name] = value;
  });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
  out.filename = `samtale-${stamp}.webm`;
  return out;
}

// --- Camera and microphone ----------------------------------------------------------------

async function open(wanted) {
  if (stream && streamKind === wanted) return stream;
  close();
  say("opening");
  stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: wanted === "video" });
  streamKind = wanted;
  preview.hidden = wanted !== "video";
  previewEmpty.hidden = wanted === "video";
  if (wanted === "audio") previewEmpty.textContent = previewEmpty.dataset.audio;
  if (wanted === "video") {
    preview.srcObject = stream;
    preview.play().catch(() => {});
  }
  return stream;
}

function close() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = streamKind = null;
  preview.srcObject = null;
  preview.hidden = true;
  previewEmpty.hidden = false;
  previewEmpty.textContent = previewEmpty.dataset.none;
}

function deviceProblem(err) {
  close();
  say(err && (err.name === "NotAllowedError" || err.name === "SecurityError") ? "denied" : "unsupported");
}

// --- Recording ----------------------------------------------------------------------------

function showProgress(sender, seconds, stopped) {
  progress.hidden = false;
  const waitingSeconds = Math.max(0, Math.round(seconds - sender.sentSeconds));
  const figures = { time: clock(seconds), sent: size(sender.offset), waiting: size(sender.waiting) };
  const mode = sender.offline ? "offline" : stopped ? "finishing" : "recording";
  // Intl writes the seconds with the language's own plural ("1 sekund", "5 sekunder").
  const waited = new Intl.NumberFormat(document.documentElement.lang || "da", {
    style: "unit",
    unit: "second",
    unitDisplay: "long",
  }).format(waitingSeconds);
  progress.textContent = fill(progress.dataset[mode], { ...figures, waited });
  Object.assign(progress.dataset, {
    state: mode,
    seconds: seconds.toFixed(1),
    produced: sender.meta.produced,
    sent: sender.offset,
    waitingBytes: sender.waiting,
    waitingSeconds,
  });
}

async function start(event) {
  event.preventDefault();
  if (busy || !form.checkValidity()) return;
  errorBox.hidden = true;
  unmark();
  const values = fields();
  const wanted = kind();
  const types = wanted === "video" ? VIDEO_TYPES : AUDIO_TYPES;
  const mimeType = types.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type));
  if (!mimeType) return say("unsupported");
  lock(true);
  try {
    await open(wanted);
  } catch (err) {
    lock(false);
    return deviceProblem(err);
  }
  say("creating");
  let url;
  try {
    url = await createUpload(form.dataset.api, values);
  } catch (err) {
    lock(false);
    say("idle");
    if (err instanceof ApiError) return fail(err.message, err.field || fieldOfError[err.code] || null);
    return fail(state.dataset.neterror);
  }
  record(url, values.title, mimeType);
}

function record(url, title, mimeType) {
  const meta = { url, owner: form.dataset.owner, title, produced: 0, seconds: 0, stopped: false };
  const recorder = new MediaRecorder(stream, { mimeType, ...BITS });
  const began = performance.now();
  let ended = null;
  const elapsed = () => ((ended || performance.now()) - began) / 1000;
  const sender = new Sender(store, meta, () => showProgress(sender, elapsed(), meta.stopped));
  let seq = 0;
  let saving = store.putUpload(meta); // chunks are kept in the order they come
  recorder.addEventListener("dataavailable", (e) => {
    if (!e.data.size) return;
    const chunk = { seq: seq++, start: meta.produced, size: e.data.size, until: elapsed(), blob: e.data };
    meta.produced += e.data.size;
    meta.seconds = chunk.until;
    const row = { ...meta };
    saving = saving.then(() => store.add(row, chunk)).then(() => sender.wake());
  });
  recorder.addEventListener("stop", () => {
    ended = ended || performance.now();
    close();
    saving = saving.then(() => {
      meta.stopped = true;
      return store.putUpload({ ...meta });
    });
    saving.then(() => sender.wake());
  });
  const onOffline = () => {
    sender.offline = true; // no request needs to fail first for the page to say so
    say("offline");
  };
  const onOnline = () => {
    sender.offline = false; // until a request fails again
    say("online");
  };
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);
  const ticker = setInterval(() => showProgress(sender, elapsed(), meta.stopped), 500);
  stopButton.onclick = () => {
    ended = performance.now();
    stopButton.disabled = true;
    say("finishing");
    recorder.stop();
  };
  recorder.start(TIMESLICE_MS);
  stopButton.disabled = false;
  stopButton.focus();
  say("recording");
  sender
    .run()
    .then((id) => {
      say("done");
      window.location.assign("/recordings?uploaded=" + encodeURIComponent(id));
    })
    .catch((err) => {
      if (recorder.state !== "inactive") recorder.stop();
      saving = saving.then(() => store.forget(url)); // the server refused it for good
      lock(false);
      say("failed", { reason: messageOf(err, state.dataset.neterror) });
    })
    .finally(() => {
      clearInterval(ticker);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
    });
}

// --- A recording the last visit left: sent with what the browser kept ---------------------

async function resume(meta) {
  if (meta.owner !== form.dataset.owner) return; // another person's, on a shared computer
  meta.stopped = true;
  say("resuming");
  if (!meta.produced) {
    await terminate(meta.url).catch(() => {});
    return store.forget(meta.url);
  }
  await store.putUpload(meta);
  const sender = new Sender(store, meta, () => showProgress(sender, meta.seconds || 0, true));
  try {
    const id = await sender.run();
    say("resumed", { title: meta.title });
    const link = document.createElement("a");
    link.href = `/recordings/${encodeURIComponent(id)}`;
    link.textContent = meta.title;
    state.append(" ", link);
  } catch (err) {
    await store.forget(meta.url);
    say("failed", { reason: messageOf(err, state.dataset.neterror) });
  }
  progress.hidden = true;
}

async function main() {
  try {
    fieldOfError = JSON.parse(form.dataset.errorFields || "{}");
  } catch {
    /* none */
  }
  if (!navigator.mediaDevices || !window.MediaRecorder || !window.indexedDB) {
    startButton.disabled = testButton.disabled = true;
    return say("unsupported");
  }
  store = await openStore();
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  form.addEventListener("submit", start);
  testButton.addEventListener("click", () => open(kind()).then(() => say("testing"), deviceProblem));
  form.querySelectorAll("input[name=record_kind]").forEach((radio) =>
    radio.addEventListener("change", () => stream && !busy && close()),
  );
  refresh();
  for (const meta of await store.uploads()) await resume(meta);
}

if (form) main();
