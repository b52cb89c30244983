// Uploads with a progress bar; without JavaScript the form posts normally.
// The file goes as the request body itself (the API's fast path: no multipart parsing on the
// server), the form's other fields URL-encoded in the X-Upload-Fields header.
import { ApiError, upload } from "./api.js";

const form = document.getElementById("upload-form");
const bar = document.getElementById("upload-progress");
const status = document.getElementById("upload-status");
const errorBox = document.getElementById("upload-error");
const fileInput = document.getElementById("file");
const camera = document.getElementById("camera");
// The field each refusal is about, when the answer does not name one (pages.py's table).
let fieldOfError = {};

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

function fail(message, field) {
  unmark();
  mark(field);
  errorBox.textContent = message;
  errorBox.hidden = false;
  bar.hidden = true;
  form.querySelector("button[type=submit]").disabled = false;
  status.textContent = "";
  errorBox.focus();
}

function send(event) {
  if (!form.checkValidity()) return;
  event.preventDefault();
  const file = fileInput.files[0] || (camera && camera.files[0]);
  const fields = new URLSearchParams();
  new FormData(form).forEach((value, name) => {
    if (typeof value === "string" && name !== "csrf_token") fields.append(name, value);
  });
  fields.append("filename", file.name);
  errorBox.hidden = true;
  unmark();
  bar.hidden = false;
  bar.value = 0;
  form.querySelector("button[type=submit]").disabled = true;
  const onProgress = (share) => {
    bar.value = Math.round(share * 100);
    status.textContent = bar.value + " %";
  };
  upload(form.dataset.api, file, { headers: { "X-Upload-Fields": fields.toString() }, onProgress })
    .then((rec) => window.location.assign("/recordings?uploaded=" + encodeURIComponent(rec.id)))
    .catch((err) => {
      if (err instanceof ApiError) fail(err.message, err.field || fieldOfError[err.code] || null);
      else fail(status.dataset.neterror || "Netværksfejl / network error");
    });
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
      fileInput.required = false; // an old browser: send() takes the camera's file itself
    }
  });
  fileInput.addEventListener("change", () => {
    if (fileInput.files.length && camera.files.length && fileInput.files[0] !== camera.files[0]) {
      camera.value = "";
    }
  });
}

if (form) {
  try {
    fieldOfError = JSON.parse(form.dataset.errorFields || "{}");
  } catch {
    /* none */
  }
  form.addEventListener("submit", send);
  if (camera) useCamera();
}
