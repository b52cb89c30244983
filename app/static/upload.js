// Uploads with a progress bar; without JavaScript the form posts normally.
// The file goes as the request body itself (the API's fast path: no multipart parsing on the
// server), the form's other fields URL-encoded in the X-Upload-Fields header.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData || !window.URLSearchParams) return;
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var errorBox = document.getElementById("upload-error");
  var button = form.querySelector("button[type=submit]");
  // The field each refusal is about, when the answer does not name one (pages.py's table).
  var fieldOfError = {};
  try { fieldOfError = JSON.parse(form.dataset.errorFields || "{}"); } catch (err) { /* none */ }

  form.addEventListener("submit", function (event) {
    if (!form.checkValidity()) return;
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.setRequestHeader("Accept", "application/json");
    // Messages come back in the page's language, however the page was chosen.
    xhr.setRequestHeader("Accept-Language", document.documentElement.lang || "da");
    var csrf = form.querySelector("input[name=csrf_token]");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf.value);
    var file = form.querySelector("input[type=file]").files[0];
    var fields = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token") fields.append(name, value);
    });
    fields.append("filename", file.name);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-Upload-Fields", fields.toString());
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = bar.value + " %";
      }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status === 201) {
        var rec = JSON.parse(xhr.responseText);
        window.location.assign("/recordings?uploaded=" + encodeURIComponent(rec.id));
        return;
      }
      var message = "HTTP " + xhr.status, field = null;
      try {
        var body = JSON.parse(xhr.responseText);
        message = body.detail || message;
        field = body.field || fieldOfError[body.code] || null;
      } catch (err) { /* not JSON */ }
      if (typeof message !== "string") message = JSON.stringify(message);
      fail(message, field);
    });
    xhr.addEventListener("error", function () { fail(status.dataset.neterror || "Netværksfejl / network error"); });
    errorBox.hidden = true;
    unmark();
    bar.hidden = false; bar.value = 0;
    button.disabled = true;
    xhr.send(file);
  });

  // The refused field is marked invalid and described by the message, then by its hint.
  function mark(name) {
    var input = name && document.getElementById(name);
    if (!input || !form.contains(input)) return;
    var hint = input.getAttribute("aria-describedby") || "";
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", (errorBox.id + " " + hint).trim());
  }

  function unmark() {
    form.querySelectorAll("[aria-invalid]").forEach(function (input) {
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== errorBox.id;
      });
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
    button.disabled = false;
    status.textContent = "";
    errorBox.focus();
  }
})();
