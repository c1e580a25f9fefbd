// Collecting samples and printing them as quotable lines.
//
// A measurement id (e.g. S1a.checkout_main) has one lane per tool; each lane holds one sample
// per rep. A lane that failed once is reported as FAILED, with the reason, and never with a time:
// a number from a broken run would be worse than none. Ratios are computed pair by pair within
// a rep (only reps where every lane involved succeeded) and reported as median [min..max].

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmtS(v) {
  if (!Number.isFinite(v)) return 'n/a';
  if (v >= 10) return v.toFixed(2);
  if (v >= 1) return v.toFixed(3);
  return v.toPrecision(3);
}

export function fmtR(v) {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

const mib = (kb) => kb / 1024;
function fmtMiB(kb) {
  const v = mib(kb);
  return !Number.isFinite(v) ? 'n/a' : v >= 10 ? v.toFixed(0) : v.toFixed(1);
}

export class Results {
  constructor(scenario, print) {
    this.scenario = scenario;
    this.print = print;
    this.meas = new Map(); // id -> Map(lane -> {samples: [], failure: null|{rep, error}})
    this.ratioResults = [];
    this.notes = [];
    this.failed = false;
  }

  lane(id, name) {
    if (!this.meas.has(id)) this.meas.set(id, new Map());
    const m = this.meas.get(id);
    if (!m.has(name)) m.set(name, { samples: [], failure: null });
    return m.get(name);
  }

  /** True if this lane already failed (callers skip further runs of it). */
  isFailed(id, name) {
    return this.lane(id, name).failure !== null;
  }

  add(id, name, rep, s) {
    const l = this.lane(id, name);
    if (l.failure) return;
    l.samples.push({ rep, wall: s.wall, user: s.user, sys: s.sys, rssKB: s.rssKB, load1: s.load1 });
  }

  fail(id, name, rep, error) {
    const l = this.lane(id, name);
    if (l.failure) return;
    error = String(error).trim().replace(/\s*\n\s*/g, ' / ');
    if (error.length > 400) error = error.slice(0, 400) + '...';
    l.failure = { rep, error };
    this.failed = true;
    this.print(`  !! ${id} ${name} FAILED at rep ${rep}: ${error}`);
  }

  note(text) {
    this.notes.push(text);
    this.print(`  note: ${text}`);
  }

  /** Samples of a lane keyed by rep, or null if the lane failed or is absent. */
  byRep(id, name) {
    const l = this.meas.get(id)?.get(name);
    if (!l || l.failure) return null;
    return new Map(l.samples.map((s) => [s.rep, s]));
  }

  /**
   * Per-rep values of f(samplesOfEachLane) over reps where every lane has a sample.
   * lanes: array of [id, name].
   */
  pairwise(lanes, f) {
    const maps = lanes.map(([id, n]) => this.byRep(id, n));
    if (maps.some((m) => !m)) return null;
    const out = [];
    for (const rep of maps[0].keys()) {
      const ss = maps.map((m) => m.get(rep));
      if (ss.every(Boolean)) out.push(f(ss));
    }
    return out;
  }

  /** One line per measurement id: each lane's median wall [min..max] and median peak RSS. */
  measurementLine(id, { ratio = ['tslfs', 'git-lfs'] } = {}) {
    const m = this.meas.get(id);
    if (!m) return `${id}  (not run)`;
    const parts = [];
    for (const [name, l] of m) {
      if (l.failure) { parts.push(`${name} FAILED (rep ${l.failure.rep}: ${l.failure.error})`); continue; }
      const w = l.samples.map((s) => s.wall);
      const r = l.samples.map((s) => s.rssKB);
      parts.push(`${name} ${fmtS(median(w))}s [${fmtS(Math.min(...w))}..${fmtS(Math.max(...w))}] rss ${fmtMiB(median(r))}MiB n=${w.length}`);
    }
    let line = `${id.padEnd(24)} ${parts.join(' | ')}`;
    if (ratio && m.has(ratio[0]) && m.has(ratio[1])) {
      const v = this.pairwise([[id, ratio[0]], [id, ratio[1]]], ([a, b]) => a.wall / b.wall);
      line += ` | ratio ${ratio[0]}/${ratio[1]} ${v && v.length ? fmtR(median(v)) : 'n/a'}`;
    }
    return line;
  }

  /**
   * A derived line. spec: {name, label, lanes: [[id, lane], ...], f(samples) -> number,
   * unit: 'x' (ratio) | 'ms' | 'MiB', agg: 'median' | 'max', target: {op: '<=' | '<' | '>=' | '>', value}}.
   */
  ratio(spec) {
    const vals = this.pairwise(spec.lanes, spec.f);
    const unit = spec.unit ?? 'x';
    const fmt = (v) => unit === 'ms' ? `${(v * 1000).toFixed(Math.abs(v) < 0.01 ? 1 : 0)}ms` : unit === 'MiB' ? `${fmtMiB(v)}MiB` : fmtR(v);
    let line = `${spec.name.padEnd(24)} ${spec.label}: `;
    const rec = { name: spec.name, label: spec.label, unit, values: vals };
    if (!vals || vals.length === 0) {
      const failed = spec.lanes.filter(([id, n]) => !this.byRep(id, n)).map(([id, n]) => `${id} ${n}`);
      line += `n/a (${failed.length ? failed.join(', ') + ' failed or missing' : 'no common reps'})`;
      rec.value = null;
    } else {
      const agg = spec.agg === 'max' ? Math.max(...vals) : median(vals);
      rec.value = agg;
      line += spec.agg === 'max'
        ? `max ${fmt(agg)} (median ${fmt(median(vals))}) n=${vals.length}`
        : `${fmt(agg)} [${fmt(Math.min(...vals))}..${fmt(Math.max(...vals))}] n=${vals.length}`;
      if (spec.target) {
        const t = spec.target;
        const pass = t.op === '<' ? agg < t.value : t.op === '>=' ? agg >= t.value : t.op === '>' ? agg > t.value : agg <= t.value;
        const tv = unit === 'ms' ? `${t.value * 1000}ms` : unit === 'MiB' ? `${t.value / 1024}MiB` : String(t.value);
        line += `  target ${t.op} ${tv}: ${pass ? 'PASS' : 'MISS'}`;
        rec.target = { ...t, pass };
      }
    }
    this.ratioResults.push(rec);
    return line;
  }

  /** [min, max] of the 1-minute load average seen at the samples (other work on the machine). */
  loadRange() {
    const xs = [];
    for (const m of this.meas.values()) for (const l of m.values()) for (const x of l.samples) if (Number.isFinite(x.load1)) xs.push(x.load1);
    return xs.length ? [Math.min(...xs), Math.max(...xs)] : null;
  }

  toJSON() {
    const meas = {};
    for (const [id, m] of this.meas) {
      meas[id] = {};
      for (const [n, l] of m) meas[id][n] = l;
    }
    return { scenario: this.scenario, measurements: meas, derived: this.ratioResults, notes: this.notes };
  }
}
