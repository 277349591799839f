package io.zerocp.client;

/**
 * How {@link RegistryClient#acquire(String)} gets at a region's memory.
 */
public enum TransferMode
{
    /** Ask for the file path ({@code GET_SHM_PATH}) and open it: the seed's way; needs file permissions. */
    PATH,
    /**
     * Ask for an open file descriptor ({@code GET_SHM_FD}) passed over the socket: works for private regions and
     * across users, since the descriptor itself is the permission.
     */
    FD
}
