import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './run-cli.js';

describe('usage errors exit 2 with a message naming the flag and the value', () => {
  const cases: [string[], RegExp][] = [
    [['run', '--cpus', '0'], /--cpus <n>.*'0' is invalid.*decimal integer from 1 to 1024/],
    [['run', '--cpus', 'two'], /--cpus <n>.*'two' is invalid/],
    [['run', '--ops', '1.5'], /--ops <n>.*'1.5' is invalid/],
    [['run', '--seconds', '-1'], /--seconds <s>.*'-1' is invalid/],
    [
      ['run', '--cpus', '2', '--online', '3'],
      /--online <n>.*'3' is invalid.*at most --cpus \(2\)\.\n\(add --help for the options\)/,
    ],
    [
      ['run', '--online', '3', '--cpus', '2'],
      /--online <n>.*'3' is invalid.*at most --cpus \(2\)\.\n\(add --help for the options\)/,
    ],
    [['run', '--log-level', 'loud'], /--log-level <level>.*'loud' is invalid/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['stress', '--max-size', '70000'], /--max-size <bytes>.*'70000' is invalid/],
    [['stress', '--faults', '-2'], /--faults <n>.*'-2' is invalid/],
    [['map', '--after', 'nothing'], /--after <workload>.*'nothing' is invalid.*stress, run/],
    [['launch'], /unknown command 'launch'/],
  ];
  for (const [args, message] of cases) {
    it(`percpu ${args.join(' ')}`, async () => {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    });
  }
});

describe('--help', () => {
  for (const command of ['run', 'stress', 'map']) {
    it(`percpu ${command} --help lists its flags and exits 0`, async () => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: percpu ${command}`);
      expect(result.stdout).toContain('--cpus');
    });
  }
});

describe.concurrent('integer flags take plain decimal digits only', () => {
  // Number() reads all of these as integers; a person writing them meant something else or made a typo.
  const cases: [string, string, string][] = [
    ['run', '--cpus <n>', '0x2'],
    ['run', '--cpus <n>', '1e3'],
    ['run', '--ops <n>', '1e6'],
    ['run', '--counters <n>', '0b11'],
    ['run', '--seed <n>', '0o7'],
    ['run', '--online <n>', '+1'],
    ['run', '--cpus <n>', ' 2'],
    ['run', '--cpus <n>', '2.0'],
    ['run', '--seconds <s>', '0x1'],
    ['run', '--seconds <s>', '1e1'],
    ['run', '--seconds <s>', '.5'],
    ['stress', '--ops <n>', '1_000'],
    ['stress', '--max-size <bytes>', '4e3'],
    ['map', '--ops <n>', '0x10'],
    ['log', '--cpu <n>', '0x1'],
  ];
  for (const [command, flag, value] of cases) {
    it(`percpu ${command} ${flag.split(' ')[0]!} ${JSON.stringify(value)} is a usage error naming the flag and the value`, async () => {
      const args =
        command === 'log'
          ? [command, 'no-such.ndjson', flag.split(' ')[0]!, value]
          : [command, flag.split(' ')[0]!, value];
      const result = await runCli(args, tempDir());
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`option '${flag}' argument '${value}' is invalid. Expected a decimal `);
      expect(result.stderr).toContain(`got "${value}".`);
      expect(result.stderr).toContain('(add --help for the options)');
    });
  }
});

describe.concurrent('help shows each default once', () => {
  for (const command of ['run', 'stress', 'map']) {
    it(`percpu ${command} --help: no option has two defaults`, async () => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      const help = result.stdout.replace(/\s+/g, ' ');
      expect(help).not.toMatch(/\(default: [^)]*\) \(default:/);
      if (command !== 'map')
        expect(help).toMatch(/--cpus <n> [^(]*\(default: the machine's parallelism, at least 2: \d+ here\)/);
    });
  }

  it('percpu run --help prints the default of --ops with thousands separators', async () => {
    const result = await runCli(['run', '--help']);
    expect(result.stdout).toContain('operations per CPU (default: 120,000,000)');
  });
});

describe('percpu --version', () => {
  const version = (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  for (const flag of ['--version', '-V']) {
    it(`percpu ${flag} prints package.json's version from any working directory and exits 0`, async () => {
      // A fresh directory: the version is read relative to the module, not the working directory.
      const result = await runCli([flag], tempDir());
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
      expect(result.stderr).toBe('');
    });
  }
});
