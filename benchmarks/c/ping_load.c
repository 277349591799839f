/* ping_load <daemon-socket> <requests> <clients> <request>: N forked clients, each bound to an abstract name, send
 * the request and wait for its reply, requests times; used to load zerocpd from C (ConductorAllocation). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
/* pingc <daemon-socket> <requests> <clients> <request-text> */
int main(int argc, char **argv) {
  const char *srv = argv[1]; long n = atol(argv[2]); int clients = atoi(argv[3]); const char *req = argv[4];
  for (int c = 0; c < clients; c++) {
    if (fork() == 0) {
      int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
      struct sockaddr_un me = {.sun_family = AF_UNIX};
      snprintf(me.sun_path + 1, 100, "pingc-%d-%d", getpid(), c);
      if (bind(fd, (struct sockaddr *)&me, 2 + 1 + strlen(me.sun_path + 1))) { perror("bind"); _exit(1); }
      struct sockaddr_un to = {.sun_family = AF_UNIX}; strcpy(to.sun_path, srv);
      if (connect(fd, (struct sockaddr *)&to, sizeof to)) { perror("connect"); _exit(1); }
      char buf[2048]; size_t len = strlen(req);
      for (long i = 0; i < n; i++) {
        if (send(fd, req, len, 0) < 0) { perror("send"); _exit(1); }
        if (recv(fd, buf, sizeof buf, 0) < 0) { perror("recv"); _exit(1); }
      }
      _exit(0);
    }
  }
  int st, bad = 0; while (wait(&st) > 0) bad |= st;
  return bad != 0;
}
