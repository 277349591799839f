package io.zerocp.daemon;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Every foreign call the daemon makes, through the JDK's foreign-function API (JDK 22+): Linux x86_64 and aarch64
 * only, checked once by {@link #supported()}. The struct layouts and constants live here and nowhere else, so a
 * wrong offset has one place to be wrong in.
 * <p>
 * Every handle captures {@code errno}: a call returns the raw result, and on -1 the caller reads {@link #errno} on
 * the capture segment it passed. A capture segment belongs to one thread.
 */
final class Syscalls
{
    // <sys/socket.h>, <linux/un.h>, <sys/epoll.h>, <sys/eventfd.h>, <errno.h> (Linux, same on x86_64 and aarch64)
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    static final int SO_SNDBUF = 7;
    static final int SO_DOMAIN = 39;
    static final int SO_PASSCRED = 16;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_PASSPIDFD = 76;
    /** Kernels from 6.16: 0 makes a sender's {@code SCM_RIGHTS} to this socket fail at the sender ({@code EPERM}). */
    static final int SO_PASSRIGHTS = 83;
    static final int SCM_RIGHTS = 1;
    static final int SCM_CREDENTIALS = 2;
    static final int SCM_PIDFD = 4;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 1;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    static final long SYS_PIDFD_OPEN = 434; // the same number on every architecture since 5.3

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EINVAL = 22;
    static final int ENOBUFS = 105;
    static final int ECONNREFUSED = 111;

    /** {@code struct sockaddr_un}: a 2-byte family, then 108 bytes of path or abstract name. */
    static final int SUN_PATH_OFFSET = 2;
    static final int SUN_PATH_LENGTH = 108;
    static final int SOCKADDR_UN_SIZE = SUN_PATH_OFFSET + SUN_PATH_LENGTH;

    /** {@code struct msghdr} (LP64). */
    static final MemoryLayout MSGHDR = MemoryLayout.structLayout(
        ADDRESS.withName("msg_name"),
        JAVA_INT.withName("msg_namelen"),
        MemoryLayout.paddingLayout(4),
        ADDRESS.withName("msg_iov"),
        JAVA_LONG.withName("msg_iovlen"),
        ADDRESS.withName("msg_control"),
        JAVA_LONG.withName("msg_controllen"),
        JAVA_INT.withName("msg_flags"),
        MemoryLayout.paddingLayout(4));
    /** {@code struct mmsghdr}: a msghdr and the length the kernel received or sent. */
    static final MemoryLayout MMSGHDR = MemoryLayout.structLayout(
        MSGHDR.withName("msg_hdr"),
        JAVA_INT.withName("msg_len"),
        MemoryLayout.paddingLayout(4));
    static final MemoryLayout IOVEC = MemoryLayout.structLayout(
        ADDRESS.withName("iov_base"),
        JAVA_LONG.withName("iov_len"));

    static final long MSG_NAME = offset(MSGHDR, "msg_name");
    static final long MSG_NAMELEN = offset(MSGHDR, "msg_namelen");
    static final long MSG_IOV = offset(MSGHDR, "msg_iov");
    static final long MSG_IOVLEN = offset(MSGHDR, "msg_iovlen");
    static final long MSG_CONTROL = offset(MSGHDR, "msg_control");
    static final long MSG_CONTROLLEN = offset(MSGHDR, "msg_controllen");
    static final long MSG_FLAGS = offset(MSGHDR, "msg_flags");
    static final long MSG_LEN = offset(MMSGHDR, "msg_len");
    static final long IOV_BASE = offset(IOVEC, "iov_base");
    static final long IOV_LEN = offset(IOVEC, "iov_len");

    /** {@code struct cmsghdr}: {@code size_t cmsg_len; int cmsg_level; int cmsg_type;} then data, 8-aligned. */
    static final int CMSG_HEADER = 16;
    static final int CMSG_LEVEL = 8;
    static final int CMSG_TYPE = 12;
    /** {@code struct ucred {pid_t pid; uid_t uid; gid_t gid;}}. */
    static final int UCRED_SIZE = 12;

    /** {@code struct epoll_event}: packed on x86_64 (12 bytes), naturally aligned elsewhere (16 bytes). */
    static final boolean EPOLL_PACKED = "amd64".equals(System.getProperty("os.arch")) ||
        "x86_64".equals(System.getProperty("os.arch"));
    static final int EPOLL_EVENT_SIZE = EPOLL_PACKED ? 12 : 16;
    static final int EPOLL_DATA_OFFSET = EPOLL_PACKED ? 4 : 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final MethodHandle SOCKET = downcall("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    static final MethodHandle BIND = downcall("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    static final MethodHandle GETSOCKNAME = downcall("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle SETSOCKOPT =
        downcall("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    static final MethodHandle GETSOCKOPT =
        downcall("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    static final MethodHandle RECVMMSG =
        downcall("recvmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle SENDMMSG = downcall("sendmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);

    // The request path's calls without errno capture: the linker slices the capture segment on every call, and C2
    // does not always scalar-replace that slice (measured: 48 B per request at some call sites). On -1 the caller
    // repeats the call through its capturing handle to learn why: a rare path.
    static final MethodHandle RECVMMSG_FAST =
        downcallIgnoringErrno("recvmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle SENDMMSG_FAST =
        downcallIgnoringErrno("sendmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    static final MethodHandle EPOLL_WAIT_FAST =
        downcallIgnoringErrno("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    /** {@code close} without errno: for descriptors whose close can only fail harmlessly (EBADF, EINTR). */
    static final MethodHandle CLOSE_IGNORING_ERRNO = downcallIgnoringErrno("close", JAVA_INT, JAVA_INT);
    static final MethodHandle READ = downcall("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    static final MethodHandle WRITE = downcall("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    static final MethodHandle EPOLL_CREATE1 = downcall("epoll_create1", JAVA_INT, JAVA_INT);
    static final MethodHandle EPOLL_CTL = downcall("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    static final MethodHandle EVENTFD = downcall("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    /** {@code long syscall(long number, ...)}: variadic after the number. */
    static final MethodHandle SYSCALL_2 = LINKER.downcallHandle(
        LINKER.defaultLookup().find("syscall").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT),
        CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));

    private Syscalls()
    {
    }

    /** @return whether this platform's layouts are the ones declared here (Linux on x86_64 or aarch64). */
    static boolean supported()
    {
        final String os = System.getProperty("os.name", "");
        final String arch = System.getProperty("os.arch", "");
        return os.startsWith("Linux") &&
            ("amd64".equals(arch) || "x86_64".equals(arch) || "aarch64".equals(arch)) &&
            ADDRESS.byteSize() == 8 && MSGHDR.byteSize() == 56 && MMSGHDR.byteSize() == 64;
    }

    /** @return a segment for one thread's captured {@code errno}. */
    static MemorySegment newCaptureState(final Arena arena)
    {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(final MemorySegment captureState)
    {
        return (int)ERRNO.get(captureState, 0L);
    }

    /** @return {@code strerror}-like text for the errnos the transport meets, the number for any other. */
    static String describe(final int errno)
    {
        return switch (errno)
        {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EINVAL -> "EINVAL";
            case ENOBUFS -> "ENOBUFS";
            case ECONNREFUSED -> "ECONNREFUSED";
            case 98 -> "EADDRINUSE";
            case 13 -> "EACCES";
            case 24 -> "EMFILE";
            case 36 -> "ENAMETOOLONG";
            default -> "errno " + errno;
        };
    }

    private static long offset(final MemoryLayout layout, final String field)
    {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static MethodHandle downcallIgnoringErrno(
        final String name, final ValueLayout result, final MemoryLayout... args)
    {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
            () -> new UnsatisfiedLinkError("no " + name + " in the C library")), FunctionDescriptor.of(result, args));
    }

    private static MethodHandle downcall(final String name, final ValueLayout result, final MemoryLayout... args)
    {
        final SymbolLookup libc = LINKER.defaultLookup();
        return LINKER.downcallHandle(libc.find(name).orElseThrow(
            () -> new UnsatisfiedLinkError("no " + name + " in the C library")),
            FunctionDescriptor.of(result, args), CAPTURE_ERRNO);
    }

    // Region files (additive: the reservation of issue #17). <fcntl.h>: O_NOFOLLOW differs between x86_64 and aarch64.
    static final int O_WRONLY = 01;
    static final int O_RDWR = 02;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_CLOEXEC = 02000000;
    static final int O_NOFOLLOW = "aarch64".equals(System.getProperty("os.arch")) ? 0100000 : 0400000;
    static final int EEXIST = 17;
    static final int ENOSPC = 28;
    static final int ELOOP = 40;
    static final int EDQUOT = 122;

    /** {@code int open(const char *path, int flags, ...)}: the mode is the first variadic argument. */
    static final MethodHandle OPEN = LINKER.downcallHandle(
        LINKER.defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
        CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    static final MethodHandle FCHMOD = downcall("fchmod", JAVA_INT, JAVA_INT, JAVA_INT);
    /** {@code int posix_fallocate(int fd, off_t offset, off_t len)}: returns the error number, never sets errno. */
    static final MethodHandle POSIX_FALLOCATE =
        downcallIgnoringErrno("posix_fallocate", JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG);
}
