/* dgram_turns - one C client for every datagram server in a run, taking turns.
 *
 *   dgram_turns serve <socket path>
 *       The C echo: uds_dgram_echo's own server loop (compiled in from the shared baseline's source, unchanged),
 *       bound to <socket path>. Prints READY once bound; runs until killed.
 *
 *   dgram_turns client <clients> <slice ms> <warm-up s> <measure s> <request> <server socket>...
 *       <clients> processes, each bound to its own path and connected to every server, one request in flight.
 *       All of them take turns between the servers in common wall-clock slices (CLOCK_MONOTONIC is one clock for the
 *       whole host), so every server sees the same client, the same request bytes and the same background noise.
 *       Warm-up first, then <measure s> rounded to whole rounds of slices. Prints per server:
 *         RESULT <index> <round trips> <error replies> <timeouts> <round trips/s summed over clients> <p50> <p99> <p99.9>
 *       (latencies in microseconds, over every round trip of every client).
 *
 * A reply starting with "ERROR" counts as an error, no reply within 2 s as a timeout; neither is in the latencies.
 */
#define main uds_dgram_echo_main
#include "uds_dgram_echo.c"
#undef main

#include <poll.h>

#define MAX_SERVERS 8
#define MAX_SAMPLES (1u << 19) /* per client and server: 524,288 round trips, far above what 2 cores do in a share */

struct tally {
    uint64_t count, errors, timeouts, dropped;
    uint64_t samples[MAX_SAMPLES];
};

static char g_client_dir[64];

static int connect_to(const char *bind_path, const char *server) {
    struct sockaddr_un me, srv;
    memset(&me, 0, sizeof me);
    me.sun_family = AF_UNIX;
    snprintf(me.sun_path, sizeof me.sun_path, "%s", bind_path);
    memset(&srv, 0, sizeof srv);
    srv.sun_family = AF_UNIX;
    if (strlen(server) >= sizeof srv.sun_path) die("server path too long: %s", server);
    snprintf(srv.sun_path, sizeof srv.sun_path, "%s", server);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    unlink(me.sun_path);
    if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0) die("bind %s", me.sun_path);
    if (connect(fd, (struct sockaddr *)&srv, sizeof srv) != 0) die("connect %s", server);
    return fd;
}

/* 0 reply, 1 error reply, 2 timeout */
static int exchange(int fd, const char *req, size_t len) {
    char rep[4096];
    if (send(fd, req, len, 0) != (ssize_t)len) die("send");
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r;
    do r = poll(&p, 1, 2000); while (r < 0 && errno == EINTR);
    if (r == 0) return 2;
    ssize_t n;
    do n = recv(fd, rep, sizeof rep, 0); while (n < 0 && errno == EINTR);
    if (n <= 0) return 1;
    return (n >= 5 && memcmp(rep, "ERROR", 5) == 0) ? 1 : 0;
}

static void client_proc(int idx, int nservers, char **servers, const char *req, uint64_t slice_ns,
                        uint64_t start, uint64_t end, struct tally *t /* [nservers] */) {
    int fds[MAX_SERVERS];
    size_t len = strlen(req);
    for (int s = 0; s < nservers; s++) {
        char path[96];
        snprintf(path, sizeof path, "%s/c%d-%d.sock", g_client_dir, idx, s);
        fds[s] = connect_to(path, servers[s]);
        /* 100 answered requests before the clock starts; a server still warming up may time out a few, for 30 s */
        uint64_t give_up = now_ns() + 30000000000ull;
        for (int ok = 0; ok < 100;) {
            int r = exchange(fds[s], req, len);
            if (r == 1) die("server %s answers ERROR to %s", servers[s], req);
            if (r == 0) ok++;
            else if (now_ns() > give_up) die("server %s does not answer %s", servers[s], req);
        }
    }
    uint64_t origin = now_ns();
    for (;;) {
        uint64_t t0 = now_ns();
        uint64_t base = t0 < start ? origin : start;
        int s = (int)(((t0 - base) / slice_ns) % (uint64_t)nservers);
        int outcome = exchange(fds[s], req, len);
        uint64_t t1 = now_ns();
        if (t1 >= end) break;
        if (t0 < start) continue;
        struct tally *ts = &t[s];
        if (outcome == 0) {
            if (ts->count < MAX_SAMPLES) ts->samples[ts->count] = t1 - t0; else ts->dropped++;
            ts->count++;
        } else if (outcome == 1) ts->errors++;
        else ts->timeouts++;
    }
    for (int s = 0; s < nservers; s++) close(fds[s]);
}

