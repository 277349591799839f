package io.zerocp.client.typed;

import io.zerocp.api.RegionLayout;
import io.zerocp.client.RegistryException;
import io.zerocp.client.RegistryInterruptedException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.channels.FileLock;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The 128-byte header at offset 0 of every typed region, and the init-once protocol that fills it.
 * <pre>
 *   0  magic            "ZEROCPTY" once initialized
 *   8  state            0 = UNINIT, identity (label) of the initializing process = INITIALIZING, 1 = READY
 *  16  kind (int)       {@link LayoutKind#code()}
 *  20  version (int)    layout version of that kind
 *  24  parameters       4 longs (capacity, or slots / slot size / max consumers)
 *  56  length           bytes the layout needs
 *  64  writer role      identity (label) of the exclusive producer, or 0; held by lock slot 0
 *  72  reader role      identity (label) of the exclusive consumer, or 0; held by lock slot 1
 *  80  reserved up to 128
 * </pre>
 * <b>Why init-once in the header and not in the daemon.</b> The daemon creates regions by name and size and knows
 * nothing of what is inside them; keeping it that way keeps the protocol seed-compatible and the daemon free of
 * Agrona layouts and their versions (a new layout or version ships in the client library alone). The region file
 * starts zero-filled, so "state = 0" is a reliable "never initialized". The first opener takes the initializer lock
 * (slot 2 of {@link RoleLocks}), wins a CAS from UNINIT to INITIALIZING (storing its process identity, a label),
 * writes the magic, the layout and resets the body, publishes READY with a volatile store and unlocks; every later
 * opener waits for READY and then compares kind, version and parameters, throwing {@link LayoutMismatchException} on
 * any difference. If the initializer dies before READY, the kernel drops its lock; a waiter that gets the lock while
 * the state still names an initializer takes over with a second CAS, so a crash during initialization does not wedge
 * the name, and a live initializer in another pid namespace is never taken over. A state word holding an identity
 * next to no magic or our magic means "initialization in progress or abandoned" (the magic is written first); next to
 * any other first word it means raw data that merely looks like an identity.
 * <p>
 * The body is cleared with plain 8-byte stores after checking with {@code fstat} that the file still has the
 * layout's length: a bulk fill ({@code setMemory}) over a mapping another holder shrank kills a JDK 17 JVM with
 * SIGBUS, while a plain store faults into an {@link InternalError}.
 */
final class TypedRegionHeader
{
    static final int LENGTH = 128;
    static final long MAGIC = RegionLayout.MAGIC; // "ZEROCPTY"
    static final long UNINIT = 0;
    static final long READY = RegionLayout.STATE_READY;

    static final int MAGIC_OFFSET = RegionLayout.MAGIC_OFFSET;
    static final int STATE_OFFSET = RegionLayout.STATE_OFFSET;
    static final int KIND_OFFSET = RegionLayout.KIND_OFFSET;
    static final int VERSION_OFFSET = RegionLayout.VERSION_OFFSET;
    static final int PARAMETERS_OFFSET = 24;
    static final int PARAMETER_COUNT = 4;
    static final int LENGTH_OFFSET = 56;
    static final int WRITER_ROLE_OFFSET = 64;
    static final int READER_ROLE_OFFSET = 72;

    private static final long INIT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private TypedRegionHeader()
    {
    }

    /**
     * Initializes the region as {@code kind} if nobody has, else checks it is one.
     *
     * @param resetBody puts the body into its empty state; it may run twice (after a dead initializer) and must
     *                  not depend on what is there.
     * @throws LayoutMismatchException when the region holds another layout or is not a typed region.
     */
    static void initOrValidate(
        final AtomicBuffer buffer,
        final String regionName,
        final LayoutKind kind,
        final int version,
        final long[] parameters,
        final long length,
        final Consumer<AtomicBuffer> resetBody,
        final LongSupplier fileSize,
        final TypedMapping locks)
    {
        if (buffer.capacity() < length)
        {
            throw new LayoutMismatchException("region " + regionName + " has " + buffer.capacity() +
                " bytes; " + kind.describe(version, parameters) + " needs " + length);
        }
        checkFileSize(regionName, length, fileSize);
        final long me = ProcessIdentity.current();
        final long deadline = System.nanoTime() + INIT_TIMEOUT_NS;
        int waits = 0;
        while (true)
        {
            final long state = buffer.getLongVolatile(STATE_OFFSET);
            if (READY == state)
            {
                validate(buffer, regionName, kind, version, parameters, length);
                return;
            }
            if (UNINIT == state && 0 != buffer.getLongVolatile(MAGIC_OFFSET))
            {
                throw new LayoutMismatchException("region " + regionName + " is not a typed region (its first " +
                    "bytes hold other data); open it with RegistryClient.acquireRaw instead");
            }
            final long magic = buffer.getLongVolatile(MAGIC_OFFSET);
            if (UNINIT != state && (!ProcessIdentity.isIdentity(state) || (0 != magic && MAGIC != magic)))
            {
                // An initializer writes only its identity, then the magic: anything else next to it is foreign.
                throw new LayoutMismatchException("region " + regionName + " is not a typed region (header state 0x" +
                    Long.toHexString(state) + ")");
            }
            // Whoever initializes holds the initializer lock from before its CAS until READY: a free lock next to a
            // state naming an initializer means that initializer is gone (in any pid namespace), see RoleLocks.
            final FileLock lock = locks.tryTake(RoleLocks.INITIALIZER);
            if (null != lock)
            {
                try
                {
                    if (buffer.compareAndSetLong(STATE_OFFSET, state, me))
                    {
                        checkFileSize(regionName, length, fileSize);
                        initialize(buffer, kind, version, parameters, length, resetBody);
                        return;
                    }
                }
                finally
                {
                    locks.release(lock);
                }
                continue;
            }
            if (System.nanoTime() - deadline > 0)
            {
                // Also with the state still UNINIT: a process that holds the initializer lock and never starts (a
                // hostile or stopped one) must not keep an opener waiting for ever.
                throw new RegistryException("region " + regionName + (UNINIT == state ?
                    " has not been initialized for more than " + TimeUnit.NANOSECONDS.toSeconds(INIT_TIMEOUT_NS) +
                    " s: another process holds its initializer lock and does not initialize it" :
                    " has been initializing for more than " + TimeUnit.NANOSECONDS.toSeconds(INIT_TIMEOUT_NS) +
                    " s by " + ProcessIdentity.describe(state) + ", which still holds the initializer lock"), null);
            }
            pause(waits++);
        }
    }

    private static void initialize(
        final AtomicBuffer buffer,
        final LayoutKind kind,
        final int version,
        final long[] parameters,
        final long length,
        final Consumer<AtomicBuffer> resetBody)
    {
        buffer.putLongRelease(MAGIC_OFFSET, MAGIC);
        buffer.putInt(KIND_OFFSET, kind.code());
        buffer.putInt(VERSION_OFFSET, version);
        for (int i = 0; i < PARAMETER_COUNT; i++)
        {
            buffer.putLong(PARAMETERS_OFFSET + i * 8, i < parameters.length ? parameters[i] : 0);
        }
        buffer.putLong(LENGTH_OFFSET, length);
        buffer.putLong(WRITER_ROLE_OFFSET, 0);
        buffer.putLong(READER_ROLE_OFFSET, 0);
        resetBody.accept(buffer);
        buffer.putLongVolatile(STATE_OFFSET, READY); // publishes everything above
    }

    /** Another holder may have shrunk the file: touching the mapping past its end would fault. */
    static void checkFileSize(final String regionName, final long length, final LongSupplier fileSize)
    {
        final long size = fileSize.getAsLong();
        if (size >= 0 && size < length)
        {
            throw new CorruptRegionException(regionName, "its file has " + size + " bytes, the layout needs " +
                length + " (another holder truncated it)", false);
        }
    }

    /** Zeroes {@code [offset, offset + length)} with plain stores (see the class comment for why not setMemory). */
    static void clear(final AtomicBuffer buffer, final int offset, final int length)
    {
        int i = offset;
        final int end = offset + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES)
        {
            buffer.putLong(i, 0);
        }
        for (; i < end; i++)
        {
            buffer.putByte(i, (byte)0);
        }
    }

    private static void validate(
        final AtomicBuffer buffer,
        final String regionName,
        final LayoutKind kind,
        final int version,
        final long[] parameters,
        final long length)
    {
        if (buffer.getLong(MAGIC_OFFSET) != MAGIC)
        {
            throw new LayoutMismatchException("region " + regionName + " is not a typed region (bad magic)");
        }
        final int foundCode = buffer.getInt(KIND_OFFSET);
        final int foundVersion = buffer.getInt(VERSION_OFFSET);
        final long[] found = new long[PARAMETER_COUNT];
        boolean same = foundCode == kind.code() && foundVersion == version && buffer.getLong(LENGTH_OFFSET) == length;
        for (int i = 0; i < PARAMETER_COUNT; i++)
        {
            found[i] = buffer.getLong(PARAMETERS_OFFSET + i * 8);
            same &= found[i] == (i < parameters.length ? parameters[i] : 0);
        }
        if (!same)
        {
            throw new LayoutMismatchException("region " + regionName + " holds " + describe(buffer) +
                "; opened as " + kind.describe(version, parameters));
        }
    }

    /** @return what the header says, for error messages. */
    static String describe(final DirectBuffer buffer)
    {
        if (buffer.capacity() < LENGTH)
        {
            return "no typed layout (" + buffer.capacity() + " bytes)";
        }
        final long state = buffer.getLong(STATE_OFFSET);
        if (READY != state || buffer.getLong(MAGIC_OFFSET) != MAGIC)
        {
            return UNINIT == state && 0 == buffer.getLong(MAGIC_OFFSET) ?
                "no typed layout yet (" + buffer.capacity() + " bytes)" :
                "no typed layout (" + buffer.capacity() + " bytes of other data)";
        }
        final LayoutKind kind = LayoutKind.fromCode(buffer.getInt(KIND_OFFSET));
        final long[] found = new long[PARAMETER_COUNT];
        for (int i = 0; i < PARAMETER_COUNT; i++)
        {
            found[i] = buffer.getLong(PARAMETERS_OFFSET + i * 8);
        }
        return null == kind ? "an unknown layout kind " + buffer.getInt(KIND_OFFSET) :
            "a " + kind.describe(buffer.getInt(VERSION_OFFSET), found);
    }

    /**
     * Takes an exclusive role (producer of a one-to-one ring, consumer of a ring, broadcast transmitter, frame
     * producer): its kernel lock (see {@link RoleLocks}), then the role word, a label naming the holder. A role whose
     * holder died (in any pid namespace) has a free lock and is taken over.
     *
     * @return the lock, for {@link #releaseRole}.
     * @throws IllegalStateException when a live process (this one included) holds it.
     */
    static FileLock acquireRole(
        final TypedMapping mapping, final int slot, final int offset, final String role, final String regionName)
    {
        final FileLock lock = mapping.tryTake(slot);
        final AtomicBuffer buffer = mapping.buffer();
        if (null == lock)
        {
            final boolean here = mapping.holder(slot) == RoleLocks.Holder.THIS_PROCESS;
            throw new IllegalStateException("the " + role + " of region " + regionName + " is " +
                (here ? "already held by this process" : "held by another live process (" +
                ProcessIdentity.describe(buffer.getLongVolatile(offset)) + " in its own pid namespace)"));
        }
        buffer.putLongVolatile(offset, ProcessIdentity.current());
        return lock;
    }

    static void releaseRole(final TypedMapping mapping, final int offset, final FileLock lock)
    {
        if (!mapping.isClosed())
        {
            mapping.buffer().compareAndSetLong(offset, ProcessIdentity.current(), 0);
        }
        mapping.release(lock);
    }

    static void pause(final int waits)
    {
        if (waits < 100)
        {
            Thread.onSpinWait();
        }
        else if (waits < 200)
        {
            Thread.yield();
        }
        else
        {
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new RegistryInterruptedException("interrupted while waiting for a typed region", ex);
            }
        }
    }
}
