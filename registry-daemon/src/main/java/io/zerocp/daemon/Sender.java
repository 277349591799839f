package io.zerocp.daemon;

/**
 * Who sent the request in hand, as far as the transport knows: always its exact socket address; on the native
 * transport also the kernel's pid, uid and gid, which no sender can claim falsely.
 */
interface Sender
{
    /** @return the sender's socket address, exactly as the kernel gave it. */
    ClientAddress senderKey();

    /** @return the kernel's pid of the sender, or {@link Transport#UNKNOWN_ID} where the transport has none. */
    int senderPid();

    /** @return the kernel's uid of the sender, or {@link Transport#UNKNOWN_ID}. */
    int senderUid();

    /** @return the kernel's gid of the sender, or {@link Transport#UNKNOWN_ID}. */
    int senderGid();

    /** @return whether pid, uid and gid come from the kernel. */
    boolean hasKernelCredentials();

    /**
     * @return whether uid and gid come from the kernel: with {@link #hasKernelCredentials()}, and also for a sender
     * whose pid the kernel cannot name in the daemon's pid namespace (pid 0: a sibling container). Per-uid limits,
     * the AUTH throttle and a session's owner go by this uid even then.
     */
    default boolean hasKernelUid()
    {
        return hasKernelCredentials();
    }

    /**
     * @return whether the kernel's uid is the overflow uid with neither pid nor pidfd: a sibling namespace's
     * {@code nobody}, or a datagram queued before credentials were on (anyone). Limits still count it under that
     * uid, but a session it starts is not that uid's to keep (it is known by its address, as on junixsocket).
     */
    default boolean isUidAmbiguous()
    {
        return false;
    }

    /**
     * Takes the pidfd the kernel attached to the datagram ({@code SCM_PIDFD}, when enabled); the caller then owns
     * it and must close it. The transport closes every pidfd not taken.
     *
     * @return the descriptor, or -1 when there is none.
     */
    int takeSenderPidfd();
}
