/*
 * The floor of git's filter-process protocol, for bench S1 (S1.ref.floor): a filter that does
 * nothing but the protocol. It answers the handshake, then every request with status=success
 * and the content git sent (so a smudge leaves the pointer text), one write per response. What
 * a checkout costs through it is what the per-file round trip with git costs, whatever the
 * filter does: no LFS filter can check out faster. Content up to 1 MiB per file (pointers).
 */
#include "pktline.h"

static char content[1 << 20];

int main(void) {
  int n;
  static const char *const caps[] = {"capability=clean\n", "capability=smudge\n"};
  handshake(caps, 2);
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
