/*
 * The floor of region creation (issue #17): open(O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC) + posix_fallocate + close of
 * one file, timed; then unlink (not timed: the daemon's benchmark waits for its unlink too, outside the timing).
 * Reads "<path> <size>" lines on stdin, answers each with "<nanoseconds>" (or "ERR <errno>") on stdout, so a Java
 * driver can interleave it with requests to the daemon in one run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    char path[4096];
    long long size;
    while (scanf("%4095s %lld", path, &size) == 2)
    {
        const long long start = now_ns();
        const int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
        {
            printf("ERR %d\n", errno);
            fflush(stdout);
            continue;
        }
        const int rc = posix_fallocate(fd, 0, size);
        close(fd);
        const long long end = now_ns();
        unlink(path);
        if (rc != 0)
        {
            printf("ERR %d\n", rc);
        }
        else
        {
            printf("%lld\n", end - start);
        }
        fflush(stdout);
    }
    return 0;
}
