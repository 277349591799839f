package io.zerocp.client.typed;

import io.zerocp.client.RegistryException;

/**
 * A typed region was opened with a layout (kind, version or parameters) other than the one it was created with, or
 * the region is not a typed region at all. Nothing was mapped for the caller: a mismatching view is never handed out.
 */
public final class LayoutMismatchException extends RegistryException
{
    public LayoutMismatchException(final String message)
    {
        super(null, message);
    }

    public LayoutMismatchException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
