// Group commit of one run's step records, for a host that runs every attempt of the run's steps in its own process
// (the embedded engine). A call that ended quickly is recorded by one write (Runs.stepCompleted); here that write is
// queued and the step goes on, and what is queued while a write is in flight goes in the next one, up to 25 records
// per BatchWriteItem. A run of fast steps then writes its records in a few requests, off the steps' path, instead of
// one UpdateItem per step that the next step waited for (bench/workflow.ts).
//
// What it keeps true (docs/architecture.md, "Write protocols"):
// - every record is stored before the run's end is written: the host flushes before endRun, and a record that cannot
//   be written fails the run;
// - a read of the run's step records (a step's arguments that reference an earlier output) and any other write of
//   them (a slow call's start and end, which count attempts in the store) first waits until the queue is stored;
// - a crash loses at most the queued and in-flight records (MAX_QUEUED and one write), of steps whose calls had
//   ended: as a crash a moment earlier, before their record, would have. The run is then marked FAILED at the next
//   start and those steps show NOT_RUN, as a step does whose call was under way.
import { putMany, type Table } from "../store/table.js";

/** Records a step may leave queued before it waits for them: one BatchWriteItem's worth. */
export const MAX_QUEUED = 25;

/** What is known of a step call's item: the attempts this batch put and its last record, or that it is written elsewhere. */
type Known = { attempts: number; startedAt: string; item: Record<string, unknown> } | "elsewhere";

/**
 * Bytes of records kept for the run's reads: a step reads the outputs it references from memory while the run's records
 * fit (outputs are inline up to 64 KiB each), from the store past it.
 */
const KEPT_BYTES = 4 * 1024 * 1024;

export class StepRecordBatch {
  private readonly known = new Map<string, Known>();
  private queued: Record<string, unknown>[] = [];
  private writing: Promise<void> | undefined;
  private failure: unknown;
  private keptBytes = 0;

  constructor(private readonly table: Table) {}

  /** Whether this batch can record the next attempt of `sk` whole: it put every earlier attempt, or there was none. */
  takes(sk: string): boolean {
    return this.known.get(sk) !== "elsewhere";
  }

  /**
   * Queues an attempt recorded whole: its item without `attempts`, its start (the first attempt's start is kept).
   * Resolves at once, or once the queue is stored when MAX_QUEUED records wait; rejects when a write failed.
   */
  async put(item: Record<string, unknown> & { sk: string; startedAt: string }): Promise<void> {
    if (this.failure) throw this.failure;
    const before = this.known.get(item.sk);
    const earlier = before === undefined || before === "elsewhere" ? undefined : before;
    const attempts = (earlier?.attempts ?? 0) + 1;
    const startedAt = earlier?.startedAt ?? item.startedAt;
    const record = { ...item, startedAt, attempts };
    this.keptBytes += JSON.stringify(record).length;
    this.known.set(item.sk, { attempts, startedAt, item: this.keptBytes <= KEPT_BYTES ? record : {} });
    // An earlier attempt still queued is replaced: its record is this one's past.
    this.queued = this.queued.filter((queued) => queued.sk !== item.sk);
    this.queued.push(record);
    const writing = this.write();
    if (this.queued.length < MAX_QUEUED) return;
    await writing;
    if (this.failure) throw this.failure;
  }

  /**
   * The records of `sks` as this batch last put them, when it put every one of them and still keeps them (the run's
   * own writes: nothing else writes them, so the store holds the same once the queue is stored); else undefined.
   */
  records(sks: string[]): Record<string, unknown>[] | undefined {
    const found: Record<string, unknown>[] = [];
    for (const sk of sks) {
      const known = this.known.get(sk);
      if (known === undefined || known === "elsewhere" || known.item.sk === undefined) return undefined;
      found.push(known.item);
    }
    return found;
  }

  /** From now on `sk` is written around this batch (a slow call's start and end); what is queued is stored first. */
  async elsewhere(sk: string): Promise<void> {
    this.known.set(sk, "elsewhere");
    await this.flush();
  }

  /** Resolves once every record queued so far is stored; rejects with the write's error if one failed. */
  async flush(): Promise<void> {
    while (this.writing || this.queued.length > 0) {
      await this.write();
      if (this.failure) throw this.failure;
    }
  }

  /** One write at a time: the records queued when it starts, up to 25; a failed write keeps them queued. */
  private write(): Promise<void> {
    this.writing ??= (async () => {
      // Steps that ended in the same turn of the event loop go in one write.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.queued.splice(0, MAX_QUEUED);
      try {
        await putMany(this.table, batch);
        this.failure = undefined;
      } catch (error) {
        this.queued.unshift(...batch.filter((item) => !this.queued.some((q) => q.sk === item.sk)));
        this.failure = error;
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }
}
