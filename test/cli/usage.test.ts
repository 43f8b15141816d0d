import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('usage errors exit 2 with a message naming the flag and the value', () => {
  const cases: [string[], RegExp][] = [
    [['run', '--cpus', '0'], /--cpus <n>.*'0' is invalid.*integer from 1 to 1024/],
    [['run', '--cpus', 'two'], /--cpus <n>.*'two' is invalid/],
    [['run', '--ops', '1.5'], /--ops <n>.*'1.5' is invalid/],
    [['run', '--seconds', '-1'], /--seconds <s>.*'-1' is invalid/],
    [['run', '--cpus', '2', '--online', '3'], /--online <n>.*'3' is invalid.*at most --cpus \(2\)/],
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
