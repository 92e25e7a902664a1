#!/usr/bin/env node
// The benchmarks of create-backend-starter: `npm run bench [-- --only startup,generate] [-- --quick]`.
// It measures and prints; it never fails on a number. Every figure is the median of several runs, and every
// comparison is the median of per-round ratios against a baseline run next to it in the same round, the two
// alternating which goes first. See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { callgrindAvailable, instructionsPerRequest } from './lib/callgrind.mjs';
import { newestProfile, summarizeCpuProfile, summarizeModules } from './lib/profile.mjs';
import {
  NODE,
  cleanEnv,
  countTree,
  cpuTimeMs,
  duBytes,
  freePort,
  machineInfo,
  median,
  pairedRatios,
  ratio,
  request,
  rotate,
  round,
  runLogged,
  sleep,
  startProcess,
  summary,
  timedRun,
  waitFor200,
} from './lib/util.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH, '..');
const CLI = path.join(ROOT, 'bin/create-backend-starter.js');
const MAXRSS = path.join(BENCH, 'lib/maxrss.cjs');
const MODTRACE = path.join(BENCH, 'lib/modtrace.mjs');
const TICK_PROBE = path.join(BENCH, 'lib/tick-probe.mjs');
const BARE = path.join(BENCH, 'bare-server.mjs');

const ALL_SECTIONS = ['startup', 'generate', 'server', 'footprint', 'profile'];
const DEFAULT_SECTIONS = ['startup', 'generate', 'server', 'footprint'];
const ALL_COMBOS = [];
for (const api of ['rest', 'graphql']) for (const db of ['sql', 'nosql']) for (const auth of ['jwt', 'none']) ALL_COMBOS.push(`${api}/${db}/${auth}`);

// ---------------------------------------------------------------- options
const { values: opt } = parseBenchArgs({
  allowNegative: true,
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    'server-combos': { type: 'string' },
    'footprint-combos': { type: 'string' },
    dbs: { type: 'string' },
    notes: { type: 'string' },
    'gen-dir': { type: 'string' },
    'skip-install': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'keep-rate-limit': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    callgrind: { type: 'boolean', default: true },
    out: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
    report: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

/** parseArgs, with a one-line error and exit 2 for an unknown flag or a flag given the wrong kind of value. */
function parseBenchArgs(config) {
  try {
    return parseArgs(config);
  } catch (e) {
    return usage(`${e.message} (npm run bench -- --help lists the flags)`);
  }
}

if (opt.help) {
  console.log(`npm run bench -- [options]

  --only LIST             sections, comma-separated: ${ALL_SECTIONS.join(', ')}
                          (default: ${DEFAULT_SECTIONS.join(',')}; 'profile' runs only when named)
  --quick                 fewer runs and shorter load runs: a smoke test of the bench itself (~3-5 min)
  --runs N                measured rounds per figure (default: startup 20 / generation 10 / load 3, GET /health 9;
                          quick 5/3/1, GET /health 2)
  --duration S            seconds per load run (default 5; quick 1)
  --connections N         autocannon connections (default 10)
  --server-combos LIST    combinations for the server section (default rest/sql/jwt,graphql/sql/jwt)
  --footprint-combos LIST combinations for the footprint section (default all 8; quick: the server combos)
  --dbs LIST              pglite,postgres (default both; postgres is skipped when 127.0.0.1:5432 does not answer)
  --notes N               notes seeded before the list run (default 1000)
  --gen-dir DIR           where the generation section writes (default: /dev/shm when it is a RAM filesystem, else
                          the system's temp folder; see docs/benchmarks.md, "Where generation writes")
  --skip-install          do not run 'npm ci --prefix bench' first
  --skip-build            do not run 'npm run build' of the tool first
  --keep-rate-limit       do not raise the generated app's rate-limit constant in the bench's copy (see the docs)
  --no-callgrind          skip the instructions per GET /health counted under valgrind's callgrind (~1 min per
                          server; on by default where valgrind is installed)
  --keep                  keep the work folder (generated projects) instead of deleting it
  --out FILE              also write the JSON results there (always: bench/results/latest.json)
  --write-docs            put this run's tables into docs/benchmarks.md (between its bench:results markers)
  --report FILE.json      measure nothing: print the tables of an earlier run's JSON (with --write-docs: into the docs)`);
  process.exit(0);
}

const quick = opt.quick;
const sections = (opt.only ?? DEFAULT_SECTIONS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const s of sections) if (!ALL_SECTIONS.includes(s)) usage(`unknown section '${s}' (one of ${ALL_SECTIONS.join(', ')})`);
const has = (s) => sections.includes(s);
const intOpt = (v, d) => (v === undefined ? d : Number.parseInt(v, 10) > 0 ? Number.parseInt(v, 10) : usage(`not a positive number: ${v}`));
const runsOverride = opt.runs === undefined ? undefined : intOpt(opt.runs);
const settings = {
  mode: quick ? 'quick' : 'full',
  startupRuns: runsOverride ?? (quick ? 5 : 20),
  generateRuns: runsOverride ?? (quick ? 3 : 10),
  memoryRuns: quick ? 1 : 3,
  loadRuns: runsOverride ?? (quick ? 1 : 3),
  // GET /health carries the target and this host swings ±15–30% between 5-s runs: 9 paired rounds.
  healthLoadRuns: runsOverride ?? (quick ? 2 : 9),
  loadSeconds: opt.duration ? Number(opt.duration) : quick ? 1 : 5,
  warmupSeconds: quick ? 0.5 : 1,
  connections: intOpt(opt.connections, 10),
  coldRuns: runsOverride ?? (quick ? 2 : 5),
  // Requests before and during the count of instructions under callgrind (~200 a second there). Quick mode's
  // 1,000 leave V8 unwarmed (both counts ~2× higher): a smoke test of the measurement, not a figure.
  callgrindWarmup: quick ? 1000 : 5000,
  callgrindCount: quick ? 1000 : 5000,
  notes: intOpt(opt.notes, 1000),
  serverCombos: splitCombos(opt['server-combos'] ?? 'rest/sql/jwt,graphql/sql/jwt'),
  footprintCombos: splitCombos(opt['footprint-combos'] ?? (quick ? opt['server-combos'] ?? 'rest/sql/jwt,graphql/sql/jwt' : ALL_COMBOS.join(','))),
  dbs: (opt.dbs ?? 'pglite,postgres').split(',').map((s) => s.trim()),
  genDir: opt['gen-dir'] ?? defaultGenDir(),
};
if (!(settings.loadSeconds > 0)) usage('--duration must be a positive number of seconds');
for (const d of settings.dbs) if (!['pglite', 'postgres'].includes(d)) usage(`unknown db '${d}' (pglite, postgres)`);
try {
  fs.accessSync(settings.genDir, fs.constants.W_OK);
  if (!fs.statSync(settings.genDir).isDirectory()) throw new Error();
} catch {
  usage(`--gen-dir: not a folder this user can write to: ${settings.genDir}`);
}

/**
 * Generation is timed on a RAM filesystem where there is one: it measures the two tools, not the disk. On an ext4
 * without a journal (this project's CI machines), creating a file scans past every inode deleted in the last minutes,
 * so after a test run has deleted many files each new file costs 0.5-1.5 ms of kernel time, which charges a tool in
 * proportion to the files it writes (69 against create-vite's 12) for what other programs deleted before.
 */
function defaultGenDir() {
  try {
    if (fsType('/dev/shm') === 'tmpfs') {
      fs.accessSync('/dev/shm', fs.constants.W_OK);
      return '/dev/shm';
    }
  } catch {}
  return os.tmpdir();
}

function splitCombos(s) {
  const list = s.split(',').map((c) => c.trim()).filter(Boolean);
  for (const c of list) if (!ALL_COMBOS.includes(c)) usage(`unknown combination '${c}' (api/db/auth, e.g. rest/sql/jwt)`);
  return list;
}
function usage(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- run-wide state and cleanup
const t0 = Date.now();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cbs-bench-'));
const logFile = path.join(work, 'bench.log');
const cleanups = [];
let cleaning = false;
async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  for (const f of cleanups.reverse()) {
    try {
      await f();
    } catch (e) {
      console.error(`cleanup: ${e.message}`);
    }
  }
  if (!opt.keep) fs.rmSync(work, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    console.error(`\nbench: ${sig}, cleaning up…`);
    await cleanup();
    process.exit(130);
  });
}

const results = {
  tool: 'create-backend-starter',
  startedAt: new Date(t0).toISOString(),
  machine: { ...machineInfo(), loadAvgAtStart: os.loadavg().map((x) => round(x, 2)) },
  git: gitInfo(),
  settings: { ...settings, sections },
  baselines: {},
  sections: {},
  targets: [],
  notes: [],
};

function log(msg) {
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
}
/** An error in a few lines: its first line and the last lines (a log's tail holds the cause). */
function brief(e, tail = 8) {
  const lines = String(e?.message ?? e).split('\n').filter((l) => l.trim() && !/Unknown user config/.test(l));
  return lines.length <= tail + 1 ? lines.join(' | ') : [lines[0], '…', ...lines.slice(-tail)].join(' | ');
}
function note(msg) {
  results.notes.push(msg);
  log(`NOTE: ${msg}`);
}
function gitInfo() {
  const r = spawnSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  const d = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'templates', 'bin', 'package.json'], { encoding: 'utf8' });
  return { commit: r.status === 0 ? r.stdout.trim() : null, dirty: d.status === 0 ? d.stdout.trim().length > 0 : null };
}

