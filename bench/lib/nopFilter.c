/*
 * The floor of git's filter-process protocol, for bench S1 (S1.ref.floor): a filter that does
 * nothing but the protocol. It answers the handshake, then every request with status=success
 * and the content git sent (so a smudge leaves the pointer text), one write per response. What
 * a checkout costs through it is what the per-file round trip with git costs, whatever the
 * filter does: no LFS filter can check out faster. Content up to 1 MiB per file (pointers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char pkt[65536];
static char content[1 << 20];

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

int main(void) {
  int n;
  while (read_pkt() >= 0) {} /* git-filter-client, version=2 */
  write_pkt("git-filter-server\n", 18);
  write_pkt("version=2\n", 10);
  write_flush();
  fflush(stdout);
  while (read_pkt() >= 0) {} /* capabilities */
  write_pkt("capability=clean\n", 17);
  write_pkt("capability=smudge\n", 18);
  write_flush();
  fflush(stdout);
  for (;;) {
    while ((n = read_pkt()) >= 0) {} /* command, pathname, ... */
    if (n == -2) return 0;
    int len = 0;
    while ((n = read_pkt()) >= 0) {
      if (len + n > (int)sizeof content) return 1;
      memcpy(content + len, pkt, (size_t)n);
      len += n;
    }
    if (n == -2) return 0;
    write_pkt("status=success\n", 15);
    write_flush();
    for (int off = 0; off < len; off += 65516) write_pkt(content + off, len - off < 65516 ? len - off : 65516);
    write_flush();
    write_flush(); /* status unchanged */
    fflush(stdout);
  }
}
