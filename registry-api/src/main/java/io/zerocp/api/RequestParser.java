package io.zerocp.api;

/**
 * Parses one request datagram: {@code VERB[:first(,key=value)*]}, ASCII, one trailing {@code \n} or {@code \r\n}
 * ignored.
 * <p>
 * Stateless and allocation-free: results go into a caller-owned {@link Request}. The parser knows nothing of
 * configured limits (maximum region size, policies); the daemon checks those.
 */
public final class RequestParser
{
    private static final int KEY_SIZE = 1;
    private static final int KEY_MODE = 1 << 1;
    private static final int KEY_PROCESS_ID = 1 << 2;
    private static final int KEY_TOKEN = 1 << 3;
    private static final int KEY_OFFSET = 1 << 4;

    /** Longest token accepted on the wire; longer ones are refused before any hashing. */
    public static final int MAX_TOKEN_LENGTH = 256;

    private static final long MAX_PROCESS_ID = Integer.MAX_VALUE;

    private RequestParser()
    {
    }

    /**
     * Parses {@code length} bytes of {@code buffer} from index 0 into {@code request}.
     *
     * @return {@code request}, with {@link Request#error()} set when the request is malformed.
     */
    public static Request parse(final byte[] buffer, final int length, final Request request)
    {
        request.reset(buffer);
        int end = length;
        if (end > 0 && buffer[end - 1] == '\n')
        {
            end--;
            if (end > 0 && buffer[end - 1] == '\r')
            {
                end--;
            }
        }

        int colon = -1;
        for (int i = 0; i < end; i++)
        {
            if (buffer[i] == ':')
            {
                colon = i;
                break;
            }
        }

        final int verbEnd = colon < 0 ? end : colon;
        final Verb verb = Verb.match(buffer, 0, verbEnd);
        if (null == verb)
        {
            request.error = ErrorReply.UNKNOWN_COMMAND;
            return request;
        }
        request.verb = verb;

        if (colon < 0)
        {
            switch (verb.arguments())
            {
                case NAME_REQUIRED:
                    request.error = ErrorReply.INVALID_NAME;
                    break;
                case KEYS:
                    request.error = ErrorReply.INVALID_ARGUMENT;
                    break;
                default:
                    break;
            }
            return request;
        }

        int position = colon + 1;
        switch (verb.arguments())
        {
            case NONE:
                request.error = ErrorReply.INVALID_ARGUMENT;
                return request;

            case NAME:
            case NAME_REQUIRED:
            case OPTIONAL_NAME:
            {
                final int nameEnd = indexOf(buffer, ',', position, end);
                if (!RegionNames.isValid(buffer, position, nameEnd - position))
                {
                    request.error = ErrorReply.INVALID_NAME;
                    return request;
                }
                request.nameOffset = position;
                request.nameLength = nameEnd - position;
                if (nameEnd == end)
                {
                    return request;
                }
                position = nameEnd + 1;
                break;
            }

            default:
                break;
        }

        parseKeyValues(buffer, position, end, allowedKeys(verb), request);
        if (request.isValid() && !hasRequiredKeys(request))
        {
            request.error = ErrorReply.INVALID_ARGUMENT;
        }
        return request;
    }

    private static void parseKeyValues(
        final byte[] buffer, final int start, final int end, final int allowed, final Request request)
    {
        int seen = 0;
        int position = start;
        while (true)
        {
            final int elementEnd = indexOf(buffer, ',', position, end);
            final int equals = indexOf(buffer, '=', position, elementEnd);
            if (equals == elementEnd || equals == position || equals + 1 == elementEnd)
            {
                request.error = ErrorReply.INVALID_ARGUMENT; // no '=', empty key or empty value
                return;
            }

            final int key = key(buffer, position, equals - position);
            if (0 == (key & allowed) || 0 != (key & seen))
            {
                request.error = ErrorReply.INVALID_ARGUMENT; // unknown or repeated key
                return;
            }
            seen |= key;

            if (!parseValue(key, buffer, equals + 1, elementEnd, request))
            {
                request.error = ErrorReply.INVALID_ARGUMENT;
                return;
            }

            if (elementEnd == end)
            {
                return;
            }
            position = elementEnd + 1;
        }
    }