// ---------------------------------------------------------------- preparation
function prepareBench() {
  if (!opt['skip-install']) {
    log('npm ci --prefix bench (autocannon, create-vite, fastify: pinned)');
    const r = spawnSync('npm', ['ci', '--prefix', BENCH, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, encoding: 'utf8', env: cleanEnv() });
    if (r.status !== 0) throw new Error(`npm ci --prefix bench failed:\n${r.stderr}`);
  }
  const pj = (p) => JSON.parse(fs.readFileSync(path.join(BENCH, 'node_modules', p, 'package.json'), 'utf8')).version;
  results.baselines = { 'create-vite': pj('create-vite'), fastify: pj('fastify'), autocannon: pj('autocannon') };
  if (!opt['skip-build'] && (has('startup') || has('generate') || has('server') || has('footprint') || has('profile'))) {
    if (fs.existsSync(path.join(ROOT, 'src'))) {
      log('npm run build (the tool)');
      const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', env: cleanEnv() });
      if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
    }
  }
  if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: build the tool first (npm run build)');
  results.toolVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
}

const comboFlags = (c) => {
  const [api, db, auth] = c.split('/');
  return ['--api', api, '--db', db, '--auth', auth];
};

/** A fresh empty folder under the work folder. */
function freshDir(label, base = work) {
  return fs.mkdtempSync(path.join(base, `${label}-`));
}

/** The filesystem type of the mount that holds `dir` (Linux), for the report. */
function fsType(dir) {
  try {
    const real = fs.realpathSync(dir);
    let best = { mount: '', type: null };
    for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, mount, type] = line.split(' ');
      if (mount && (real === mount || real.startsWith(mount.endsWith('/') ? mount : `${mount}/`)) && mount.length >= best.mount.length) best = { mount, type };
    }
    return best.type;
  } catch {
    return null;
  }
}

const genArgs = (c) => [CLI, 'app', ...comboFlags(c), '--yes', '--no-install', '--no-git'];
const viteArgs = () => [path.join(BENCH, 'node_modules/create-vite/index.js'), 'app', '--template', 'vanilla-ts', '--no-interactive'];

/** Mean CPU ms per run from tick-granular samples (a sum over many runs is exact to a tick). */
function meanCpu(xs) {
  const v = xs.filter((x) => x != null);
  return v.length ? round(v.reduce((a, b) => a + b, 0) / v.length, 1) : null;
}

// ---------------------------------------------------------------- 1. start-up
function sectionStartup() {
  log(`start-up: ${settings.startupRuns} runs each, alternating 'node -e 0' and '--version'`);
  const env = cleanEnv();
  const cmds = {
    'node -e 0': [NODE, ['-e', '0']],
    'create-backend-starter --version': [NODE, [CLI, '--version']],
  };
  const version = timedRun(NODE, [CLI, '--version'], { env }).stdout.trim();
  const times = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
  const names = Object.keys(cmds);
  for (let i = 0; i < 3; i++) for (const n of names) timedRun(...cmds[n], { env }); // warm-up: page cache
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < settings.startupRuns; i++) {
    for (const n of rotate(names, i)) {
      const r = timedRun(...cmds[n], { env });
      times[n].push(r.ms);
      cpu[n].push(r.cpuMs);
    }
  }
  const rss = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < settings.memoryRuns; i++) {
    for (const n of rotate(names, i)) {
      const [cmd, args] = cmds[n];
      rss[n].push(timedRun(cmd, ['-r', MAXRSS, ...args], { env, maxRssFile: path.join(work, 'maxrss') }).maxRssKiB);
    }
  }
  const out = { versionPrinted: version, commands: {} };
  for (const n of names) out.commands[n] = { ms: summary(times[n]), cpuMsMean: meanCpu(cpu[n]), maxRssKiB: summary(rss[n]) };
  out.cpuRatio = round(ratio(out.commands[names[1]].cpuMsMean, out.commands[names[0]].cpuMsMean), 3);
  // Round i ran the two back to back: the comparison is the median of the rounds' ratios.
  out.ratios = pairedRatios(times[names[1]], times[names[0]]);
  out.ratio = round(out.ratios.median, 3);
  out.ratioOfMedians = round(ratio(out.commands[names[1]].ms.median, out.commands[names[0]].ms.median), 3);
  results.sections.startup = out;
  results.targets.push({
    target: 'start-up: `--version` within 1.5× `node -e 0`',
    value: `${out.ratio}× (median of ${out.ratios.n} paired rounds, ${spread(out.ratios)})`,
    met: out.ratio != null ? out.ratio <= 1.5 : null,
  });
}

// ---------------------------------------------------------------- 2. generation
function sectionGenerate() {
  log('generation: sizing every combination (one generation each)');
  const env = cleanEnv();
  const sizes = {};
  const written = []; // deleted at the end of the section (see below)
  const genWork = fs.mkdtempSync(path.join(settings.genDir, 'cbs-bench-gen-'));
  cleanups.push(() => fs.rmSync(genWork, { recursive: true, force: true }));
  log(`generation: writing under ${genWork} (${fsType(genWork) ?? 'filesystem unknown'})`);
  for (const c of ALL_COMBOS) {
    const d = freshDir('size', genWork);
    try {
      timedRun(NODE, genArgs(c), { cwd: d, env });
      sizes[c] = countTree(path.join(d, 'app'));
    } catch (e) {
      sizes[c] = { error: e.message.split('\n')[0] };
      note(`generation of ${c} failed: ${e.message.split('\n')[0]}`);
    }
    written.push(d);
  }
  const ok = Object.entries(sizes).filter(([, s]) => !s.error);
  if (ok.length === 0) throw new Error('no combination generates');
  ok.sort((a, b) => a[1].bytes - b[1].bytes || a[1].files - b[1].files);
  const smallest = ok[0][0];
  const largest = ok[ok.length - 1][0];
  const dv = freshDir('size', genWork);
  timedRun(NODE, viteArgs(), { cwd: dv, env });
  const viteSize = countTree(path.join(dv, 'app'));
  written.push(dv);

  const contestants = {
    'create-vite vanilla-ts': viteArgs(),
    [`create-backend-starter ${smallest} (smallest)`]: genArgs(smallest),
    [`create-backend-starter ${largest} (largest)`]: genArgs(largest),
  };
  const names = Object.keys(contestants);
  log(`generation: ${settings.generateRuns} rounds of ${names.join(' | ')}, create-vite and the largest back to back`);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const rss = Object.fromEntries(names.map((n) => [n, []]));
  // The generated folders are deleted after the last timed run, not between runs: on ext4, creating a file
  // near many files deleted in the last minutes is slower (the kernel scans the recently deleted entries), so
  // deleting between runs would charge each contestant in proportion to the files it creates for the
  // previous runs' deletions, which is the bench's doing, not the tool's.
  const one = (n, withRss) => {
    const d = freshDir('gen', genWork);
    written.push(d);
    const args = contestants[n];
    const r = withRss
      ? timedRun(NODE, ['-r', MAXRSS, ...args], { cwd: d, env, maxRssFile: path.join(work, 'maxrss') })
      : timedRun(NODE, args, { cwd: d, env });
    if (!fs.existsSync(path.join(d, 'app', 'package.json'))) throw new Error(`${n} wrote no app/package.json`);
    return r;
  };
  for (const n of names) one(n, false); // warm-up
  const cpu = Object.fromEntries(names.map((n) => [n, []]));
  // Each round runs create-vite and the largest (the target's pair) back to back, alternating which goes first,
  // with the smallest before or after them: [v l s], [l v s], [s v l], [s l v], …
  const order = (i) => {
    const pair = i % 2 ? [names[2], names[0]] : [names[0], names[2]];
    return (i >> 1) % 2 ? [names[1], ...pair] : [...pair, names[1]];
  };
  for (let i = 0; i < settings.generateRuns; i++) {
    for (const n of order(i)) {
      const r = one(n, false);
      times[n].push(r.ms);
      cpu[n].push(r.cpuMs);
    }
  }
  for (let i = 0; i < settings.memoryRuns; i++) for (const n of rotate(names, i)) rss[n].push(one(n, true).maxRssKiB);
  for (const d of written) fs.rmSync(d, { recursive: true, force: true });

  const out = { dir: settings.genDir, filesystem: fsType(genWork), sizes, viteSize: viteSize, smallest, largest, commands: {} };
  for (const n of names) out.commands[n] = { ms: summary(times[n]), cpuMsMean: meanCpu(cpu[n]), maxRssKiB: summary(rss[n]) };
  // The comparisons: the median of the rounds' ratios to create-vite's run of the same round.
  out.ratiosSmallest = pairedRatios(times[names[1]], times[names[0]]);
  out.ratiosLargest = pairedRatios(times[names[2]], times[names[0]]);
  out.ratioSmallest = round(out.ratiosSmallest.median, 3);
  out.ratioLargest = round(out.ratiosLargest.median, 3);
  results.sections.generate = out;
  results.targets.push({
    target: `generation of the largest combination (${largest}) within create-vite's time for vanilla-ts`,
    value: `${out.ratioLargest}× (median of ${out.ratiosLargest.n} paired rounds, ${spread(out.ratiosLargest)})`,
    met: out.ratioLargest != null ? out.ratioLargest <= 1 : null,
  });
}

