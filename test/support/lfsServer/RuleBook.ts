/**
 * The fault rules in force: rules added by tests (failNext), then templates chosen by magic
 * object contents and repo names, instantiated once per repo (per repo+oid for contents).
 * take() finds the first live rule matching a request and consumes one use of it; it is
 * synchronous, so concurrent requests never consume the same use twice.
 */
import { magicTemplatesForOid, repoTemplates } from './magic.js';
import type { FaultRule, Operation, RuleHandle, RuleKind } from './types.js';

export interface MatchContext {
  kind: RuleKind;
  repo: string;
  oid?: string;
  operation?: Operation;
  /** Oids in a batch request (for 'batch' rules with an oid). */
  oids?: readonly string[];
  /** Whether the request carries Range ('storage-get' rules about ranges only match then). */
  hasRange?: boolean;
}

class LiveRule implements RuleHandle {
  /** Totals over all oids. */
  seen = 0;
  hits = 0;
  removed = false;
  /** Uses per oid for perOid rules; the single key '' otherwise. */
  private readonly counters = new Map<string, { seen: number; hits: number }>();
  constructor(
    readonly rule: FaultRule,
    private readonly onRemove: (r: LiveRule) => void,
  ) {}
  get spent(): boolean {
    return this.removed || (!this.rule.perOid && this.hits >= (this.rule.times ?? 1));
  }
  /** Count one matching request; true when the fault applies to it. */
  use(oid: string | undefined): boolean {
    const key = this.rule.perOid ? (oid ?? '') : '';
    let c = this.counters.get(key);
    if (!c) this.counters.set(key, (c = { seen: 0, hits: 0 }));
    if (c.hits >= (this.rule.times ?? 1)) return false;
    c.seen++;
    this.seen++;
    if (c.seen <= (this.rule.skip ?? 0)) return false;
    c.hits++;
    this.hits++;
    return true;
  }
  remove(): void {
    this.removed = true;
    this.onRemove(this);
  }
}

function matches(rule: FaultRule, ctx: MatchContext): boolean {
  if (rule.kind !== ctx.kind) return false;
  if (rule.repo !== undefined && rule.repo !== ctx.repo) return false;
  if (rule.operation !== undefined && rule.operation !== ctx.operation) return false;
  if ((rule.rejectRange || rule.ignoreRange) && !ctx.hasRange) return false;
  if (rule.oid !== undefined) {
    if (ctx.kind === 'batch') return ctx.oids?.includes(rule.oid) ?? false;
    if (rule.oid !== ctx.oid) return false;
  }
  return true;
}

export class RuleBook {
  private user: LiveRule[] = [];
  private readonly auto = new Map<string, LiveRule[]>();

  add(rule: FaultRule): RuleHandle {
    if (rule.times !== undefined && !(rule.times >= 0)) throw new Error('times must be >= 0');
    const live = new LiveRule({ ...rule }, (r) => {
      this.user = this.user.filter((x) => x !== r);
    });
    this.user.push(live);
    return live;
  }

  clear(): void {
    this.user = [];
    this.auto.clear();
  }

  /**
   * Consume and return the first matching rule for this request, or undefined. For 'batch'
   * and 'object' kinds several independent rules may apply; use takeAll for those.
   */
  take(ctx: MatchContext): FaultRule | undefined {
    return this.takeAll(ctx, 1)[0];
  }

  /** Consume up to `max` matching rules (one use each), in order: test rules first. */
  takeAll(ctx: MatchContext, max = Number.POSITIVE_INFINITY): FaultRule[] {
    const out: FaultRule[] = [];
    for (const live of [...this.user, ...this.autoRules(ctx)]) {
      if (out.length >= max) break;
      if (live.spent || !matches(live.rule, ctx)) continue;
      if (live.use(ctx.oid)) out.push(live.rule);
    }
    return out;
  }

  private autoRules(ctx: MatchContext): LiveRule[] {
    const out = this.instantiate(`repo:${ctx.repo}`, () => repoTemplates(ctx.repo).map((t) => ({ ...t, repo: ctx.repo })));
    const oids = ctx.kind === 'batch' ? (ctx.oids ?? []) : ctx.oid ? [ctx.oid] : [];
    for (const oid of oids) {
      out.push(...this.instantiate(`oid:${ctx.repo}:${oid}`, () => magicTemplatesForOid(oid).map((t) => ({ ...t, repo: ctx.repo, oid }))));
    }
    return out;
  }

  private instantiate(key: string, make: () => FaultRule[]): LiveRule[] {
    let list = this.auto.get(key);
    if (!list) {
      list = make().map((r) => new LiveRule(r, () => undefined));
      this.auto.set(key, list);
    }
    return [...list];
  }
}
