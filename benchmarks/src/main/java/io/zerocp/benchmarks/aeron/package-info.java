/**
 * The Aeron side of the peer suite: a media driver, a connected client and an IPC publisher/subscriber, each a
 * {@code main} run in a JVM of its own with only {@code aeron-all.jar} and this module's classes on the class path
 * (aeron-all bundles its own Agrona). Nothing here may use a zerocp class, and nothing of zerocp may use these.
 */
package io.zerocp.benchmarks.aeron;