// ---------------------------------------------------------------- generated projects (server, footprint, profile)
const projects = new Map();

/** Generates, installs and builds one combination once per bench run. */
async function project(combo) {
  if (projects.has(combo)) return projects.get(combo);
  const p = (async () => {
    const parent = path.join(work, 'projects', combo.replaceAll('/', '-'));
    fs.mkdirSync(parent, { recursive: true });
    const dir = path.join(parent, 'app');
    const env = cleanEnv();
    log(`${combo}: generate, npm install, build`);
    const gen = timedRun(NODE, genArgs(combo), { cwd: parent, env });
    const install = await runLogged('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env, log: logFile });
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const knobs = rateLimitKnobs(dir);
    const patched = Object.keys(knobs).length || opt['keep-rate-limit'] ? [] : patchRateLimit(dir);
    let buildMs = null;
    let buildError = null;
    if (pkg.scripts?.build) {
      const tb = Date.now();
      try {
        buildMs = (await runLogged('npm', ['run', 'build'], { cwd: dir, env, log: logFile })).ms;
      } catch (e) {
        // tsc emits JavaScript despite type errors: measure what it emitted, and say so.
        const main = (pkg.scripts.start ?? '').match(/node\s+(\S+\.js)/)?.[1];
        if (!main || !fs.existsSync(path.join(dir, main))) throw e;
        buildMs = Date.now() - tb;
        buildError = brief(e, 3);
        note(`${combo}: npm run build failed, but it emitted ${main}: measured anyway (${buildError})`);
      }
    }
    // The generated .env is for development; the bench passes every variable itself. Node's --env-file never
    // overrides a variable already set, but an unset DATABASE_URL (PGlite) could be filled from it: comment it out.
    const envFile = path.join(dir, '.env');
    if (fs.existsSync(envFile)) {
      const text = fs.readFileSync(envFile, 'utf8');
      fs.writeFileSync(envFile, text.replace(/^(\s*DATABASE_URL\s*=)/m, '# (bench) $1'), { mode: 0o600 });
    }
    let envExample = '';
    try {
      envExample = fs.readFileSync(path.join(dir, '.env.example'), 'utf8');
    } catch {}
    return { combo, dir, pkg, generateMs: gen.ms, installMs: install.ms, buildMs, buildError, knobs, patched, envExample };
  })();
  projects.set(combo, p);
  return p;
}

/** Environment variables of the generated app that loosen its rate limits, read from .env.example / README. */
function rateLimitKnobs(dir) {
  let text = '';
  for (const f of ['.env.example', 'README.md']) {
    try {
      text += `${fs.readFileSync(path.join(dir, f), 'utf8')}\n`;
    } catch {}
  }
  const knobs = {};
  for (const m of text.matchAll(/\b([A-Z0-9_]*RATE_?LIMIT[A-Z0-9_]*)\s*=\s*([^\s#`|]*)/g)) {
    const [, key, example] = m;
    if (/DISABLE/.test(key)) knobs[key] = 'true';
    else if (/ENABLE/.test(key)) knobs[key] = 'false';
    else if (/WINDOW|TIME|TTL|BAN/.test(key)) continue;
    else if (/^\d+$/.test(example) || /MAX|LIMIT$|POINTS|REQUESTS|PER_/.test(key)) knobs[key] = '1000000000';
  }
  return knobs;
}

/**
 * Without an environment knob, a load run would measure the rate limiter's 429s. The bench then raises the
 * limit's constant in its own generated copy (never in templates/) so the limiter still runs, with its cost,
 * but does not refuse: the change is listed in the results.
 */
function patchRateLimit(dir) {
  const patched = [];
  const walk = (d) => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (/\.(ts|js|mts)$/.test(ent.name)) {
        const text = fs.readFileSync(p, 'utf8');
        const next = text.replace(/(\b[A-Z_]*RATE_LIMIT[A-Z_]*\s*(?::\s*number\s*)?=\s*)(\d[\d_]*)/g, (m, a, n) => {
          patched.push(`${path.relative(dir, p)}: ${a.trim()} ${n} → 1_000_000_000`);
          return `${a}1_000_000_000`;
        });
        if (next !== text) fs.writeFileSync(p, next);
      }
    }
  };
  if (fs.existsSync(path.join(dir, 'src'))) walk(path.join(dir, 'src'));
  return patched;
}

function startCommand(proj, nodeFlags = []) {
  const s = proj.pkg.scripts?.start;
  if (!s) throw new Error(`${proj.combo}: the generated package.json has no start script`);
  const parts = s.trim().split(/\s+/);
  if (parts[0] === 'node' && !/[|&;<>$`"'\\]/.test(s)) return [NODE, [...nodeFlags, ...parts.slice(1)]];
  if (nodeFlags.length) throw new Error(`${proj.combo}: cannot add node flags to the start script '${s}'`);
  return ['npm', ['start', '--silent']];
}

function appEnv(proj, { port, dbUrl, extra = {} }) {
  return cleanEnv({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
    DATABASE_URL: dbUrl,
    MONGODB_URI: proj.combo.includes('/nosql/') ? 'mongodb://127.0.0.1:27017/cbs_bench' : undefined,
    // Tokens outlive a full run (the default, 15 minutes, might not).
    ...(proj.envExample.includes('JWT_ACCESS_TTL') ? { JWT_ACCESS_TTL: '2h' } : {}),
    ...proj.knobs,
    ...extra,
  });
}

/** `npm run db:migrate` where the project has it. A failure is noted, not fatal: the server may migrate at start. */
const migrateFailed = new Set();
async function migrate(proj, env) {
  if (!proj.pkg.scripts?.['db:migrate']) return;
  try {
    await runLogged('npm', ['run', 'db:migrate'], { cwd: proj.dir, env, log: logFile });
  } catch (e) {
    if (!migrateFailed.has(proj.combo)) note(`${proj.combo}: npm run db:migrate failed (the bench goes on; the server migrates at start if it can): ${brief(e, 4)}`);
    migrateFailed.add(proj.combo);
  }
}

/** Starts the generated server; resolves once /health answers 200, with the time that took. */
async function startApp(proj, { dbUrl, nodeFlags = [], timeoutMs = 60_000, extraEnv } = {}) {
  const port = await freePort();
  const env = appEnv(proj, { port, dbUrl, extra: extraEnv });
  const [cmd, args] = startCommand(proj, nodeFlags);
  const proc = startProcess(cmd, args, { cwd: proj.dir, env });
  cleanups.push(() => proc.stop());
  const base = `http://127.0.0.1:${port}`;
  try {
    const coldMs = await waitFor200(`${base}/health`, { since: proc.since, child: proc.child, timeoutMs });
    return { proc, base, coldMs, coldCpuMs: cpuTimeMs(proc.child.pid), env };
  } catch (e) {
    await proc.stop();
    throw new Error(`${proj.combo}: ${e.message}\n--- server output ---\n${proc.output().slice(-3000)}`);
  }
}

async function startBare() {
  const port = await freePort();
  const proc = startProcess(NODE, [BARE], { cwd: BENCH, env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' }) });
  cleanups.push(() => proc.stop());
  const base = `http://127.0.0.1:${port}`;
  const coldMs = await waitFor200(`${base}/health`, { since: proc.since, child: proc.child });
  return { proc, base, coldMs };
}

// ---------------------------------------------------------------- PostgreSQL
function psql(sql, db = 'postgres') {
  return spawnSync('psql', ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], {
    encoding: 'utf8',
    env: cleanEnv({ PGCONNECT_TIMEOUT: '3' }),
  });
}
function postgresAvailable() {
  const r = psql('select 1');
  if (r.error) return `psql not found (${r.error.code})`;
  return r.status === 0 ? null : (r.stderr || 'psql failed').trim();
}
function createDatabase(tag) {
  const name = `cbs_bench_${process.pid}_${tag.replace(/\W/g, '_')}_${Date.now() % 100000}`;
  const r = psql(`CREATE DATABASE ${name}`);
  if (r.status !== 0) throw new Error(`CREATE DATABASE ${name}: ${r.stderr}`);
  const drop = () => {
    const d = psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    if (d.status !== 0) console.error(`DROP DATABASE ${name}: ${d.stderr}`);
  };
  cleanups.push(drop);
  return { name, url: `postgres://postgres@127.0.0.1:5432/${name}`, drop };
}

// ---------------------------------------------------------------- 3. the generated server under load
let autocannon;
/**
 * Whether `perf stat` can count this machine's instructions (Linux with perf installed and allowed). Instructions
 * per request move much less than CPU time on a shared host, so the table shows them where they can be had.
 */
let perfWorks;
function canCountInstructions() {
  perfWorks ??= (() => {
    const r = spawnSync('perf', ['stat', '-x', ',', '-e', 'instructions', '--', 'true'], { encoding: 'utf8' });
    return r.status === 0 && /^\d+,/m.test(r.stderr ?? '');
  })();
  return perfWorks;
}

/** Starts `perf stat` on a process; `stop()` resolves to the instructions it executed meanwhile (or null). */
async function countInstructions(pid) {
  if (!pid || !canCountInstructions()) return { stop: async () => null };
  const { spawn } = await import('node:child_process');
  const perf = spawn('perf', ['stat', '-x', ',', '-e', 'instructions', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  perf.stderr.on('data', (d) => (out += d));
  await new Promise((resolve) => setTimeout(resolve, 100)); // perf attaches
  return {
    stop: () =>
      new Promise((resolve) => {
        perf.on('close', () => resolve(Number(/^(\d+),[^,]*,instructions/m.exec(out)?.[1]) || null));
        perf.kill('SIGINT');
      }),
  };
}

/**
 * One autocannon run. With `pid`, also the server's CPU time and (where `perf` works) instructions per request,
 * both robust to a busy machine.
 */
async function load(target, seconds, pid) {
  autocannon ??= (await import('autocannon')).default;
  const instructions = await countInstructions(pid);
  const cpu0 = pid ? cpuTimeMs(pid) : null;
  const r = await autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    headers: target.headers,
    body: target.body,
    connections: settings.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
  });
  const cpu1 = pid ? cpuTimeMs(pid) : null;
  const executed = await instructions.stop();
  return {
    cpuUsPerReq: cpu0 != null && cpu1 != null && r.requests.total > 0 ? ((cpu1 - cpu0) * 1000) / r.requests.total : null,
    kInstrPerReq: executed != null && r.requests.total > 0 ? executed / r.requests.total / 1000 : null,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: r.statusCodeStats,
  };
}

/**
 * GET /health's instructions per request under callgrind, the app's and then bare Fastify's, one after the other.
 * Returns { appKInstr, bareKInstr, ratio } (ratio = bare / app: the share of bare Fastify's speed, as for throughput),
 * or { error } after a note.
 */
async function countHealthInstructions(proj, dbUrl, label) {
  const counts = { warmup: settings.callgrindWarmup, count: settings.callgrindCount };
  try {
    log(`${label}: GET /health under callgrind (${counts.warmup} requests to warm up, ${counts.count} counted), then bare Fastify`);
    const [cmd, args] = startCommand(proj);
    const app = await instructionsPerRequest({ cmd, args, cwd: proj.dir, env: appEnv(proj, { port: 0, dbUrl }), ...counts });
    const bareRun = await instructionsPerRequest({
      cmd: NODE,
      args: [BARE],
      cwd: BENCH,
      env: cleanEnv({ HOST: '127.0.0.1', NODE_ENV: 'production' }),
      ...counts,
    });
    const result = { appKInstr: round(app.kInstrPerReq, 1), bareKInstr: round(bareRun.kInstrPerReq, 1), ratio: round(bareRun.kInstrPerReq / app.kInstrPerReq, 3), ...counts };
    log(`${label}: GET /health ${result.appKInstr} k instructions per request, bare Fastify ${result.bareKInstr} k: ${result.ratio}×`);
    return result;
  } catch (e) {
    note(`${label}: instructions under callgrind not counted: ${brief(e)}`);
    return { error: brief(e), ...counts };
  }
}

/**
 * The state of process.nextTick's object-literal inline caches in a fresh server after 2 s of GET /health:
 * 'monomorphic' (the fast path), 'megamorphic' (every tick built in V8's runtime), another V8 state, or 'unknown'.
 */
async function probeNextTickIc(proj, dbUrl) {
  const probe = await startApp(proj, { dbUrl, nodeFlags: ['--allow-natives-syntax', '--import', TICK_PROBE] });
  try {
    await load({ url: `${probe.base}/health` }, 2);
    process.kill(probe.proc.child.pid, 'SIGUSR2');
    await sleep(500);
    const states = new Set([...probe.proc.output().matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1].toLowerCase()));
    if (states.size === 0) return 'unknown';
    return states.has('megamorphic') ? 'megamorphic' : [...states].join('/');
  } finally {
    await probe.proc.stop();
  }
}

/** The scenarios of the HTTP contract for one combination, after seeding a user and `n` notes. */
async function seedAndScenarios(proj, base, { login: creds, seed: doSeed = true } = {}) {
  const [api, , auth] = proj.combo.split('/');
  const gql = api === 'graphql';
  const email = creds?.email ?? `bench-${crypto.randomBytes(6).toString('hex')}@example.com`;
  const password = creds?.password ?? crypto.randomBytes(12).toString('base64url');
  const headers = {};
  let throttled = 0;
  const call = async (method, p, body, h = headers) => {
    for (let attempt = 0; ; attempt++) {
      const r = await request(`${base}${p}`, { method, body, headers: h });
      if (r.status !== 429 || attempt > 20) return r;
      throttled++;
      await sleep(Math.min(5000, 1000 * Number(r.headers['retry-after'] ?? 1)));
    }
  };
  const gqlCall = async (query, h = headers) => {
    const r = await call('POST', '/graphql', { query }, h);
    if (r.status !== 200 || r.json?.errors) throw new Error(`${proj.combo}: ${query.slice(0, 60)}… → ${r.status} ${r.text.slice(0, 300)}`);
    return r.json.data;
  };
  const t = Date.now();
  if (auth === 'jwt' && (doSeed || creds)) {
    let token;
    const verb = creds ? 'login' : 'register';
    if (gql) {
      const d = await gqlCall(`mutation { ${verb}(email: ${JSON.stringify(email)}, password: ${JSON.stringify(password)}) { accessToken } }`, {});
      token = d[verb].accessToken;
    } else {
      const r = await call('POST', `/auth/${verb}`, { email, password }, {});
      if (r.status !== (creds ? 200 : 201)) throw new Error(`${proj.combo}: POST /auth/${verb} → ${r.status} ${r.text.slice(0, 300)}`);
      token = r.json.accessToken;
    }
    headers.authorization = `Bearer ${token}`;
  }
  const createOne = gql
    ? (i) => gqlCall(`mutation { createNote(input: {title: "note ${i}", body: "seeded by the bench"}) { id } }`)
    : async (i) => {
        const r = await call('POST', '/notes', { title: `note ${i}`, body: 'seeded by the bench' });
        if (r.status !== 201) throw new Error(`${proj.combo}: POST /notes → ${r.status} ${r.text.slice(0, 300)}`);
      };
  let next = 0;
  const count = doSeed && !creds ? settings.notes : 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < count) await createOne(next++);
    }),
  );
  const seed = { notes: count, ms: Date.now() - t, throttled429: throttled };

  const json = { ...headers, 'content-type': 'application/json' };
  const listQuery = '{ notes(limit: 20) { items { id title body createdAt updatedAt } nextCursor } }';
  const createMutation = 'mutation { createNote(input: {title: "load", body: "written by autocannon"}) { id title body createdAt updatedAt } }';
  const scenarios = [
    { name: 'GET /health', url: `${base}/health` },
    gql
      ? { name: 'notes(limit: 20) via POST /graphql', url: `${base}/graphql`, method: 'POST', headers: json, body: JSON.stringify({ query: listQuery }) }
      : { name: 'GET /notes?limit=20', url: `${base}/notes?limit=20`, headers },
    gql
      ? { name: 'createNote via POST /graphql', url: `${base}/graphql`, method: 'POST', headers: json, body: JSON.stringify({ query: createMutation }) }
      : { name: 'POST /notes', url: `${base}/notes`, method: 'POST', headers: json, body: JSON.stringify({ title: 'load', body: 'written by autocannon' }) },
  ];
  // One request of each, checked, before any load: a figure of errors is worth nothing.
  for (const s of scenarios) {
    if (!doSeed && !creds && s.name !== 'GET /health') continue;
    const r = await request(s.url, { method: s.method, headers: s.headers, body: s.body });
    const bad = r.status >= 300 || r.json?.errors || (s.name.includes('notes(') && r.json?.data?.notes?.items?.length !== 20) || (s.name.startsWith('GET /notes') && r.json?.items?.length !== 20);
    if (bad) throw new Error(`${proj.combo}: sanity check of ${s.name} → ${r.status} ${r.text.slice(0, 300)}`);
    s.checkedStatus = r.status;
  }
  return { seed, scenarios, creds: { email, password } };
}

