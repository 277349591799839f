package io.zerocp.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes hostile request datagrams: valid requests from a corpus as they are, stacked mutations of them (bit flips,
 * interesting bytes and numbers, splices, protocol fragments, traversal and look-alike names), random bytes (NUL
 * included), and oversize datagrams. Deterministic for a seed, so a failing run can be replayed.
 */
public final class DatagramFuzzer
{
    /** Largest datagram made; well below the ~208 KiB the kernel accepts, far above the 1024-byte limit. */
    public static final int MAX_DATAGRAM = 64 * 1024;

    private static final byte[] INTERESTING_BYTES = {
        0, ':', ',', '=', '\n', '\r', ' ', '/', '.', '*', '-', '_', '\\', (byte)0x7F, (byte)0x80, (byte)0xFF, '%',
    };

    private static final String[] INTERESTING_NUMBERS = {
        "0", "-1", "1", "00", "4095", "4096", "4097", "1048576", "1048577", "2147483647", "2147483648",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999999", "1e3",
        "0x10", "+1", " 1", "",
    };

    private static final String[] FRAGMENTS = {
        ":", ",", "=", "size=", ",size=4096", ",size=0", "mode=ro", ",mode=rw", ",mode=xx", "process_id=", "token=",
        "offset=", "../", "..", "/", "/etc/passwd", "\0", "*", "\r\n", "\n", "%00", ".hidden", "-rf",
        "\u0430udio_x", "vide\u043e_frames", "\uff41udio", "a".repeat(65), "a".repeat(64), "AUTH:token=", "PING",
        "GET_SHM_PATH:", "RELEASE", "REGISTER:process_id=1", ",,", "==", "size=1,size=2",
    };

    private final SplittableRandom random;
    private final List<byte[]> corpus;

    public DatagramFuzzer(final long seed, final List<String> corpus)
    {
        this.random = new SplittableRandom(seed);
        this.corpus = new ArrayList<>();
        for (final String request : corpus)
        {
            this.corpus.add(request.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** @return the next datagram, never longer than {@link #MAX_DATAGRAM}. */
    public byte[] next()
    {
        final int dice = random.nextInt(1000);
        if (dice < 250)
        {
            return pick().clone();
        }
        if (dice < 850)
        {
            byte[] bytes = pick();
            final int mutations = 1 + random.nextInt(4);
            for (int i = 0; i < mutations; i++)
            {
                bytes = mutate(bytes);
            }
            return bytes;
        }
        if (dice < 960)
        {
            return randomBytes(random.nextInt(random.nextBoolean() ? 32 : 300));
        }
        if (dice < 990)
        {
            // Around the 1024-byte limit, printable so it gets past nothing but the length check.
            final byte[] bytes = randomBytes(1000 + random.nextInt(60));
            for (int i = 0; i < bytes.length; i++)
            {
                bytes[i] = (byte)(0x21 + ((bytes[i] & 0xFF) % 94));
            }
            return bytes;
        }
        return randomBytes(1025 + random.nextInt(MAX_DATAGRAM - 1025));
    }

    private byte[] pick()
    {
        return corpus.get(random.nextInt(corpus.size()));
    }

    private byte[] randomBytes(final int length)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.nextInt(256);
        }
        if (length > 0 && random.nextInt(4) == 0)
        {
            bytes[random.nextInt(length)] = 0;
        }
        return bytes;
    }

    private byte[] mutate(final byte[] in)
    {
        if (in.length == 0)
        {
            return pick().clone();
        }
        final int at = random.nextInt(in.length);
        switch (random.nextInt(11))
        {
            case 0:
            {
                final byte[] out = in.clone();
                out[at] ^= (byte)(1 << random.nextInt(8));
                return out;
            }
            case 1:
            {
                final byte[] out = in.clone();
                out[at] = INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
                return out;
            }
            case 2:
                return insert(in, at, new byte[] {INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)]});
            case 3:
            {
                final int end = Math.min(in.length, at + 1 + random.nextInt(8));
                return concat(Arrays.copyOf(in, at), Arrays.copyOfRange(in, end, in.length));
            }
            case 4:
            {
                final int end = Math.min(in.length, at + 1 + random.nextInt(16));
                return cap(insert(in, at, Arrays.copyOfRange(in, at, end)));
            }
            case 5:
            {
                final byte[] other = pick();
                final int from = random.nextInt(other.length + 1);
                return cap(concat(Arrays.copyOf(in, at), Arrays.copyOfRange(other, from, other.length)));
            }
            case 6:
                return Arrays.copyOf(in, at);
            case 7:
            {
                final byte[] run = new byte[1 + random.nextInt(random.nextBoolean() ? 64 : 1100)];
                Arrays.fill(run, in[at]);
                return cap(insert(in, at, run));
            }
            case 8:
                return replaceNumber(in);
            case 9:
            {
                final String fragment = FRAGMENTS[random.nextInt(FRAGMENTS.length)];
                return cap(insert(in, at, fragment.getBytes(StandardCharsets.UTF_8)));
            }
            default:
            {
                final byte[] out = in.clone();
                final byte b = out[at];
                out[at] = (byte)(Character.isUpperCase(b) ? Character.toLowerCase(b) : Character.toUpperCase(b));
                return out;
            }
        }
    }

    private byte[] replaceNumber(final byte[] in)
    {
        int start = -1;
        for (int i = 0; i < in.length; i++)
        {
            if (in[i] >= '0' && in[i] <= '9')
            {
                start = i;
                break;
            }
        }
        final byte[] number = INTERESTING_NUMBERS[random.nextInt(INTERESTING_NUMBERS.length)]
            .getBytes(StandardCharsets.US_ASCII);
        if (start < 0)
        {
            return cap(concat(in, number));
        }
        int end = start;
        while (end < in.length && in[end] >= '0' && in[end] <= '9')
        {
            end++;
        }
        return concat(concat(Arrays.copyOf(in, start), number), Arrays.copyOfRange(in, end, in.length));
    }

    private static byte[] insert(final byte[] in, final int at, final byte[] what)
    {
        return concat(concat(Arrays.copyOf(in, at), what), Arrays.copyOfRange(in, at, in.length));
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] cap(final byte[] in)
    {
        return in.length > MAX_DATAGRAM ? Arrays.copyOf(in, MAX_DATAGRAM) : in;
    }
}
