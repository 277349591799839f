package io.zerocp.daemon;

/**
 * A message from the process watcher's thread to the conductor: this session's process is gone. The conductor
 * re-checks before acting, because the session may have ended meanwhile. (Lease expiry needs no message: it runs on
 * the conductor thread itself, see {@link LeaseTable#expireDue}.)
 */
record LivenessEvent(Session session, EndCause cause)
{
}
