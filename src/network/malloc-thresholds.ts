/**
 * Raises glibc malloc's dynamic mmap and trim thresholds, once per process, before the first
 * connection opens: the large buffers a client allocates and frees all the time (a Fetch response
 * frame of 1–50 MiB each, read directly by direct-reader.ts; a producer's requests) then reuse heap
 * memory that stays mapped instead of pages the kernel must fault in and zero again.
 *
 * Why: glibc returns the free memory at the top of its heap to the kernel once more than
 * M_TRIM_THRESHOLD is free there. A consumer allocates a buffer per Fetch response and frees it a
 * few responses later, so with the thresholds glibc reaches by itself (a ~3 MiB frame raises them
 * to ~3 and ~6 MiB) its heap shrinks and grows again continuously, and every frame is read into
 * fresh pages: the kernel's copy into them, and the first pass over them (the CRC check), run at
 * a fraction of their speed on warm memory. Measured: a consumer reading 1,000,000 records of
 * 100 B spent 10–20 % less CPU with the thresholds raised, one of 200,000 records of 1 KiB 12 %
 * (docs/performance.md, "glibc's heap and fresh pages").
 *
 * How: glibc raises both thresholds by itself when a program frees a block it had mmapped, to that
 * block's size (up to 32 MiB on 64-bit hosts) and the trim threshold to twice it — its documented
 * heuristic for programs that allocate large blocks repeatedly (mallopt(3), M_MMAP_THRESHOLD).
 * Allocating one 30 MiB buffer and dropping it triggers that heuristic at once: the buffer is never
 * written, so it never becomes resident, and V8 frees it at its next garbage collection (which it
 * schedules soon, since the buffer counts as external memory). Afterwards up to 60 MiB of freed
 * heap stays mapped for reuse, as `MALLOC_TRIM_THRESHOLD_=62914560` would keep it.
 *
 * No effect where glibc is not the allocator (musl keeps no such thresholds; only Linux is
 * touched), nor when the thresholds were fixed (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ or
 * mallopt: glibc then turns its dynamic adjustment off). `KAFKA_WIRE_MALLOC_THRESHOLDS=0` opts out.
 */

/** The dropped block's size: below glibc's 32 MiB cap on the dynamic threshold, header included. */
export const PRIMING_BYTES = 30 * 1024 * 1024

/** The environment variable that opts out (`0`). */
export const MALLOC_THRESHOLDS_ENV = 'KAFKA_WIRE_MALLOC_THRESHOLDS'

let primed = false

/** Called by Connection before it opens a socket; does its work once per process (per thread). */
export function raiseMallocThresholds(): void {
  if (primed) return
  primed = true
  if (process.platform !== 'linux' || process.env[MALLOC_THRESHOLDS_ENV] === '0') return
  try {
    // allocUnsafeSlow: its own allocation (not Node's pool), and not zero-filled, so no page of it is
    // touched. Nothing keeps a reference: it is freed, mmapped block and all, by the next GC.
    Buffer.allocUnsafeSlow(PRIMING_BYTES)
  } catch {
    // Address space refused (a strict overcommit policy, a ulimit -v): glibc keeps its own
    // thresholds, which is only slower.
  }
}
