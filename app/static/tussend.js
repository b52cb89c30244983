// A few-line tus 1.0 client for recordings made in the browser (app/uploads/routes.py):
// the upload is created with a deferred length, and `Sender` sends the recorder's chunks
// from the chunk store in order, deleting each once the server has confirmed it. Every
// PATCH after the recorder stopped carries the total (Upload-Length); the one that
// completes it answers with the recording's address.
import { ApiError, exchange } from "./api.js";

const TUS = { "Tus-Resumable": "1.0.0" };
// The server takes at most 1 MiB in one request's body (app/core/middleware.py).
const MOST_PER_PATCH = 512 * 1024;
const RETRY_LOCKED_MS = 500;
const MOST_BACKOFF_MS = 15000;

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  bytes.forEach((b) => (binary += String.fromCharCode(b)));
  return btoa(binary);
}

const tus = (method, url, headers = {}, body = undefined) =>
  exchange(url, { method, headers: { ...TUS, ...headers }, body });

async function refusal(answer) {
  let body = null;
  try {
    body = await answer.json();
  } catch {
    /* not JSON */
  }
  return new ApiError(answer.status, body);
}

/** POST: a new upload of deferred length with `fields`; its address. */
export async function createUpload(endpoint, fields) {
  const metadata = Object.entries(fields)
    .map(([key, value]) => `${key} ${base64(value)}`)
    .join(",");
  const answer = await tus("POST", endpoint, { "Upload-Defer-Length": "1", "Upload-Metadata": metadata });
  if (answer.status !== 201) throw await refusal(answer);
  return new URL(answer.headers.get("Location"), window.location.href).pathname;
}

/** DELETE: the upload and what was sent of it. */
export function terminate(url) {
  return tus("DELETE", url);
}

const recordingOf = (answer) => (answer.headers.get("Recording-Location") || "").split("/").pop() || null;

/**
 * Sends the chunks of one upload (`meta`: its row in the chunk store) until the server has
 * them all and the recorder has stopped; `run()` resolves with the recording's id. Waits
 * while the network is gone, and goes on from where the server says it stands.
 */
export class Sender {
  constructor(store, meta, onChange = () => {}) {
    this.store = store;
    this.meta = meta;
    this.onChange = onChange;
    this.offset = 0; // what the server has confirmed
    this.sentSeconds = 0; // of the recording, in the chunks the server has whole
    this.offline = !navigator.onLine;
    this.failures = 0;
    this.recordingId = null;
    this._wake = null;
    this._dirty = false;
    window.addEventListener("online", () => this.wake());
  }

  /** Something changed (a chunk, the stop, the network): look again now. */
  wake() {
    this._dirty = true; // a wake while the loop is busy is not lost: its next sleep returns
    const wake = this._wake;
    this._wake = null;
    if (wake) wake();
  }

  sleep(ms) {
    if (this._dirty) {
      this._dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this._wake = resolve;
      if (ms) setTimeout(() => this.wake(), ms);
    });
  }

  get waiting() {
    return Math.max(0, this.meta.produced - this.offset);
  }

  async run() {
    await this.ask();
    while (!this.recordingId) {
      this._dirty = false;
      const chunks = await this.store.chunks(this.meta.url);
      const held = chunks.filter((c) => c.start + c.size <= this.offset);
      if (held.length) {
        await this.store.drop(this.meta.url, held.map((c) => c.seq));
        this.sentSeconds = Math.max(this.sentSeconds, ...held.map((c) => c.until));
      }
      const pending = chunks.filter((c) => c.start + c.size > this.offset);
      this.onChange();
      const complete = this.meta.stopped && this.offset >= this.meta.produced;
      if (!pending.length && !complete) {
        if (this.meta.stopped) this.meta.produced = this.offset; // the store lost some: finish with what there is
        else await this.sleep(0);
        continue;
      }
      await this.send(pending);
    }
    await this.store.forget(this.meta.url);
    this.onChange();
    return this.recordingId;
  }

  // One PATCH from the confirmed offset (a chunk may be half sent), with what follows.
  async send(pending) {
    const parts = [];
    let size = 0;
    for (const chunk of pending) {
      if (size >= MOST_PER_PATCH) break;
      const from = Math.max(0, this.offset - chunk.start);
      const part = chunk.blob.slice(from, from + MOST_PER_PATCH - size);
      parts.push(part);
      size += part.size;
    }
    const headers = {
      "Content-Type": "application/offset+octet-stream",
      "Upload-Offset": String(this.offset),
    };
    if (this.meta.stopped) headers["Upload-Length"] = String(this.meta.produced);
    let answer;
    try {
      answer = await tus("PATCH", this.meta.url, headers, new Blob(parts));
    } catch {
      await this.lost(); // what arrived before the cut is kept by the server: ask it
      return;
    }
    if (answer.status === 204) {
      this.reached(answer);
    } else if (answer.status === 409) {
      await this.ask();
    } else if (answer.status === 423 || answer.status >= 500) {
      await this.sleep(answer.status === 423 ? RETRY_LOCKED_MS : this.backoff());
    } else {
      throw await refusal(answer);
    }
  }

  reached(answer) {
    this.failures = 0;
    this.offline = false;
    this.offset = Number(answer.headers.get("Upload-Offset"));
    this.recordingId = recordingOf(answer);
  }

  /** HEAD: where the server stands (after a cut, a 409, or on resuming). */
  async ask() {
    for (;;) {
      let answer;
      try {
        answer = await tus("HEAD", this.meta.url);
      } catch {
        await this.lost();
        continue;
      }
      if (answer.ok) return this.reached(answer);
      if (answer.status === 423 || answer.status >= 500) await this.sleep(this.backoff());
      else throw await refusal(answer);
    }
  }

  backoff() {
    this.failures += 1;
    return Math.min(MOST_BACKOFF_MS, 500 * 2 ** this.failures);
  }

  // No answer: wait for the browser to be back online (or a while, if it thinks it is).
  async lost() {
    this.offline = true;
    this.onChange();
    await this.sleep(navigator.onLine ? this.backoff() : MOST_BACKOFF_MS);
  }
}
