/*
 * pkt-lines on stdin/stdout and the filter-process handshake, for the bench's native reference
 * filters (nopFilter.c, cleanFloor.c). Buffered stdio: the caller flushes once per response.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char pkt[65536];

/* One pkt-line into `pkt`: its payload length, -1 for a flush, -2 at EOF or on a bad packet. */
static int read_pkt(void) {
  char head[5] = {0};
  if (fread(head, 1, 4, stdin) != 4) return -2;
  int n = (int)strtol(head, NULL, 16);
  if (n == 0) return -1;
  if (n < 4 || n > 65520) return -2;
  n -= 4;
  if (fread(pkt, 1, (size_t)n, stdin) != (size_t)n) return -2;
  return n;
}

static void write_pkt(const char *s, int n) {
  fprintf(stdout, "%04x", n + 4);
  fwrite(s, 1, (size_t)n, stdout);
}

static void write_flush(void) { fputs("0000", stdout); }

/* The version 2 handshake, offering the capability lines given (each ending in \n). */
static void handshake(const char *const *caps, int ncaps) {
  while (read_pkt() >= 0) {} /* git-filter-client, version=2 */
  write_pkt("git-filter-server\n", 18);
  write_pkt("version=2\n", 10);
  write_flush();
  fflush(stdout);
  while (read_pkt() >= 0) {} /* git's capabilities */
  for (int i = 0; i < ncaps; i++) write_pkt(caps[i], (int)strlen(caps[i]));
  write_flush();
  fflush(stdout);
}
