// What a reader does on the threads in place: seek to an item, open its edit or reply box,
// reply, edit, delete and publish (one, or all of one's drafts). Each answer refetches the
// thread as the server now renders it, and the others on a session page hear of it.
import { ApiError, messageOf } from "../api.js";

// Fetched threads bring their reply and edit forms as templates: in place when opened.
function formsOf(box) {
  const later = box && box.querySelector(":scope > template.later");
  if (later) later.replaceWith(later.content);
  return box;
}

/**
 * `list` #feedback-list; `markers` (markers.js); `threads` (threads.js); `form` (form.js);
 * `send(method, path, body)` the feedback API; `announce(id)` tells the room; `seek(t)`;
 * `reloadList()` fetches the list again under the filters; `say(text, isError)`.
 */
export function watchThreads({ list, labels, markers, threads, form, send, announce, seek, reloadList, say }) {
  const me = parseInt(list.dataset.me, 10);

  list.addEventListener("toggle", (e) => {
    if (e.target.open) formsOf(e.target);
  }, true);

  list.addEventListener("click", (e) => {
    const seekButton = e.target.closest("button.seek");
    if (seekButton) {
      seek(parseFloat(seekButton.dataset.start));
      return;
    }
    const summary = e.target.closest(".edit-fb > summary");
    const article = summary && summary.closest(".fb");
    if (summary && !summary.closest(".reply") && article) {
      // An item's own edit opens the full form: moment, kind, criteria and text.
      e.preventDefault();
      const text = formsOf(summary.parentNode).querySelector("textarea").value;
      form.edit(markers.byId(article.dataset.id), text);
    }
  });

  // Delete a thread's first item: its marker goes unless replies keep the thread.
  function remove(id) {
    return send("DELETE", "/" + id).then(() => {
      if (markers.byId(id) && !document.querySelector(`#fb-${id} .replies`)) markers.remove(id);
      say(labels.deleted);
    });
  }

  function act(f, id) {
    if (f.classList.contains("delete-fb")) return remove(id);
    if (f.classList.contains("publish-one")) {
      return send("POST", `/${id}/publish`).then((item) => {
        markers.putItem(item);
        say(labels.published);
      });
    }
    if (f.classList.contains("reply-form")) {
      return send("POST", `/${id}/replies`, { text: f.elements.text.value });
    }
    return send("PATCH", "/" + id, { text: f.elements.text.value }).then((item) => {
      if (item.parent_id === null) markers.putItem(item);
    });
  }

  list.addEventListener("submit", (event) => {
    const f = event.target;
    const id = f.dataset.id;
    if (!id) return;
    event.preventDefault();
    if (f.classList.contains("delete-fb") && !window.confirm(f.dataset.confirm)) return;
    act(f, id).then(() => {
      const thread = f.closest(".fb");
      threads.refresh(thread ? thread.dataset.id : id);
      announce(thread ? thread.dataset.id : id);
    }).catch((err) => {
      const status = f.querySelector(".save-status");
      if (status && err instanceof ApiError) {
        status.textContent = messageOf(err, labels.network);
        status.classList.add("error");
      } else {
        say(messageOf(err, labels.network), true);
      }
    });
  });

  document.getElementById("publish-all").addEventListener("submit", (event) => {
    event.preventDefault();
    send("POST", "/publish").then((result) => {
      markers.publishedBy(me);
      say(labels.published);
      reloadList();
      (result.ids || []).forEach((id) => announce(id));
    }).catch((err) => say(messageOf(err, labels.network), true));
  });
}
