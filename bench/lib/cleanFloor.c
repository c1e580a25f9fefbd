/*
 * A native LFS clean for bench S3 (S3.ref.native_clean): git's filter-process protocol in C,
 * and for each clean request what any LFS clean must do, as plainly as possible: stream the
 * content into a temp file while hashing it with OpenSSL's SHA-256 (SHA-NI where the CPU has
 * it), rename it to <dir>/<oid>, answer with the pointer. One thread, one write per packet, no
 * checks beyond the protocol. Usage: cleanFloor DIR. Build: cc -O2 cleanFloor.c -lcrypto
 */
#include <openssl/evp.h>
#include <unistd.h>

#include "pktline.h"

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  static char iobuf[1 << 20];
  setvbuf(stdin, iobuf, _IOFBF, sizeof iobuf);
  int n;
  static const char *const caps[] = {"capability=clean\n"};
  handshake(caps, 1);
  for (int req = 0;; req++) {
    while ((n = read_pkt()) >= 0) {}
    if (n == -2) return 0;
    char tmp[4096], final[4200];
    snprintf(tmp, sizeof tmp, "%s/tmp-%d-%d", argv[1], (int)getpid(), req);
    FILE *out = fopen(tmp, "wx");
    if (!out) return 1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    long long size = 0;
    while ((n = read_pkt()) >= 0) {
      EVP_DigestUpdate(md, pkt, (size_t)n);
      if (fwrite(pkt, 1, (size_t)n, out) != (size_t)n) return 1;
      size += n;
    }
    if (n == -2) return 0;
    if (fclose(out) != 0) return 1;
    unsigned char dig[32];
    EVP_DigestFinal_ex(md, dig, NULL);
    EVP_MD_CTX_free(md);
    char hex[65];
    for (int i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", dig[i]);
    snprintf(final, sizeof final, "%s/%s", argv[1], hex);
    if (rename(tmp, final) != 0) return 1;
    char ptr[256];
    int len = snprintf(ptr, sizeof ptr, "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %lld\n", hex, size);
    write_pkt("status=success\n", 15);
    write_flush();
    write_pkt(ptr, len);
    write_flush();
    write_flush();
    fflush(stdout);
  }
}
