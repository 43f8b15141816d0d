/**
 * `npm run bench:metrics [-- --full]`: the metrics benchmark alone (suite.ts).
 *
 * Context: the coordinator.
 */
import { commandLine, hasFlag } from '../lib/args.js';
import { runMetricsBench } from './suite.js';

await runMetricsBench(hasFlag(process.argv, 'full') ? 'full' : 'quick', commandLine(process.argv), (line) =>
  console.error(`  ${line}`),
);
