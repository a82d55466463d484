// `Replica`: one user's scope on this device, usable offline, kept across reloads, synced with a
// crm server. Its methods are the core's operations (as `Crm`'s): the ones a rep makes in the
// field apply at once under the same rules and wait in an outbox; any other change needs the
// server (INVALID_STATE). The engine holds the replica in memory; after every change its image
// is written to a storage (IndexedDB in browsers), from which `Replica.open` brings it back.

import * as wasm from "./crm_wasm.js";
import { OPS } from "./generated/facts.js";
import { CrmError, epochMs, guarded, loaded, method } from "./calls.js";
import { output } from "./convert.js";

let writes = null;
/** The operations a device may make offline, as the core lists them (needs the engine loaded). */
export function syncOperations() {
  loaded();
  writes ??= new Set(wasm.syncOperations());
  return [...writes];
}

const read = (kind) => {
  const fix = output(kind);
  return (text) => (fix === null ? JSON.parse(text) : fix(JSON.parse(text)));
};
const readOps = read(["list", "DeviceOp"]);
const readRejections = read(["list", "Rejection"]);
const readSummary = read("SyncSummary");

/** A storage in memory (tests, Node scripts): `get`/`set` of text by key. */
export function memoryStorage() {
  const map = new Map();
  return { get: async (key) => map.get(key), set: async (key, value) => void map.set(key, value) };
}

/** A storage in the browser's IndexedDB (database `name`, one object store of replica images). */
export function indexedDbStorage(name = "crm") {
  let db;
  const open = () =>
    (db ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore("replicas");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }));
  const run = async (mode, f) => {
    const store = (await open()).transaction("replicas", mode);
    return new Promise((resolve, reject) => {
      const request = f(store.objectStore("replicas"));
      store.oncomplete = () => resolve(request.result);
      store.onerror = () => reject(store.error);
      store.onabort = () => reject(store.error);
    });
  };
  return {
    get: (key) => run("readonly", (s) => s.get(key)),
    set: (key, value) => run("readwrite", (s) => s.put(value, key)).then(() => undefined),
  };
}

const opening = Symbol("opening");

export class Replica {
  #inner;
  #storage;
  #key;
  #saving = Promise.resolve();
  #queued = false;
  #failed = null;

  /** Use `Replica.open`. */
  constructor(token, inner, storage, key) {
    if (token !== opening) throw new CrmError("INVALID_STATE", "invalid state: use Replica.open()", { reason: "use Replica.open()" });
    this.#inner = inner;
    this.#storage = storage;
    this.#key = key;
  }

  /**
   * The replica of `userId` on `deviceId`, from `storage` when it holds one (else new and empty
   * until its first `sync`). `storage` defaults to IndexedDB where there is one; `null` keeps it
   * in memory only. `now` fixes the clock (tests).
   */
  static async open({ userId, deviceId, storage, key, now } = {}) {
    loaded();
    if (typeof userId !== "string" || userId === "") throw new CrmError("INVALID_INPUT", "invalid userId: the user's id", { field: "userId", reason: "the user's id" });
    if (typeof deviceId !== "string" || deviceId === "") throw new CrmError("INVALID_INPUT", "invalid deviceId: this device's id", { field: "deviceId", reason: "this device's id" });
    const store = storage === undefined ? (typeof indexedDB === "undefined" ? null : indexedDbStorage()) : storage;
    const name = key ?? `crm-replica:${userId}:${deviceId}`;
    const nowMs = now === undefined ? undefined : epochMs(now, "now");
    const saved = store === null ? undefined : await store.get(name);
    const inner = guarded(() => (typeof saved === "string" ? wasm.Replica.restore(saved, nowMs) : new wasm.Replica(userId, deviceId, nowMs)));
    if (inner.userId() !== userId) {
      inner.free();
      throw new CrmError("INVALID_STATE", `invalid state: the stored replica belongs to user ${saved ? "another user" : ""}`.trim(), { reason: "the stored replica belongs to another user" });
    }
    const replica = new Replica(opening, inner, store, name);
    if (typeof saved !== "string") await replica.save();
    return replica;
  }

