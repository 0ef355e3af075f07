import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * A lock file holding its owner's pid, so two processes never append to one changelog file. A
 * lock whose pid is gone (a crash) is taken over.
 */
export class FileLock {
  private constructor(private readonly path: string) {}

  static take(path: string): FileLock {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, String(process.pid), { flag: 'wx' });
        return new FileLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new Error(`${path}: in use by process ${pid}`);
      unlinkSync(path);
    }
    throw new Error(`${path}: could not be taken`);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