async function sectionServer() {
  const pgProblem = settings.dbs.includes('postgres') ? postgresAvailable() : null;
  if (pgProblem) note(`PostgreSQL at 127.0.0.1:5432 is not usable (${pgProblem}): the postgres runs are skipped`);
  const dbs = settings.dbs.filter((d) => d !== 'postgres' || !pgProblem);
  const bare = await startBare();
  const out = { bareColdMs: round(bare.coldMs, 1), runs: [] };
  // Instructions are counted on one database per combination: GET /health does not touch it. PostgreSQL where there
  // is one, as PGlite's start under valgrind is slow.
  let callgrindDb = null;
  if (opt.callgrind && callgrindAvailable()) callgrindDb = dbs.includes('postgres') ? 'postgres' : dbs[0];
  else if (opt.callgrind) note('valgrind (callgrind) is not installed: no instruction counts');
  results.sections.server = out;
  for (const combo of settings.serverCombos) {
    if (combo.includes('/nosql/')) {
      note(`${combo}: skipped in the server section: no MongoDB server can run on this machine`);
      continue;
    }
    let proj;
    try {
      proj = await project(combo);
    } catch (e) {
      note(`${combo}: could not be prepared: ${brief(e)}`);
      continue;
    }
    for (const db of dbs) {
      const entry = { combo, db, knobs: proj.knobs, rateLimitPatched: proj.patched };
      if (proj.patched.length && db === dbs[0]) note(`${combo}: no rate-limit knob in .env.example/README; the bench raised the limit in its generated copy: ${proj.patched.join('; ')}`);
      out.runs.push(entry);
      let app;
      let database;
      try {
        let dbUrl;
        if (db === 'postgres') {
          database = createDatabase(combo);
          dbUrl = database.url;
        } else fs.rmSync(path.join(proj.dir, '.data'), { recursive: true, force: true });
        const menv = appEnv(proj, { port: 0, dbUrl });
        await migrate(proj, menv);
        log(`${combo} on ${db}: start, seed ${settings.notes} notes`);
        app = await startApp(proj, { dbUrl });
        entry.firstStartMs = round(app.coldMs, 1);
        await waitFor200(`${app.base}/ready`, { timeoutMs: 30_000, everyMs: 50 }).catch((e) => note(`${combo} on ${db}: /ready: ${e.message}`));
        const { seed, scenarios } = await seedAndScenarios(proj, app.base);
        entry.seed = seed;
        if (seed.throttled429 > 0) note(`${combo} on ${db}: seeding hit ${seed.throttled429} × 429 (rate limit)`);
        entry.scenarios = {};
        // The server's own pid (npm start would put npm in between; startCommand runs node directly when it can).
        const appPid = app.proc.child.pid;
        const bareTarget = { url: `${bare.base}/health` };
        await load(bareTarget, settings.warmupSeconds);
        for (const s of scenarios) {
          await load(s, settings.warmupSeconds);
          const appRuns = [];
          const bareRuns = [];
          // Round i: the bare server and the app back to back, alternating which goes first.
          const rounds = s.name === 'GET /health' ? settings.healthLoadRuns : settings.loadRuns;
          for (let i = 0; i < rounds; i++) {
            for (const who of rotate(['bare', 'app'], i)) {
              if (who === 'bare') bareRuns.push(await load(bareTarget, settings.loadSeconds, bare.proc.child.pid));
              else appRuns.push(await load(s, settings.loadSeconds, appPid));
            }
          }
          const rps = median(appRuns.map((r) => r.rps));
          const bareRps = median(bareRuns.map((r) => r.rps));
          const non2xx = appRuns.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);
          const ratios = pairedRatios(appRuns.map((r) => r.rps), bareRuns.map((r) => r.rps));
          entry.scenarios[s.name] = {
            rps: round(rps, 0),
            p50Ms: median(appRuns.map((r) => r.p50)),
            p99Ms: median(appRuns.map((r) => r.p99)),
            bareRps: round(bareRps, 0),
            bareP99Ms: median(bareRuns.map((r) => r.p99)),
            cpuUsPerReq: round(median(appRuns.map((r) => r.cpuUsPerReq)), 1),
            bareCpuUsPerReq: round(median(bareRuns.map((r) => r.cpuUsPerReq)), 1),
            kInstrPerReq: round(median(appRuns.map((r) => r.kInstrPerReq)), 1),
            bareKInstrPerReq: round(median(bareRuns.map((r) => r.kInstrPerReq)), 1),
            // The comparison: the median of the rounds' ratios (app / bare of the same round); then their spread.
            ratioToBare: round(ratios.median, 3),
            ratioMin: round(ratios.min, 3),
            ratioMax: round(ratios.max, 3),
            pairedRatios: ratios.values,
            ratioOfMedians: round(ratio(rps, bareRps), 3),
            non2xxOrErrors: non2xx,
            statusCodes: appRuns.map((r) => r.statusCodes),
            runs: appRuns.map((r) => round(r.rps, 0)),
            bareRuns: bareRuns.map((r) => round(r.rps, 0)),
          };
          if (non2xx > 0) note(`${combo} on ${db}: ${s.name}: ${non2xx} responses were not 2xx or failed (see statusCodes): its figures are not clean`);
          log(`${combo} on ${db}: ${s.name}: ${round(rps, 0)} req/s, p99 ${entry.scenarios[s.name].p99Ms} ms (bare /health ${round(bareRps, 0)} req/s); paired ratio ${spreadWithMedian(ratios)}`);
        }
        entry.peakRssKiB = app.proc.peakRssKiB();
        const h = entry.scenarios['GET /health'];
        const healthTarget = {
          target: `${combo} on ${db}: GET /health within 0.85× bare Fastify's throughput`,
          value:
            `${h.ratioToBare}× (median of ${h.pairedRatios.length} paired rounds, ${spread({ min: h.ratioMin, max: h.ratioMax })}; ` +
            `median req/s ${h.rps} vs ${h.bareRps}; CPU per request ${h.cpuUsPerReq} vs ${h.bareCpuUsPerReq} µs` +
            (h.kInstrPerReq != null ? `; instructions per request ${h.kInstrPerReq} k vs ${h.bareKInstrPerReq} k)` : ')'),
          met: h.non2xxOrErrors > 0 ? null : h.ratioToBare >= 0.85,
        };
        results.targets.push(healthTarget);
        // PGlite cannot be opened by two processes: the probe starts once the measured server has stopped.
        await app.proc.stop();
        app = null;
        entry.nextTickIc = await probeNextTickIc(proj, dbUrl);
        if (entry.nextTickIc === 'megamorphic') note(`${combo} on ${db}: process.nextTick's literal inline caches went megamorphic (docs/benchmarks.md, "Status after the fourth session"): its GET /health figures pay for it`);
        if (db === callgrindDb) {
          entry.callgrind = await countHealthInstructions(proj, dbUrl, `${combo} on ${db}`);
          const c = entry.callgrind;
          if (c.ratio) healthTarget.value += `; in instructions (callgrind) ${c.ratio}×: ${c.appKInstr} k vs ${c.bareKInstr} k per request`;
        }
      } catch (e) {
        entry.error = e.message;
        note(`${combo} on ${db}: ${brief(e)}`);
      } finally {
        if (app) await app.proc.stop();
        if (database) database.drop();
      }
    }
  }
  await bare.proc.stop();
}

