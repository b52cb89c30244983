// The recorder's chunks in IndexedDB until the server has them: "uploads" holds one row per
// recording being sent (its upload's address, how many bytes the recorder has made, whether
// it has stopped), "chunks" the recorder's pieces, keyed by the upload's address and their
// sequence number, each with the byte it starts at.
const NAME = "videosparring-recorder";

const asked = (request) =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

class ChunkStore {
  constructor(db) {
    this.db = db;
  }

  // One transaction: `work(stores)` makes its requests; resolves once they are durable.
  run(names, mode, work) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(names, mode);
      const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
      let result;
      Promise.resolve(work(stores)).then((value) => (result = value), reject);
      tx.oncomplete = () => resolve(result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }

  /** The chunk and its upload's row (how far the recorder has come), together. */
  add(meta, chunk) {
    return this.run(["uploads", "chunks"], "readwrite", ({ uploads, chunks }) => {
      chunks.put({ url: meta.url, ...chunk });
      uploads.put(meta);
    });
  }

  putUpload(meta) {
    return this.run(["uploads"], "readwrite", ({ uploads }) => uploads.put(meta));
  }

  uploads() {
    return this.run(["uploads"], "readonly", ({ uploads }) => asked(uploads.getAll()));
  }

  /** The upload's chunks not yet deleted, in order. */
  chunks(url) {
    const range = IDBKeyRange.bound([url, 0], [url, Infinity]);
    return this.run(["chunks"], "readonly", ({ chunks }) => asked(chunks.getAll(range)));
  }

  drop(url, seqs) {
    return this.run(["chunks"], "readwrite", ({ chunks }) => {
      seqs.forEach((seq) => chunks.delete([url, seq]));
    });
  }

  /** The upload's row and every chunk of it: nothing of the recording is left here. */
  forget(url) {
    return this.run(["uploads", "chunks"], "readwrite", ({ uploads, chunks }) => {
      uploads.delete(url);
      chunks.delete(IDBKeyRange.bound([url, 0], [url, Infinity]));
    });
  }
}

export function openStore() {
  const request = indexedDB.open(NAME, 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore("uploads", { keyPath: "url" });
    request.result.createObjectStore("chunks", { keyPath: ["url", "seq"] });
  };
  return asked(request).then((db) => new ChunkStore(db));
}
