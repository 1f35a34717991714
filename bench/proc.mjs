// What the benches read of processes from /proc (Linux), and how each bench runs its main: one copy,
// shared by edge, install, cold-misses and soak.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of this process's children (Miniflare spawns workerd directly). */
export function childPids() {
  return readdirSync('/proc/self/task').flatMap((t) =>
    readFileSync(`/proc/self/task/${t}/children`, 'utf8').split(' ').filter(Boolean),
  );
}

/** The pid of this process's workerd child. */
export function workerdPid() {
  const pid = childPids().find((k) => readFileSync(`/proc/${k}/comm`, 'utf8').trim() === 'workerd');
  if (!pid) throw new Error('no workerd child process found');
  return pid;
}

/** Seconds in the given fields of /proc/<pid>/stat (after the command; 11, 12: utime, stime; USER_HZ 100). */
export function statSeconds(pid, ...fields) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return fields.reduce((n, i) => n + Number(stat[i]), 0) / 100;
}

/** CPU seconds of this process's children so far (user and system). */
export function childCpuSeconds() {
  return childPids().reduce((sum, pid) => sum + statSeconds(pid, 11, 12), 0);
}

/** Runs `main`, then every cleanup pushed onto `cleanup` in reverse order, whatever happened. */
export async function runBench(main, cleanup, after = () => {}) {
  try {
    await main();
  } catch (e) {
    console.error(e);
    process.exitCode = 1;
  } finally {
    after();
    for (const f of cleanup.splice(0).reverse()) await f().catch((e) => console.error(`cleanup: ${e.message}`));
  }
}