// ---------------------------------------------------------------- 4. footprint
function lockCounts(dir) {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
    const entries = Object.entries(lock.packages ?? {}).filter(([k]) => k.startsWith('node_modules/') || k.includes('/node_modules/'));
    const prod = entries.filter(([, v]) => !v.dev && !v.devOptional);
    // What `npm ci --omit=dev` would leave: each production package's own files (nested node_modules counted apart).
    let productionBytes = 0;
    for (const [k] of prod) {
      const d = path.join(dir, k);
      if (fs.existsSync(d)) productionBytes += countTree(d, { skip: ['node_modules'] }).bytes;
    }
    return { packages: entries.length, production: prod.length, productionBytes };
  } catch {
    return { packages: null, production: null };
  }
}

async function sectionFootprint() {
  const out = { combos: {} };
  results.sections.footprint = out;
  const bareColds = [];
  const bareColdCpu = [];
  for (const combo of settings.footprintCombos) {
    const e = {};
    out.combos[combo] = e;
    let proj;
    try {
      proj = await project(combo);
    } catch (err) {
      e.error = err.message.split('\n')[0];
      note(`${combo}: could not be prepared: ${brief(err)}`);
      continue;
    }
    Object.assign(e, duBytes(path.join(proj.dir, 'node_modules')), lockCounts(proj.dir), {
      installMs: round(proj.installMs, 0),
      buildMs: round(proj.buildMs, 0),
    });
    const nosql = combo.includes('/nosql/');
    try {
      if (!nosql) {
        // First start on a fresh PGlite data folder (it creates the database), then starts on the existing one.
        fs.rmSync(path.join(proj.dir, '.data'), { recursive: true, force: true });
        await migrate(proj, appEnv(proj, { port: 0 }));
      }
      const colds = [];
      const coldCpu = [];
      for (let i = 0; i < settings.coldRuns + 1; i++) {
        for (const who of rotate(['bare', 'app'], i)) {
          if (who === 'bare') {
            const b = await startBare();
            if (i > 0) {
              bareColds.push(b.coldMs);
              bareColdCpu.push(cpuTimeMs(b.proc.child.pid));
            }
            await b.proc.stop();
          } else {
            const a = await startApp(proj, { timeoutMs: nosql ? 15_000 : 60_000 });
            if (i === 0) e.firstStartMs = round(a.coldMs, 1);
            else {
              colds.push(a.coldMs);
              coldCpu.push(a.coldCpuMs);
            }
            await a.proc.stop();
          }
        }
      }
      e.coldStartMs = summary(colds);
      e.coldStartCpuMs = summary(coldCpu);
    } catch (err) {
      e.coldStartError = err.message.split('\n')[0];
      note(`${combo}: cold start not measured: ${err.message.split('\n')[0]}${nosql ? ' (no MongoDB server can run on this machine)' : ''}`);
    }
    log(`${combo}: node_modules ${round(e.apparentBytes / 1e6, 1)} MB, ${e.packages} packages, cold start ${e.coldStartMs?.median != null ? round(e.coldStartMs.median, 0) : '—'} ms`);
  }
  out.bareColdStartMs = summary(bareColds);
  out.bareColdStartCpuMs = summary(bareColdCpu);
}