    private static boolean parseValue(
        final int key, final byte[] buffer, final int from, final int to, final Request request)
    {
        switch (key)
        {
            case KEY_SIZE:
                request.size = parsePositive(buffer, from, to, Long.MAX_VALUE);
                return request.size > 0;

            case KEY_MODE:
                if (to - from == 2 && buffer[from] == 'r' && buffer[from + 1] == 'o')
                {
                    request.readOnly = true;
                    return true;
                }
                return to - from == 2 && buffer[from] == 'r' && buffer[from + 1] == 'w';

            case KEY_PROCESS_ID:
                request.processId = parsePositive(buffer, from, to, MAX_PROCESS_ID);
                return request.processId > 0;

            case KEY_TOKEN:
                if (to - from > MAX_TOKEN_LENGTH)
                {
                    return false;
                }
                for (int i = from; i < to; i++)
                {
                    final int c = buffer[i] & 0xFF;
                    if (c <= ' ' || c >= 0x7F)
                    {
                        return false;
                    }
                }
                request.tokenOffset = from;
                request.tokenLength = to - from;
                return true;

            case KEY_OFFSET:
                request.offset = parseNonNegative(buffer, from, to, Integer.MAX_VALUE);
                return request.offset >= 0;

            default:
                return false;
        }
    }

    /** @return the value, or -1 when not all decimal digits, zero, or above {@code max}. */
    private static long parsePositive(final byte[] buffer, final int from, final int to, final long max)
    {
        final long value = parseNonNegative(buffer, from, to, max);
        return value == 0 ? -1 : value;
    }

    private static long parseNonNegative(final byte[] buffer, final int from, final int to, final long max)
    {
        if (from >= to)
        {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++)
        {
            final int digit = buffer[i] - '0';
            if (digit < 0 || digit > 9)
            {
                return -1;
            }
            if (value > (max - digit) / 10)
            {
                return -1; // overflow or above max
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static int allowedKeys(final Verb verb)
    {
        switch (verb)
        {
            case GET_SHM_PATH:
                return KEY_SIZE;
            case GET_SHM_FD:
                return KEY_SIZE | KEY_MODE;
            case REGISTER:
                return KEY_PROCESS_ID;
            case AUTH:
                return KEY_TOKEN;
            case LIST:
            case CLIENTS:
                return KEY_OFFSET;
            default:
                return 0;
        }
    }

    private static boolean hasRequiredKeys(final Request request)
    {
        switch (request.verb)
        {
            case REGISTER:
                return request.processId != Request.ABSENT;
            case AUTH:
                return request.tokenLength > 0;
            default:
                return true;
        }
    }

    private static int key(final byte[] buffer, final int offset, final int length)
    {
        if (equalsAscii("size", buffer, offset, length))
        {
            return KEY_SIZE;
        }
        if (equalsAscii("mode", buffer, offset, length))
        {
            return KEY_MODE;
        }
        if (equalsAscii("process_id", buffer, offset, length))
        {
            return KEY_PROCESS_ID;
        }
        if (equalsAscii("token", buffer, offset, length))
        {
            return KEY_TOKEN;
        }
        if (equalsAscii("offset", buffer, offset, length))
        {
            return KEY_OFFSET;
        }
        return 1 << 30; // never allowed
    }

    private static boolean equalsAscii(final String s, final byte[] buffer, final int offset, final int length)
    {
        if (s.length() != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (s.charAt(i) != buffer[offset + i])
            {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(final byte[] buffer, final char c, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            if (buffer[i] == c)
            {
                return i;
            }
        }
        return to;
    }
}
