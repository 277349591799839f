package io.zerocp.daemon;

import java.io.IOException;

/**
 * The daemon's datagram socket as the conductor sees it: take the next request, answer it, wait for more. Two
 * implementations: {@code NativeTransport} (JDK 22+, the kernel's calls through the foreign-function API: exact
 * sender addresses, per-datagram credentials, batched receive and send) and {@link DatagramTransport} (junixsocket,
 * the JDK 17 fallback). Conductor thread only, except {@link #wakeup()}.
 * <p>
 * The {@link Sender} methods describe the last received datagram's sender.
 * <p>
 * Every datagram {@link #receive()} returns as a length {@code >= 0} must be answered by exactly one
 * {@link #reply(ReplyBuffer)} before the next {@code receive()}, unless its answer is deferred: a request for a region
 * being made is answered later, by {@link #replyTo}, when the region is ready.
 */
interface Transport extends Sender, AutoCloseable
{
    /** {@link #receive()}: nothing is pending. */
    int NOTHING_PENDING = -1;
    /** {@link #receive()}: a datagram arrived that cannot be answered (an unbound sender); it was dropped. */
    int DROPPED = -2;
    /** A sender's pid, uid or gid that the transport cannot know. */
    int UNKNOWN_ID = -1;

    /**
     * Receives the next pending datagram without blocking.
     *
     * @return its length (0 for an empty datagram, {@code > MAX_REQUEST_LENGTH} when too long), {@link #DROPPED} or
     * {@link #NOTHING_PENDING}.
     */
    int receive() throws IOException;

    /** @return the last received datagram's bytes, valid until the next {@link #receive()}. */
    byte[] requestBytes();

    /**
     * Answers the last received datagram, never blocking. The transport may hold the reply back until
     * {@link #flush()} to send several at once.
     *
     * @return false when the reply was dropped at once (client gone, its queue full); a reply dropped when flushed
     * is counted by {@link #droppedReplies()}.
     */
    boolean reply(ReplyBuffer reply);

    /**
     * Sends a deferred reply to {@code address} at once, never blocking (a descriptor attached to the reply goes with
     * it). Conductor thread.
     *
     * @return false when it was dropped (client gone, its queue full).
     */
    boolean replyTo(ClientAddress address, ReplyBuffer reply);

    /** Sends every reply held back. */
    void flush();

    /** @return replies dropped while flushing, since the start. */
    long droppedReplies();

    /**
     * Opens a pidfd for a process, to watch it through {@link #watchProcess}. Conductor thread.
     *
     * @return the descriptor, or -1 when the transport cannot watch processes (or the process is gone).
     */
    int openPidfd(long pid);

    /** Adds a pidfd (now owned by the transport) to the wait: its process's exit is reported with {@code token}. */
    void watchProcess(int pidfd, long token);

    /** Stops watching a pidfd and closes it. */
    void unwatchProcess(int pidfd);

    /**
     * Reports the tokens of watched processes that have exited since the last call. The wait announces them; under
     * a flood, when the conductor never waits, {@code evenIfNotAnnounced} looks anyway.
     *
     * @return how many were reported.
     */
    int drainExitedProcesses(java.util.function.LongConsumer exited, boolean evenIfNotAnnounced);

    /**
     * Blocks until a datagram is pending, {@link #wakeup()} is called, or the timeout passes; with a timeout of 0 it
     * only looks, for callers that drive the conductor without ever waiting.
     */
    void awaitReadable(long timeoutMs) throws IOException;

    /** Makes a blocked or the next {@link #awaitReadable} return at once. Safe from any thread. */
    void wakeup();

    /** @return whether requests come with the kernel's pid, uid and gid (the native transport's do). */
    boolean givesCredentials();

    /** @return a short name for logs and {@code STATS}: "native" or "junixsocket". */
    String name();

    /** @return the socket's descriptor number, to hand to a successor ({@code zerocpd --replace}). */
    int socketDescriptor();

    /**
     * Closes this process's descriptors and removes no file: the socket (and its side name) now belong to a
     * successor that adopted it. Safe twice, and after {@link #close()}.
     */
    void release();

    /** Closes the socket and removes its file. Safe twice. */
    @Override
    void close();
}