// ---------------------------------------------------------------- profile (only when asked)
async function sectionProfile() {
  const dir = path.join(BENCH, 'results', 'profiles');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const roots = [
    ['tool', ROOT + path.sep],
  ];
  const out = {};
  results.sections.profile = out;
  const env = cleanEnv();
  const prof = (label, args, cwd) => {
    const d = path.join(dir, label);
    fs.mkdirSync(d, { recursive: true });
    timedRun(NODE, ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', d, ...args], { cwd, env });
    return summarizeCpuProfile(newestProfile(d), { projectRoots: roots });
  };
  const modules = (args, cwd) => {
    const f = path.join(work, 'modtrace.json');
    timedRun(NODE, ['--import', MODTRACE, ...args], { cwd, env: { ...env, BENCH_MODTRACE_FILE: f } });
    return summarizeModules(JSON.parse(fs.readFileSync(f, 'utf8')), roots);
  };
  const attempt = (label, f) => {
    try {
      f();
    } catch (e) {
      note(`profile of ${label}: ${brief(e)}`);
    }
  };
  log('profile: --version');
  attempt('--version', () => {
    out.version = { cpu: prof('version', [CLI, '--version']), modules: modules([CLI, '--version']) };
    out.baselineNodeE0 = { cpu: prof('node-e-0', ['-e', '0']) };
  });
  const largest = results.sections.generate?.largest ?? 'graphql/sql/jwt';
  log(`profile: generation of ${largest}`);
  attempt('generation', () => {
    out.generate = { combo: largest, cpu: prof('generate', genArgs(largest), freshDir('prof')) };
    out.generate.modules = modules(genArgs(largest), freshDir('prof'));
  });
  // What each of the tool's dependencies costs to import on its own: `import(dep)` against an empty ESM eval.
  attempt('import costs', () => {
    const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies ?? {});
    const cmds = { '(empty ESM eval)': ['--input-type=module', '-e', '0'] };
    for (const d of deps) cmds[d] = ['--input-type=module', '-e', `await import(${JSON.stringify(d)})`];
    cmds['dist/cli.js (all static imports)'] = ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(ROOT, 'dist/cli.js'))})`];
    const names = Object.keys(cmds);
    const times = Object.fromEntries(names.map((n) => [n, []]));
    const n = Math.max(5, settings.startupRuns);
    for (const k of names) timedRun(NODE, cmds[k], { cwd: ROOT, env });
    for (let i = 0; i < n; i++) for (const k of rotate(names, i)) times[k].push(timedRun(NODE, cmds[k], { cwd: ROOT, env }).ms);
    const base = median(times[names[0]]);
    out.importCosts = names.map((k) => ({ module: k, ms: round(median(times[k]), 1), overEmptyMs: round(median(times[k]) - base, 1) }));
  });
  attempt('create-vite', () => {
    out.vite = { cpu: prof('create-vite', viteArgs(), freshDir('prof')), modules: modules(viteArgs(), freshDir('prof')) };
  });

  // The server: one profile under GET /health load, one under the authenticated list.
  const combo = settings.serverCombos.find((c) => !c.includes('/nosql/')) ?? 'rest/sql/jwt';
  try {
    const proj = await project(combo);
    roots.push(['app', proj.dir + path.sep]);
    fs.rmSync(path.join(proj.dir, '.data'), { recursive: true, force: true });
    await migrate(proj, appEnv(proj, { port: 0 }));
    // Modules the server loads before it answers (with PGlite).
    const f = path.join(work, 'modtrace-server.json');
    const m = await startApp(proj, { nodeFlags: ['--import', MODTRACE], extraEnv: { BENCH_MODTRACE_FILE: f } });
    await m.proc.stop();
    out.serverStart = { combo, modules: fs.existsSync(f) ? summarizeModules(JSON.parse(fs.readFileSync(f, 'utf8')), roots) : null };
    // Seed once, unprofiled; the profiled runs then only log in (one password hash) before the load.
    const seeded = await startApp(proj);
    const { creds } = await seedAndScenarios(proj, seeded.base);
    await seeded.proc.stop();
    for (const which of ['health', 'list']) {
      const pd = path.join(dir, `server-${which}`);
      fs.mkdirSync(pd, { recursive: true });
      const a = await startApp(proj, { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', pd] });
      const { scenarios } = await seedAndScenarios(proj, a.base, which === 'health' ? { seed: false } : { login: creds });
      log(`profile: ${combo} under ${scenarios[which === 'health' ? 0 : 1].name}`);
      const r = await load(scenarios[which === 'health' ? 0 : 1], Math.max(3, settings.loadSeconds));
      const st = await a.proc.stop();
      const file = newestProfile(pd);
      out[`server-${which}`] = {
        combo,
        rps: round(r.rps, 0),
        exit: st,
        cpu: file ? summarizeCpuProfile(file, { projectRoots: roots, top: 25 }) : null,
      };
      if (!file) note(`profile: the server wrote no CPU profile (${JSON.stringify(st)}): does it exit normally on SIGTERM?`);
    }
    const pd = path.join(dir, 'bare-health');
    fs.mkdirSync(pd, { recursive: true });
    const port = await freePort();
    const b = startProcess(NODE, ['--cpu-prof', '--cpu-prof-dir', pd, BARE], { cwd: BENCH, env: cleanEnv({ PORT: String(port) }) });
    cleanups.push(() => b.stop());
    await waitFor200(`http://127.0.0.1:${port}/health`, { child: b.child });
    const r = await load({ url: `http://127.0.0.1:${port}/health` }, Math.max(3, settings.loadSeconds));
    await b.stop();
    out['bare-health'] = { rps: round(r.rps, 0), cpu: summarizeCpuProfile(newestProfile(pd), { projectRoots: roots, top: 25 }) };
  } catch (e) {
    note(`profile of the server: ${brief(e)}`);
  }
  out.folder = dir;
}

