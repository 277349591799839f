package io.zerocp.daemon;

/**
 * A message from a timer or watcher thread to the conductor: this session may have ended for {@code cause}. The
 * conductor re-checks before acting, because the session may have been renewed or ended meanwhile.
 */
record LivenessEvent(Session session, EndCause cause)
{
}
