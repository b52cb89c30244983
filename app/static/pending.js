// What a page keeps in this browser's IndexedDB until the server has it: an upload's file
// (until it is sent), a recording's chunks (until each is confirmed). One database, a store
// per kind; every value is removed as soon as it has been sent, so nothing stays behind.
const DB_NAME = "videosparring-pending";
const STORES = ["uploads", "chunks"];

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

/** A key-value store of kind `name` ("uploads" or "chunks"): put, get, remove, all, keys. */
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
