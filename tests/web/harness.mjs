// The real parts the browser tests run against: the `perisai-server` binary on a fresh SQLite
// database seeded through its admin CLI, and field devices driven through the desktop shell
// `perisai` (the same core the phones run). Nothing is mocked.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR || path.join(repo, 'target');
export const serverBin = path.join(targetDir, 'debug', 'perisai-server');
export const deviceBin = path.join(targetDir, 'debug', 'perisai');
export const PASSWORD = 'kata-sandi-uji-1234';

// Every server started here, stopped when this test process ends however it ends (a failed
// assertion, an exception, Ctrl-C): a child process outlives Node unless it is killed.
const running = new Set();
const killAll = () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

/** A fresh server: its own folder, database and keys. */
export class Server {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'perisai-web-'));
    this.dbUrl = `sqlite:${path.join(this.dir, 'data', 'perisai.db')}`;
  }

  /** Runs `perisai-server admin ...`; returns the last line of stdout (the id or code). */
  admin(args, env = {}) {
    const out = execFileSync(serverBin, ['--database-url', this.dbUrl, 'admin', ...args], {
      env: { ...process.env, RUST_LOG: 'warn', ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = out.trim().split('\n');
    return lines[lines.length - 1].trim();
  }

  /** Starts `serve` on a free port; resolves once it prints its address. */
  async start() {
    this.process = spawn(serverBin, ['--database-url', this.dbUrl, 'serve', '--listen', '127.0.0.1:0'], {
      env: { ...process.env, RUST_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.process);
    this.process.on('exit', () => running.delete(this.process));
    this.log = '';
    this.process.stderr.on('data', (d) => { this.log += d; });
    await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${this.log}`)), 30000);
      this.process.stdout.on('data', (chunk) => {
        out += chunk;
        const fp = out.match(/server key fingerprint (\S+)/);
        const addr = out.match(/listening on (http:\/\/\S+)/);
        if (fp) this.fingerprint = fp[1];
        if (addr) {
          this.url = addr[1];
          clearTimeout(timer);
          resolve();
        }
      });
      this.process.on('exit', (code) => reject(new Error(`server exited ${code}: ${this.log}`)));
    });
  }

  stop() {
    if (this.process && this.process.exitCode === null) this.process.kill('SIGKILL');
  }

  /** A branch with a Wadah, an agent and a supervisor account; returns their ids. */
  seedBranch(code, name, agentName) {
    this.admin(['create-branch', '--code', code, '--name', name]);
    const wadah = this.admin(['create-wadah', '--branch', code, '--name', `Koperasi ${name}`]);
    const agent = this.admin(['create-agent', '--wadah', wadah, '--name', agentName]);
    const email = `supervisor.${code.toLowerCase()}@contoh.go.id`;
    this.admin(['create-user', '--role', 'supervisor', '--branch', code, '--email', email], { PERISAI_PASSWORD: PASSWORD });
    return { code, wadah, agent, email };
  }
}

/** A field device: the `perisai` desktop shell over its own sealed data folder. */
export class Device {
  constructor(server) {
    this.server = server;
    this.dataDir = mkdtempSync(path.join(tmpdir(), 'perisai-device-'));
  }

  run(args, { allowFailure = false } = {}) {
    try {
      const out = execFileSync(deviceBin, ['--data-dir', this.dataDir, ...args], {
        env: { ...process.env, RUST_LOG: 'warn' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return JSON.parse(out);
    } catch (e) {
      if (allowFailure && e.stdout) return JSON.parse(e.stdout);
      throw new Error(`perisai ${args.join(' ')} failed: ${e.stdout || ''} ${e.stderr || ''}`);
    }
  }

  activate(agentId) {
    const code = this.server.admin(['issue-code', '--agent', agentId]);
    return this.run(['activate', '--server', this.server.url, '--code', code, '--fingerprint', this.server.fingerprint]);
  }

  /** Enrolls one worker (valid per the core rules); returns `{id, receipt_no, ...}`. */
  enroll({ nik, name, sex = 'F', birthDate = '1990-01-15', phone, occupation = 'PEDAGANG' }) {
    const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
    const file = path.join(this.dataDir, `form-${nik}.json`);
    writeFileSync(file, JSON.stringify({
      nik, full_name: name, birth_place: 'Bogor', birth_date: birthDate, sex, phone,
      address: 'Pasar Anyar Blok C No. 12, Bogor', occupation, monthly_income: 2500000,
      programs: ['JKK', 'JKM'], payment_months: 1, consent: true, enrolled_on: today,
      location: { lat: -6.5971, lon: 106.806, accuracy_m: 8 },
    }));
    return this.run(['enroll', file, '--accept-warnings']);
  }

  sync() {
    return this.run(['sync']);
  }
}
