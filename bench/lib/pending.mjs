// S2 (clone) and S4 (transfer) need tslfs's transfer support (batch API, basic transfer, push,
// fetch, pull) and the test LFS server; the transfer work fills these in (see baseline.md S2/S4
// for the procedure). Until then they print a marker and record nothing: no numbers are faked.

/** S2: push 15,000 objects, smudging clone, skip-smudge clone + pull, plain clone. */
export async function runS2(ctx) {
  ctx.res.pending = 'needs transfer support';
  return ['S2.clone                 not yet: needs transfer support (push/clone/pull against the test LFS server)'];
}

/** S4: push, fetch and checkout of 2,000 x 64 KiB + 2 x 512 MiB, curl GET as yardstick. */
export async function runS4(ctx) {
  ctx.res.pending = 'needs transfer support';
  return ['S4.transfer              not yet: needs transfer support (push/fetch/checkout against the test LFS server)'];
}