  get userId() {
    return this.#inner.userId();
  }

  get deviceId() {
    return this.#inner.deviceId();
  }

  /** The last server event applied; undefined before the first sync. */
  get cursor() {
    return guarded(() => this.#inner.cursor()) ?? undefined;
  }

  /** The operations made offline and not yet pushed, oldest first. */
  outbox() {
    return readOps(guarded(() => this.#inner.outbox()));
  }

  /** The operations the server refused (with the error's code and details), oldest first. */
  rejections() {
    return readRejections(guarded(() => this.#inner.rejections()));
  }

  /** Forgets a refusal the user has seen. */
  dismissRejection(opId) {
    guarded(() => this.#inner.dismissRejection(opId));
    this.save();
  }

  /**
   * Writes the replica's image to its storage (done after every change; await it before unload).
   * Changes made while a write is waiting share the next one: the image is taken when the write
   * starts, so a burst of changes costs one image, not one each.
   */
  save() {
    if (this.#storage === null) return Promise.resolve();
    if (!this.#queued) {
      this.#queued = true;
      this.#saving = this.#saving
        .then(() => {
          this.#queued = false;
          return this.#storage.set(this.#key, this.#inner.image());
        })
        .catch((e) => {
          this.#failed = e;
        });
    }
    return this.flush();
  }

  /** Waits for the writes to storage so far; throws the last one's failure. */
  async flush() {
    await this.#saving;
    const failed = this.#failed;
    this.#failed = null;
    if (failed !== null) throw failed;
  }

  /**
   * Pushes the outbox and pulls the server's changes (the whole scope on the first sync) through
   * `remote` (a `RemoteCrm`, with its fetch and credential). A failure to reach the server
   * throws; what was applied before it stays applied, and the next `sync` carries on.
   */
  async sync(remote) {
    if (remote === null || typeof remote?.syncCall !== "function") {
      throw new CrmError("INVALID_INPUT", "invalid remote: a RemoteCrm", { field: "remote", reason: "a RemoteCrm" });
    }
    const inner = this.#inner;
    const total = { snapshot: false, applied: 0, rejected: 0, conflicts: 0, events: 0, removed: 0, cursor: 0 };
    const add = (s) => {
      for (const k of ["applied", "rejected", "conflicts", "events", "removed"]) total[k] += s[k];
    };
    if (this.cursor === undefined) {
      const snapshot = await remote.syncCall("sync_snapshot", "{}");
      guarded(() => inner.applySnapshot(snapshot));
      total.snapshot = true;
      await this.save();
    }
    for (let body = guarded(() => inner.pushBody()); body !== undefined; body = guarded(() => inner.pushBody())) {
      const answer = await remote.syncCall("sync_push", body);
      add(readSummary(guarded(() => inner.applyPush(answer))));
      await this.save();
    }
    for (;;) {
      const before = this.cursor;
      const page = await remote.syncCall("sync_pull", guarded(() => inner.pullBody()));
      add(readSummary(guarded(() => inner.applyPull(page))));
      await this.save();
      if (!JSON.parse(page).more || this.cursor === before) break;
    }
    total.cursor = this.cursor ?? 0;
    return total;
  }

  /** Moves the fixed clock (INVALID_STATE on the JavaScript clock). */
  setNow(now) {
    guarded(() => this.#inner.setNow(epochMs(now, "now")));
  }

  /** Releases the replica's memory (its storage keeps it). */
  free() {
    this.#inner.free();
  }

  static {
    const call = (replica, name, actor, text) => {
      const out = replica.#inner.call(name, actor, text);
      writes ??= new Set(wasm.syncOperations());
      if (writes.has(name)) replica.save();
      return out;
    };
    for (const [name, op] of Object.entries(OPS)) {
      if (op[2]) Object.defineProperty(Replica.prototype, op[0], { value: method(name, op, call), writable: true, configurable: true });
    }
  }
}
