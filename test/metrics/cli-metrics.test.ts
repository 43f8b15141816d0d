/** `percpu run --metrics-port` and `percpu stress --metrics-port`: the run's own metrics, live. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../cli/run-cli.js';
import { sampleValue } from './helpers.js';

/** Starts the CLI, scrapes its metrics URL `scrapes` times while it runs; resolves with them and the exit code. */
function scrapeWhileRunning(args: string[], scrapes: number): Promise<{ texts: string[]; code: number | null }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const texts: string[] = [];
  let stderr = '';
  return new Promise((resolve, reject) => {
    let started = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /metrics: (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url === undefined || started) return;
      started = true;
      void (async () => {
        for (let i = 0; i < scrapes; i++) {
          texts.push(await (await fetch(url)).text());
          await new Promise((r) => setTimeout(r, 200));
        }
      })().catch(reject);
    });
    child.once('exit', (code) =>
      started ? resolve({ texts, code }) : reject(new Error(`exited ${code} before serving: ${stderr}`)),
    );
  });
}

describe('--metrics-port', () => {
  it('serves percpu run metrics live: operations per CPU, counters, allocator gauges, CPU deaths', async () => {
    const dir = tempDir();
    const { texts, code } = await scrapeWhileRunning(
      [
        'run',
        '--cpus',
        '2',
        '--seconds',
        '2',
        '--counters',
        '8',
        '--metrics-port',
        '0',
        '--json',
        '--log',
        join(dir, 'run.log'),
      ],
      3,
    );
    expect(code).toBe(0);
    expect(texts.length).toBe(3);
    const ops = texts.map(
      (t) =>
        (sampleValue(t, 'percpu_operations_total', 'cpu="0"') ?? 0) +
        (sampleValue(t, 'percpu_operations_total', 'cpu="1"') ?? 0),
    );
    expect(ops[2]!).toBeGreaterThan(ops[0]!);
    const last = texts[2]!;
    expect(sampleValue(last, 'percpu_counted_total')).toBeGreaterThan(0);
    expect(sampleValue(last, 'percpu_cpu_online', 'cpu="1"')).toBe(1);
    expect(sampleValue(last, 'percpu_cpu_deaths_total', 'cpu="0"')).toBe(0);
    expect(sampleValue(last, 'percpu_allocator_live_allocations')).toBeGreaterThan(8);
    expect(sampleValue(last, 'percpu_allocator_chunks')).toBeGreaterThanOrEqual(1);
  });

  it('serves percpu stress metrics (the CPU deaths counter among them)', async () => {
    const dir = tempDir();
    const { texts, code } = await scrapeWhileRunning(
      [
        'stress',
        '--cpus',
        '2',
        '--ops',
        '3000',
        '--faults',
        '2',
        '--metrics-port',
        '0',
        '--json',
        '--log',
        join(dir, 'stress.log'),
      ],
      1,
    );
    expect(code).toBe(0);
    expect(sampleValue(texts[0]!, 'percpu_allocator_allocations_total')).toBeGreaterThanOrEqual(0);
    expect(texts[0]).toContain('# TYPE percpu_cpu_deaths_total counter');
  });

  it('refuses a port that is not one', async () => {
    const { runCli } = await import('../cli/run-cli.js');
    const result = await runCli(['run', '--metrics-port', '70000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--metrics-port');
  });
});
