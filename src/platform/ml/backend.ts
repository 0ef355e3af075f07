import * as tf from '@tensorflow/tfjs';
import { Gauge } from 'prom-client';
import { envChoice } from '../config/env-values.js';
import { registry } from '../metrics/registry.js';

/** Which backend this process's models run on (one process, one backend, whichever service asked). */
const backendInfo = new Gauge({
  name: 'vigil_model_backend_info',
  help: '1 for the TensorFlow.js backend the models run on.',
  labelNames: ['backend'] as const,
  registers: [registry],
});

/** Which TensorFlow.js backend the process runs on, best first. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
const BACKENDS: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

let chosen: Promise<BackendName> | undefined;

/**
 * Load the best backend that works here: tfjs-node-gpu > tfjs-node > WASM > pure JS.
 * The native packages are optional dependencies (they download libtensorflow on install), so
 * each is tried with a dynamic import and skipped when absent. Memoised: every caller shares one.
 */
export function initBackend(log: (msg: string) => void = (m) => console.error(m)): Promise<BackendName> {
  chosen ??= pickBackend(log);
  return chosen;
}

async function pickBackend(log: (msg: string) => void): Promise<BackendName> {
  const forced = envChoice(process.env, 'VIGIL_TF_BACKEND', BACKENDS, undefined);
  const order: readonly BackendName[] = forced ? [forced] : BACKENDS;
  for (const name of order) {
    try {
      if (await tryBackend(name)) {
        log(`tensorflow.js backend: ${name}`);
        backendInfo.labels(name).set(1);
        return name;
      }
    } catch (err) {
      // An optional native package that is not installed is the usual case, not news; one that
      // is installed and fails to load (a missing CUDA, a wrong libtensorflow) is, and so is
      // any failure of a backend VIGIL_TF_BACKEND asked for.
      if (forced || !notInstalled(err)) log(`tensorflow.js backend ${name} unavailable: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error('no TensorFlow.js backend could be loaded');
}

async function tryBackend(name: BackendName): Promise<boolean> {
  switch (name) {
    case 'tensorflow-gpu':
      // Module names held in variables so bundlers and tsc do not require them to exist.
      await import(/* @vite-ignore */ nodeGpuPkg);
      return tf.setBackend('tensorflow');
    case 'tensorflow':
      await import(/* @vite-ignore */ nodePkg);
      return tf.setBackend('tensorflow');
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return tf.setBackend('wasm');
    case 'cpu':
      return tf.setBackend('cpu');
  }
}

/** The import failed because the optional package itself is absent (not one of its own imports). */
function notInstalled(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === 'ERR_MODULE_NOT_FOUND' && [nodeGpuPkg, nodePkg].some((p) => e.message?.includes(`'${p}'`));
}

const nodeGpuPkg = '@tensorflow/tfjs-node-gpu';
const nodePkg = '@tensorflow/tfjs-node';

export { tf };