// ---------------------------------------------------------------- report
const f1 = (x) => (x == null ? '—' : round(x, 1).toFixed(1));
const f0 = (x) => (x == null ? '—' : String(Math.round(x)));
const mib = (kib) => (kib == null ? '—' : (kib / 1024).toFixed(1));
const range = (s) => (s?.median == null ? '—' : `${f1(s.median)} (${f1(s.min)}–${f1(s.max)})`);
const f3 = (x) => (x == null ? '—' : String(round(x, 3)));
/** The spread of paired ratios ({min, max}): "range 0.712–0.93×". */
function spread(s) {
  return `range ${f3(s?.min)}–${f3(s?.max)}×`;
}
/** A paired-ratio summary in one cell: "0.815× (0.712–0.93)"; no range for a single round. */
function spreadWithMedian(s) {
  return s?.median == null ? '—' : `${round(s.median, 3)}×${s.n > 1 ? ` (${f3(s.min)}–${f3(s.max)})` : ''}`;
}

function markdown(res) {
  const L = [];
  const m = res.machine;
  L.push(`- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · ${m.platform}`);
  L.push(`- Run: ${res.startedAt} · ${res.settings.mode} mode · ${Math.round(res.durationS)} s · load average ${res.machine.loadAvgAtStart?.join(' ')} at start, ${res.machine.loadAvgAtEnd?.join(' ')} at end · tool ${res.toolVersion ?? '?'} (commit ${res.git?.commit?.slice(0, 10) ?? '?'}${res.git?.dirty ? ', uncommitted changes' : ''})`);
  L.push(`- Baselines: create-vite ${res.baselines['create-vite']}, fastify ${res.baselines.fastify}; load by autocannon ${res.baselines.autocannon}, ${res.settings.connections} connections, ${res.settings.loadSeconds} s per run`);
  L.push('');
  const s = res.sections;
  if (s.startup?.error) L.push(`### startup: failed`, '', `${String(s.startup.error).split('\n').slice(0, 4).join(' ')}`, '');
  else if (s.startup) {
    L.push(`### Start-up (${s.startup.ratios ? `${res.settings.startupRuns} rounds, the two back to back in each, alternating which goes first` : `median of ${res.settings.startupRuns}, alternating`})`, '');
    L.push('| command | wall ms: median (min–max) | CPU ms (mean) | peak RSS MiB |', '| --- | --- | --- | --- |');
    for (const [n, v] of Object.entries(s.startup.commands)) L.push(`| \`${n}\` | ${range(v.ms)} | ${v.cpuMsMean ?? '—'} | ${mib(v.maxRssKiB.median)} |`);
    const r = s.startup.ratios;
    L.push(
      '',
      r
        ? `Ratio: **${s.startup.ratio}×** \`node -e 0\` in wall time: the median of the ${r.n} rounds' ratios (each round runs the two back to back), ${spread(r)}; the ratio of the two medians: ${s.startup.ratioOfMedians}×; in CPU time (means): ${s.startup.cpuRatio}×.`
        : `Ratio: **${s.startup.ratio}×** \`node -e 0\` in wall time (${s.startup.cpuRatio}× in CPU time).`,
      '',
    );
  }
  if (s.generate?.error) L.push(`### generate: failed`, '', `${String(s.generate.error).split('\n').slice(0, 4).join(' ')}`, '');
  else if (s.generate) {
    const g = s.generate;
    const paired = g.ratiosLargest != null; // absent from JSONs written before the paired ratios
    L.push(
      paired
        ? `### Generation (${res.settings.generateRuns} rounds, create-vite and the largest back to back in each, alternating; \`--yes --no-install --no-git\`${g.dir ? `; written under \`${g.dir}\`${g.filesystem ? ` (${g.filesystem})` : ''}` : ''})`
        : `### Generation (median of ${res.settings.generateRuns}, rotating; \`--yes --no-install --no-git\`)`,
      '',
    );
    L.push(`| command | files | bytes | wall ms: median (min–max) | ratio to create-vite${paired ? ': median of the rounds’ ratios (min–max)' : ''} | CPU ms (mean) | peak RSS MiB |`, '| --- | --- | --- | --- | --- | --- | --- |');
    const names = Object.keys(g.commands);
    const sz = [g.viteSize, g.sizes[g.smallest], g.sizes[g.largest]];
    const rt = [1, g.ratioSmallest, g.ratioLargest];
    const rr = [null, g.ratiosSmallest, g.ratiosLargest];
    names.forEach((n, i) => {
      const cell = rr[i] ? spreadWithMedian(rr[i]) : `${rt[i]}×`;
      L.push(`| ${n} | ${sz[i]?.files ?? '—'} | ${sz[i]?.bytes ?? '—'} | ${range(g.commands[n].ms)} | ${cell} | ${g.commands[n].cpuMsMean ?? '—'} | ${mib(g.commands[n].maxRssKiB.median)} |`);
    });
    L.push('', `All combinations: ${Object.entries(g.sizes).map(([c, v]) => `${c} ${v.error ? 'failed' : `${v.files} files/${v.bytes} B`}`).join(' · ')}`, '');
  }
  if (s.server?.error) L.push(`### server: failed`, '', `${String(s.server.error).split('\n').slice(0, 4).join(' ')}`, '');
  else if (s.server) {
    const paired = s.server.runs.some((r) => Object.values(r.scenarios ?? {}).some((v) => v.pairedRatios)); // absent from older JSONs
    L.push(
      paired
        ? `### The generated server (NODE_ENV=production, LOG_LEVEL=warn; ${res.settings.healthLoadRuns} rounds for GET /health, ${res.settings.loadRuns} for the others; each round runs the request and bare Fastify's GET /health back to back, alternating which goes first; req/s, p99 and CPU: medians of the rounds)`
        : `### The generated server (NODE_ENV=production, LOG_LEVEL=warn; median of ${res.settings.loadRuns} runs, alternating with bare Fastify's GET /health)`,
      '',
    );
    L.push(`| combination | database | request | req/s | p99 ms | bare Fastify req/s | ratio${paired ? ' to bare: median of the rounds’ ratios (min–max)' : ''} | server CPU µs/request (bare) | server k instructions/request (bare) | non-2xx |`, '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of s.server.runs) {
      if (r.error) {
        L.push(`| ${r.combo} | ${r.db} | failed: ${r.error.split('\n')[0].slice(0, 140).replaceAll('|', '\\|')} | | | | | | | |`);
        continue;
      }
      for (const [n, v] of Object.entries(r.scenarios ?? {})) {
        const rt = v.pairedRatios ? spreadWithMedian({ median: v.ratioToBare, min: v.ratioMin, max: v.ratioMax, n: v.pairedRatios.length }) : `${v.ratioToBare}×`;
        L.push(`| ${r.combo} | ${r.db} | ${n} | ${f0(v.rps)} | ${v.p99Ms ?? '—'} | ${f0(v.bareRps)} | ${rt} | ${v.cpuUsPerReq ?? '—'} (${v.bareCpuUsPerReq ?? '—'}) | ${v.kInstrPerReq ?? '—'} (${v.bareKInstrPerReq ?? '—'}) | ${v.non2xxOrErrors} |`);
      }
    }
    const seeds = s.server.runs.filter((r) => r.seed).map((r) => `${r.combo}/${r.db} ${r.seed.notes} notes in ${(r.seed.ms / 1000).toFixed(1)} s, peak RSS ${mib(r.peakRssKiB)} MiB`);
    if (seeds.length) L.push('', `Seeding and memory: ${seeds.join(' · ')}`);
    const ics = s.server.runs.filter((r) => r.nextTickIc).map((r) => `${r.combo}/${r.db} ${r.nextTickIc}`);
    if (ics.length) L.push('', `process.nextTick's literal inline caches after 2 s of GET /health in a fresh server (megamorphic = the slow path of docs/benchmarks.md, "Status after the fourth session"): ${ics.join(' · ')}`);
    const counted = s.server.runs.filter((r) => r.callgrind);
    if (counted.length) {
      const c0 = counted[0].callgrind;
      const each = counted.map((r) => `${r.combo}/${r.db} ${r.callgrind.ratio ? `${r.callgrind.appKInstr} k vs ${r.callgrind.bareKInstr} k, ${r.callgrind.ratio}×` : `not counted (${r.callgrind.error?.slice(0, 100)})`}`);
      L.push('', `GET /health in instructions per request, counted under valgrind's callgrind (one connection, ${c0.count} requests after ${c0.warmup} to warm up; app vs bare Fastify, bare / app): ${each.join(' · ')}`);
    }
    const knobs = s.server.runs.find((r) => r.knobs)?.knobs;
    const patched = [...new Set(s.server.runs.flatMap((r) => r.rateLimitPatched ?? []))];
    L.push('', `Rate limits: ${knobs && Object.keys(knobs).length ? `knobs set: ${Object.entries(knobs).map(([k, v]) => `${k}=${v}`).join(', ')}` : 'no knob found in .env.example/README'}${patched.length ? `; raised in the bench's generated copy: ${patched.join('; ')}` : ''}`, '');
  }
  if (s.footprint?.error) L.push(`### footprint: failed`, '', `${String(s.footprint.error).split('\n').slice(0, 4).join(' ')}`, '');
  else if (s.footprint) {
    L.push(`### Footprint (after \`npm install\`; cold start = process start to the first 200 on /health, PGlite, median of ${res.settings.coldRuns})`, '');
    L.push('| combination | node_modules MB (production only) | on disk MB | packages (production) | install s | build s | first start ms | cold start ms: median (min–max) | CPU ms to first 200 |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [c, v] of Object.entries(s.footprint.combos)) {
      if (v.error) {
        L.push(`| ${c} | failed: ${v.error.slice(0, 120)} | | | | | | | |`);
        continue;
      }
      L.push(`| ${c} | ${f1(v.apparentBytes / 1e6)}${v.productionBytes != null ? ` (${f1(v.productionBytes / 1e6)})` : ''} | ${f1(v.diskBytes / 1e6)} | ${v.packages} (${v.production}) | ${f1(v.installMs / 1000)} | ${f1(v.buildMs / 1000)} | ${f0(v.firstStartMs)} | ${v.coldStartError ? `not measured: ${v.coldStartError.slice(0, 80)}` : range(v.coldStartMs)} | ${f0(v.coldStartCpuMs?.median)} |`);
    }
    L.push('', `Bare Fastify cold start, same runs: ${range(s.footprint.bareColdStartMs)} ms, ${f0(s.footprint.bareColdStartCpuMs?.median)} ms CPU`, '');
  }
  if (s.profile?.error) L.push(`### profile: failed`, '', `${String(s.profile.error).split('\n').slice(0, 4).join(' ')}`, '');
  else if (s.profile) {
    L.push('### Profiles (self time, ms)', '');
    for (const [k, v] of Object.entries(s.profile)) {
      if (!v?.cpu) continue;
      L.push(`- ${k}${v.rps ? ` (${v.rps} req/s while profiled)` : ''}, ${v.cpu.totalMs} ms profiled, by nearest package on the stack: ${v.cpu.byNearestPackage.slice(0, 8).map((p) => `${p.package} ${p.ms}`).join(', ')}`);
      if (v.modules) L.push(`  modules loaded: ${v.modules.modules} (${Math.round(v.modules.bytes / 1024)} KiB): ${v.modules.byPackage.slice(0, 8).map((p) => `${p.package} ${p.modules}/${Math.round(p.bytes / 1024)} KiB`).join(', ')}`);
    }
    if (s.profile.serverStart?.modules) {
      const mm = s.profile.serverStart.modules;
      L.push(`- server start modules: ${mm.modules} (${Math.round(mm.bytes / 1024)} KiB): ${mm.byPackage.slice(0, 10).map((p) => `${p.package} ${p.modules}/${Math.round(p.bytes / 1024)} KiB`).join(', ')}`);
    }
    if (s.profile.importCosts) {
      L.push('', '| import (alone, ESM) | ms | over an empty ESM eval |', '| --- | --- | --- |');
      for (const c of s.profile.importCosts) L.push(`| ${c.module} | ${c.ms} | +${c.overEmptyMs} |`);
    }
    L.push('', `Profiles: ${s.profile.folder}`, '');
  }
  if (res.targets.length) {
    L.push('### Targets (reported, never asserted)', '', '| target | measured | met |', '| --- | --- | --- |');
    for (const t of res.targets) L.push(`| ${t.target} | ${t.value} | ${t.met == null ? 'n/a' : t.met ? 'yes' : '**no**'} |`);
    L.push('');
  }
  if (res.notes.length) {
    L.push('### Notes', '');
    for (const n of res.notes) L.push(`- ${n}`);
    L.push('');
  }
  return L.join('\n');
}

