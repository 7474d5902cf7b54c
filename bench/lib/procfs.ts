/** Process figures from Linux /proc: CPU time, resident memory and its high-water mark. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every common Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * User + system CPU time the process has used so far (every thread; with `tid`, that thread's
 * alone, e.g. the main thread when tid = pid), in ms (resolution 1 tick = 10 ms).
 */
export function cpuMs(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks();
}

function statusKb(pid: number, key: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** Peak resident set size since start or the last resetPeakRss, in MB. */
export function peakRssMb(pid: number): number {
  return statusKb(pid, 'VmHWM') / 1024;
}

export function rssMb(pid: number): number {
  return statusKb(pid, 'VmRSS') / 1024;
}

/** Reset VmHWM to the current RSS (Linux ≥ 4.0), so the next peak is this case's own. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples RSS every `everyMs` while running; peak() is the largest sample (a fallback to VmHWM). */
export class RssSampler {
  private max = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    try {
      this.max = Math.max(this.max, rssMb(this.pid));
    } catch {
      /* the process ended */
    }
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.max;
  }
}

/**
 * CPU time the machine's processes used (all cores: user + nice + system), in ms. Interrupt
 * time is left out: loopback networking runs there and belongs to the benchmark's own traffic.
 */
export function systemBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user = 0, nice = 0, system = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system) * 1000) / clockTicks();
}

/**
 * How much of the machine processes outside the benchmark used while it measured: the
 * machine's busy time minus the benchmark's own processes', as a share of all cores.
 * A high figure means the numbers of that measurement are not to be trusted.
 */
export class ForeignLoad {
  private readonly t0 = performance.now();
  private readonly busy0 = systemBusyMs();
  private readonly own0: number;
  private readonly self0 = process.cpuUsage();

  constructor(private readonly pids: number[]) {
    this.own0 = this.own();
  }

  private own(): number {
    let sum = 0;
    for (const pid of this.pids) {
      try {
        sum += cpuMs(pid);
      } catch {
        /* ended */
      }
    }
    return sum;
  }

  /** Percent of all cores used by others; `extraOwnMs` is CPU of own processes that already exited. */
  percent(cores: number, extraOwnMs = 0): number {
    const wall = performance.now() - this.t0;
    const self = process.cpuUsage(this.self0);
    const own = this.own() - this.own0 + (self.user + self.system) / 1000 + extraOwnMs;
    const foreign = systemBusyMs() - this.busy0 - own;
    return Math.max(0, (100 * foreign) / (wall * cores));
  }
}
