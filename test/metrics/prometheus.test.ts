/**
 * The distributed path with a real Prometheus (Debian's package `prometheus`, which .ci/run
 * installs): two percpu processes on loopback ports, scraped every second by a Prometheus server
 * with its own data folder, and PromQL sum() over its HTTP API equal to the exact total of both.
 * promtool checks both formats' output.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('../../dist/test/fixtures/metrics-process.js', import.meta.url));
const INSTALL = 'install it with `apt-get update && apt-get install -y prometheus` (Debian; .ci/run does this in CI)';

const children: ChildProcess[] = [];
const folders: string[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function requireTool(tool: 'prometheus' | 'promtool'): void {
  const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) throw new Error(`\`${tool}\` is not installed: ${INSTALL}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a percpu process counting `total`; resolves with the URL it serves. */
function startPercpu(total: number): Promise<string> {
  const child = spawn(process.execPath, [FIXTURE, String(total)], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`percpu process exited with ${code} before serving`)));
  });
}

function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

async function query(
  base: string,
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.status === 'success' ? body.data.result : [];
}

describe('Prometheus', () => {
  it('scrapes two percpu processes and sums them exactly with PromQL; promtool accepts both formats', async () => {
    requireTool('prometheus');
    requireTool('promtool');
    const totals = [123_457, 98_766];
    const urls = await Promise.all(totals.map((total) => startPercpu(total)));

    // promtool lints with the 0.0.4 parser: the text format passes clean.
    const text = await (await fetch(urls[0]!)).text();
    expect(promtool(text)).toEqual({ status: 0, output: '' });
    // OpenMetrics parses too (exit 3 = lint findings, 1 would be a parse error); its only
    // findings are the OpenMetrics-only sample names (`_total`, `_created` of a family declared
    // without the suffix), which a 0.0.4 parser reads as families without HELP. Prometheus's own
    // OpenMetrics parser takes them, as the scrape below shows.
    const om = await (
      await fetch(urls[0]!, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
    ).text();
    expect(om.endsWith('# EOF\n')).toBe(true);
    const checked = promtool(om);
    expect(checked.status).toBe(3);
    const findings = checked.output.trim().split('\n');
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) expect(finding).toMatch(/^percpu_fixture_\w+_(total|created) no help text$/);

    const folder = mkdtempSync(join(tmpdir(), 'percpu-prometheus-'));
    folders.push(folder);
    const port = await freePort();
    const targets = urls.map((url) => new URL(url).host);
    writeFileSync(
      join(folder, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        'scrape_configs:',
        '  - job_name: percpu',
        '    static_configs:',
        `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(folder, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(folder, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(prometheus);
    let log = '';
    prometheus.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const base = `http://127.0.0.1:${port}`;
    const expected = totals[0]! + totals[1]!;
    let sum = -1;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && sum !== expected) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const result = await query(base, 'sum(percpu_fixture_ops_total)').catch(() => []);
      if (result.length === 1) sum = Number(result[0]!.value[1]);
    }
    expect(sum, `Prometheus log:\n${log}`).toBe(expected);
    const perInstance = await query(base, 'sum by (instance) (percpu_fixture_ops_total)');
    expect(perInstance.map((r) => Number(r.value[1])).sort((a, b) => a - b)).toEqual([...totals].sort((a, b) => a - b));
    // Both targets were scraped as OpenMetrics: their `_created` samples are stored.
    expect((await query(base, 'count(percpu_fixture_ops_created)'))[0]?.value[1]).toBe('8');
    expect((await query(base, 'sum(percpu_fixture_latency_seconds_count)'))[0]?.value[1]).toBe('16');
    prometheus.kill('SIGTERM');
    await new Promise((resolve) => prometheus.once('exit', resolve));
  }, 30_000);
});
