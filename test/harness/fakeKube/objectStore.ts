/**
 * In-memory etcd stand-in: objects keyed by resource/namespace/name, one global resourceVersion
 * counter, and an event history so a watch can resume from any resourceVersion it has seen (and get
 * 410 Gone for one that has been compacted away, as with a real cluster).
 */

import { cloneObject, type KubeObject } from "./kubeObject.js";
import type { ResourceType } from "./resourceCatalog.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  resourceVersion: number;
  eventType: WatchEventType;
  resource: ResourceType;
  object: KubeObject;
  /** The state before a MODIFIED, so label-selector watches can turn it into ADDED/DELETED. */
  previous?: KubeObject;
}

type Listener = (event: StoreEvent) => void;

function keyOf(resource: ResourceType, namespace: string | undefined, name: string): string {
  return `${resource.plural}.${resource.group}|${resource.namespaced ? (namespace ?? "") : ""}|${name}`;
}

export class ObjectStore {
  private readonly objects = new Map<string, { resource: ResourceType; object: KubeObject }>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private revision = 0;
  /** Watches asking for anything older than this get 410 Gone. */
  private compactedThrough = 0;

  constructor(private readonly historyLimit: number) {}

  get resourceVersion(): number {
    return this.revision;
  }

  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const entry = this.objects.get(keyOf(resource, namespace, name));
    return entry === undefined ? undefined : cloneObject(entry.object);
  }

  /**
   * Sorted by namespace then name, which is the order a real list comes back in. `matches` (label
   * and field selectors, an owner) sees the stored objects, so that only what it keeps is copied:
   * copying a whole namespace's pods for every selector list was most of the bench's fake-cluster CPU.
   */
  list(resource: ResourceType, namespace?: string, matches: (object: Readonly<KubeObject>) => boolean = () => true): KubeObject[] {
    const kept: { key: string; object: KubeObject }[] = [];
    for (const entry of this.objects.values()) {
      if (entry.resource !== resource) continue;
      if (namespace !== undefined && resource.namespaced && entry.object.metadata.namespace !== namespace) continue;
      if (!matches(entry.object)) continue;
      kept.push({ key: `${entry.object.metadata.namespace ?? ""}/${entry.object.metadata.name}`, object: entry.object });
    }
    return kept.sort((a, b) => a.key.localeCompare(b.key)).map(({ object }) => cloneObject(object));
  }

  /** Every object in every resource type, for cascade and namespace deletion. */
  all(): { resource: ResourceType; object: KubeObject }[] {
    return [...this.objects.values()].map(({ resource, object }) => ({ resource, object: cloneObject(object) }));
  }

  /** Stores the object under a fresh resourceVersion and returns what was stored. */
  write(resource: ResourceType, object: KubeObject): KubeObject {
    const key = keyOf(resource, object.metadata.namespace, object.metadata.name);
    const previous = this.objects.get(key)?.object;
    const stored = cloneObject(object);
    stored.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key, { resource, object: stored });
    this.record({
      resourceVersion: this.revision,
      eventType: previous === undefined ? "ADDED" : "MODIFIED",
      resource,
      object: cloneObject(stored),
      ...(previous === undefined ? {} : { previous: cloneObject(previous) }),
    });
    return cloneObject(stored);
  }

  remove(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = keyOf(resource, namespace, name);
    const entry = this.objects.get(key);
    if (entry === undefined) return undefined;
    this.objects.delete(key);
    const removed = cloneObject(entry.object);
    removed.metadata.resourceVersion = String(++this.revision);
    this.record({ resourceVersion: this.revision, eventType: "DELETED", resource, object: cloneObject(removed) });
    return removed;
  }

  count(filter: (resource: ResourceType) => boolean): number {
    let n = 0;
    for (const entry of this.objects.values()) if (filter(entry.resource)) n++;
    return n;
  }

  /** Events after `resourceVersion`, or "expired" when history no longer reaches back that far. */
  eventsAfter(resourceVersion: number): StoreEvent[] | "expired" {
    if (resourceVersion < this.compactedThrough) return "expired";
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  compact(): void {
    this.history.length = 0;
    this.compactedThrough = this.revision;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      const last = dropped[dropped.length - 1];
      if (last !== undefined) this.compactedThrough = last.resourceVersion;
    }
    for (const listener of [...this.listeners]) listener(event);
  }
}
