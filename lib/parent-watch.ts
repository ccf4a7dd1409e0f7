/**
 * A child process that stops when its parent is gone, even when the parent was killed with
 * SIGKILL and never got to stop it (Node has no prctl(PR_SET_PDEATHSIG)).
 *
 * The parent spawns the child with an IPC channel ('ipc' in stdio); the operating system closes
 * that channel when the parent dies, however it dies, and the child sees 'disconnect'. The child
 * then sends itself SIGTERM, so its own graceful shutdown runs (servers closed, ports freed), and
 * exits anyway after `graceMs` if that shutdown hangs.
 */
export function stopWhenParentIsGone(graceMs = 10_000): boolean {
  const channel = process.channel;
  if (!process.send || !channel) return false; // not started with an IPC channel: nothing to watch
  // The channel only watches: it must not keep a child that has finished its work alive.
  channel.unref();
  process.once('disconnect', () => {
    const force = setTimeout(() => process.exit(1), graceMs);
    force.unref();
    process.kill(process.pid, 'SIGTERM');
  });
  return true;
}
