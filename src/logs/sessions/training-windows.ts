import { tf } from '../../platform/ml/backend.js';
import { permutation, seededRandom } from '../../platform/random.js';
import { KeyVocabulary, windowsOf, type Window } from './key-vocabulary.js';
import type { Session } from './session-file.js';

/** Training data of the DeepLog LSTM: distinct windows, their tensors, the held-out split. */

export interface WindowTensors {
  xs: tf.Tensor2D;
  ys: tf.Tensor1D;
  ws: tf.Tensor1D;
}

export function windowId(w: Window): string {
  return `${w.history.join(',')}>${w.next}`;
}

/** The distinct (history, next) windows of the framed sessions, with how often each occurs. */
export function distinctWindows(sessions: readonly Session[], vocab: KeyVocabulary, history: number): { w: Window; n: number }[] {
  const counts = new Map<string, { w: Window; n: number }>();
  for (const s of sessions) {
    for (const w of windowsOf(vocab.frame(s, history), history)) {
      const id = windowId(w);
      const entry = counts.get(id);
      if (entry) entry.n++;
      else counts.set(id, { w, n: 1 });
    }
  }
  return [...counts.values()];
}

export function windowTensors(rows: readonly { w: Window; n: number }[], history: number, weight: (count: number) => number): WindowTensors {
  return {
    xs: tf.tensor2d(rows.map((r) => r.w.history), [rows.length, history], 'int32'),
    ys: tf.tensor1d(rows.map((r) => r.w.next), 'int32'),
    ws: tf.tensor1d(rows.map((r) => weight(r.n)), 'float32'),
  };
}

/** Weighted mean cross-entropy of the model on these windows (no training). */
export async function weightedLoss(model: tf.LayersModel, data: WindowTensors, vocabSize: number): Promise<number> {
  const total = tf.tidy(() => {
    const logits = model.predict(oneHotHistory(data.xs, vocabSize)) as tf.Tensor;
    const sum = tf.losses.softmaxCrossEntropy(tf.oneHot(data.ys, vocabSize), logits, data.ws, undefined, tf.Reduction.SUM);
    return tf.div(sum, tf.sum(data.ws));
  });
  const [loss] = await total.data();
  total.dispose();
  return loss!;
}

/** Seeded split of the sessions: a `fraction` held out (none when 0). */
export function holdOut(sessions: readonly Session[], fraction: number, seed: number): { fit: Session[]; held: Session[] } {
  if (fraction <= 0) return { fit: [...sessions], held: [] };
  const order = permutation(sessions.length, seededRandom(seed ^ 0x5eed));
  const cut = Math.round(sessions.length * fraction);
  const held = Array.from(order.subarray(0, cut), (i) => sessions[i]!);
  const fit = Array.from(order.subarray(cut), (i) => sessions[i]!);
  return { fit, held };
}

/**
 * Keys enter the LSTM one-hot, as in DeepLog. (An embedding layer would be smaller, but its
 * gradient needs a kernel the WASM backend lacks.)
 */
export function oneHotHistory(codes: tf.Tensor2D, vocabSize: number): tf.Tensor3D {
  return tf.cast(tf.oneHot(codes, vocabSize), 'float32') as tf.Tensor3D;
}
