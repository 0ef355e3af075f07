import * as tf from '@tensorflow/tfjs';

/** Which TensorFlow.js backend the process runs on, best first. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

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
  const forced = process.env.VIGIL_TF_BACKEND as BackendName | undefined;
  const order: BackendName[] = forced ? [forced] : ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      if (await tryBackend(name)) {
        log(`tensorflow.js backend: ${name}`);
        return name;
      }
    } catch (err) {
      log(`tensorflow.js backend ${name} unavailable: ${(err as Error).message.split('\n')[0]}`);
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

const nodeGpuPkg = '@tensorflow/tfjs-node-gpu';
const nodePkg = '@tensorflow/tfjs-node';

export { tf };
