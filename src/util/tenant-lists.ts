/**
 * Lists kept in memory per tenant (injected faults, the request journal, runtime scenarios), which a
 * reset forgets for one tenant or for all of them. A Map of arrays with the one operation they share.
 */
export class TenantLists<T> {
  private readonly lists = new Map<string, T[]>();

  get(tenant: string): T[] | undefined {
    return this.lists.get(tenant);
  }

  set(tenant: string, items: T[]): void {
    this.lists.set(tenant, items);
  }

  delete(tenant: string): boolean {
    return this.lists.delete(tenant);
  }

  values(): IterableIterator<T[]> {
    return this.lists.values();
  }

  /** Forgets a tenant's items (every tenant's with null); returns how many there were. */
  clear(tenant: string | null): number {
    if (tenant !== null) {
      const n = this.lists.get(tenant)?.length ?? 0;
      this.lists.delete(tenant);
      return n;
    }
    let n = 0;
    for (const items of this.lists.values()) n += items.length;
    this.lists.clear();
    return n;
  }
}
