/** What the benchmarks ran on, for the report. */
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryBytes: number;
  readonly nodeVersion: string;
  readonly v8Version: string;
  readonly platform: string;
  readonly arch: string;
  /** ISO 8601, when the run started. */
  readonly date: string;
  /** os.loadavg() when the run started: 1, 5 and 15 minute averages (other work on the machine). */
  readonly loadAverage: readonly number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    nodeVersion: process.version,
    v8Version: process.versions.v8,
    platform: `${os.type()} ${os.release()}`,
    arch: process.arch,
    date: new Date().toISOString(),
    loadAverage: os.loadavg(),
  };
}
