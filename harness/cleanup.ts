// Last-resort cleanup: whatever a part starts (PostgreSQL clusters, Latchkey processes, temporary
// folders) registers a synchronous undo here, run when the runner exits for any reason, Ctrl-C included.
const undos = new Map<number, () => void>();
let nextId = 1;
let installed = false;

function runAll(): void {
  for (const [id, undo] of [...undos].reverse()) {
    undos.delete(id);
    try {
      undo();
    } catch {
      // best effort: the process is going away
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      process.exit(130);
    });
  }
}

/** Registers `undo` to run at exit; call the returned function once the thing is cleaned up normally. */
export function onExit(undo: () => void): () => void {
  install();
  const id = nextId++;
  undos.set(id, undo);
  return () => {
    undos.delete(id);
  };
}