/** Replaces the text between the bench:results markers of docs/benchmarks.md with this run's tables. */
function writeDocs(md, command, jsonFile = 'bench/results/latest.json (git-ignored)') {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    note(`--write-docs: ${file} has no ${start} … ${end} markers; left unchanged`);
    return;
  }
  const cmd = command ?? `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const body = `\nProduced by \`${cmd}\`; the JSON of this run: \`${path.isAbsolute(jsonFile) ? path.relative(ROOT, jsonFile) : jsonFile}\`.\n\n${md.replaceAll(/^### /gm, '#### ')}\n`;
  fs.writeFileSync(file, text.slice(0, a + start.length) + body + text.slice(b));
  log(`--write-docs: ${file} updated`);
}

// ---------------------------------------------------------------- main
async function main() {
  if (opt.report) {
    const earlier = JSON.parse(fs.readFileSync(opt.report, 'utf8'));
    const md = markdown(earlier);
    console.log(md);
    const only = earlier.settings?.sections?.join(',');
    const flags = [earlier.settings?.mode === 'quick' ? '--quick' : '', only && only !== DEFAULT_SECTIONS.join(',') ? `--only ${only}` : ''].filter(Boolean);
    if (opt['write-docs']) writeDocs(md, `npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}`, opt.report);
    return;
  }
  log(`sections: ${sections.join(', ')} · ${settings.mode} mode · work folder ${work}`);
  prepareBench();
  const steps = { startup: sectionStartup, generate: sectionGenerate, footprint: sectionFootprint, server: sectionServer, profile: sectionProfile };
  // Footprint before server: it installs every combination the server section then reuses.
  for (const s of ['startup', 'generate', 'footprint', 'server', 'profile']) {
    if (!has(s)) continue;
    try {
      await steps[s]();
    } catch (e) {
      results.sections[s] = { ...(results.sections[s] ?? {}), error: e.message };
      note(`section ${s} failed: ${brief(e)}`);
    }
  }
  results.machine.loadAvgAtEnd = os.loadavg().map((x) => round(x, 2));
  results.durationS = (Date.now() - t0) / 1000;
  const resDir = path.join(BENCH, 'results');
  fs.mkdirSync(resDir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  fs.writeFileSync(path.join(resDir, 'latest.json'), json);
  const md = markdown(results);
  fs.writeFileSync(path.join(resDir, 'latest.md'), `${md}\n`);
  if (opt.out) fs.writeFileSync(opt.out, json);
  if (opt['write-docs']) {
    // The documented run keeps its raw figures beside the docs (bench/results/ is git-ignored).
    fs.writeFileSync(path.join(ROOT, 'docs', 'benchmarks-run.json'), json);
    writeDocs(md, undefined, 'docs/benchmarks-run.json');
  }
  console.log(md);
  log(`results: ${path.join(resDir, 'latest.json')} (and latest.md)${opt.keep ? `; work folder kept: ${work}` : ''}`);
}

try {
  await main();
} finally {
  await cleanup();
}