static int serve(const char *path) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) die("socket path too long");
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) die("bind %s", path);
    die_with_parent(); /* never outlive the suite */
    printf("READY\n");
    fflush(stdout);
    signal(SIGTERM, SIG_DFL);
    server_loop(fd); /* uds_dgram_echo's server, byte for byte */
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
    if (argc < 8 || strcmp(argv[1], "client") != 0) {
        fprintf(stderr, "usage: %s serve <path> | client <clients> <slice ms> <warm-up s> <measure s> <request> <server>...\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[2]);
    uint64_t slice_ns = (uint64_t)(atof(argv[3]) * 1e6);
    double warm = atof(argv[4]), measure = atof(argv[5]);
    const char *req = argv[6];
    int nservers = argc - 7;
    char **servers = argv + 7;
    if (n < 1 || n > 64 || nservers > MAX_SERVERS || slice_ns == 0) { fprintf(stderr, "bad arguments\n"); return 2; }
    watchdog((unsigned)(warm + measure) + 120);
    snprintf(g_client_dir, sizeof g_client_dir, "/tmp/zerocp-bench-cturns.XXXXXX");
    if (!mkdtemp(g_client_dir)) die("mkdtemp");

    uint64_t round = slice_ns * (uint64_t)nservers;
    uint64_t window = (uint64_t)(measure * 1e9) / round * round;
    if (window < round) window = round;
    uint64_t start = now_ns() + (uint64_t)(warm * 1e9), end = start + window;
    size_t per = sizeof(struct tally) * (size_t)nservers;
    /* not shared_anon(): its memset would touch every sample page up front; fresh anonymous pages are zero anyway */
    struct tally *all = mmap(NULL, per * (size_t)n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (all == MAP_FAILED) die("mmap");
    for (int c = 0; c < n; c++) {
        pid_t p = fork();
        if (p < 0) die("fork");
        if (p == 0) {
            die_with_parent();
            client_proc(c, nservers, servers, req, slice_ns, start, end, (struct tally *)((char *)all + per * (size_t)c));
            _exit(0);
        }
    }
    int bad = wait_all_children();
    if (bad) fprintf(stderr, "warning: %d client process(es) failed\n", bad);
    double share_s = window / 1e9 / nservers;
    for (int s = 0; s < nservers; s++) {
        uint64_t count = 0, errors = 0, timeouts = 0, kept = 0;
        for (int c = 0; c < n; c++) {
            struct tally *t = (struct tally *)((char *)all + per * (size_t)c) + s;
            count += t->count; errors += t->errors; timeouts += t->timeouts;
            kept += t->count < MAX_SAMPLES ? t->count : MAX_SAMPLES;
        }
        uint64_t *lat = malloc(sizeof(uint64_t) * (kept ? kept : 1));
        if (!lat) die("malloc");
        uint64_t k = 0;
        for (int c = 0; c < n; c++) {
            struct tally *t = (struct tally *)((char *)all + per * (size_t)c) + s;
            uint64_t m = t->count < MAX_SAMPLES ? t->count : MAX_SAMPLES;
            memcpy(lat + k, t->samples, m * sizeof(uint64_t));
            k += m;
        }
        qsort(lat, (size_t)kept, sizeof *lat, cmp_u64);
        printf("RESULT %d %lu %lu %lu %.0f %.2f %.2f %.2f\n", s, (unsigned long)count, (unsigned long)errors,
               (unsigned long)timeouts, count / share_s, pct(lat, kept, 0.50) / 1e3, pct(lat, kept, 0.99) / 1e3,
               pct(lat, kept, 0.999) / 1e3);
        free(lat);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_client_dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: cleanup of %s failed\n", g_client_dir);
    return bad ? 1 : 0;
}
