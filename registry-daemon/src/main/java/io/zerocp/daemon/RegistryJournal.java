package io.zerocp.daemon;

/**
 * Where the registry reports each change of its durable state, so a restarted daemon can read it back.
 * Called on the conductor thread, after the change is made in memory.
 */
interface RegistryJournal extends AutoCloseable
{
    /** Keeps nothing: the daemon forgets everything on restart. */
    RegistryJournal NONE = new RegistryJournal()
    {
    };

    default void regionCreated(final Region region)
    {
    }

    default void regionRemoved(final Region region)
    {
    }

    default void sessionStarted(final Session session)
    {
    }

    /** The session's pid or grant changed. */
    default void sessionUpdated(final Session session)
    {
    }

    default void sessionEnded(final Session session)
    {
    }

    default void holdAdded(final Session session, final Region region)
    {
    }

    default void holdRemoved(final Session session, final Region region)
    {
    }

    /** A point between changes, where the journal may compact itself to {@code state}. */
    default void checkpoint(final DurableState state)
    {
    }

    /** Whether a request may change the state now (the journal has room for it). */
    default boolean hasRoomForChange(final DurableState state)
    {
        return true;
    }

    /** How many changes could not be recorded since start; a request whose changes raised it is not durable. */
    default long failures()
    {
        return 0;
    }

    /** Rewrites the journal as {@code state} alone (at start and at a clean stop). */
    default void compact(final DurableState state) throws java.io.IOException
    {
    }

    @Override
    default void close()
    {
    }
}
