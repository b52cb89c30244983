// The upload page's files in this browser's IndexedDB until the server has them whole, so
// that a reloaded page goes on by itself; each is removed once it is in, refused or
// cancelled. (The recorder keeps its chunks apart, in chunkstore.js.)
const DB_NAME = "videosparring-pending";
const STORES = ["uploads"];

function opened() {
  return new Promise((resolve, reject) => {
    const ask = indexedDB.open(DB_NAME, 1);
    ask.onupgradeneeded = () => STORES.forEach((name) => ask.result.createObjectStore(name));
    ask.onsuccess = () => resolve(ask.result);
    ask.onerror = () => reject(ask.error);
  });
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The key-value store `name` ("uploads"): put, get, remove, all, keys. */
export async function openStore(name) {
  const db = await opened();
  const run = (mode, act) => done(act(db.transaction(name, mode).objectStore(name)));
  return {
    put: (key, value) => run("readwrite", (s) => s.put(value, key)),
    get: (key) => run("readonly", (s) => s.get(key)),
    remove: (key) => run("readwrite", (s) => s.delete(key)),
    all: () => run("readonly", (s) => s.getAll()),
    keys: () => run("readonly", (s) => s.getAllKeys()),
  };
}
