/**
 * Typed regions: structures for zero-copy exchange between processes, each living in one named region that
 * zerocpd hands out by name and size like any other.
 * <ul>
 *   <li>{@link io.zerocp.client.typed.MessageRing}: commands and small messages, many producers (or one) to one
 *   consumer, in order and never dropped (Agrona {@code ManyToOneRingBuffer} / {@code OneToOneRingBuffer}).</li>
 *   <li>{@link io.zerocp.client.typed.BroadcastRegion}: one transmitter, any number of receivers that may be lapped
 *   and are told exactly how many messages they lost (Agrona broadcast buffers).</li>
 *   <li>{@link io.zerocp.client.typed.FramePool}: N fixed-size slots written in place by one producer and read in
 *   place by several consumers; only the slot number and sequence are handed over. Slow consumers skip to the newest
 *   frame and count what they missed; the producer never waits.</li>
 * </ul>
 * <b>Layout and init-once.</b> Every typed region starts with a 128-byte header ({@code TypedRegionHeader}: magic,
 * kind, layout version, parameters, an init state word and two role words). The first process to open a region wins
 * a CAS of the state word from UNINIT (0, as the daemon creates regions zero-filled) to INITIALIZING (its process
 * identity), lays the region out and stores READY; later openers wait for READY and compare kind, version and
 * parameters, throwing {@link io.zerocp.client.typed.LayoutMismatchException} on any difference, or when the region
 * exists with another size. The daemon stays layout-agnostic (regions are created by size, the protocol is the
 * seed's), so new layouts and versions ship in the client library alone. An initializer that dies mid-way is
 * detected from its process identity and replaced.
 * <p>
 * <b>Crash safety.</b> Exclusive roles (a one-to-one ring's producer, a ring's consumer, a broadcast transmitter, a
 * frame pool's producer) and frame-slot claims are stored as {@link io.zerocp.client.typed.ProcessIdentity}
 * values (pid + start time from {@code /proc/<pid>/stat}); whoever finds one whose process is gone, a zombie, or a
 * different process with the same pid, takes it over or frees it. A ring producer that dies between claiming and
 * committing a message is skipped by the consumer after an unblock timeout (Agrona's {@code unblock()}).
 * <p>
 * <b>Shared memory is input.</b> Any process that can open a region's file can write anything into it. Readers
 * check every value they read (lengths against capacities, slot numbers against the slot count, sequences against
 * what can be), every call with a limit or a timeout returns within it, and a corruption is reported once as a
 * {@link io.zerocp.client.typed.CorruptRegionException} naming the region and the problem, after the structure
 * skipped to a consistent point and counted what it lost. Bulk fills never use {@code setMemory} (which kills a
 * JDK 17 JVM with SIGBUS over a file another holder truncated); see docs/client.md.
 * <p>
 * <b>Lifetime.</b> Buffers handed out over a typed region (ring buffer, frame slots) are pointed at an empty array
 * when the region is closed, so a late access throws instead of touching unmapped memory; never wrap their
 * addresses in buffers of your own. Every JVM using these classes needs
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona) and Linux {@code /proc}.
 */
package io.zerocp.client.typed;
