// Feedback on a session page that others watch too: a save here is announced to the room
// over the live channel (live.js), and a save there updates this page's thread and marker.
// A draft is its author's alone: it is never announced.

/** Tell the room (live.js) that item `id` was saved. */
export function announce(id, draft) {
  const detail = { id: id ? parseInt(id, 10) : null, draft: !!draft };
  document.dispatchEvent(new CustomEvent("feedback:saved", { detail }));
}

/**
 * Someone else saved: their thread as it now reads (that one thread, never the whole list),
 * and its marker from the fresh thread's data.
 */
export function followRoom({ markers, threads }) {
  document.addEventListener("live:feedback", (e) => {
    const id = e.detail && e.detail.feedback_id;
    if (!id) return; // the server relays only messages that name an item
    threads.refresh(id, true).then(() => {
      const article = threads.threadOf(id);
      if (article && !article.classList.contains("deleted")) markers.putThread(article);
      else markers.remove(article ? article.dataset.id : id);
    });
  });
}
