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
 * kind, layout version, parameters, an init state word and two role words). The first process to open a region takes
 * the initializer lock (below), wins a CAS of the state word from UNINIT (0, as the daemon creates regions
 * zero-filled) to INITIALIZING (its process identity, a label), lays the region out and stores READY; later openers
 * wait for READY and compare kind, version and parameters, throwing
 * {@link io.zerocp.client.typed.LayoutMismatchException} on any difference, or when the region exists with another
 * size. The daemon stays layout-agnostic (regions are created by size, the protocol is the seed's), so new layouts
 * and versions ship in the client library alone. An initializer that dies mid-way leaves its lock free and is
 * replaced.
 * <p>
 * <b>Roles, claims and crash safety (layout version 2).</b> Exclusive roles (a one-to-one ring's producer, a ring's
 * consumer, a broadcast transmitter, a frame pool's producer), frame-pool consumer entries and an initialization in
 * progress are held with exclusive {@code fcntl} record locks on one byte each of the region's file, at
 * {@code 2^62 + slot} (slot 0 writer, 1 reader, 2 initializer, 16 + i consumer entry i; see {@code RoleLocks}). The
 * kernel drops them when the holder dies, and they conflict across pid namespaces, so whoever gets a lock knows its
 * previous holder is gone and takes the role over or frees it; the {@link io.zerocp.client.typed.ProcessIdentity}
 * values in the role words are labels. A ring producer that dies (or stalls past the unblock timeout) between
 * claiming and committing a message is skipped by the consumer, and the producer learns it
 * ({@link io.zerocp.client.typed.ClaimUnblockedException}); every record header changes by CAS ({@code RingClaims}).
 * Consumers read with {@code poll(handler[, limit])}, returning how many items they handed over; everything is
 * {@link java.lang.AutoCloseable} and throws {@link io.zerocp.client.ClientClosedException} once closed.
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
