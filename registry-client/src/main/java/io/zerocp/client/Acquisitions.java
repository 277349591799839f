package io.zerocp.client;

import io.zerocp.api.ErrorReply;
import io.zerocp.api.Protocol;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Taking holds and giving them back, for {@link RegistryClient}: maps what an acquire answers, records the hold, and
 * makes sure the daemon never keeps a hold the client forgot. An acquire whose caller gave up (interrupted, or out of
 * time) while the daemon may have granted it, or whose mapping failed, owes the daemon a release; a close whose
 * release does not get through stays owed; the lease thread sends what is owed ({@link HoldKeeper}).
 * <p>
 * Thread-safe: called by any user thread; state lives in the {@link HoldTable}.
 */
final class Acquisitions
{
    private final RegistryClient client;
    private final ClientSettings settings;
    private final DatagramConnection connection;
    private final HoldTable holds;
    /** Null for an unregistered client, which holds nothing (and so owes nothing). */
    private final LeaseKeeper lease;
    private final RegionMapper mapper;
    /** The client's request path (lapse recovery included). */
    private final BiFunction<String, Predicate<String>, String> exchange;

    Acquisitions(
        final RegistryClient client, final ClientSettings settings, final DatagramConnection connection,
        final HoldTable holds, final LeaseKeeper lease, final BiFunction<String, Predicate<String>, String> exchange)
    {
        this.client = client;
        this.settings = settings;
        this.connection = connection;
        this.holds = holds;
        this.lease = lease;
        this.exchange = exchange;
        this.mapper = new RegionMapper(settings, connection);
    }

    SharedRegion acquire(final String name, final long size, final boolean readOnly)
    {
        final String request = RegionRequests.text(settings, name, size, readOnly);
        final boolean heldBefore = start(name);
        boolean granted = false;
        RuntimeException failure;
        try
        {
            final String reply = Replies.expect(
                exchange.apply(request, RegionRequests.answer(settings, connection, name)), request);
            granted = true;
            final RegionMapper.Mapping mapping = mapper.map(name, request, reply, connection.takeDescriptor(),
                readOnly);
            final HoldTable.Hold hold = null == lease ? null :
                holds.recordOpen(name, mapping.size, readOnly, mapping.fileKey, mapping.file);
            return new SharedRegion(client, name, mapping, readOnly, hold);
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }
        finally
        {
            end(name);
        }
        failed(name, heldBefore, granted, failure);
        throw failure;
    }

    /** {@code GET_SHM_PATH}: a hold without a mapping, kept until the client closes. */
    Path path(final String name, final long size)
    {
        final String request = "GET_SHM_PATH:" + name + (size > 0 ? ",size=" + size : "");
        final boolean heldBefore = start(name);
        RuntimeException failure;
        try
        {
            final Path path = Paths.get(Replies.expect(exchange.apply(request, Replies.pathOf(name)), request));
            if (null != lease)
            {
                holds.recordPath(name, size);
            }
            return path;
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }
        finally
        {
            end(name);
        }
        failed(name, heldBefore, false, failure);
        throw failure;
    }

    /** One region of {@code hold} closed: the last one releases (or owes) the hold. */
    void closed(final HoldTable.Hold hold)
    {
        if (null != hold && holds.recordClose(hold))
        {
            lease.holdKeeper().release(hold.name);
        }
    }

    /** @throws RegionLostException when {@code hold} is lost, after asking the daemon whether it still has it. */
    void verify(final String name, final HoldTable.Hold hold)
    {
        if (null == hold)
        {
            return; // an unregistered client holds nothing to lose
        }
        if (!hold.lost)
        {
            final String request = "GET_SHM_SIZE:" + name;
            final String reply = exchange.apply(request, Replies::isNumberOrError);
            if (Protocol.isError(reply) && ErrorReply.fromReply(reply) == ErrorReply.NO_SUCH_REGION)
            {
                lease.holdKeeper().lost(hold, ErrorReply.NO_SUCH_REGION, "the daemon has no region of that name " +
                    "any more (deleted, or reaped after this client's lease lapsed)");
            }
            else
            {
                Replies.expect(reply, request);
                lease.holdKeeper().checkFile(hold);
            }
        }
        if (hold.lost)
        {
            throw HoldKeeper.lostException(name);
        }
    }

    /** @return whether this client held {@code name} already (then a failed acquire owes the daemon nothing). */
    private boolean start(final String name)
    {
        return null != lease && holds.startAcquire(name);
    }

    private void end(final String name)
    {
        if (null != lease)
        {
            holds.endAcquire(name);
        }
    }

    /**
     * A request that takes a hold failed. Unless the daemon refused it ({@code ERROR:}, nothing held) or this client
     * held the name already, the daemon may hold it for this client (granted, then the mapping failed; or granted
     * after the caller was interrupted or gave up): the name owes a release, sent soon by the lease thread once no
     * acquire of the name is in flight. A release of a name the daemon does not hold is a harmless {@code OK}.
     *
     * @param granted whether the daemon's grant was received (the mapping failed): released at once, as the close
     *                of a region would be; otherwise the caller may be interrupted, and the lease thread sends it.
     */
    private void failed(
        final String name, final boolean heldBefore, final boolean granted, final RuntimeException failure)
    {
        if (null == lease || heldBefore || failure instanceof ClientClosedException ||
            (failure instanceof RegistryException && null != ((RegistryException)failure).error()))
        {
            return;
        }
        holds.owe(name);
        if (granted)
        {
            lease.holdKeeper().release(name);
        }
        else
        {
            lease.releaseSoon();
        }
    }
}
